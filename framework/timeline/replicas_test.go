package timeline

import "testing"

func TestWorkloadExcessPods(t *testing.T) {
	replicas := func(observed float64, desired, pods int32) ReplicaObservation {
		return ReplicaObservation{ObservedAt: at(observed), Desired: desired, Pods: pods}
	}
	tests := []struct {
		name string
		obs  []ReplicaObservation
		want want
	}{
		{
			// Fewer pods than wanted (a pod rescheduled) is not excess.
			name: "never above the replicas",
			obs:  []ReplicaObservation{replicas(0, 2, 2), replicas(15, 2, 1), replicas(30, 2, 2)},
			want: want{values: map[string]float64{WorkloadExcessPods: 0}},
		},
		{
			name: "one extra pod",
			obs:  []ReplicaObservation{replicas(0, 2, 2), replicas(15, 2, 3), replicas(16, 2, 1), replicas(30, 2, 2)},
			want: want{
				values: map[string]float64{WorkloadExcessPods: 1},
				notes:  map[string]string{WorkloadExcessPods: "3 pods for 2 replicas at 10:21:22.000"},
			},
		},
		{
			name: "no observation",
			want: want{unmeasured: map[string]string{WorkloadExcessPods: "no replica observation"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Start: at(0), End: at(40), Events: []Event{inject(10, 10.1)}, Replicas: tt.obs}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
}
