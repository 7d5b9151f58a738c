package timeline

import (
	"strings"
	"testing"
)

func TestLowerBoundsFromClusterSettings(t *testing.T) {
	nodeLease := func(d int32) LeaseObservation {
		return LeaseObservation{ObservedAt: at(1), Namespace: "kube-node-lease", Name: "w1", Holder: "w1", DurationSeconds: d}
	}
	for _, tc := range []struct {
		name     string
		tl       Timeline
		want     float64
		bounded  bool
		whyParts []string
	}{
		{"no settings recorded", Timeline{Leases: []LeaseObservation{nodeLease(40)}}, 0, false, nil},
		{"the default grace period, 40 s node Leases", Timeline{
			Settings: &Settings{NodeMonitorGracePeriod: 50, NodeMonitorGracePeriodFrom: "Kubernetes' default for v1.34"},
			Leases:   []LeaseObservation{nodeLease(40)}}, 40, true, []string{"50s (Kubernetes' default for v1.34)", "10s (a quarter of the node Leases' 40 s)"}},
		{"a set flag, longer node Leases", Timeline{
			Settings: &Settings{NodeMonitorGracePeriod: 20, NodeMonitorGracePeriodFrom: "--node-monitor-grace-period=20s"},
			Leases:   []LeaseObservation{nodeLease(40), nodeLease(60)}}, 5, true, []string{"15s"}},
		{"no node Lease seen", Timeline{Settings: &Settings{NodeMonitorGracePeriod: 50, NodeMonitorGracePeriodFrom: "flag"}}, 40, true, []string{"no node Lease observed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, ok := LowerBounds(tc.tl)[NodeDetect]
			if ok != tc.bounded || b.Value != tc.want {
				t.Fatalf("node.detect bound = %v (%v), want %v (%v)", b.Value, ok, tc.want, tc.bounded)
			}
			for _, p := range tc.whyParts {
				if !strings.Contains(b.Why, p) {
					t.Errorf("why %q does not say %q", b.Why, p)
				}
			}
		})
	}
}
