package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/firedrill/firedrill/framework/cluster"
)

// A lost zone network on EC2 is a network ACL: the zone's subnet is moved
// from its own ACL to one the harness makes, which denies every packet to
// and from the cluster's other subnets (and its pod range), both ways,
// and allows everything else, so the harness still reaches the zone's
// nodes over SSH. Traffic inside the subnet never crosses an ACL: the
// zone's nodes keep talking among themselves. Healing moves the subnet
// back to the ACL it had and deletes the harness's.
//
// The ACL is tagged with the cluster, the run, the zone, the subnet, the
// ACL to move it back to and when it was made, and its id is recorded on
// this machine with the same (aclRecord). Tags alone prove nothing: anyone
// who may tag an ACL could have firedrill move subnets to the ACL a tag
// names. So healing acts only on an ACL whose id this machine recorded
// and whose tags still say what the record does; another process of this
// machine (`firedrill clean`, `firedrill clean --provider aws`) heals what
// a killed run left, and any other ACL is named and left.
const (
	TagZone       = "firedrill:zone"
	TagSubnet     = "firedrill:subnet"
	TagRestoreACL = "firedrill:restore-acl"
	TagCreated    = "firedrill:created"
)

// Rule numbers of the harness's ACL: the denials come first (an ACL's
// rules are evaluated lowest number first), the allowance of everything
// else last.
const (
	firstDenyRule = 100
	allowRule     = 32000
)

// PartitionZone implements cluster.ZonePartitioner.
func (c *Cluster) PartitionZone(ctx context.Context, zone string) error {
	subnet, others, err := c.zoneSubnets(zone)
	if err != nil {
		return err
	}
	if done, err := c.cutByUs(ctx, zone, subnet); err != nil || done {
		return err
	}
	nets, err := subnets(ctx, c.ec, append([]string{subnet}, others...))
	if err != nil {
		return err
	}
	own := nets[subnet]
	var deny []string
	for _, o := range others {
		deny = append(deny, nets[o].cidrs...)
	}
	if c.podSubnet != "" {
		deny = append(deny, c.podSubnet)
	}
	assoc, current, err := association(ctx, c.ec, subnet)
	if err != nil {
		return err
	}
	rec := aclRecord{Region: c.region, Cluster: c.name, Run: c.run, Zone: zone, Subnet: subnet, Restore: current,
		Created: c.p.now().UTC().Truncate(time.Second)}
	created, err := c.ec.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(own.vpc),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeNetworkAcl, Tags: []types.Tag{
			tag(TagCluster, c.name), tag(TagRun, c.run), tag(TagZone, zone), tag(TagSubnet, subnet),
			tag(TagRestoreACL, current), tag(TagCreated, rec.Created.Format(time.RFC3339)),
			tag("Name", "firedrill "+c.name+": "+zone+" cut off"),
		}}}})
	if err != nil {
		return fmt.Errorf("ec2 CreateNetworkAcl in %s (to cut zone %s off): %w", own.vpc, zone, err)
	}
	rec.ID = aws.ToString(created.NetworkAcl.NetworkAclId)
	acl := rec.ID
	// From here on a failure deletes the ACL again: nothing is cut off
	// until the subnet is moved to it.
	undo := func(err error) error {
		if _, derr := c.ec.DeleteNetworkAcl(context.WithoutCancel(ctx), &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(acl)}); derr != nil {
			return errors.Join(err, fmt.Errorf("ec2 DeleteNetworkAcl %s (tagged %s=%s, recorded in %s, left for firedrill clean): %w", acl, TagCluster, c.name, c.p.aclRecordPath(acl), derr))
		}
		return errors.Join(err, c.p.forgetACL(acl))
	}
	// Recorded before the subnet moves: healing needs the record.
	if err := c.p.writeACLRecord(rec); err != nil {
		return undo(fmt.Errorf("record network ACL %s (zone %s): %w", acl, zone, err))
	}
	for _, e := range aclEntries(deny) {
		e.NetworkAclId = aws.String(acl)
		if _, err := c.ec.CreateNetworkAclEntry(ctx, &e); err != nil {
			return undo(fmt.Errorf("ec2 CreateNetworkAclEntry %s rule %d: %w", acl, aws.ToInt32(e.RuleNumber), err))
		}
	}
	if _, err := c.ec.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{
		AssociationId: aws.String(assoc), NetworkAclId: aws.String(acl)}); err != nil {
		return undo(fmt.Errorf("ec2 ReplaceNetworkAclAssociation %s (subnet %s) to %s: %w", assoc, subnet, acl, err))
	}
	return nil
}

