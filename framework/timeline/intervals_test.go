package timeline

import (
	"math"
	"slices"
	"testing"
)

func reversed(s []Sample) []Sample {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

func sample(start, end float64, ok bool) Sample {
	return Sample{Series: "s", Start: at(start), End: at(end), OK: ok}
}

func TestDownIntervals(t *testing.T) {
	flapping := probe("s", 0, 30, 0.5, refusedDuring([2]float64{5, 6}, [2]float64{10, 13}, [2]float64{20, 20.7}))
	tests := []struct {
		name    string
		samples []Sample
		end     float64
		want    []Interval
	}{
		{
			name:    "no outage",
			samples: probe("s", 0, 5, 0.5, refusedDuring()),
			end:     5,
		},
		{
			name:    "outage at the very start opens at the first sample",
			samples: probe("s", 0, 5, 0.5, refusedDuring([2]float64{0, 2})),
			end:     5,
			want:    []Interval{iv(0, 2.01)},
		},
		{
			name:    "outage still going closes at the window end",
			samples: probe("s", 0, 5, 0.5, refusedDuring([2]float64{3, 99})),
			end:     5,
			want:    []Interval{iv(3, 5)},
		},
		{
			name:    "flapping",
			samples: flapping,
			end:     30,
			want:    []Interval{iv(5, 6.01), iv(10, 13.01), iv(20, 21.01)},
		},
		{
			name:    "input order does not matter",
			samples: reversed(flapping),
			end:     30,
			want:    []Interval{iv(5, 6.01), iv(10, 13.01), iv(20, 21.01)},
		},
		{
			name: "sample never answered counts as failed",
			samples: []Sample{
				sample(0, 0.01, true),
				{Series: "s", Start: at(1), OK: true},
				sample(2, 2.01, true),
			},
			end:  5,
			want: []Interval{iv(1, 2.01)},
		},
		{
			// The service answered at 5: a request sent during the outage
			// that hung and timed out later proves nothing after that.
			name: "failure sent during the outage and timed out after it does not extend it",
			samples: []Sample{
				sample(1, 1.001, false),
				sample(1.1, 5, true),    // hung, answered when the service came back
				sample(1.2, 6.2, false), // hung too, then timed out
				sample(1.3, 5.1, true),
			},
			end:  10,
			want: []Interval{iv(1, 5)},
		},
		{
			// The rule of the earliest answer: a slow answer to a request
			// sent earlier must not hide a fast one sent later.
			name: "outage ends at the earliest answer, not the first one sent",
			samples: []Sample{
				sample(1, 1.001, false),
				sample(1.1, 2.0, true),
				sample(1.2, 1.21, true),
			},
			end:  10,
			want: []Interval{iv(1, 1.21)},
		},
		{
			name: "a slow answer still in flight does not hold the outage open",
			samples: []Sample{
				sample(1, 1.001, false),
				sample(1.1, 5, true),
				sample(1.2, 1.201, false),
				sample(1.3, 1.31, true),
				sample(2, 2.01, true),
			},
			end:  10,
			want: []Interval{iv(1, 1.31)},
		},
		{
			name: "a failure after the earliest answer opens a new outage",
			samples: []Sample{
				sample(1, 1.001, false),
				sample(1.1, 3, true),
				sample(1.2, 1.21, true),
				sample(1.5, 1.501, false),
				sample(1.6, 1.61, true),
			},
			end:  10,
			want: []Interval{iv(1, 1.21), iv(1.5, 1.61)},
		},
		{
			name:    "answer after the window end is cut at the end",
			samples: []Sample{sample(1, 1.001, false), sample(4, 6, true)},
			end:     5,
			want:    []Interval{iv(1, 5)},
		},
		{
			name: "no samples",
			end:  5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkIntervals(t, DownIntervals(tt.samples, at(tt.end)), tt.want)
		})
	}
}

