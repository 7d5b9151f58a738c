package aws

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	fakeec2 "github.com/firedrill/firedrill/framework/internal/fakes/ec2"
)

// subnetsReply is DescribeSubnets' answer: a subnet in each zone, zone
// a's with an IPv6 block.
func subnetsReply() fakeec2.Reply {
	return fakeec2.SubnetsReply(fakeec2.Subnet{ID: "subnet-a", Zone: "eu-west-1a", CIDR: "10.0.1.0/24", IPv6: "2a05:d018::/64"},
		fakeec2.Subnet{ID: "subnet-b", Zone: "eu-west-1b", CIDR: "10.0.2.0/24"}, fakeec2.Subnet{ID: "subnet-c", Zone: "eu-west-1c", CIDR: "10.0.3.0/24"})
}

// zoneNow is the clock of zoneCluster's provider: what its ACLs are
// tagged and recorded as made at.
var zoneNow = time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)

func zoneCluster(t *testing.T, w *fakeec2.Wire) *Cluster {
	t.Helper()
	p := testProvider(t, w, &bytes.Buffer{})
	p.now = func() time.Time { return zoneNow }
	ec, err := p.client(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	return &Cluster{name: "fd-aws", p: p, ec: ec, run: "run-1", region: "eu-west-1", podSubnet: "10.244.0.0/16",
		subnets: map[string]string{"eu-west-1a": "subnet-a", "eu-west-1b": "subnet-b", "eu-west-1c": "subnet-c"}}
}

// madeACL is a network ACL as PartitionZone makes one for cluster fd-aws
// (subnet-c of zone c cut off, back to acl-0 when healed, on association
// assoc), and this machine's record of it.
func madeACL(id, assoc string, created time.Time) (fakeec2.ACL, aclRecord) {
	a := fakeec2.ACL{ID: id, Associations: [][2]string{{assoc, "subnet-c"}},
		Tags: map[string]string{TagCluster: "fd-aws", TagZone: "eu-west-1c", TagSubnet: "subnet-c", TagRestoreACL: "acl-0", TagRun: "run-1",
			TagCreated: created.UTC().Format(time.RFC3339)}}
	return a, aclRecord{ID: id, Region: "eu-west-1", Cluster: "fd-aws", Run: "run-1", Zone: "eu-west-1c", Subnet: "subnet-c", Restore: "acl-0", Created: created.UTC()}
}

func output(c *Cluster) string { return c.p.opts.Out.(*bytes.Buffer).String() }

// Cutting zone c off: its subnet moves to a new ACL, tagged with what to
// move it back to, that denies the other subnets (IPv4 and IPv6) and the
// pod range both ways before it allows the rest; healing moves it back
// and deletes the ACL. Every call runs through the real SDK.
func TestPartitionZoneWithANetworkACL(t *testing.T) {
	w := fakeec2.NewWire(t)
	original := fakeec2.ACL{ID: "acl-0", Associations: [][2]string{{"aclassoc-c", "subnet-c"}}}
	ours, _ := madeACL("acl-fd", "aclassoc-new", zoneNow)
	w.On("DescribeNetworkAcls",
		fakeec2.ACLsReply(original), // not cut off yet (the original ACL has no firedrill tags)
		fakeec2.ACLsReply(original), // the subnet's association
		fakeec2.ACLsReply(ours),     // cut off
		fakeec2.ACLsReply(ours),     // heal: the ACLs to undo
		fakeec2.ACLsReply(ours),     // heal: the ACL again, right before the subnet moves
		fakeec2.ACLsReply())         // healed
	w.On("DescribeSubnets", subnetsReply())
	w.On("CreateNetworkAcl", fakeec2.CreateACLReply("acl-fd", "vpc-1"))
	w.On("CreateNetworkAclEntry", fakeec2.EmptyReply("CreateNetworkAclEntry"))
	w.On("ReplaceNetworkAclAssociation", fakeec2.ReplaceReply("aclassoc-new"))
	w.On("DeleteNetworkAcl", fakeec2.EmptyReply("DeleteNetworkAcl"))
	c := zoneCluster(t, w)
	ctx := context.Background()

	if err := c.PartitionZone(ctx, "eu-west-1c"); err != nil {
		t.Fatal(err)
	}
	create := w.Of("CreateNetworkAcl")
	if len(create) != 1 || create[0].Get("VpcId") != "vpc-1" || create[0].Get("TagSpecification.1.ResourceType") != "network-acl" {
		t.Fatalf("CreateNetworkAcl: %v", create)
	}
	tags := map[string]string{}
	for i := 1; create[0].Get(fmt.Sprintf("TagSpecification.1.Tag.%d.Key", i)) != ""; i++ {
		tags[create[0].Get(fmt.Sprintf("TagSpecification.1.Tag.%d.Key", i))] = create[0].Get(fmt.Sprintf("TagSpecification.1.Tag.%d.Value", i))
	}
	for k, v := range map[string]string{TagCluster: "fd-aws", TagRun: "run-1", TagZone: "eu-west-1c", TagSubnet: "subnet-c", TagRestoreACL: "acl-0",
		TagCreated: "2026-12-04T16:00:00Z"} {
		if tags[k] != v {
			t.Errorf("ACL tag %s = %q, want %q (tags %v)", k, tags[k], v, tags)
		}
	}
	var entries []string
	for _, e := range w.Of("CreateNetworkAclEntry") {
		cidr := e.Get("CidrBlock") + e.Get("Ipv6CidrBlock")
		dir := "in"
		if e.Get("Egress") == "true" {
			dir = "out"
		}
		if e.Get("NetworkAclId") != "acl-fd" || e.Get("Protocol") != "-1" {
			t.Errorf("entry on %s, protocol %s", e.Get("NetworkAclId"), e.Get("Protocol"))
		}
		entries = append(entries, fmt.Sprintf("%s %s %s %s", dir, e.Get("RuleNumber"), e.Get("RuleAction"), cidr))
	}
	want := []string{
		"in 100 deny 10.0.1.0/24", "in 101 deny 2a05:d018::/64", "in 102 deny 10.0.2.0/24", "in 103 deny 10.244.0.0/16",
		"in 32000 allow 0.0.0.0/0", "in 32001 allow ::/0",
		"out 100 deny 10.0.1.0/24", "out 101 deny 2a05:d018::/64", "out 102 deny 10.0.2.0/24", "out 103 deny 10.244.0.0/16",
		"out 32000 allow 0.0.0.0/0", "out 32001 allow ::/0",
	}
	if !slices.Equal(entries, want) {
		t.Errorf("entries:\n%s\nwant\n%s", strings.Join(entries, "\n"), strings.Join(want, "\n"))
	}
	replace := w.Of("ReplaceNetworkAclAssociation")
	if len(replace) != 1 || replace[0].Get("AssociationId") != "aclassoc-c" || replace[0].Get("NetworkAclId") != "acl-fd" {
		t.Errorf("ReplaceNetworkAclAssociation: %v", replace)
	}
	// The subnet's own ACL is never edited or deleted.
	for _, e := range w.Of("CreateNetworkAclEntry") {
		if e.Get("NetworkAclId") == "acl-0" {
			t.Error("the subnet's own ACL was edited")
		}
	}

	// The ACL's id is recorded with the tags it was made with.
	if rec, ok, err := c.p.readACLRecord("acl-fd"); err != nil || !ok || rec.Restore != "acl-0" || rec.Subnet != "subnet-c" ||
		rec.Cluster != "fd-aws" || rec.Region != "eu-west-1" || !rec.Created.Equal(zoneNow) {
		t.Errorf("record of acl-fd after the cut: %+v, %v, %v", rec, ok, err)
	}
	in, err := c.ZonePartitioned(ctx, "eu-west-1c")
	if err != nil || !in {
		t.Errorf("ZonePartitioned after the cut: %v, %v", in, err)
	}
	if err := c.HealZone(ctx, "eu-west-1c"); err != nil {
		t.Fatal(err)
	}
	replace = w.Of("ReplaceNetworkAclAssociation")
	if len(replace) != 2 || replace[1].Get("AssociationId") != "aclassoc-new" || replace[1].Get("NetworkAclId") != "acl-0" {
		t.Errorf("heal: ReplaceNetworkAclAssociation %v, want aclassoc-new back to acl-0", replace)
	}
	if del := w.Of("DeleteNetworkAcl"); len(del) != 1 || del[0].Get("NetworkAclId") != "acl-fd" {
		t.Errorf("heal: DeleteNetworkAcl %v", del)
	}
	if _, ok, _ := c.p.readACLRecord("acl-fd"); ok {
		t.Error("the record of acl-fd outlived its deletion")
	}
	if in, err := c.ZonePartitioned(ctx, "eu-west-1c"); err != nil || in {
		t.Errorf("ZonePartitioned after healing: %v, %v", in, err)
	}
	// The heal looked only for ACLs tagged for this cluster and zone.
	descs := w.Of("DescribeNetworkAcls")
	heal := descs[3]
	var filters []string
	for i := 1; heal.Get(fmt.Sprintf("Filter.%d.Name", i)) != ""; i++ {
		filters = append(filters, heal.Get(fmt.Sprintf("Filter.%d.Name", i))+"="+heal.Get(fmt.Sprintf("Filter.%d.Value.1", i)))
	}
	if !slices.Contains(filters, "tag:"+TagCluster+"=fd-aws") || !slices.Contains(filters, "tag:"+TagZone+"=eu-west-1c") {
		t.Errorf("heal's filters: %v", filters)
	}
}

// A failure after the ACL is made deletes it again, and the subnet stays
// on its own ACL; a zone with no subnet, or nothing to cut it off from,
// is an error before any call.
func TestPartitionZoneFailures(t *testing.T) {
	w := fakeec2.NewWire(t)
	original := fakeec2.ACL{ID: "acl-0", Associations: [][2]string{{"aclassoc-c", "subnet-c"}}}
	w.On("DescribeNetworkAcls", fakeec2.ACLsReply(original))
	w.On("DescribeSubnets", subnetsReply())
	w.On("CreateNetworkAcl", fakeec2.CreateACLReply("acl-fd", ""))
	w.On("CreateNetworkAclEntry", fakeec2.EmptyReply("CreateNetworkAclEntry"), fakeec2.ErrorReply(400, "NetworkAclEntryLimitExceeded", "too many entries"))
	w.On("DeleteNetworkAcl", fakeec2.EmptyReply("DeleteNetworkAcl"))
	c := zoneCluster(t, w)
	err := c.PartitionZone(context.Background(), "eu-west-1c")
	if err == nil || !strings.Contains(err.Error(), "NetworkAclEntryLimitExceeded") || !strings.Contains(err.Error(), "rule 101") {
		t.Errorf("err = %v", err)
	}
	if del := w.Of("DeleteNetworkAcl"); len(del) != 1 || del[0].Get("NetworkAclId") != "acl-fd" {
		t.Errorf("DeleteNetworkAcl after the failure: %v", del)
	}
	if n := len(w.Of("ReplaceNetworkAclAssociation")); n != 0 {
		t.Errorf("the subnet was moved %d times after a failure", n)
	}
	if _, ok, _ := c.p.readACLRecord("acl-fd"); ok {
		t.Error("the record of acl-fd outlived its deletion after the failure")
	}

	if err := c.PartitionZone(context.Background(), "eu-west-1d"); err == nil || !strings.Contains(err.Error(), `no subnet in zone "eu-west-1d"`) {
		t.Errorf("unknown zone: %v", err)
	}
	c.subnets = map[string]string{"eu-west-1a": "subnet-a"}
	if err := c.PartitionZone(context.Background(), "eu-west-1a"); err == nil || !strings.Contains(err.Error(), "no subnet outside zone eu-west-1a") {
		t.Errorf("one zone: %v", err)
	}
}

// The fault's own path: a partition of every node of zone c on an aws
// cluster is the ACL, found through cluster.ZonePartitioner.
var _ cluster.ZonePartitioner = (*Cluster)(nil)

// Leftover ACLs this machine made: listed by age with the instances,
// healed with Terminate.
func TestLeftoverNetworkACLs(t *testing.T) {
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	old, oldRec := madeACL("acl-old", "aclassoc-1", now.Add(-7*time.Hour))
	old.Tags[TagRun], oldRec.Run = "run-0", "run-0"
	young := fakeec2.ACL{ID: "acl-young", Associations: [][2]string{{"aclassoc-2", "subnet-b"}},
		Tags: map[string]string{TagCluster: "fd-other", TagZone: "eu-west-1b", TagRestoreACL: "acl-9", TagRun: "run-9", TagCreated: now.Add(-time.Hour).Format(time.RFC3339)}}
	for _, heal := range []bool{false, true} {
		w := fakeec2.NewWire(t)
		w.On("DescribeInstances", fakeec2.DescribeReply(""))
		w.On("DescribeNetworkAcls", fakeec2.ACLsReply(old, young))
		w.On("ReplaceNetworkAclAssociation", fakeec2.ReplaceReply("aclassoc-3"))
		w.On("DeleteNetworkAcl", fakeec2.EmptyReply("DeleteNetworkAcl"))
		var out bytes.Buffer
		p := testProvider(t, w, &out)
		if err := p.writeACLRecord(oldRec); err != nil {
			t.Fatal(err)
		}
		found, err := p.Leftovers(context.Background(), LeftoversInput{Region: "eu-west-1", OlderThan: 6 * time.Hour, Terminate: heal, Out: &out, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 || found[0].ID != "acl-old" || found[0].Cluster != "fd-aws" {
			t.Errorf("heal=%v: found %+v, want acl-old only", heal, found)
		}
		if !strings.Contains(out.String(), "network ACL acl-old: cluster fd-aws, zone eu-west-1c cut off (subnet-c), run run-0") {
			t.Errorf("heal=%v: output %q", heal, out.String())
		}
		replace, del := w.Of("ReplaceNetworkAclAssociation"), w.Of("DeleteNetworkAcl")
		if !heal && (len(replace) != 0 || len(del) != 0) {
			t.Errorf("a listing changed ACLs: %v %v", replace, del)
		}
		if heal && (len(replace) != 1 || replace[0].Get("NetworkAclId") != "acl-0" || len(del) != 1 || del[0].Get("NetworkAclId") != "acl-old") {
			t.Errorf("heal: replace %v, delete %v", replace, del)
		}
	}
}

// Healing trusts no tag alone: an ACL tagged for the cluster and zone
// that this machine has no record of making (another machine's run, or
// tags set by hand), and one it recorded whose restore tag was rewritten
// since, are named on the provider's output with the commands to heal
// them by hand, and neither is moved nor deleted.
func TestHealZoneLeavesACLsItDidNotMake(t *testing.T) {
	w := fakeec2.NewWire(t)
	stranger, _ := madeACL("acl-stranger", "aclassoc-s", zoneNow)
	stranger.Tags[TagRestoreACL] = "acl-9"
	tampered, rec := madeACL("acl-fd", "aclassoc-new", zoneNow)
	tampered.Tags[TagRestoreACL] = "acl-evil"
	w.On("DescribeNetworkAcls", fakeec2.ACLsReply(stranger, tampered))
	c := zoneCluster(t, w)
	if err := c.p.writeACLRecord(rec); err != nil {
		t.Fatal(err)
	}
	if err := c.HealZone(context.Background(), "eu-west-1c"); err != nil {
		t.Fatal(err)
	}
	if replace, del := w.Of("ReplaceNetworkAclAssociation"), w.Of("DeleteNetworkAcl"); len(replace) != 0 || len(del) != 0 {
		t.Errorf("ACLs this machine did not make (or whose tags changed) were acted on: replace %v, delete %v", replace, del)
	}
	out := output(c)
	for _, want := range []string{
		"not ours: network ACL acl-stranger", "this machine has no record of making it",
		"aws ec2 replace-network-acl-association --region eu-west-1 --association-id aclassoc-s --network-acl-id acl-9 && aws ec2 delete-network-acl --region eu-west-1 --network-acl-id acl-stranger",
		"not ours: network ACL acl-fd", `firedrill:restore-acl is "acl-evil", recorded "acl-0"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, ok, _ := c.p.readACLRecord("acl-fd"); !ok {
		t.Error("the record of acl-fd was dropped though the ACL was left")
	}
}

// The heal describes the ACL again right before it moves the subnet: what
// the listing showed may have changed in between. A restore tag rewritten
// since stops it before any move; an ACL gone since is healed already
// (its record goes); a subnet firedrill did not move to the ACL is not
// moved back by it, and the ACL is kept for it.
func TestHealRechecksTheACLBeforeMovingItsSubnet(t *testing.T) {
	listed, rec := madeACL("acl-fd", "aclassoc-new", zoneNow)
	rewritten, _ := madeACL("acl-fd", "aclassoc-new", zoneNow)
	rewritten.Tags[TagRestoreACL] = "acl-evil"
	crowded, _ := madeACL("acl-fd", "aclassoc-new", zoneNow)
	crowded.Associations = append(crowded.Associations, [2]string{"aclassoc-b", "subnet-b"})
	for _, tc := range []struct {
		name       string
		now        fakeec2.Reply
		err        string
		replace    []string // association ids moved back to acl-0
		deleted    bool
		recordKept bool
	}{
		{name: "tag rewritten", now: fakeec2.ACLsReply(rewritten), err: "changed since it was listed", recordKept: true},
		{name: "gone", now: fakeec2.ACLsReply()},
		{name: "another subnet on it", now: fakeec2.ACLsReply(crowded), err: "also holds subnets subnet-b", replace: []string{"aclassoc-new"}, recordKept: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := fakeec2.NewWire(t)
			w.On("DescribeNetworkAcls", fakeec2.ACLsReply(listed), tc.now)
			w.On("ReplaceNetworkAclAssociation", fakeec2.ReplaceReply("aclassoc-back"))
			w.On("DeleteNetworkAcl", fakeec2.EmptyReply("DeleteNetworkAcl"))
			c := zoneCluster(t, w)
			if err := c.p.writeACLRecord(rec); err != nil {
				t.Fatal(err)
			}
			err := c.HealZone(context.Background(), "eu-west-1c")
			if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("HealZone: %v, want %q", err, tc.err)
			}
			descs := w.Of("DescribeNetworkAcls")
			if len(descs) != 2 || descs[1].Get("Filter.1.Name") != "network-acl-id" || descs[1].Get("Filter.1.Value.1") != "acl-fd" {
				t.Errorf("DescribeNetworkAcls: %v, want the listing then acl-fd by its id", descs)
			}
			var moved []string
			for _, r := range w.Of("ReplaceNetworkAclAssociation") {
				if r.Get("NetworkAclId") != "acl-0" {
					t.Errorf("a subnet moved to %s", r.Get("NetworkAclId"))
				}
				moved = append(moved, r.Get("AssociationId"))
			}
			if !slices.Equal(moved, tc.replace) {
				t.Errorf("moved back %v, want %v", moved, tc.replace)
			}
			if del := w.Of("DeleteNetworkAcl"); (len(del) != 0) != tc.deleted {
				t.Errorf("DeleteNetworkAcl: %v, want deleted %v", del, tc.deleted)
			}
			if _, ok, _ := c.p.readACLRecord("acl-fd"); ok != tc.recordKept {
				t.Errorf("record kept %v, want %v", ok, tc.recordKept)
			}
		})
	}
}

// `clean --provider aws --yes` heals only an ACL this machine recorded
// whose tags still match: one without a creation tag, one this machine
// has no record of, and one it recorded whose creation tag is gone are
// named as not ours and left, with or without --yes.
func TestLeftoversLeaveACLsNotOurs(t *testing.T) {
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	made := now.Add(-7 * time.Hour)
	mine, mineRec := madeACL("acl-mine", "aclassoc-1", made)
	unrecorded, _ := madeACL("acl-unrecorded", "aclassoc-2", made)
	undated, _ := madeACL("acl-undated", "aclassoc-3", made)
	delete(undated.Tags, TagCreated)
	undatedMine, undatedRec := madeACL("acl-undated-mine", "aclassoc-4", made)
	delete(undatedMine.Tags, TagCreated)
	for _, heal := range []bool{false, true} {
		w := fakeec2.NewWire(t)
		w.On("DescribeInstances", fakeec2.DescribeReply(""))
		w.On("DescribeNetworkAcls", fakeec2.ACLsReply(mine, unrecorded, undated, undatedMine), fakeec2.ACLsReply(mine))
		w.On("ReplaceNetworkAclAssociation", fakeec2.ReplaceReply("aclassoc-back"))
		w.On("DeleteNetworkAcl", fakeec2.EmptyReply("DeleteNetworkAcl"))
		var out bytes.Buffer
		p := testProvider(t, w, &out)
		for _, r := range []aclRecord{mineRec, undatedRec} {
			if err := p.writeACLRecord(r); err != nil {
				t.Fatal(err)
			}
		}
		found, err := p.Leftovers(context.Background(), LeftoversInput{Region: "eu-west-1", OlderThan: 6 * time.Hour, Terminate: heal, Out: &out, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 || found[0].ID != "acl-mine" {
			t.Errorf("heal=%v: found %+v, want acl-mine alone", heal, found)
		}
		for _, want := range []string{
			"not ours: network ACL acl-unrecorded", "no record of making it",
			"not ours: network ACL acl-undated (", "no " + TagCreated + " tag",
			"not ours: network ACL acl-undated-mine",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("heal=%v: output lacks %q:\n%s", heal, want, out.String())
			}
		}
		replace, del := w.Of("ReplaceNetworkAclAssociation"), w.Of("DeleteNetworkAcl")
		if !heal && (len(replace) != 0 || len(del) != 0) {
			t.Errorf("a listing changed ACLs: %v %v", replace, del)
		}
		if heal && (len(replace) != 1 || replace[0].Get("AssociationId") != "aclassoc-1" || len(del) != 1 || del[0].Get("NetworkAclId") != "acl-mine") {
			t.Errorf("heal: replace %v, delete %v, want acl-mine's alone", replace, del)
		}
	}
}

// A subnet already on an ACL tagged for the cluster that this machine did
// not make is not "already cut off": PartitionZone refuses, since a heal
// of its own would leave the other's cut in place.
func TestPartitionZoneRefusesASubnetOnAnACLItDidNotMake(t *testing.T) {
	w := fakeec2.NewWire(t)
	stranger, _ := madeACL("acl-stranger", "aclassoc-s", zoneNow)
	w.On("DescribeNetworkAcls", fakeec2.ACLsReply(stranger))
	c := zoneCluster(t, w)
	err := c.PartitionZone(context.Background(), "eu-west-1c")
	if err == nil || !strings.Contains(err.Error(), "acl-stranger") || !strings.Contains(err.Error(), "not ours") {
		t.Errorf("PartitionZone: %v, want a refusal naming acl-stranger", err)
	}
	if n := len(w.Of("CreateNetworkAcl")); n != 0 {
		t.Errorf("%d CreateNetworkAcl calls after a refusal", n)
	}
}
