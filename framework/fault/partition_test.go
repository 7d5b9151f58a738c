package fault

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
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

// zoneCluster is three zones, one node each, and a load balancer; it runs
// the partition's shell scripts by remembering which rules are in.
type zoneCluster struct {
	fakeCluster
	mu      sync.Mutex
	scripts map[string][]string // node -> scripts run
	in      map[string]bool
}

func (z *zoneCluster) Endpoints(context.Context) ([]cluster.Endpoint, error) {
	return []cluster.Endpoint{
		{Name: "cp-a", Role: "control-plane", Zone: "zone-a", Addresses: []string{"10.244.0.0/24", "172.29.46.2", "fc00::2"}},
		{Name: "cp-b", Role: "control-plane", Zone: "zone-b", Addresses: []string{"10.244.1.0/24", "172.29.46.3", "fc00::3"}},
		{Name: "cp-c", Role: "control-plane", Zone: "zone-c", Addresses: []string{"10.244.2.0/24", "172.29.46.4", "fc00::4"}},
		{Name: "lb", Addresses: []string{"172.29.46.9", "fc00::9"}},
	}, nil
}

func (z *zoneCluster) Exec(_ context.Context, n cluster.Node, _ string, args ...string) ([]byte, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	script := args[len(args)-1]
	z.scripts[n.Name] = append(z.scripts[n.Name], script)
	switch {
	case strings.Contains(script, "echo in"):
		if z.in[n.Name] {
			return []byte("in\n"), nil
		}
		return []byte("out\n"), nil
	case strings.Contains(script, " -I "):
		z.in[n.Name] = true
	case strings.Contains(script, " -D "):
		z.in[n.Name] = false
	}
	return []byte("1764378000.123456789\n"), nil
}

// Zone c is cut off from zones a and b and the load balancer, not from
// itself; the lift deletes the very rules the inject added.
func TestPartitionCutsTheRestOfTheCluster(t *testing.T) {
	f, err := New(scenario.Fault{Action: ActionPartition}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	z := &zoneCluster{scripts: map[string][]string{}, in: map[string]bool{}}
	zone := []cluster.Node{{Name: "cp-c"}}
	ev := &events{}
	if err := f.Inject(context.Background(), z, zone, ev); err != nil {
		t.Fatal(err)
	}
	if took, why := timeline.FaultTook(ev.timeline()); !took {
		t.Fatalf("FaultTook: %s", why)
	}
	insert := z.scripts["cp-c"][0]
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
	if err := f.Recover(context.Background(), z, zone, ev); err != nil {
		t.Fatal(err)
	}
	scripts := z.scripts["cp-c"]
	lift := scripts[len(scripts)-1]
	if z.in["cp-c"] || strings.ReplaceAll(lift, " -D ", " -I ") == lift || !strings.Contains(lift, "172.29.46.9/32") {
		t.Errorf("the lift does not delete the inject's rules: %s", lift)
	}
}

// cloudZones is zoneCluster with two nodes in zone c and a cloud that cuts
// zones off itself (cluster.ZonePartitioner), counting its calls.
type cloudZones struct {
	zoneCluster
	cut        map[string]bool
	partitions []string
	heals      []string
}

func (c *cloudZones) Nodes(context.Context) ([]cluster.Node, error) {
	return []cluster.Node{{Name: "cp-a", Zone: "zone-a"}, {Name: "cp-b", Zone: "zone-b"}, {Name: "cp-c", Zone: "zone-c"}, {Name: "worker-c", Zone: "zone-c"}}, nil
}

func (c *cloudZones) PartitionZone(_ context.Context, zone string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.partitions = append(c.partitions, zone)
	c.cut[zone] = true
	return nil
}

func (c *cloudZones) HealZone(_ context.Context, zone string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.heals = append(c.heals, zone)
	if zone == "" {
		clear(c.cut)
	}
	delete(c.cut, zone)
	return nil
}

func (c *cloudZones) ZonePartitioned(_ context.Context, zone string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cut[zone], nil
}

func (c *cloudZones) ZonePartitionDesc() string { return "an ACL" }

// A whole zone on a cloud that cuts zones off is cut there, once for the
// zone, with no rule inside any node; part of a zone is cut with rules.
func TestPartitionOfAWholeZoneGoesToTheCloud(t *testing.T) {
	newCloud := func() *cloudZones {
		return &cloudZones{zoneCluster: zoneCluster{scripts: map[string][]string{}, in: map[string]bool{}}, cut: map[string]bool{}}
	}
	f, err := New(scenario.Fault{Action: ActionPartition}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newCloud()
	zone := []cluster.Node{{Name: "cp-c", Zone: "zone-c"}, {Name: "worker-c", Zone: "zone-c"}}
	ev := &events{}
	if err := f.Inject(context.Background(), c, zone, ev); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.partitions, []string{"zone-c"}) || len(c.scripts) != 0 {
		t.Errorf("zone cut %v times by the cloud, rules run on %v; want once and none", c.partitions, c.scripts)
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
	if !slices.Equal(c.heals, []string{"zone-c"}) || c.cut["zone-c"] {
		t.Errorf("heals = %v, still cut: %v", c.heals, c.cut)
	}

	// One node of zone c: the cloud cannot cut less than a zone.
	f, err = New(scenario.Fault{Action: ActionPartition}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c = newCloud()
	one := []cluster.Node{{Name: "cp-c", Zone: "zone-c"}}
	if err := f.Inject(context.Background(), c, one, &events{}); err != nil {
		t.Fatal(err)
	}
	if len(c.partitions) != 0 || !c.in["cp-c"] {
		t.Errorf("part of a zone: cloud cuts %v, rules in on cp-c: %v; want rules only", c.partitions, c.in["cp-c"])
	}
}

// The journal's undo of a partition heals the node's zone at the cloud
// before it looks for rules in the node, which it lists with iptables and
// ip6tables (argv, no script: the packetfilter package parses them).
func TestUndoRemoveRulesHealsTheZone(t *testing.T) {
	c := &cloudZones{zoneCluster: zoneCluster{scripts: map[string][]string{}, in: map[string]bool{}}, cut: map[string]bool{"zone-c": true}}
	if err := Undo(context.Background(), c, journal.Entry{Node: "worker-c", Undo: UndoRemoveRules}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.heals, []string{"zone-c"}) || c.cut["zone-c"] || !slices.Equal(c.scripts["worker-c"], []string{"-S", "-S"}) {
		t.Errorf("heals %v, cut %v, scripts %v", c.heals, c.cut, c.scripts)
	}
}
