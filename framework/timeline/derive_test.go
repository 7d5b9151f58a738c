package timeline

import (
	"cmp"
	"slices"
	"testing"
)

var apiNew = APISeries(EndpointClient, "new", "etcd")

func TestDeriveReturnsEveryFigureInOrder(t *testing.T) {
	// A drill without a recovery procedure has none of its figures.
	// Nor one without a flood the flood's.
	for _, f := range Derive(Timeline{}) {
		if info, _ := Info(f.Name); info.Needs == NeedsProcedure || info.Needs == NeedsFlood {
			t.Errorf("%s derived for a drill that ran no procedure and no flood", f.Name)
		}
	}
	figs := Derive(Timeline{Snapshot: &Snapshot{}, Flood: &Flood{}})
	if len(figs) != len(FigureUnits) {
		t.Fatalf("got %d figures, want %d", len(figs), len(FigureUnits))
	}
	if !slices.IsSortedFunc(figs, func(a, b Figure) int { return cmp.Compare(a.Name, b.Name) }) {
		t.Errorf("figures not sorted by name")
	}
	for _, f := range figs {
		unit, ok := FigureUnits[f.Name]
		if !ok || f.Unit != unit {
			t.Errorf("%s: unit %q, want %q", f.Name, f.Unit, unit)
		}
		// An empty timeline supports no figure, and each must say why.
		if f.Measured || f.Note == "" {
			t.Errorf("%s: measured=%v note=%q, want unmeasured with a note", f.Name, f.Measured, f.Note)
		}
		if f.Note == noDerivation {
			t.Errorf("%s: declared in FigureUnits, but Derive has no code for it", f.Name)
		}
	}
}

