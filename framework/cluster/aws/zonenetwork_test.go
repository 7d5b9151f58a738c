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
)

// acl is a network ACL as DescribeNetworkAcls shows it.
type acl struct {
	id           string
	associations [][2]string // association id, subnet
	tags         map[string]string
}

func (a acl) xml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<item><networkAclId>%s</networkAclId><vpcId>vpc-1</vpcId><default>%v</default><entrySet/><associationSet>", a.id, a.tags == nil)
	for _, as := range a.associations {
		fmt.Fprintf(&b, "<item><networkAclAssociationId>%s</networkAclAssociationId><networkAclId>%s</networkAclId><subnetId>%s</subnetId></item>", as[0], a.id, as[1])
	}
	b.WriteString("</associationSet><tagSet>")
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range a.tags {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "<item><key>%s</key><value>%s</value></item>", k, a.tags[k])
	}
	b.WriteString("</tagSet></item>")
	return b.String()
}

func aclsReply(list ...acl) reply {
	var items strings.Builder
	for _, a := range list {
		items.WriteString(a.xml())
	}
	return reply{body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><DescribeNetworkAclsResponse %s><requestId>req</requestId><networkAclSet>%s</networkAclSet></DescribeNetworkAclsResponse>`, ns, items.String())}
}

func subnetsReply() reply {
	item := func(id, zone, cidr, v6 string) string {
		s := fmt.Sprintf("<item><subnetId>%s</subnetId><vpcId>vpc-1</vpcId><availabilityZone>%s</availabilityZone><cidrBlock>%s</cidrBlock>", id, zone, cidr)
		if v6 != "" {
			s += "<ipv6CidrBlockAssociationSet><item><ipv6CidrBlock>" + v6 + "</ipv6CidrBlock><associationId>a</associationId></item></ipv6CidrBlockAssociationSet>"
		}
		return s + "</item>"
	}
	return reply{body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><DescribeSubnetsResponse %s><requestId>req</requestId><subnetSet>%s%s%s</subnetSet></DescribeSubnetsResponse>`, ns,
		item("subnet-a", "eu-west-1a", "10.0.1.0/24", "2a05:d018::/64"), item("subnet-b", "eu-west-1b", "10.0.2.0/24", ""), item("subnet-c", "eu-west-1c", "10.0.3.0/24", ""))}
}

