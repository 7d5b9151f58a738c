package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// A lost zone network on EC2 is a network ACL: the zone's subnet is moved
// from its own ACL to one the harness makes, which denies every packet to
// and from the cluster's other subnets (and its pod range), both ways,
// and allows everything else, so the harness still reaches the zone's
// nodes over SSH. Traffic inside the subnet never crosses an ACL: the
// zone's nodes keep talking among themselves. Healing moves the subnet
// back to the ACL it had and deletes the harness's.
//
// The ACL is tagged with the cluster, the run, the zone, the subnet and
// the ACL to move it back to, so healing needs nothing but the cloud:
// another process (`firedrill clean`, `firedrill clean --provider aws`)
// heals what a killed run left.
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
	if in, err := c.ZonePartitioned(ctx, zone); err != nil || in {
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
	created, err := c.ec.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(own.vpc),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeNetworkAcl, Tags: []types.Tag{
			tag(TagCluster, c.name), tag(TagRun, c.run), tag(TagZone, zone), tag(TagSubnet, subnet),
			tag(TagRestoreACL, current), tag(TagCreated, time.Now().UTC().Format(time.RFC3339)),
			tag("Name", "firedrill "+c.name+": "+zone+" cut off"),
		}}}})
	if err != nil {
		return fmt.Errorf("ec2 CreateNetworkAcl in %s (to cut zone %s off): %w", own.vpc, zone, err)
	}
	acl := aws.ToString(created.NetworkAcl.NetworkAclId)
	// From here on a failure deletes the ACL again: nothing is cut off
	// until the subnet is moved to it.
	undo := func(err error) error {
		if _, derr := c.ec.DeleteNetworkAcl(context.WithoutCancel(ctx), &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(acl)}); derr != nil {
			return errors.Join(err, fmt.Errorf("ec2 DeleteNetworkAcl %s (tagged %s=%s, left for firedrill clean): %w", acl, TagCluster, c.name, derr))
		}
		return err
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

// HealZone implements cluster.ZonePartitioner: every ACL tagged for the
// cluster and zone (any zone when empty) gives its subnets back to the ACL each had and is
// deleted.
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
		errs = append(errs, heal(ctx, c.ec, a))
	}
	return errors.Join(errs...)
}

// ZonePartitioned implements cluster.ZonePartitioner: the zone's subnet
// is on an ACL tagged for this cluster.
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

// taggedACL is a network ACL the harness made.
type taggedACL struct {
	id, cluster, run, zone, subnet, restore string
	created                                 time.Time
	associations                            map[string]string // subnet -> association id
}

// taggedACLs lists the network ACLs firedrill made that match filters.
func taggedACLs(ctx context.Context, ec *ec2.Client, filters []types.Filter) ([]taggedACL, error) {
	filters = append(filters, types.Filter{Name: aws.String("tag-key"), Values: []string{TagRestoreACL}})
	acls, err := networkACLs(ctx, ec, filters)
	if err != nil {
		return nil, err
	}
	var out []taggedACL
	for _, a := range acls {
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
		// Only what carries firedrill's cluster tag is ever touched.
		if t.cluster != "" && t.restore != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// heal moves every subnet on the harness's ACL back to the ACL it was
// moved from, then deletes the harness's ACL.
func heal(ctx context.Context, ec *ec2.Client, a taggedACL) error {
	for _, s := range slices.Sorted(maps.Keys(a.associations)) {
		if _, err := ec.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{
			AssociationId: aws.String(a.associations[s]), NetworkAclId: aws.String(a.restore)}); err != nil {
			return fmt.Errorf("ec2 ReplaceNetworkAclAssociation of subnet %s back to %s (from %s, zone %s cut off): %w", s, a.restore, a.id, a.zone, err)
		}
	}
	if _, err := ec.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(a.id)}); err != nil {
		return fmt.Errorf("ec2 DeleteNetworkAcl %s (zone %s back on %s): %w", a.id, a.zone, a.restore, err)
	}
	return nil
}