// cutByUs says whether the zone's subnet is already on a network ACL this
// machine made for the cluster. A subnet on one tagged for the cluster
// that this machine did not make is an error: cutting it off again would
// have a heal of ours leave it cut off by the other.
func (c *Cluster) cutByUs(ctx context.Context, zone, subnet string) (bool, error) {
	acls, err := taggedACLs(ctx, c.ec, []types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{subnet}},
		{Name: aws.String("tag:" + TagCluster), Values: []string{c.name}},
	})
	if err != nil {
		return false, err
	}
	for _, a := range acls {
		_, why, err := c.p.ownACL(a)
		if err != nil {
			return false, err
		}
		if why != "" {
			return false, fmt.Errorf("not cutting zone %s off: its subnet %s is already on network ACL %s, tagged %s=%s but not ours (%s). %s",
				zone, subnet, a.id, TagCluster, a.cluster, why, healHelp(c.region, a))
		}
	}
	return len(acls) > 0, nil
}

// HealZone implements cluster.ZonePartitioner: every ACL this machine
// made for the cluster and zone (any zone when empty) gives its subnet
// back to the ACL it had and is deleted. One tagged so that this machine
// did not make, or whose tags no longer say what its record does, is
// named on the provider's output and left.
func (c *Cluster) HealZone(ctx context.Context, zone string) error {
	filters := []types.Filter{{Name: aws.String("tag:" + TagCluster), Values: []string{c.name}}}
	if zone != "" {
		filters = append(filters, types.Filter{Name: aws.String("tag:" + TagZone), Values: []string{zone}})
	}
	acls, err := taggedACLs(ctx, c.ec, filters)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range acls {
		rec, why, err := c.p.ownACL(a)
		switch {
		case err != nil:
			errs = append(errs, err)
		case why != "":
			fmt.Fprintf(c.p.opts.Out, "not ours: network ACL %s (tagged %s=%s, zone %s, subnets %s) %s: left as it is. %s\n",
				a.id, TagCluster, a.cluster, a.zone, strings.Join(slices.Sorted(maps.Keys(a.associations)), ", "), why, healHelp(c.region, a))
		default:
			errs = append(errs, c.p.heal(ctx, c.ec, rec))
		}
	}
	return errors.Join(errs...)
}

// ZonePartitioned implements cluster.ZonePartitioner: the zone's subnet
// is on an ACL tagged for this cluster. Whoever made the ACL, the zone is
// cut off: a question, unlike healing, that tags may answer.
func (c *Cluster) ZonePartitioned(ctx context.Context, zone string) (bool, error) {
	subnet, _, err := c.zoneSubnets(zone)
	if err != nil {
		return false, err
	}
	acls, err := taggedACLs(ctx, c.ec, []types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{subnet}},
		{Name: aws.String("tag:" + TagCluster), Values: []string{c.name}},
	})
	return len(acls) > 0, err
}

// ZonePartitionDesc implements cluster.ZonePartitioner.
func (c *Cluster) ZonePartitionDesc() string {
	return "move the zone's subnet to a network ACL that denies the cluster's other subnets and pod range both ways, then move it back"
}

