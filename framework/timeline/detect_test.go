package timeline

import (
	"strings"
	"testing"
)

func TestClusterDetect(t *testing.T) {
	// The fault at 10 s; leader Leases of 15 s renewed every 2 s.
	fault10 := []Event{inject(10, 10.5)}
	var every2s []float64
	for r := 0.0; r <= 90; r += 2 {
		every2s = append(every2s, r)
	}
	steadyLeader := renewals("kube-system", "kube-scheduler", "cp1", -100, 0, every2s...)
	for _, tc := range []struct {
		name     string
		tl       Timeline
		measured bool
		value    float64
		note     string
	}{
		{"no fault", Timeline{Events: nil, End: at(60)}, false, 0, noFault},
		{"nothing noticed", Timeline{Events: fault10, End: at(60), Leases: steadyLeader,
			Nodes: []NodeObservation{node("w1", 5, true, -100), node("w1", 50, true, -100)}}, false, 0, "the cluster never noticed"},
		{
			// The leader was killed right after its renewal at 8 s: the
			// Lease expired at 23 s; a new holder took it at 24 s.
			"a leader Lease expired",
			Timeline{Events: fault10, End: at(60), Leases: concat(
				renewals("kube-system", "kube-scheduler", "cp1", -100, 0, 0, 2, 4, 6, 8),
				renewals("kube-system", "kube-scheduler", "cp2", 24, 1, 24, 26, 28, 30))},
			true, 13, "lease kube-scheduler expired (not renewed for its 15s duration)",
		},
		{
			"a node not Ready before any Lease expired",
			Timeline{Events: fault10, End: at(90), Leases: steadyLeader,
				Nodes: []NodeObservation{node("w3", 5, true, -100), node("w3", 52.3, false, 52), node("w3", 80, true, 79)}},
			true, 42.3, "node w3 marked not Ready",
		},
		{
			"an etcd election, seen at the next read of the members",
			Timeline{Events: fault10, End: at(60), Leases: steadyLeader, Etcd: []EtcdObservation{
				{ObservedAt: at(5), Node: "cp1", Leader: true, Ready: true, LeaderChangesSeen: 1},
				{ObservedAt: at(5), Node: "cp2", Ready: true, LeaderChangesSeen: 1},
				{ObservedAt: at(12.5), Node: "cp2", Leader: true, Ready: true, LeaderChangesSeen: 2},
			}},
			true, 2.5, "etcd election seen by the member on cp2",
		},
		{
			// A member restarted: its counter starts from zero again,
			// which is not an election; the leader stayed.
			"a restarted member is no election",
			Timeline{Events: fault10, End: at(60), Leases: steadyLeader, Etcd: []EtcdObservation{
				{ObservedAt: at(5), Node: "cp1", Leader: true, Ready: true, LeaderChangesSeen: 3},
				{ObservedAt: at(5), Node: "cp2", Ready: true, LeaderChangesSeen: 3},
				{ObservedAt: at(20), Node: "cp2", Ready: true, LeaderChangesSeen: 1},
				{ObservedAt: at(20), Node: "cp1", Leader: true, Ready: true, LeaderChangesSeen: 3},
			}},
			false, 0, "the cluster never noticed",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := clusterDetect(tc.tl, fault{at: at(10), injected: len(tc.tl.Events) > 0})
			if r.Measured != tc.measured || !near(r.Value, tc.value) || !strings.Contains(r.Note, tc.note) {
				t.Errorf("got %v measured %v (%q), want %v measured %v (%q)", r.Value, r.Measured, r.Note, tc.value, tc.measured, tc.note)
			}
		})
	}
}
