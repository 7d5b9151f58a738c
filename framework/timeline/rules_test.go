package timeline

import (
	"strings"
	"testing"
	"time"
)

// The measurement rules every figure obeys (docs/reports.md, "What is measured"),
// each pinned on a built timeline.

// A recovery is the last one: the moment after which it held until the end.
func TestLeaseRecoveryIsTheLastReturn(t *testing.T) {
	const a, b, c = "cp1_a", "cp1_b", "cp1_c"
	sched := func(holder string, acquire float64, transitions int32, renews ...float64) []LeaseObservation {
		return renewals("kube-system", "kube-scheduler", holder, acquire, transitions, renews...)
	}
	heartbeatEvery := func(renews ...float64) []LeaseObservation { return heartbeat("cp1", renews...) }
	tests := []struct {
		name   string
		leases []LeaseObservation
		end    float64
		want   want
	}{
		{
			// b acquires at 25 and loses the Lease (its API server dies
			// again), c acquires at 45 and keeps it.
			name: "cascade of new holders: the last acquisition",
			leases: concat(
				sched(a, -100, 3, every(0, 8, 2)...),
				sched(b, 25, 4, 25, 27, 29),
				sched(c, 45, 5, every(45, 59, 2)...),
			),
			end:  60,
			want: want{values: map[string]float64{LeaseSchedulerRecovery: 35, LeaseSchedulerTransitions: 2}},
		},
		{
			// The same holder's renewals resume at 20, stop, resume at 40.
			name:   "renewals resume, stop, resume: the end of the last gap",
			leases: sched(a, -100, 3, concat(every(0, 8, 2), every(20, 24, 2), every(40, 58, 2))...),
			end:    60,
			want:   want{values: map[string]float64{LeaseSchedulerRecovery: 30}},
		},
		{
			// A holder that came back and then stopped renewing for good:
			// the Lease expired before the end, no leader at the end.
			name:   "recovered, then lost for good",
			leases: concat(sched(a, -100, 3, every(0, 8, 2)...), sched(b, 25, 4, 25, 27, 29)),
			end:    60,
			want: want{unmeasured: map[string]string{
				LeaseSchedulerRecovery: "lease expired before the end of the window",
			}},
		},
		{
			// Node heartbeats use the same rule: back at 30, gone, back at 50.
			name:   "node heartbeat: the last gap",
			leases: heartbeatEvery(-20, -10, 0, 30, 50, 60),
			end:    61,
			want:   want{values: map[string]float64{NodeRecovery: 40}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Start: at(0), End: at(tt.end), Events: []Event{inject(10, 10.5)}, Leases: tt.leases}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
}

// An outage ends at the earliest answer after it, not the first one sent:
// the issue's own example, through the API figures.
func TestOutageEndsAtTheEarliestAnswer(t *testing.T) {
	samples := concat(
		probe(apiNew, 0, 1, 0.1, refusedDuring()),
		[]Sample{
			{Series: apiNew, Start: at(1.0), End: at(1.001), OK: false, Error: "connection refused"},
			{Series: apiNew, Start: at(1.1), End: at(2.0), OK: true},
			{Series: apiNew, Start: at(1.2), End: at(1.21), OK: true},
		},
		probe(apiNew, 1.3, 10, 0.1, refusedDuring()),
	)
	tl := Timeline{Start: at(0), End: at(10), Events: []Event{inject(0.9, 0.95)}, Samples: samples}
	checkIntervals(t, APIClientDown(tl), []Interval{iv(1, 1.21)})
	checkFigures(t, Derive(tl), want{values: map[string]float64{APIDowntimeTotal: 0.21, APIRecovery: 0.31}})
}

// No data is "not measured", never 0.
func TestNoDataIsNotMeasured(t *testing.T) {
	fault := []Event{inject(10, 10.5)}
	t.Run("pod seen only before the fault", func(t *testing.T) {
		tl := Timeline{Start: at(0), End: at(40), Events: fault,
			Pods: []PodObservation{pod("etcd", "cp1", 0, true, -1000)}}
		checkFigures(t, Derive(tl), want{unmeasured: map[string]string{PodEtcdRecovery: "not observed after the fault"}})
	})
	t.Run("node seen only before the fault", func(t *testing.T) {
		tl := Timeline{Start: at(0), End: at(40), Events: fault,
			Nodes: []NodeObservation{node("cp1", 0, true, -1000)}}
		checkFigures(t, Derive(tl), want{unmeasured: map[string]string{NodeRecovery: "not observed after the fault"}})
	})
	t.Run("etcd member seen only before the fault", func(t *testing.T) {
		tl := Timeline{Start: at(0), End: at(40), Events: fault, Etcd: member("cp1", 0, 9, 1, true, true)}
		checkFigures(t, Derive(tl), want{unmeasured: map[string]string{EtcdRecovery: "not observed after the fault"}})
	})
	t.Run("series stopped before the fault", func(t *testing.T) {
		tl := Timeline{Start: at(0), End: at(40), Events: fault, Samples: concat(
			probe(apiNew, 0, 40, 0.1, refusedDuring()),
			probe(SeriesWorkload, 0, 8, 0.1, refusedDuring()),
		)}
		checkFigures(t, Derive(tl), want{
			values: map[string]float64{APIRecovery: 0},
			unmeasured: map[string]string{
				WorkloadRecovery:      "probe failure: series workload stopped sampling 32.1s before the end of the window",
				WorkloadDowntimeTotal: "probe failure",
				RecoveryAll:           "not measured, no data after the fault: workload.recovery (probe failure",
			},
		})
	})
	t.Run("time before a series' first sample is not up", func(t *testing.T) {
		// Probes start 2 s into a 40 s window; the API was down 5 s.
		tl := Timeline{Start: at(0), End: at(40), Events: []Event{inject(15, 15.5)},
			Samples: probe(apiNew, 2, 40, 0.1, refusedDuring([2]float64{15, 20}))}
		checkFigures(t, Derive(tl), want{values: map[string]float64{
			APIDowntimeTotal: 5.01,
			APIAvailability:  100 * (1 - 5.01/38),
		}})
	})
	t.Run("availability probed over too little of its window", func(t *testing.T) {
		// Probes start 8 s into a 10 s window: whatever happened in the
		// first 8 s is unknown, so neither figure says how available the
		// API or the workload was.
		tl := Timeline{Start: at(0), End: at(10), Events: []Event{inject(8.5, 8.6)},
			Samples: concat(probe(apiNew, 8, 10, 0.1, refusedDuring()), probe(SeriesWorkload, 8, 10, 0.1, refusedDuring()),
				probe(APISeries(EndpointClient, "reused", "cache"), 8, 10, 0.1, refusedDuring()),
				probe(APISeries("cp1", "new", "etcd"), 8, 10, 0.1, refusedDuring()),
				probe(SeriesWrite, 8, 10, 0.25, refusedDuring()))}
		const why = "probed 2.0s of a 10.0s window (20%), below 90%"
		checkFigures(t, Derive(tl), want{unmeasured: map[string]string{
			APIDowntimeTotal: why, APIAvailability: why, WorkloadDowntimeTotal: why,
			WritesDowntime: why, APIDowntimeNew: why, APIDowntimeReused: why, APIDowntimeEtcdReads: why,
			APIDowntimeCacheReads: why, APIDirectDowntimeMax: "API server cp1: " + why,
		}})
	})
	t.Run("the probes' own start is no gap", func(t *testing.T) {
		// Half a second unprobed of a 2 s window (75 %): the probes'
		// start, not a gap an availability figure is judged short of.
		tl := Timeline{Start: at(0), End: at(2), Events: []Event{inject(1, 1.1)},
			Samples: probe(apiNew, 0.5, 2, 0.05, refusedDuring())}
		checkFigures(t, Derive(tl), want{values: map[string]float64{APIDowntimeTotal: 0, APIAvailability: 100}})
	})
	t.Run("probes started after the fault", func(t *testing.T) {
		tl := Timeline{Start: at(0), End: at(40), Events: fault,
			Samples: probe(apiNew, 20, 40, 0.1, refusedDuring())}
		checkFigures(t, Derive(tl), want{unmeasured: map[string]string{APIRecovery: "first probed 10.0s after the fault"}})
	})
	t.Run("recovery.all names the part with no data", func(t *testing.T) {
		tl := Timeline{Start: at(0), End: at(40), Events: fault,
			Samples: probe(apiNew, 0, 40, 0.1, refusedDuring([2]float64{10, 20})),
			Pods:    []PodObservation{pod("etcd", "cp1", 0, true, -1000)}}
		checkFigures(t, Derive(tl), want{unmeasured: map[string]string{
			RecoveryAll: "not measured, no data after the fault: pod.etcd.recovery (pod etcd-cp1 not observed after the fault)",
		}})
	})
}

// Zero writes acknowledged is no pass.
func TestWritesLostNeedsAcknowledgedWrites(t *testing.T) {
	writes := probe(SeriesWrite, 0, 20, 0.2, refusedDuring([2]float64{0, 99}))
	tl := Timeline{Start: at(0), End: at(20), Events: []Event{inject(5, 5.5)}, Samples: writes,
		WriteCheck: &WriteCheck{At: at(21)}}
	checkFigures(t, Derive(tl), want{
		values:     map[string]float64{WritesAcknowledged: 0},
		unmeasured: map[string]string{WritesLost: "no write acknowledged (0 of 100 attempts)"},
	})
}

// Windows in which the harness's own control series fails are harness
// stalls: kept out of the cluster's downtime and reported apart.
func TestHarnessStallsAreKeptOutOfDowntime(t *testing.T) {
	// The API is refused in [10, 20); the harness is stalled in [30, 31.5)
	// so every series, the control one too, times out.
	stall := func(start float64) (float64, bool) {
		if start >= 30 && start < 31.5 {
			return 31.5, false
		}
		return start + 0.01, true
	}
	api := func(start float64) (float64, bool) {
		if start >= 10 && start < 20 {
			return start + 0.001, false
		}
		return stall(start)
	}
	tl := Timeline{Start: at(0), End: at(40), Events: []Event{inject(9.9, 10)},
		Samples: concat(probe(apiNew, 0, 40, 0.1, api), probe(SeriesControl, 0, 40, 0.1, stall))}
	checkIntervals(t, HarnessStalls(tl), []Interval{iv(30, 31.51)})
	checkFigures(t, Derive(tl), want{values: map[string]float64{
		APIDowntimeTotal:   10.01,
		APIDowntimeStalled: 1.51,
		HarnessStallTotal:  1.51,
		APIRecovery:        10.11, // back at 20.01, fault at 9.9
	}})

	t.Run("without a control series the stall counts as downtime and says so", func(t *testing.T) {
		tl := tl
		tl.Samples = probe(apiNew, 0, 40, 0.1, api)
		checkFigures(t, Derive(tl), want{
			values:     map[string]float64{APIDowntimeTotal: 11.52},
			unmeasured: map[string]string{HarnessStallTotal: "no samples of series harness/control", APIDowntimeStalled: "no samples"},
		})
	})
}

func TestSubtractAndIntersect(t *testing.T) {
	a := []Interval{iv(0, 10), iv(20, 30)}
	b := []Interval{iv(5, 6), iv(8, 22), iv(29, 40)}
	checkIntervals(t, Subtract(a, b), []Interval{iv(0, 5), iv(6, 8), iv(22, 29)})
	checkIntervals(t, Intersect(a, b), []Interval{iv(5, 6), iv(8, 10), iv(20, 22), iv(29, 30)})
	if got := Subtract(a, nil); len(got) != 2 || got[1].Duration() != 10*time.Second {
		t.Errorf("a less nothing = %v", seconds(got))
	}
}

// A drill with no evidence that its fault took is INVALID, never PASS.
func TestFaultTookNeedsProofOnEveryTarget(t *testing.T) {
	ev := func(target string, proven bool) Evidence {
		return Evidence{Target: target, What: "process gone", Before: "101", After: "101", Proven: proven}
	}
	injects := []Event{inject(1, 1.1), {Kind: EventInject, Target: "cp2", At: at(1), Done: at(1.1)}}
	for _, tc := range []struct {
		name     string
		tl       Timeline
		took     bool
		fragment string
	}{
		{"no fault", Timeline{}, false, "no fault injected"},
		{"no evidence", Timeline{Events: injects}, false, "cp1: no evidence recorded"},
		{"one target unproven", Timeline{Events: injects, Evidence: []Evidence{ev("cp1", true), ev("cp2", false)}}, false,
			`cp2: process gone not proven (before "101", after "101")`},
		{"every target proven", Timeline{Events: injects, Evidence: []Evidence{ev("cp1", true), ev("cp2", false), ev("cp2", true)}}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			took, why := FaultTook(tc.tl)
			if took != tc.took || !strings.Contains(why, tc.fragment) {
				t.Errorf("FaultTook = %v, %q; want %v, containing %q", took, why, tc.took, tc.fragment)
			}
		})
	}
}

// A cut that drops packets for [10, 30): new connections hang until their
// 1 s deadline and answer again right after the cut; the reused HTTP/2
// connection stays stalled until TCP retransmits at 36.4 (the requests
// queued behind it answer at 36.41). The window comes
// from the target's own stamps, not from the commands' return.
func TestCalibrationPerConnection(t *testing.T) {
	const cutFrom, cutTo = 10.0, 30.0
	fresh := func(start float64) (float64, bool) {
		switch {
		case start < cutFrom || start >= cutTo:
			return start + 0.02, true
		default:
			return start + 1, false // deadline
		}
	}
	reused := func(start float64) (float64, bool) {
		switch {
		case start < cutFrom:
			return start + 0.005, true
		case start < 36.4-1:
			return start + 1, false
		case start < 36.4:
			return 36.41, true // queued behind the retransmission
		default:
			return start + 0.005, true
		}
	}
	cut := Event{Kind: EventInject, Action: "blackhole-api", Target: "cp1", At: at(9.9), Done: at(10.08), Effective: at(cutFrom)}
	lift := Event{Kind: EventRecover, Action: "restore-api", Target: "cp1", At: at(29.9), Done: at(30.09), Effective: at(cutTo)}
	tl := Timeline{Start: at(0), End: at(50), Events: []Event{cut, lift}, Samples: concat(
		probe(APISeries(EndpointClient, "new", "etcd"), 0, 50, 0.1, fresh),
		probe(APISeries(EndpointClient, "reused", "cache"), 0, 50, 0.1, reused),
	)}
	checkFigures(t, Derive(tl), want{
		values: map[string]float64{
			FaultWindow:            20,
			APIDowntimeNew:         20.02, // [10, 30.02)
			APIDowntimeErrorNew:    0.02,
			APIDowntimeReused:      26.405, // [10, 36.405): the request sent at 36.4 answers first
			APIDowntimeErrorReused: 6.405,
			APIDowntimeTotal:       26.405,
		},
		notes: map[string]string{FaultWindow: "stamped by the target"},
	})
}

// With etcd's quorum lost, quorum reads fail while the watch cache may go
// on serving: the two kinds of read are measured apart, over any
// connection.
func TestEtcdAndCacheReadsApart(t *testing.T) {
	quorum := func(start float64) (float64, bool) {
		if start >= 10 && start < 40 {
			return start + 1, false
		}
		return start + 0.01, true
	}
	cache := func(start float64) (float64, bool) {
		if start >= 10 && start < 12 { // the co-located API server's hiccup
			return start + 1, false
		}
		return start + 0.005, true
	}
	freeze := Event{Kind: EventInject, Action: "freeze etcd", Target: "cp1", At: at(9.9), Done: at(10)}
	tl := Timeline{Start: at(0), End: at(60), Events: []Event{freeze}, Samples: concat(
		probe(APISeries(EndpointClient, "new", "etcd"), 0, 60, 0.1, quorum),
		probe(APISeries(EndpointClient, "reused", "etcd"), 0, 60, 0.1, quorum),
		probe(APISeries(EndpointClient, "new", "cache"), 0, 60, 0.1, cache),
		probe(APISeries(EndpointClient, "reused", "cache"), 0, 60, 0.1, cache),
	)}
	checkFigures(t, Derive(tl), want{values: map[string]float64{
		APIDowntimeEtcdReads:  30.01, // [10, 40.01)
		APIDowntimeCacheReads: 2.005, // [10, 12.005)
		APIDowntimeTotal:      30.01,
	}})
	// No series of a kind: not measured, never 0.
	tl.Samples = probe(APISeries(EndpointClient, "new", "etcd"), 0, 60, 0.1, quorum)
	checkFigures(t, Derive(tl), want{unmeasured: map[string]string{APIDowntimeCacheReads: "no samples of series"}})
}

// node.detect is when the cluster marked a node not Ready after the fault;
// a node that never went NotReady leaves it unmeasured, never 0.
func TestNodeDetect(t *testing.T) {
	cut := Event{Kind: EventInject, Action: "isolate-node", Target: "w3", At: at(10), Done: at(10.1)}
	ready := func(s float64, r bool) NodeObservation {
		return NodeObservation{ObservedAt: at(s), Name: "w3", Ready: r, ReadySince: at(0)}
	}
	tl := Timeline{Start: at(0), End: at(120), Events: []Event{cut},
		Nodes: []NodeObservation{ready(5, true), ready(20, true), ready(52.4, false), ready(53, false), ready(90, true)}}
	checkFigures(t, Derive(tl), want{values: map[string]float64{NodeDetect: 42.4}})
	tl.Nodes = []NodeObservation{ready(5, true), ready(20, true)}
	checkFigures(t, Derive(tl), want{unmeasured: map[string]string{NodeDetect: "no node was marked not Ready"}})
}
