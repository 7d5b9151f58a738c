package fault

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
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
	f, err := New(scenario.Fault{Action: scenario.ActionPartition}, scenario.DefaultTimeouts(), nil)
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