// zoneSubnets are the zone's subnet and the cluster's others.
func (c *Cluster) zoneSubnets(zone string) (string, []string, error) {
	subnet := c.subnets[zone]
	if subnet == "" {
		return "", nil, fmt.Errorf("cluster %s has no subnet in zone %q (its zones: %s)", c.name, zone, strings.Join(slices.Sorted(maps.Keys(c.subnets)), ", "))
	}
	var others []string
	for z, s := range c.subnets {
		if z != zone && s != subnet && !slices.Contains(others, s) {
			others = append(others, s)
		}
	}
	slices.Sort(others)
	if len(others) == 0 {
		return "", nil, fmt.Errorf("cluster %s has no subnet outside zone %s to cut it off from", c.name, zone)
	}
	return subnet, others, nil
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

// aclEntries deny every packet to and from each prefix (IPv4 or IPv6),
// then allow the rest, both ways.
func aclEntries(deny []string) []ec2.CreateNetworkAclEntryInput {
	var out []ec2.CreateNetworkAclEntryInput
	entry := func(egress bool, n int32, action types.RuleAction, cidr string) ec2.CreateNetworkAclEntryInput {
		e := ec2.CreateNetworkAclEntryInput{Egress: aws.Bool(egress), RuleNumber: aws.Int32(n), RuleAction: action, Protocol: aws.String("-1")}
		if strings.Contains(cidr, ":") {
			e.Ipv6CidrBlock = aws.String(cidr)
		} else {
			e.CidrBlock = aws.String(cidr)
		}
		return e
	}
	for _, egress := range []bool{false, true} {
		for i, d := range deny {
			out = append(out, entry(egress, int32(firstDenyRule+i), types.RuleActionDeny, d))
		}
		out = append(out, entry(egress, allowRule, types.RuleActionAllow, "0.0.0.0/0"), entry(egress, allowRule+1, types.RuleActionAllow, "::/0"))
	}
	return out
}

// subnet is what an ACL needs of a subnet: its VPC and its prefixes.
type subnet struct {
	vpc   string
	cidrs []string
}

// subnets describes the subnets, every page of them.
func subnets(ctx context.Context, ec *ec2.Client, list []string) (map[string]subnet, error) {
	out := map[string]subnet{}
	pages := ec2.NewDescribeSubnetsPaginator(ec, &ec2.DescribeSubnetsInput{SubnetIds: list})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ec2 DescribeSubnets %s: %w", strings.Join(list, ", "), err)
		}
		for _, s := range page.Subnets {
			n := subnet{vpc: aws.ToString(s.VpcId)}
			if s.CidrBlock != nil {
				n.cidrs = append(n.cidrs, *s.CidrBlock)
			}
			for _, a := range s.Ipv6CidrBlockAssociationSet {
				if a.Ipv6CidrBlock != nil {
					n.cidrs = append(n.cidrs, *a.Ipv6CidrBlock)
				}
			}
			out[aws.ToString(s.SubnetId)] = n
		}
	}
	for _, id := range list {
		if _, ok := out[id]; !ok {
			return nil, fmt.Errorf("ec2 DescribeSubnets: subnet %s not found", id)
		}
	}
	return out, nil
}

// association is the subnet's ACL association and the ACL it is on.
func association(ctx context.Context, ec *ec2.Client, subnet string) (assoc, acl string, err error) {
	acls, err := networkACLs(ctx, ec, []types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{subnet}}})
	if err != nil {
		return "", "", fmt.Errorf("the network ACL of subnet %s: %w", subnet, err)
	}
	for _, a := range acls {
		for _, as := range a.Associations {
			if aws.ToString(as.SubnetId) == subnet {
				return aws.ToString(as.NetworkAclAssociationId), aws.ToString(a.NetworkAclId), nil
			}
		}
	}
	return "", "", fmt.Errorf("ec2 DescribeNetworkAcls: subnet %s is on no network ACL", subnet)
}

// networkACLs lists the network ACLs that match filters, every page.
func networkACLs(ctx context.Context, ec *ec2.Client, filters []types.Filter) ([]types.NetworkAcl, error) {
	var out []types.NetworkAcl
	pages := ec2.NewDescribeNetworkAclsPaginator(ec, &ec2.DescribeNetworkAclsInput{Filters: filters})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ec2 DescribeNetworkAcls: %w", err)
		}
		out = append(out, page.NetworkAcls...)
	}
	return out, nil
}

// taggedACL is a network ACL tagged as firedrill's, as EC2 shows it.
type taggedACL struct {
	id, cluster, run, zone, subnet, restore string
	created                                 time.Time
	associations                            map[string]string // subnet -> association id
}

