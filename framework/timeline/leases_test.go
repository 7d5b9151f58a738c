package timeline

import (
	"testing"
	"time"
)

func TestLeaderLeaseFigures(t *testing.T) {
	const a, b = "cp1_4b0f8d8e", "cp1_9c2e77a1"
	sched := func(holder string, acquire float64, transitions int32, renews ...float64) []LeaseObservation {
		return renewals("kube-system", "kube-scheduler", holder, acquire, transitions, renews...)
	}
	cm := func(holder string, acquire float64, transitions int32, renews ...float64) []LeaseObservation {
		return renewals("kube-system", "kube-controller-manager", holder, acquire, transitions, renews...)
	}
	// The harness re-lists after the outage and sees the Lease as it was.
	stale := func(ls []LeaseObservation, observedAt float64) []LeaseObservation {
		o := ls[len(ls)-1]
		o.ObservedAt = at(observedAt)
		return append(ls, o)
	}
	faulted := []Event{inject(9, 9.5)}
	tests := []struct {
		name   string
		events []Event
		leases []LeaseObservation
		want   want
	}{
		{
			name:   "holder change: the new holder's acquireTime",
			events: faulted,
			leases: concat(
				stale(sched(a, -100, 3, 0, 2, 4, 6, 8), 25.1),
				sched(b, 25.3, 4, 25.3, 27.3, 29.3),
			),
			want: want{values: map[string]float64{
				LeaseSchedulerRecovery: 16.3, LeaseSchedulerTransitions: 1,
			}},
		},
		{
			// A reboot's shutdown SIGTERMs the scheduler, which hands its
			// Lease back (holder emptied, duration 1 s) if the API still
			// answers; the successor then leads as soon as it starts,
			// sooner than the lease duration after the API's return.
			name:   "released on a graceful stop: the successor's acquireTime, and why it was early",
			events: faulted,
			leases: concat(
				sched(a, -100, 3, 0, 2, 4, 6, 8),
				[]LeaseObservation{{
					ObservedAt: at(9.65), Namespace: "kube-system", Name: "kube-scheduler",
					Transitions: 3, DurationSeconds: 1, AcquireTime: at(9.6), RenewTime: at(9.6),
				}},
				sched(b, 21.2, 4, 21.2, 23.2),
			),
			want: want{
				values: map[string]float64{LeaseSchedulerRecovery: 12.2, LeaseSchedulerTransitions: 1},
				notes:  map[string]string{LeaseSchedulerRecovery: "released by " + a + " 0.60s after the fault, so its successor need not wait the lease duration"},
			},
		},
		{
			name:   "same holder: end of the renewal gap",
			events: faulted,
			leases: sched(a, -100, 3, 0, 2, 4, 6, 8, 21.5, 23.5),
			want: want{values: map[string]float64{
				LeaseSchedulerRecovery: 12.5, LeaseSchedulerTransitions: 0,
			}},
		},
		{
			name:   "never renewed after the fault",
			events: faulted,
			leases: stale(sched(a, -100, 3, 0, 2, 4, 6, 8), 30),
			want: want{
				values:     map[string]float64{LeaseSchedulerTransitions: 0},
				unmeasured: map[string]string{LeaseSchedulerRecovery: "lease not renewed since the fault"},
			},
		},
		{
			name:   "renewals never stopped",
			events: faulted,
			leases: sched(a, -100, 3, 0, 2, 4, 6, 8, 10, 12, 14),
			want:   want{values: map[string]float64{LeaseSchedulerRecovery: 0}},
		},
		{
			name:   "holder change before the fault is not a recovery",
			events: faulted,
			leases: concat(sched(a, -100, 3, 0, 2), sched(b, 4, 4, 4, 6, 8, 10, 12)),
			want: want{values: map[string]float64{
				LeaseSchedulerRecovery: 0, LeaseSchedulerTransitions: 1,
			}},
		},
		{
			// One renewal before the fault: the usual interval is taken as
			// 15s/4, so a gap must exceed 5.625s.
			name:   "threshold from the lease duration: gap",
			events: faulted,
			leases: sched(a, -100, 3, 8, 19, 21),
			want:   want{values: map[string]float64{LeaseSchedulerRecovery: 10}},
		},
		{
			name:   "threshold from the lease duration: no gap",
			events: faulted,
			leases: sched(a, -100, 3, 8, 12, 14),
			want:   want{values: map[string]float64{LeaseSchedulerRecovery: 0}},
		},
		{
			// Intervals 1, 2, 3, 2.9 before the fault: median 2.45,
			// threshold 3.675, so the 3.7s gap ending at 12.6 counts.
			name:   "threshold from the median of an even count",
			events: faulted,
			leases: sched(a, -100, 3, 0, 1, 3, 6, 8.9, 12.6, 14.6),
			want:   want{values: map[string]float64{LeaseSchedulerRecovery: 3.6}},
		},
		{
			name:   "controller-manager holder change",
			events: faulted,
			leases: concat(
				sched(a, -100, 3, every(0, 34, 2)...),
				cm(a, -100, 7, 0.5, 2.5, 4.5, 6.5, 8.5),
				cm(b, 31.05, 8, 31.05, 33.05),
			),
			want: want{values: map[string]float64{
				LeaseControllerManagerRecovery: 22.05, LeaseControllerManagerTransitions: 1,
				LeaseSchedulerRecovery: 0,
			}},
		},
		{
			name:   "no observations",
			events: faulted,
			want: want{unmeasured: map[string]string{
				LeaseSchedulerRecovery:    "no observation of lease kube-system/kube-scheduler",
				LeaseSchedulerTransitions: "no observation of lease kube-system/kube-scheduler",
			}},
		},
		{
			name:   "no inject event",
			leases: concat(sched(a, -100, 3, 0, 2), sched(b, 25.3, 5, 25.3, 27.3)),
			want: want{
				values:     map[string]float64{LeaseSchedulerTransitions: 2},
				unmeasured: map[string]string{LeaseSchedulerRecovery: noFault},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The window ends a second after the last observation: a
			// Lease must still be held at the end (see the expiry cases).
			end := at(1)
			for _, l := range tt.leases {
				end = later(end, l.ObservedAt.Add(time.Second))
			}
			tl := Timeline{Start: at(0), End: end, Events: tt.events, Leases: tt.leases}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
}