func zoneCluster(t *testing.T, w *wire) *Cluster {
	t.Helper()
	p := testProvider(t, w, &bytes.Buffer{})
	ec, err := p.client(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	return &Cluster{name: "fd-aws", p: p, ec: ec, run: "run-1", podSubnet: "10.244.0.0/16",
		subnets: map[string]string{"eu-west-1a": "subnet-a", "eu-west-1b": "subnet-b", "eu-west-1c": "subnet-c"}}
}

// Cutting zone c off: its subnet moves to a new ACL, tagged with what to
// move it back to, that denies the other subnets (IPv4 and IPv6) and the
// pod range both ways before it allows the rest; healing moves it back
// and deletes the ACL. Every call runs through the real SDK.
func TestPartitionZoneWithANetworkACL(t *testing.T) {
	w := newWire(t)
	original := acl{id: "acl-0", associations: [][2]string{{"aclassoc-c", "subnet-c"}}}
	ours := acl{id: "acl-fd", associations: [][2]string{{"aclassoc-new", "subnet-c"}},
		tags: map[string]string{TagCluster: "fd-aws", TagZone: "eu-west-1c", TagSubnet: "subnet-c", TagRestoreACL: "acl-0", TagRun: "run-1"}}
	w.on("DescribeNetworkAcls",
		aclsReply(original), // not cut off yet (the original ACL has no firedrill tags)
		aclsReply(original), // the subnet's association
		aclsReply(ours),     // cut off
		aclsReply(ours),     // heal: the ACLs to undo
		aclsReply())         // healed
	w.on("DescribeSubnets", subnetsReply())
	w.on("CreateNetworkAcl", reply{body: `<?xml version="1.0" encoding="UTF-8"?><CreateNetworkAclResponse ` + ns + `><requestId>req</requestId><networkAcl><networkAclId>acl-fd</networkAclId><vpcId>vpc-1</vpcId><default>false</default></networkAcl></CreateNetworkAclResponse>`})
	w.on("CreateNetworkAclEntry", emptyReply("CreateNetworkAclEntry"))
	w.on("ReplaceNetworkAclAssociation", reply{body: `<?xml version="1.0" encoding="UTF-8"?><ReplaceNetworkAclAssociationResponse ` + ns + `><requestId>req</requestId><newAssociationId>aclassoc-new</newAssociationId></ReplaceNetworkAclAssociationResponse>`})
	w.on("DeleteNetworkAcl", emptyReply("DeleteNetworkAcl"))
	c := zoneCluster(t, w)
	ctx := context.Background()

	if err := c.PartitionZone(ctx, "eu-west-1c"); err != nil {
		t.Fatal(err)
	}
	create := w.of("CreateNetworkAcl")
	if len(create) != 1 || create[0].Get("VpcId") != "vpc-1" || create[0].Get("TagSpecification.1.ResourceType") != "network-acl" {
		t.Fatalf("CreateNetworkAcl: %v", create)
	}
	tags := map[string]string{}
	for i := 1; create[0].Get(fmt.Sprintf("TagSpecification.1.Tag.%d.Key", i)) != ""; i++ {
		tags[create[0].Get(fmt.Sprintf("TagSpecification.1.Tag.%d.Key", i))] = create[0].Get(fmt.Sprintf("TagSpecification.1.Tag.%d.Value", i))
	}
	for k, v := range map[string]string{TagCluster: "fd-aws", TagRun: "run-1", TagZone: "eu-west-1c", TagSubnet: "subnet-c", TagRestoreACL: "acl-0"} {
		if tags[k] != v {
			t.Errorf("ACL tag %s = %q, want %q (tags %v)", k, tags[k], v, tags)
		}
	}
	var entries []string
	for _, e := range w.of("CreateNetworkAclEntry") {
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
	replace := w.of("ReplaceNetworkAclAssociation")
	if len(replace) != 1 || replace[0].Get("AssociationId") != "aclassoc-c" || replace[0].Get("NetworkAclId") != "acl-fd" {
		t.Errorf("ReplaceNetworkAclAssociation: %v", replace)
	}
	// The subnet's own ACL is never edited or deleted.
	for _, e := range w.of("CreateNetworkAclEntry") {
		if e.Get("NetworkAclId") == "acl-0" {
			t.Error("the subnet's own ACL was edited")
		}
	}

	in, err := c.ZonePartitioned(ctx, "eu-west-1c")
	if err != nil || !in {
		t.Errorf("ZonePartitioned after the cut: %v, %v", in, err)
	}
	if err := c.HealZone(ctx, "eu-west-1c"); err != nil {
		t.Fatal(err)
	}
	replace = w.of("ReplaceNetworkAclAssociation")
	if len(replace) != 2 || replace[1].Get("AssociationId") != "aclassoc-new" || replace[1].Get("NetworkAclId") != "acl-0" {
		t.Errorf("heal: ReplaceNetworkAclAssociation %v, want aclassoc-new back to acl-0", replace)
	}
	if del := w.of("DeleteNetworkAcl"); len(del) != 1 || del[0].Get("NetworkAclId") != "acl-fd" {
		t.Errorf("heal: DeleteNetworkAcl %v", del)
	}
	if in, err := c.ZonePartitioned(ctx, "eu-west-1c"); err != nil || in {
		t.Errorf("ZonePartitioned after healing: %v, %v", in, err)
	}
	// The heal looked only for ACLs tagged for this cluster and zone.
	descs := w.of("DescribeNetworkAcls")
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
	w := newWire(t)
	original := acl{id: "acl-0", associations: [][2]string{{"aclassoc-c", "subnet-c"}}}
	w.on("DescribeNetworkAcls", aclsReply(original))
	w.on("DescribeSubnets", subnetsReply())
	w.on("CreateNetworkAcl", reply{body: `<?xml version="1.0" encoding="UTF-8"?><CreateNetworkAclResponse ` + ns + `><requestId>req</requestId><networkAcl><networkAclId>acl-fd</networkAclId></networkAcl></CreateNetworkAclResponse>`})
	w.on("CreateNetworkAclEntry", emptyReply("CreateNetworkAclEntry"), errorReply(400, "NetworkAclEntryLimitExceeded", "too many entries"))
	w.on("DeleteNetworkAcl", emptyReply("DeleteNetworkAcl"))
	c := zoneCluster(t, w)
	err := c.PartitionZone(context.Background(), "eu-west-1c")
	if err == nil || !strings.Contains(err.Error(), "NetworkAclEntryLimitExceeded") || !strings.Contains(err.Error(), "rule 101") {
		t.Errorf("err = %v", err)
	}
	if del := w.of("DeleteNetworkAcl"); len(del) != 1 || del[0].Get("NetworkAclId") != "acl-fd" {
		t.Errorf("DeleteNetworkAcl after the failure: %v", del)
	}
	if n := len(w.of("ReplaceNetworkAclAssociation")); n != 0 {
		t.Errorf("the subnet was moved %d times after a failure", n)
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

// Leftover ACLs: listed by age with the instances, healed with Terminate.
func TestLeftoverNetworkACLs(t *testing.T) {
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	old := acl{id: "acl-old", associations: [][2]string{{"aclassoc-1", "subnet-c"}},
		tags: map[string]string{TagCluster: "fd-aws", TagZone: "eu-west-1c", TagRestoreACL: "acl-0", TagRun: "run-0", TagCreated: now.Add(-7 * time.Hour).Format(time.RFC3339)}}
	young := acl{id: "acl-young", associations: [][2]string{{"aclassoc-2", "subnet-b"}},
		tags: map[string]string{TagCluster: "fd-other", TagZone: "eu-west-1b", TagRestoreACL: "acl-9", TagRun: "run-9", TagCreated: now.Add(-time.Hour).Format(time.RFC3339)}}
	for _, heal := range []bool{false, true} {
		w := newWire(t)
		w.on("DescribeInstances", describeReply(""))
		w.on("DescribeNetworkAcls", aclsReply(old, young))
		w.on("ReplaceNetworkAclAssociation", reply{body: `<?xml version="1.0" encoding="UTF-8"?><ReplaceNetworkAclAssociationResponse ` + ns + `><requestId>req</requestId><newAssociationId>aclassoc-3</newAssociationId></ReplaceNetworkAclAssociationResponse>`})
		w.on("DeleteNetworkAcl", emptyReply("DeleteNetworkAcl"))
		var out bytes.Buffer
		p := testProvider(t, w, &out)
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
		replace, del := w.of("ReplaceNetworkAclAssociation"), w.of("DeleteNetworkAcl")
		if !heal && (len(replace) != 0 || len(del) != 0) {
			t.Errorf("a listing changed ACLs: %v %v", replace, del)
		}
		if heal && (len(replace) != 1 || replace[0].Get("NetworkAclId") != "acl-0" || len(del) != 1 || del[0].Get("NetworkAclId") != "acl-old") {
			t.Errorf("heal: replace %v, delete %v", replace, del)
		}
	}
}
