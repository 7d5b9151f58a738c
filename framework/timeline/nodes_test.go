package timeline

import (
	"strings"
	"testing"
)

func node(name string, observed float64, ready bool, readySince float64) NodeObservation {
	return NodeObservation{ObservedAt: at(observed), Name: name, Ready: ready, ReadySince: at(readySince)}
}

// heartbeat is a kubelet's node Lease (40s, renewed every 10s).
func heartbeat(node string, renews ...float64) []LeaseObservation {
	ls := renewals("kube-node-lease", node, node, -86400, 0, renews...)
	for i := range ls {
		ls[i].DurationSeconds = 40
	}
	return ls
}

func TestNodeRecovery(t *testing.T) {
	const longAgo = -86400
	// Fault at 10s. Undisturbed kubelets renew at -20, -10, 0, 10, 20, ...:
	// threshold 1.5 x 10s.
	steady := []float64{-20, -10, 0, 10, 20, 30, 40}
	tests := []struct {
		name   string
		nodes  []NodeObservation
		leases []LeaseObservation
		want   want
	}{
		{
			name:   "node lease gap, Ready throughout",
			nodes:  []NodeObservation{node("cp1", 0, true, longAgo), node("cp1", 50, true, longAgo)},
			leases: heartbeat("cp1", -20, -10, 0, 34.2, 44.2),
			want:   want{values: map[string]float64{NodeRecovery: 24.2}},
		},
		{
			name: "Ready later than the lease",
			nodes: []NodeObservation{
				node("cp1", 0, true, longAgo),
				node("cp1", 36.5, false, 34),
				node("cp1", 38.4, true, 38),
			},
			leases: heartbeat("cp1", -20, -10, 0, 34.2, 44.2),
			want:   want{values: map[string]float64{NodeRecovery: 28}},
		},
		{
			// The condition's transition time is older than the fault, so
			// when the harness saw it Ready again is all there is.
			name: "seen not Ready, then Ready with an old ReadySince",
			nodes: []NodeObservation{
				node("cp1", 0, true, longAgo),
				node("cp1", 15, false, 14),
				node("cp1", 20.5, true, 9),
			},
			leases: heartbeat("cp1", steady...),
			want:   want{values: map[string]float64{NodeRecovery: 10.5}},
		},
		{
			name: "the slowest node",
			// The recovery checks see both nodes Ready again at 45.
			nodes: []NodeObservation{node("cp1", 0, true, longAgo), node("worker1", 0, true, longAgo),
				node("cp1", 45, true, longAgo), node("worker1", 45, true, longAgo)},
			leases: concat(heartbeat("cp1", -20, -10, 0, 34.2, 44.2), heartbeat("worker1", steady...)),
			want:   want{values: map[string]float64{NodeRecovery: 24.2}},
		},
		{
			name:   "none disturbed",
			nodes:  []NodeObservation{node("cp1", 0, true, longAgo), node("cp1", 50, true, longAgo)},
			leases: heartbeat("cp1", steady...),
			want:   want{values: map[string]float64{NodeRecovery: 0}},
		},
		{
			name:   "not Ready at the end",
			nodes:  []NodeObservation{node("cp1", 0, true, longAgo), node("worker1", 50, false, 49)},
			leases: concat(heartbeat("cp1", steady...), heartbeat("worker1", steady...)),
			want: want{unmeasured: map[string]string{
				NodeRecovery: "node worker1: not Ready at end of window",
				RecoveryAll:  "node.recovery (node worker1: not Ready at end of window)",
			}},
		},
		{
			name:   "lease not renewed since the fault",
			nodes:  []NodeObservation{node("cp1", 0, true, longAgo)},
			leases: heartbeat("cp1", -20, -10, 0),
			want: want{unmeasured: map[string]string{
				NodeRecovery: "node cp1: no observation of the lease after the fault",
			}},
		},
		{
			name:   "lease only",
			leases: heartbeat("cp1", -20, -10, 0, 34.2, 44.2),
			want:   want{values: map[string]float64{NodeRecovery: 24.2}},
		},
		{
			name:  "Ready condition only",
			nodes: []NodeObservation{node("cp1", 0, true, longAgo), node("cp1", 30, true, 29)},
			want:  want{values: map[string]float64{NodeRecovery: 19}},
		},
		{
			name: "no node observed",
			want: want{unmeasured: map[string]string{NodeRecovery: "no node observed"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{
				Start: at(0), End: at(50), Events: []Event{inject(10, 12)},
				Nodes: tt.nodes, Leases: tt.leases,
			}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
}

func TestNodesReaddressed(t *testing.T) {
	check := func(node, before, after, err string) AddressCheck {
		return AddressCheck{At: at(40), Node: node, Before: before, After: after, Error: err}
	}
	tests := []struct {
		name     string
		checks   []AddressCheck
		measured bool
		value    float64
		note     string
	}{
		{"no checks", nil, false, 0, "no node's address checked"},
		{"every address kept", []AddressCheck{check("cp1", "172.29.46.2", "172.29.46.2", ""), check("cp2", "172.29.46.3", "172.29.46.3", "")},
			true, 0, "cp1 172.29.46.2 kept; cp2 172.29.46.3 kept"},
		// kind issue 1689: two members came back swapped.
		{"two swapped", []AddressCheck{check("cp1", "172.18.0.2", "172.18.0.3", ""), check("cp2", "172.18.0.3", "172.18.0.2", ""), check("cp3", "172.18.0.4", "172.18.0.4", "")},
			true, 2, "cp1 172.18.0.2 -> 172.18.0.3; cp2 172.18.0.3 -> 172.18.0.2; cp3 172.18.0.4 kept"},
		// An unreadable address is no proof that it was kept.
		{"none readable", []AddressCheck{check("cp1", "172.18.0.2", "", "node not running")}, false, 0, "cp1 172.18.0.2 -> unknown (node not running)"},
		{"one unreadable, one changed", []AddressCheck{check("cp1", "172.18.0.2", "", "timeout"), check("cp2", "172.18.0.3", "172.18.0.5", "")},
			true, 1, "cp2 172.18.0.3 -> 172.18.0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := readdressed(Timeline{Addresses: tt.checks})
			if r.Measured != tt.measured || r.Value != tt.value || !strings.Contains(r.Note, tt.note) {
				t.Errorf("got measured %v, value %v, note %q; want %v, %v, note containing %q", r.Measured, r.Value, r.Note, tt.measured, tt.value, tt.note)
			}
		})
	}
}
