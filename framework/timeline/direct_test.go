package timeline

import (
	"maps"
	"slices"
	"testing"
)

// Direct API series, probed every 0.5s over [0, 60).
var (
	// cp1: a new connection refused in [2, 3) and [10, 25), a reused one
	// from 0.1s refused in [12, 27): down [2, 3.01) and [10, 27.11).
	cp1Down = concat(
		probe(APISeries("cp1", "new", "etcd"), 0, 60, 0.5, refusedDuring([2]float64{2, 3}, [2]float64{10, 25})),
		probe(APISeries("cp1", "reused", "cache"), 0.1, 60, 0.5, refusedDuring([2]float64{12, 27})),
	)
	// cp2: down [5, 6.01) and [30, 40.01).
	cp2Down = probe(APISeries("cp2", "new", "etcd"), 0, 60, 0.5, refusedDuring([2]float64{5, 6}, [2]float64{30, 40}))
	// cp3: down from 50s to the window end.
	cp3Stuck = probe(APISeries("cp3", "new", "etcd"), 0, 60, 0.5, refusedDuring([2]float64{50, 99}))
)

func TestAPIDirectFigures(t *testing.T) {
	faulted := []Event{inject(10, 10.5)}
	tests := []struct {
		name    string
		start   float64
		events  []Event
		samples []Sample
		want    want
	}{
		{
			// cp1 is down longest (1.01 + 17.11), cp2 back last (40.01);
			// the client endpoint, down 40.01s, is no API server.
			name:   "the worst endpoint's downtime, the last endpoint back",
			events: faulted,
			samples: concat(cp1Down, cp2Down,
				probe(apiNew, 0, 60, 0.5, refusedDuring([2]float64{10, 50}))),
			want: want{
				values: map[string]float64{
					APIDirectDowntimeMax: 18.12, APIDirectRecovery: 30.01,
					APIDowntimeTotal: 40.01, RecoveryAll: 40.01,
				},
				notes: map[string]string{
					APIDirectDowntimeMax: "worst: API server cp1",
					APIDirectRecovery:    "slowest: API server cp2",
				},
			},
		},
		{
			name:    "an endpoint still down at the end",
			events:  faulted,
			samples: concat(cp1Down, cp3Stuck),
			want: want{
				values: map[string]float64{APIDirectDowntimeMax: 18.12},
				unmeasured: map[string]string{
					APIDirectRecovery: "API server cp3 still down at end of window",
					RecoveryAll:       "not recovered: api.direct.recovery (API server cp3 still down at end of window)",
				},
			},
		},
		{
			name:    "outage before the fault is not a recovery",
			events:  []Event{inject(20, 20.5)},
			samples: probe(APISeries("cp2", "new", "etcd"), 0, 60, 0.5, refusedDuring([2]float64{5, 6})),
			want: want{
				values: map[string]float64{APIDirectDowntimeMax: 1.01, APIDirectRecovery: 0, RecoveryAll: 0},
				notes:  map[string]string{APIDirectRecovery: "no API server down after the fault"},
			},
		},
		{
			name:    "never down",
			events:  faulted,
			samples: probe(APISeries("cp1", "new", "etcd"), 0, 60, 0.5, refusedDuring()),
			want: want{
				values: map[string]float64{APIDirectDowntimeMax: 0, APIDirectRecovery: 0},
				notes:  map[string]string{APIDirectDowntimeMax: "no API server down"},
			},
		},
		{
			// Down since before the window: only [0, 2.01) counts.
			name:    "outage cut at the window start",
			events:  []Event{inject(1, 1.5)},
			samples: probe(APISeries("cp1", "new", "etcd"), -5, 60, 0.5, refusedDuring([2]float64{-5, 2})),
			want:    want{values: map[string]float64{APIDirectDowntimeMax: 2.01, APIDirectRecovery: 1.01}},
		},
		{
			name:    "no inject event",
			samples: concat(cp1Down, cp2Down),
			want: want{
				values:     map[string]float64{APIDirectDowntimeMax: 18.12},
				unmeasured: map[string]string{APIDirectRecovery: noFault},
			},
		},
		{
			name:    "client series only",
			events:  faulted,
			samples: probe(apiNew, 0, 60, 0.5, refusedDuring([2]float64{10, 50})),
			want: want{unmeasured: map[string]string{
				APIDirectDowntimeMax: "no direct API series",
				APIDirectRecovery:    "no direct API series",
			}},
		},
		{
			name:    "empty window",
			start:   60,
			events:  faulted,
			samples: cp1Down,
			want: want{unmeasured: map[string]string{
				APIDirectDowntimeMax: emptyWindowNote,
				APIDirectRecovery:    emptyWindowNote,
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Start: at(tt.start), End: at(60), Events: tt.events, Samples: tt.samples}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
}

// Every endpoint probed has an entry, clipped to the window; the client
// endpoint, other series and malformed API series have none.
func TestEndpointsDown(t *testing.T) {
	tl := Timeline{
		Start: at(2.5), End: at(60),
		Samples: concat(
			cp1Down,
			probe(APISeries("cp2", "new", "etcd"), 0, 60, 0.5, refusedDuring()),
			probe(apiNew, 0, 60, 0.5, refusedDuring([2]float64{10, 50})),
			probe(SeriesWorkload, 0, 60, 0.5, refusedDuring([2]float64{10, 50})),
			probe("api/cp4", 0, 60, 0.5, refusedDuring([2]float64{10, 50})),
			probe("api//new/etcd", 0, 60, 0.5, refusedDuring([2]float64{10, 50})),
		),
	}
	down := EndpointsDown(tl)
	if got := slices.Sorted(maps.Keys(down)); !slices.Equal(got, []string{"cp1", "cp2"}) {
		t.Fatalf("endpoints = %q, want [cp1 cp2]", got)
	}
	checkIntervals(t, down["cp1"], []Interval{iv(2.5, 3.01), iv(10, 27.11)})
	checkIntervals(t, down["cp2"], nil)
}