func aclOf(a types.NetworkAcl) taggedACL {
	t := taggedACL{id: aws.ToString(a.NetworkAclId), associations: map[string]string{}}
	for _, tg := range a.Tags {
		v := aws.ToString(tg.Value)
		switch aws.ToString(tg.Key) {
		case TagCluster:
			t.cluster = v
		case TagRun:
			t.run = v
		case TagZone:
			t.zone = v
		case TagSubnet:
			t.subnet = v
		case TagRestoreACL:
			t.restore = v
		case TagCreated:
			t.created, _ = time.Parse(time.RFC3339, v)
		}
	}
	for _, as := range a.Associations {
		t.associations[aws.ToString(as.SubnetId)] = aws.ToString(as.NetworkAclAssociationId)
	}
	return t
}

// taggedACLs lists the network ACLs tagged as firedrill's that match
// filters. The tags say what to look at, never what to act on: that takes
// ownACL.
func taggedACLs(ctx context.Context, ec *ec2.Client, filters []types.Filter) ([]taggedACL, error) {
	filters = append(filters, types.Filter{Name: aws.String("tag-key"), Values: []string{TagRestoreACL}})
	acls, err := networkACLs(ctx, ec, filters)
	if err != nil {
		return nil, err
	}
	var out []taggedACL
	for _, a := range acls {
		if t := aclOf(a); t.cluster != "" && t.restore != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// heal gives the recorded subnet back to the recorded ACL, then deletes
// firedrill's ACL and its record. The ACL is described again right
// before, and its tags checked against the record once more: the listing
// that chose it may be minutes old (another process healed it, someone
// edited a tag). The association id this answer gives is what the
// replacement names, and EC2 makes a new one at every move, so if the
// subnet moved in between, EC2 refuses the replacement rather than
// moving it from wherever it is now.
func (p *Provider) heal(ctx context.Context, ec *ec2.Client, rec aclRecord) error {
	list, err := networkACLs(ctx, ec, []types.Filter{{Name: aws.String("network-acl-id"), Values: []string{rec.ID}}})
	if err != nil {
		return fmt.Errorf("network ACL %s (zone %s cut off) before healing it: %w", rec.ID, rec.Zone, err)
	}
	i := slices.IndexFunc(list, func(a types.NetworkAcl) bool { return aws.ToString(a.NetworkAclId) == rec.ID })
	if i < 0 {
		// EC2 deletes no ACL a subnet is on: whoever deleted it healed
		// the zone.
		return p.forgetACL(rec.ID)
	}
	a := aclOf(list[i])
	if d := rec.differs(a); d != "" {
		return fmt.Errorf("network ACL %s (zone %s cut off) changed since it was listed, %s: left as it is", rec.ID, rec.Zone, d)
	}
	var strangers []string
	for _, s := range slices.Sorted(maps.Keys(a.associations)) {
		if s != rec.Subnet {
			strangers = append(strangers, s)
			continue
		}
		if _, err := ec.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{
			AssociationId: aws.String(a.associations[s]), NetworkAclId: aws.String(rec.Restore)}); err != nil {
			return fmt.Errorf("ec2 ReplaceNetworkAclAssociation of subnet %s back to %s (from %s, zone %s cut off): %w", s, rec.Restore, rec.ID, rec.Zone, err)
		}
	}
	// Firedrill moved one subnet to its ACL; where the others go back to
	// is known only to whoever moved them.
	if len(strangers) > 0 {
		return fmt.Errorf("network ACL %s (zone %s) also holds subnets %s, which firedrill did not move to it: they and the ACL are left as they are", rec.ID, rec.Zone, strings.Join(strangers, ", "))
	}
	if _, err := ec.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(rec.ID)}); err != nil {
		return fmt.Errorf("ec2 DeleteNetworkAcl %s (zone %s back on %s): %w", rec.ID, rec.Zone, rec.Restore, err)
	}
	return p.forgetACL(rec.ID)
}

