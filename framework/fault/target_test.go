package fault

import (
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

var haNodes = []cluster.Node{
	{Name: "c-worker2", Role: "worker", Zone: "zone-b"},
	{Name: "c-control-plane2", Role: "control-plane", Zone: "zone-b"},
	{Name: "c-control-plane3", Role: "control-plane", Zone: "zone-c"},
	{Name: "c-control-plane", Role: "control-plane", Zone: "zone-a"},
	{Name: "c-worker", Role: "worker", Zone: "zone-a"},
}

func TestSelect(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	cp := func(count, component, leadership, backoff string) scenario.Fault {
		return scenario.Fault{Action: ActionKill, KubeletBackoff: backoff,
			Target: scenario.Target{Role: "control-plane", Count: count, Component: component, Leadership: leadership}}
	}
	node := func(role, zone, count string) scenario.Fault {
		return scenario.Fault{Action: ActionReboot, Target: scenario.Target{Role: role, Zone: zone, Count: count}}
	}
	recently := Facts{LastRestart: map[string]time.Time{
		"c-control-plane":  now.Add(-1 * time.Minute),
		"c-control-plane2": now.Add(-30 * time.Minute),
	}}
	cases := []struct {
		name    string
		fault   scenario.Fault
		facts   Facts
		want    string
		wantWhy string
		wantErr string
	}{
		{"all of a role", node("control-plane", "", "all"), Facts{}, "c-control-plane,c-control-plane2,c-control-plane3", "", ""},
		{"one is the first by name", node("control-plane", "", "one"), Facts{}, "c-control-plane", "", ""},
		{"N of any role", node("any", "", "3"), Facts{}, "c-control-plane,c-control-plane2,c-control-plane3", "", ""},
		{"zone", node("worker", "zone-b", "all"), Facts{}, "c-worker2", "", ""},
		{"empty zone", node("worker", "zone-c", "all"), Facts{}, "", "", "no node has role worker in zone zone-c"},
		{"too many", node("worker", "", "3"), Facts{}, "", "", "only 2 nodes have role worker"},
		{"bad count", node("worker", "", "0"), Facts{}, "", "", `target count "0"`},
		{"leader", cp("one", "kube-scheduler", "leader", "in-budget"), Facts{Leader: "c-control-plane3"}, "c-control-plane3", "kube-scheduler leader is on c-control-plane3", ""},
		{"followers", cp("all", "etcd", "follower", "in-budget"), Facts{Leader: "c-control-plane2"}, "c-control-plane,c-control-plane3", "", ""},
		{"no leader known", cp("one", "etcd", "leader", "in-budget"), Facts{}, "", "", "no etcd leader found"},
		{"leader outside the zone", scenario.Fault{Action: ActionKill, KubeletBackoff: "in-budget", Target: scenario.Target{
			Role: "control-plane", Zone: "zone-a", Count: "one", Component: "etcd", Leadership: "leader"}}, Facts{Leader: "c-control-plane2"},
			"", "", "no etcd leader among nodes with role control-plane in zone zone-a (leader: c-control-plane2)"},
		{"choose-target avoids the back-off", cp("one", "kube-apiserver", "", "choose-target"), recently, "c-control-plane3", "", ""},
		{"choose-target takes the least recent", cp("2", "kube-apiserver", "", "choose-target"), recently, "c-control-plane3,c-control-plane2", "", ""},
		{"in-budget takes the first by name and says so", cp("one", "kube-apiserver", "", "in-budget"), recently, "c-control-plane",
			"kube-apiserver on c-control-plane restarted 1m0s ago: the kubelet's restart back-off (>= 10 s) applies", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Select(haNodes, c.fault, c.facts, now)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			var names []string
			for _, n := range got.Nodes {
				names = append(names, n.Name)
			}
			if err != nil || strings.Join(names, ",") != c.want {
				t.Fatalf("Select = %v, %v; want %s", names, err, c.want)
			}
			if c.wantWhy != "" && !strings.Contains(strings.Join(got.Why, "\n"), c.wantWhy) {
				t.Errorf("why = %q, want %q", got.Why, c.wantWhy)
			}
		})
	}
}
