package timeline

import "testing"

func TestSchedulingCanary(t *testing.T) {
	tests := []struct {
		name   string
		canary *CanaryObservation
		want   want
	}{
		{
			name:   "scheduled",
			canary: &CanaryObservation{Created: at(10.2), Scheduled: at(13), Node: "worker1"},
			want: want{
				values: map[string]float64{SchedulingCanary: 2.8},
				notes:  map[string]string{SchedulingCanary: "bound to worker1"},
			},
		},
		{
			// PodScheduled is stamped 10s for a binding in [10, 11).
			name:   "bound in the second it was created: clamped at 0",
			canary: &CanaryObservation{Created: at(10.6), Scheduled: at(10), Node: "worker1"},
			want: want{
				values: map[string]float64{SchedulingCanary: 0},
				notes:  map[string]string{SchedulingCanary: "scheduled 0.600s before creation: within the 1 s resolution"},
			},
		},
		{
			name:   "scheduled, with a later error",
			canary: &CanaryObservation{Created: at(10.2), Scheduled: at(31), Error: "delete canary: context deadline exceeded"},
			want:   want{values: map[string]float64{SchedulingCanary: 20.8}},
		},
		{
			name:   "never scheduled",
			canary: &CanaryObservation{Created: at(10.2)},
			want:   want{unmeasured: map[string]string{SchedulingCanary: "canary pod never scheduled"}},
		},
		{
			name:   "not created",
			canary: &CanaryObservation{Error: `create pod "canary": connect: connection refused`},
			want: want{unmeasured: map[string]string{
				SchedulingCanary: `canary pod: create pod "canary": connect: connection refused`,
			}},
		},
		{
			name: "no canary",
			want: want{unmeasured: map[string]string{SchedulingCanary: "no canary pod in this scenario"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Start: at(0), End: at(40), Events: []Event{inject(10, 10.1)}, Canary: tt.canary}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
}
