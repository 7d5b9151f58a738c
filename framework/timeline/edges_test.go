package timeline

import (
	"math"
	"testing"
)

// The API is cut at 10.005 and let through again at 15.095; the client
// series samples every 100 ms and its requests answer in 5 ms. Its own
// samples see the cut at 10.1 (the first failure) and its end at 15.105
// (the first answer): 85 ms short. The path's pings saw the cut in
// (10.0, 10.01] and its knocks the end in (15.09, 15.097], and a burst of
// the series' own requests sent at the knock's answer is answered at
// 15.102.
func TestEdgesPlaceAnOutageInsideItsBracket(t *testing.T) {
	const cutFrom, cutTo = 10.005, 15.095
	series := APISeries(EndpointClient, "new", "etcd")
	cut := func(start float64) (float64, bool) {
		if start >= cutFrom && start < cutTo {
			return start + 1, false // dropped: the deadline
		}
		return start + 0.005, true
	}
	steady := probe(series, 0, 30, 0.1, cut)
	burst := probe(series, 15.097, 15.2, 0.01, cut)[:1]
	burst[0].Burst = true
	down := Edge{Endpoint: EndpointClient, Kind: EdgeDown, After: at(10.0), Before: at(10.01)}
	up := Edge{Endpoint: EndpointClient, Kind: EdgeUp, After: at(15.09), Before: at(15.097)}
	events := []Event{
		{Kind: EventInject, Action: "blackhole-api", Target: "cp1", At: at(9.9), Done: at(10.1), Effective: at(cutFrom)},
		{Kind: EventRecover, Action: "restore-api", Target: "cp1", At: at(15), Done: at(15.2), Effective: at(cutTo)},
	}
	base := Timeline{Start: at(0), End: at(30), Events: events}

	t.Run("the series' own samples: late by up to an interval at each edge", func(t *testing.T) {
		tl := base
		tl.Samples = steady
		checkIntervals(t, SeriesDown(tl, series), []Interval{iv(10.1, 15.105)})
		// Known in (10.005, 10.1] and (15.0, 15.105].
		checkFigures(t, Derive(tl), want{values: map[string]float64{APIEdgesMax: 0.105}})
	})
	t.Run("with the path's edges and the burst: within 20 ms", func(t *testing.T) {
		tl := base
		tl.Samples, tl.Edges = concat(steady, burst), []Edge{up, down}
		checkIntervals(t, SeriesDown(tl, series), []Interval{iv(10.01, 15.102)})
		figs := Derive(tl)
		for _, f := range figs {
			if f.Name == APIDowntimeErrorNew && (!f.Measured || f.Value > 0.02) {
				t.Errorf("%s = %v (measured %v, %q), want <= 0.02", f.Name, f.Value, f.Measured, f.Note)
			}
		}
		// Known in (10.005, 10.01] and (15.09, 15.102]: the knock sent
		// at 15.09 went unanswered.
		checkFigures(t, figs, want{values: map[string]float64{APIDowntimeNew: 5.092, FaultWindow: cutTo - cutFrom, APIEdgesMax: 0.012}})
	})
	t.Run("an edge reaches no other endpoint's series", func(t *testing.T) {
		tl := base
		other := down
		other.Endpoint = "cp1"
		tl.Samples, tl.Edges = steady, []Edge{other}
		checkIntervals(t, SeriesDown(tl, series), []Interval{iv(10.1, 15.105)})
	})
}

// A path edge only refines an outage inside the series' own bracket:
// between its last answer and its first failure, with the path still down
// at that failure.
func TestOutageStartStaysInsideTheBracket(t *testing.T) {
	const sent, answered, failed = 10.0, 10.01, 10.1
	down := func(before float64) Edge { return Edge{Kind: EdgeDown, After: at(before - 0.01), Before: at(before)} }
	up := func(before float64) Edge { return Edge{Kind: EdgeUp, After: at(before - 0.01), Before: at(before)} }
	for _, tc := range []struct {
		name  string
		path  []Edge
		start float64
	}{
		{"no edge", nil, failed},
		{"down inside the bracket", []Edge{down(10.03)}, 10.03},
		{"down before the last answered request went out: the series answered after it", []Edge{down(9.995)}, failed},
		{"down while the last answered request was out: its answer crossed the cut", []Edge{down(10.005)}, answered},
		{"down at the last answer itself", []Edge{down(answered)}, answered},
		{"down after the first failure: the failure came first", []Edge{down(10.2)}, failed},
		{"down and up again before the failure: not what failed", []Edge{down(10.03), up(10.05)}, failed},
		{"down, up, down again: the last time it went down", []Edge{down(10.02), up(10.04), down(10.06)}, 10.06},
		{"an earlier outage's edges change nothing", []Edge{down(5), up(6)}, failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := outageStart(tc.path, at(answered), at(sent), at(failed))
			if d := got.Sub(at(tc.start)).Seconds(); math.Abs(d) > tolerance {
				t.Errorf("outage starts at %v, want %v", got.Sub(t0).Seconds(), tc.start)
			}
		})
	}
}

// A path edge never opens an outage its series did not see: an edge while
// every sample of the series answered changes nothing.
func TestEdgesInventNoOutage(t *testing.T) {
	series := APISeries(EndpointClient, "reused", "cache")
	tl := Timeline{Start: at(0), End: at(20), Samples: probe(series, 0, 20, 0.1, refusedDuring()),
		Edges: []Edge{
			{Endpoint: EndpointClient, Kind: EdgeDown, After: at(5), Before: at(5.01)},
			{Endpoint: EndpointClient, Kind: EdgeUp, After: at(5.2), Before: at(5.21)},
		}}
	checkIntervals(t, SeriesDown(tl, series), nil)
	checkFigures(t, Derive(tl), want{values: map[string]float64{APIDowntimeTotal: 0},
		unmeasured: map[string]string{APIEdgesMax: "no outage edge seen"}})
}

func TestAPIEndpoint(t *testing.T) {
	for series, want := range map[string]string{
		APISeries(EndpointClient, "new", "etcd"): EndpointClient,
		APISeries("cp2", "reused", "cache"):      "cp2",
		SeriesWorkload:                           "",
		"api/":                                   "",
	} {
		if got, _ := apiEndpoint(series); got != want {
			t.Errorf("apiEndpoint(%q) = %q, want %q", series, got, want)
		}
	}
}
