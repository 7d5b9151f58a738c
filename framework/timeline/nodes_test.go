package timeline

import "testing"

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