// healHelp is what a person runs to heal on purpose a zone that a network
// ACL this machine did not make cuts off: firedrill does not, since only
// that person can tell whether the ACL its tag names is the subnet's own.
func healHelp(region string, a taggedACL) string {
	var moves []string
	for _, s := range slices.Sorted(maps.Keys(a.associations)) {
		moves = append(moves, fmt.Sprintf("aws ec2 replace-network-acl-association --region %s --association-id %s --network-acl-id %s", region, a.associations[s], a.restore))
	}
	moves = append(moves, fmt.Sprintf("aws ec2 delete-network-acl --region %s --network-acl-id %s", region, a.id))
	if len(a.associations) == 0 {
		return "To delete it on purpose: " + moves[0]
	}
	return fmt.Sprintf("To heal it on purpose, once you know %s is the own ACL of %s: %s",
		a.restore, strings.Join(slices.Sorted(maps.Keys(a.associations)), ", "), strings.Join(moves, " && "))
}

// aclRecord is this machine's record of a network ACL PartitionZone made
// (aws-network-acls/<id>.json), with the tags it was made with: written
// as soon as EC2 names the ACL, removed once it is deleted. It is kept
// apart from the cluster's record, which Delete removes, so that a zone
// left cut off by a killed run can still be healed after its cluster is
// gone.
type aclRecord struct {
	ID      string    `json:"id"`
	Region  string    `json:"region,omitempty"`
	Cluster string    `json:"cluster"`
	Run     string    `json:"run"`
	Zone    string    `json:"zone"`
	Subnet  string    `json:"subnet"`
	Restore string    `json:"restore"` // the ACL the subnet goes back to
	Created time.Time `json:"created"`
}

func (p *Provider) aclRecordPath(id string) string {
	return filepath.Join(p.opts.StateDir, "aws-network-acls", id+".json")
}

// readACLRecord reads the record of an ACL id. An id that could name a
// path outside the records' folder is no id EC2 gives: not recorded.
func (p *Provider) readACLRecord(id string) (aclRecord, bool, error) {
	var r aclRecord
	if id == "" || filepath.Base(id) != id || strings.HasPrefix(id, ".") {
		return r, false, nil
	}
	ok, err := cluster.ReadRecord(p.aclRecordPath(id), &r)
	if ok && r.ID != id {
		return r, false, fmt.Errorf("%s records network ACL %q", p.aclRecordPath(id), r.ID)
	}
	return r, ok, err
}

// writeACLRecord writes the record, except in a dry run, which makes
// nothing.
func (p *Provider) writeACLRecord(r aclRecord) error {
	if p.opts.DryRun {
		return nil
	}
	return cluster.WriteRecord(p.aclRecordPath(r.ID), r)
}

func (p *Provider) forgetACL(id string) error {
	if err := os.Remove(p.aclRecordPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("forget network ACL %s: %w", id, err)
	}
	return nil
}

// ownACL says whether a network ACL tagged as firedrill's is one this
// machine made: its id is recorded here and every tag PartitionZone set
// still says what the record does. If not, why says what is missing or
// differs, and the ACL is not to be touched.
func (p *Provider) ownACL(a taggedACL) (rec aclRecord, why string, err error) {
	if a.created.IsZero() {
		return rec, "no " + TagCreated + " tag", nil
	}
	rec, ok, err := p.readACLRecord(a.id)
	if err != nil {
		return rec, "", err
	}
	if !ok {
		return rec, "this machine has no record of making it (" + p.aclRecordPath(a.id) + ")", nil
	}
	if d := rec.differs(a); d != "" {
		return rec, "its tags differ from this machine's record of it (" + p.aclRecordPath(a.id) + "): " + d, nil
	}
	return rec, "", nil
}

// differs names each tag of the ACL that does not say what the record
// does; empty when every one does.
func (r aclRecord) differs(a taggedACL) string {
	var d []string
	for _, f := range []struct{ key, got, want string }{
		{TagCluster, a.cluster, r.Cluster}, {TagRun, a.run, r.Run}, {TagZone, a.zone, r.Zone},
		{TagSubnet, a.subnet, r.Subnet}, {TagRestoreACL, a.restore, r.Restore},
	} {
		if f.got != f.want {
			d = append(d, fmt.Sprintf("%s is %q, recorded %q", f.key, f.got, f.want))
		}
	}
	if !a.created.Equal(r.Created) {
		d = append(d, fmt.Sprintf("%s is %q, recorded %q", TagCreated, formatCreated(a.created), formatCreated(r.Created)))
	}
	return strings.Join(d, "; ")
}

func formatCreated(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