func TestAPIFigures(t *testing.T) {
	tests := []struct {
		name string
		tl   Timeline
		want want
	}{
		{
			name: "no outage",
			tl: Timeline{
				Start: at(0), End: at(30), Events: []Event{inject(4.8, 5)},
				Samples: probe(apiNew, 0, 30, 0.5, refusedDuring()),
			},
			want: want{
				values: map[string]float64{
					APIDowntimeTotal: 0, APIDowntimeLongest: 0, APIAvailability: 100, APIRecovery: 0,
				},
				unmeasured: map[string]string{APIDetect: "API never seen down after the fault"},
			},
		},
		{
			name: "outage at the very start",
			tl: Timeline{
				Start: at(0), End: at(10), Events: []Event{inject(-1, -0.5)},
				Samples: probe(apiNew, 0, 10, 0.5, refusedDuring([2]float64{0, 2})),
			},
			// The fault came before the first sample: nothing says how
			// long the API was down before it, so no recovery time.
			want: want{
				values: map[string]float64{
					APIDowntimeTotal: 2.01, APIDowntimeLongest: 2.01, APIAvailability: 79.9,
					APIDetect: 1.001,
				},
				unmeasured: map[string]string{APIRecovery: "API first probed 1.0s after the fault"},
			},
		},
		{
			name: "outage still going at the end",
			tl: Timeline{
				Start: at(0), End: at(10), Events: []Event{inject(5.9, 6.5)},
				Samples: probe(apiNew, 0, 10, 0.5, refusedDuring([2]float64{6, 99})),
			},
			want: want{
				values: map[string]float64{
					APIDowntimeTotal: 4, APIDowntimeLongest: 4, APIAvailability: 60, APIDetect: 0.101,
				},
				unmeasured: map[string]string{
					APIRecovery: "API still down at end of window",
					RecoveryAll: "not recovered: api.recovery (API still down at end of window)",
				},
			},
		},
		{
			name: "flapping",
			tl: Timeline{
				Start: at(0), End: at(30), Events: []Event{inject(4.8, 5)},
				Samples: probe(apiNew, 0, 30, 0.5, refusedDuring([2]float64{5, 6}, [2]float64{10, 13}, [2]float64{20, 20.7})),
			},
			want: want{values: map[string]float64{
				APIDowntimeTotal:   5.03, // 1.01 + 3.01 + 1.01
				APIDowntimeLongest: 3.01,
				APIAvailability:    100 * (1 - 5.03/30),
				APIDetect:          0.201,
				APIRecovery:        16.21,
			}},
		},
		{
			name: "outage before the fault is not a recovery",
			tl: Timeline{
				Start: at(0), End: at(30), Events: []Event{inject(15, 16)},
				Samples: probe(apiNew, 0, 30, 0.5, refusedDuring([2]float64{5, 6})),
			},
			want: want{
				values:     map[string]float64{APIDowntimeTotal: 1.01, APIRecovery: 0},
				unmeasured: map[string]string{APIDetect: "never seen down"},
			},
		},
		{
			name: "no inject event",
			tl: Timeline{
				Start: at(0), End: at(30),
				Samples: probe(apiNew, 0, 30, 0.5, refusedDuring([2]float64{5, 6}, [2]float64{10, 13})),
			},
			want: want{
				values: map[string]float64{APIDowntimeTotal: 4.02, APIDowntimeLongest: 3.01},
				unmeasured: map[string]string{
					APIDetect: noFault, APIRecovery: noFault, RecoveryAll: noFault,
					FaultWindow: noFault, APIDowntimeError: noFault,
				},
			},
		},
		{
			name: "no client samples",
			tl: Timeline{
				Start: at(0), End: at(30), Events: []Event{inject(4.8, 5)},
				Samples: probe(APISeries("cp1", "new", "etcd"), 0, 30, 0.5, refusedDuring()),
			},
			want: want{unmeasured: map[string]string{
				APIDowntimeTotal: "no samples of series api/client/*",
				APIAvailability:  "no samples",
				APIRecovery:      "no samples",
			}},
		},
		{
			name: "empty window",
			tl: Timeline{
				Start: at(30), End: at(30),
				Samples: probe(apiNew, 0, 30, 0.5, refusedDuring()),
			},
			want: want{unmeasured: map[string]string{
				APIDowntimeTotal: emptyWindowNote,
				APIAvailability:  emptyWindowNote,
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFigures(t, Derive(tt.tl), tt.want)
		})
	}
}

func TestWorkloadFigures(t *testing.T) {
	tests := []struct {
		name string
		tl   Timeline
		want want
	}{
		{
			name: "outages",
			tl: Timeline{
				Start: at(0), End: at(30), Events: []Event{inject(4.8, 5)},
				Samples: probe(SeriesWorkload, 0, 30, 0.5, refusedDuring([2]float64{5, 7}, [2]float64{10, 11})),
			},
			want: want{values: map[string]float64{
				WorkloadDowntimeTotal: 3.02, WorkloadDowntimeLongest: 2.01, WorkloadRecovery: 6.21,
			}},
		},
		{
			name: "still down at the end",
			tl: Timeline{
				Start: at(0), End: at(30), Events: []Event{inject(4.8, 5)},
				Samples: probe(SeriesWorkload, 0, 30, 0.5, refusedDuring([2]float64{25, 99})),
			},
			want: want{
				values:     map[string]float64{WorkloadDowntimeTotal: 5},
				unmeasured: map[string]string{WorkloadRecovery: "workload still down at end of window"},
			},
		},
		{
			name: "no samples",
			tl: Timeline{
				Start: at(0), End: at(30), Events: []Event{inject(4.8, 5)},
				Samples: probe(apiNew, 0, 30, 0.5, refusedDuring()),
			},
			want: want{unmeasured: map[string]string{
				WorkloadDowntimeTotal:   "no samples of series workload",
				WorkloadDowntimeLongest: "no samples of series workload",
				WorkloadRecovery:        "no samples of series workload",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFigures(t, Derive(tt.tl), tt.want)
		})
	}
}

// writes models the writer: every 0.25s it tries to store the next counter
// value, retrying the same value after a failure; the API refuses writes in
// [4, 6).
func writes() []Sample {
	samples := probe(SeriesWrite, 0, 10, 0.25, refusedDuring([2]float64{4, 6}))
	next := int64(1)
	for i := range samples {
		samples[i].Seq = next
		next++
	}
	return samples
}

// ackedSeqs lists the Seq of every acknowledged write but the last drop.
func ackedSeqs(samples []Sample, drop int) []int64 {
	var out []int64
	for _, s := range samples {
		if s.OK {
			out = append(out, s.Seq)
		}
	}
	return out[:len(out)-drop]
}

func failedSeq(samples []Sample) int64 {
	for _, s := range samples {
		if !s.OK {
			return s.Seq
		}
	}
	panic("no failed write")
}

func TestWriteFigures(t *testing.T) {
	// 40 attempts, one key each (Seq 1..40), 8 refused: 32 acknowledged.
	tests := []struct {
		name  string
		check *WriteCheck
		want  want
	}{
		{
			name:  "writes lost: two acknowledged keys missing",
			check: &WriteCheck{At: at(12), Seen: ackedSeqs(writes(), 2)},
			want: want{values: map[string]float64{
				WritesAcknowledged: 32, WritesLost: 2, WritesDowntime: 2.01,
			}},
		},
		{
			// A write that timed out may still have landed: not a loss.
			name:  "nothing lost, one unacknowledged write landed too",
			check: &WriteCheck{At: at(12), Seen: append(ackedSeqs(writes(), 0), failedSeq(writes()))},
			want:  want{values: map[string]float64{WritesLost: 0}},
		},
		{
			name: "no write check",
			want: want{
				values:     map[string]float64{WritesAcknowledged: 32, WritesDowntime: 2.01},
				unmeasured: map[string]string{WritesLost: "counter not read back"},
			},
		},
		{
			name:  "write check failed",
			check: &WriteCheck{At: at(12), Error: "context deadline exceeded"},
			want: want{unmeasured: map[string]string{
				WritesLost: "counter read-back failed: context deadline exceeded",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Start: at(0), End: at(10), Samples: writes(), WriteCheck: tt.check}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
	t.Run("no write samples", func(t *testing.T) {
		tl := Timeline{Start: at(0), End: at(10), WriteCheck: &WriteCheck{At: at(12), Seen: []int64{1, 2}}}
		checkFigures(t, Derive(tl), want{unmeasured: map[string]string{
			WritesAcknowledged: "no samples of series write",
			WritesLost:         "no samples of series write",
			WritesDowntime:     "no samples of series write",
		}})
	})
}

func TestFaultWindow(t *testing.T) {
	apiDown := probe(apiNew, 0, 30, 0.5, refusedDuring([2]float64{10, 20}))
	tests := []struct {
		name   string
		events []Event
		want   want
	}{
		{
			name:   "pause and unpause",
			events: []Event{inject(9.9, 10), undo(19.8, 20.2)},
			want: want{values: map[string]float64{
				FaultWindow:      10.2,
				APIDowntimeTotal: 10.01,
				APIDowntimeError: 0.19,
			}},
		},
		{
			name:   "first inject and last recover count",
			events: []Event{undo(19.8, 20.2), inject(9.9, 10), inject(12, 12.5), undo(15, 15.1)},
			want:   want{values: map[string]float64{FaultWindow: 10.2, APIDowntimeError: 0.19}},
		},
		{
			name:   "self-healing fault has no window",
			events: []Event{inject(9.9, 10)},
			want: want{unmeasured: map[string]string{
				FaultWindow:      "fault has no recover action",
				APIDowntimeError: "fault.window: fault has no recover action",
			}},
		},
		{
			name:   "inject that never returned",
			events: []Event{{Kind: EventInject, At: at(9.9)}, undo(19.8, 20.2)},
			want:   want{unmeasured: map[string]string{FaultWindow: "never returned"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Start: at(0), End: at(30), Events: tt.events, Samples: apiDown}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
	t.Run("no API samples", func(t *testing.T) {
		tl := Timeline{Start: at(0), End: at(30), Events: []Event{inject(9.9, 10), undo(19.8, 20.2)}}
		checkFigures(t, Derive(tl), want{
			values:     map[string]float64{FaultWindow: 10.2},
			unmeasured: map[string]string{APIDowntimeError: "api.downtime.total: no samples"},
		})
	})
}

func TestInjectAt(t *testing.T) {
	if _, ok := InjectAt(Timeline{Events: []Event{undo(1, 2)}}); ok {
		t.Errorf("InjectAt found an inject among recover events only")
	}
	got, ok := InjectAt(Timeline{Events: []Event{undo(1, 2), inject(7, 8), inject(3, 9)}})
	if !ok || !got.Equal(at(3)) {
		t.Errorf("InjectAt = %v, %v; want the earliest inject at 3s", got.Sub(t0), ok)
	}
}
