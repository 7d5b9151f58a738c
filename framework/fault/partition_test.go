package fault

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

func TestPartitionRules(t *testing.T) {
	rules, err := partitionRules([]string{"172.29.46.5", "10.244.1.0/24", "fc00:f1d2:1:2e::5", "172.29.46.2", "172.29.46.5"})
	if err != nil {
		t.Fatal(err)
	}
	v4 := rules["iptables"]
	want := []string{
		"INPUT -s 10.244.1.0/24,172.29.46.2/32,172.29.46.5/32 -m comment --comment firedrill -j DROP",
		"OUTPUT -d 10.244.1.0/24,172.29.46.2/32,172.29.46.5/32 -m comment --comment firedrill -j DROP",
		"FORWARD -s 10.244.1.0/24,172.29.46.2/32,172.29.46.5/32 -m comment --comment firedrill -j DROP",
		"FORWARD -d 10.244.1.0/24,172.29.46.2/32,172.29.46.5/32 -m comment --comment firedrill -j DROP",
	}
	var got []string
	for _, r := range v4 {
		got = append(got, strings.Join(r, " "))
	}
	if !slices.Equal(got, want) {
		t.Errorf("IPv4 rules:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(rules["ip6tables"]) != 4 || !strings.Contains(strings.Join(rules["ip6tables"][0], " "), "-s fc00:f1d2:1:2e::5/128") {
		t.Errorf("IPv6 rules: %v", rules["ip6tables"])
	}
	if _, err := partitionRules([]string{"zone-b"}); err == nil {
		t.Error("a name taken for an address")
	}
}

// zones is three zones, one control-plane node each (and the nodes
// given), and a load balancer on their network.
func zones(more ...cluster.Node) *fakes.Cluster {
	c := fakes.NewCluster("fake", append([]cluster.Node{
		{Name: "cp-a", Role: "control-plane", Zone: "zone-a", Address: "172.29.46.2"},
		{Name: "cp-b", Role: "control-plane", Zone: "zone-b", Address: "172.29.46.3"},
		{Name: "cp-c", Role: "control-plane", Zone: "zone-c", Address: "172.29.46.4"},
	}, more...)...)
	c.Network = []cluster.Endpoint{
		{Name: "cp-a", Role: "control-plane", Zone: "zone-a", Addresses: []string{"10.244.0.0/24", "172.29.46.2", "fc00::2"}},
		{Name: "cp-b", Role: "control-plane", Zone: "zone-b", Addresses: []string{"10.244.1.0/24", "172.29.46.3", "fc00::3"}},
		{Name: "cp-c", Role: "control-plane", Zone: "zone-c", Addresses: []string{"10.244.2.0/24", "172.29.46.4", "fc00::4"}},
		{Name: "lb", Addresses: []string{"172.29.46.9", "fc00::9"}},
	}
	return c
}

// Zone c is cut off from zones a and b and the load balancer, not from
// itself; the lift deletes the very rules the inject added.
func TestPartitionCutsTheRestOfTheCluster(t *testing.T) {
	f, err := New(scenario.Fault{Action: ActionPartition}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	z := zones()
	c := z.Without(fakes.ZonePartitioner) // the cut is made in the nodes
	zone := []cluster.Node{{Name: "cp-c"}}
	ev := &events{}
	if err := f.Inject(context.Background(), c, zone, ev); err != nil {
		t.Fatal(err)
	}
	if took, why := timeline.FaultTook(ev.timeline()); !took {
		t.Fatalf("FaultTook: %s", why)
	}
	insert := z.Ran("cp-c")[0]
	for _, cut := range []string{"172.29.46.2/32", "172.29.46.3/32", "172.29.46.9/32", "10.244.0.0/24", "10.244.1.0/24", "fc00::9/128"} {
		if !strings.Contains(insert, cut) {
			t.Errorf("the cut misses %s: %s", cut, insert)
		}
	}
	for _, own := range []string{"172.29.46.4", "10.244.2.0"} {
		if strings.Contains(insert, own) {
			t.Errorf("the zone is cut off from itself (%s): %s", own, insert)
		}
	}
	if err := f.Recover(context.Background(), c, zone, ev); err != nil {
		t.Fatal(err)
	}
	scripts := z.Ran("cp-c")
	lift := scripts[len(scripts)-1]
	if z.Filter("cp-c").Len() != 0 || strings.ReplaceAll(lift, " -D ", " -I ") == lift || !strings.Contains(lift, "172.29.46.9/32") {
		t.Errorf("the lift does not delete the inject's rules: %s", lift)
	}
}

// cloudZones is zones with a worker in zone c too, on a cloud that cuts
// zones off itself (cluster.ZonePartitioner).
func cloudZones() *fakes.Cluster {
	c := zones(cluster.Node{Name: "worker-c", Zone: "zone-c"})
	c.ZoneDesc = "an ACL"
	return c
}

// A whole zone on a cloud that cuts zones off is cut there, once for the
// zone, with no rule inside any node; part of a zone is cut with rules.
func TestPartitionOfAWholeZoneGoesToTheCloud(t *testing.T) {
	f, err := New(scenario.Fault{Action: ActionPartition}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cloudZones()
	zone := []cluster.Node{{Name: "cp-c", Zone: "zone-c"}, {Name: "worker-c", Zone: "zone-c"}}
	ev := &events{}
	if err := f.Inject(context.Background(), c, zone, ev); err != nil {
		t.Fatal(err)
	}
	if got := c.Calls("PartitionZone"); !slices.Equal(got, []string{"PartitionZone zone-c"}) || len(c.Ran()) != 0 {
		t.Errorf("zone cut %v times by the cloud, commands run %v; want once and none", got, c.Ran())
	}
	if took, why := timeline.FaultTook(ev.timeline()); !took {
		t.Fatalf("FaultTook: %s", why)
	}
	if what := ev.evidence[0].What; !strings.Contains(what, "zone zone-c cut off at the cloud's network: an ACL") {
		t.Errorf("evidence says %q", what)
	}
	if err := f.Recover(context.Background(), c, zone, ev); err != nil {
		t.Fatal(err)
	}
	if cut, _ := c.ZonePartitioned(context.Background(), "zone-c"); !slices.Equal(c.Calls("HealZone"), []string{"HealZone zone-c"}) || cut {
		t.Errorf("heals = %v, still cut: %v", c.Calls("HealZone"), cut)
	}

	// One node of zone c: the cloud cannot cut less than a zone.
	f, err = New(scenario.Fault{Action: ActionPartition}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c = cloudZones()
	one := []cluster.Node{{Name: "cp-c", Zone: "zone-c"}}
	if err := f.Inject(context.Background(), c, one, &events{}); err != nil {
		t.Fatal(err)
	}
	if len(c.Calls("PartitionZone")) != 0 || c.Filter("cp-c").Len() == 0 {
		t.Errorf("part of a zone: cloud cuts %v, rules on cp-c: %v; want rules only", c.Calls("PartitionZone"), c.Filter("cp-c").Rules("iptables"))
	}
}

// The journal's undo of a partition heals the node's zone at the cloud
// before it looks for rules in the node, which it lists with iptables and
// ip6tables (argv, no script: the packetfilter package parses them).
func TestUndoRemoveRulesHealsTheZone(t *testing.T) {
	c := cloudZones()
	if err := c.PartitionZone(context.Background(), "zone-c"); err != nil {
		t.Fatal(err)
	}
	if err := Undo(context.Background(), c, journal.Entry{Node: "worker-c", Undo: UndoRemoveRules}); err != nil {
		t.Fatal(err)
	}
	cut, _ := c.ZonePartitioned(context.Background(), "zone-c")
	if !slices.Equal(c.Calls("HealZone"), []string{"HealZone zone-c"}) || cut || !slices.Equal(c.Ran("worker-c"), []string{"iptables -S", "ip6tables -S"}) {
		t.Errorf("heals %v, cut %v, commands %v", c.Calls("HealZone"), cut, c.Ran())
	}
}