func TestUnion(t *testing.T) {
	tests := []struct {
		name string
		sets [][]Interval
		want []Interval
	}{
		{name: "nothing"},
		{
			name: "disjoint sets are sorted",
			sets: [][]Interval{{iv(10, 11)}, {iv(1, 2), iv(5, 6)}},
			want: []Interval{iv(1, 2), iv(5, 6), iv(10, 11)},
		},
		{
			name: "overlapping merge",
			sets: [][]Interval{{iv(1, 5)}, {iv(4, 8)}, {iv(7, 9)}},
			want: []Interval{iv(1, 9)},
		},
		{
			name: "adjacent merge",
			sets: [][]Interval{{iv(1, 2), iv(3, 4)}, {iv(2, 3)}},
			want: []Interval{iv(1, 4)},
		},
		{
			name: "nested is absorbed",
			sets: [][]Interval{{iv(1, 10)}, {iv(2, 3), iv(4, 5)}},
			want: []Interval{iv(1, 10)},
		},
		{
			name: "empty and inverted intervals are dropped",
			sets: [][]Interval{{iv(1, 1), iv(5, 4), iv(6, 7)}},
			want: []Interval{iv(6, 7)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkIntervals(t, Union(tt.sets...), tt.want)
		})
	}
}

func TestClip(t *testing.T) {
	got := Clip([]Interval{iv(-5, -1), iv(-1, 2), iv(3, 4), iv(8, 12), iv(12, 15)}, at(0), at(10))
	checkIntervals(t, got, []Interval{iv(0, 2), iv(3, 4), iv(8, 10)})
}

// The API is down for clients whenever any style of client request fails:
// here a reused connection recovers before a new one, and the cache read
// fails later than both; a node endpoint's series is not the client's.
func TestAPIClientDownIsTheUnionOfClientSeries(t *testing.T) {
	newEtcd := APISeries(EndpointClient, "new", "etcd")
	reusedEtcd := APISeries(EndpointClient, "reused", "etcd")
	reusedCache := APISeries(EndpointClient, "reused", "cache")
	tl := Timeline{
		Start: at(0), End: at(30),
		Samples: concat(
			probe(newEtcd, 0, 30, 0.5, refusedDuring([2]float64{10, 20})),
			probe(reusedEtcd, 0.1, 30, 0.5, refusedDuring([2]float64{12, 15})),
			probe(reusedCache, 0.2, 30, 0.5, refusedDuring([2]float64{19, 23})),
			probe(APISeries("cp1", "new", "etcd"), 0, 30, 0.5, refusedDuring([2]float64{0, 30})),
			probe(SeriesWorkload, 0, 30, 0.5, refusedDuring([2]float64{0, 30})),
		),
	}
	checkIntervals(t, SeriesDown(tl, newEtcd), []Interval{iv(10, 20.01)})
	checkIntervals(t, SeriesDown(tl, reusedEtcd), []Interval{iv(12.1, 15.11)})
	checkIntervals(t, SeriesDown(tl, reusedCache), []Interval{iv(19.2, 23.21)})
	checkIntervals(t, APIClientDown(tl), []Interval{iv(10, 23.21)})
	checkFigures(t, Derive(tl), want{values: map[string]float64{
		APIDowntimeTotal:   13.21,
		APIDowntimeLongest: 13.21,
	}})
}

// A paused API server: requests sent during the pause hang; those that hit
// the 5s probe timeout before the unpause fail, the others are all answered
// just after it. The measured outage must match the pause within one
// sampling interval, which closing at the answering sample's Start would
// miss by the timeout.
func TestPauseHangMeasuresTheTrueOutage(t *testing.T) {
	const (
		pauseFrom, pauseTo = 10.05, 30.05
		timeout, every     = 5.0, 0.1
	)
	hang := func(start float64) (float64, bool) {
		switch {
		case start < pauseFrom || start >= pauseTo:
			return start + 0.004, true
		case start+timeout < pauseTo:
			return start + timeout, false
		default:
			return pauseTo + 0.004, true
		}
	}
	tl := Timeline{
		Start:   at(0),
		End:     at(40),
		Events:  []Event{inject(10, pauseFrom), undo(30, pauseTo)},
		Samples: probe(APISeries(EndpointClient, "new", "etcd"), 0, 40, every, hang),
	}

	down := APIClientDown(tl)
	// Opens at the first request sent into the pause (10.1), closes when
	// the first request still hanging at the unpause is answered.
	checkIntervals(t, down, []Interval{iv(10.1, 30.054)})
	if diff := math.Abs(down[0].Duration().Seconds() - (pauseTo - pauseFrom)); diff > every {
		t.Errorf("measured outage off the pause by %.3fs, want <= %.1fs", diff, every)
	}
	checkFigures(t, Derive(tl), want{values: map[string]float64{
		APIDowntimeTotal: 19.954,
		APIDetect:        5.1, // the first request into the pause times out at 15.1
		APIRecovery:      20.054,
		FaultWindow:      20,
		APIDowntimeError: 0.046,
	}})
}
