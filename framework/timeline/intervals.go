package timeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// DownIntervals returns when one series was down, from its samples (the
// caller passes the samples of a single series: mixing series would let one
// series' successes hide another's failures). See walkDown for the rule.
func DownIntervals(samples []Sample, end time.Time) []Interval {
	return walkDown(samples, end, nil).intervals
}

// seriesWalk is what the samples of one series say.
type seriesWalk struct {
	intervals []Interval
	// stillDown: the series was down after its last answer, so an outage
	// cut by the window end is not a recovery.
	stillDown bool
	// first and last are the Start of the series' first and last sample:
	// before first nothing was probed, and a series whose last sample is
	// long before the window end stopped early.
	first, last time.Time
	samples     int
	// brackets are how well each edge of its outages is known.
	brackets []bracket
}

// walkDown applies the outage rule to one series. Each sample is evidence
// at one instant: a failed request at its Start (the service did not answer
// a request sent then; a request that hangs until its deadline fails from
// the moment it was sent), an answered one at its End (the service answered
// then). The series is up until the first failure; an outage then lasts
// until the earliest answer that comes back after it, whichever request it
// answers: a slow answer to a request sent earlier must not hide a fast
// answer to one sent later, and closing at an answer's End rather than its
// Start keeps requests that hang through an outage (all answered just after
// it) from shortening it. Failures stamped while an outage is already open
// change nothing. A series still down after its last answer is down until
// end, the window end. path are the edges of the network path the series
// travels (sorted by Before; nil: none known), which may place an outage's
// start inside its bracket (outageStart); its end is always an answer
// (the prober's bursts make the first one come soon after the path's).
func walkDown(samples []Sample, end time.Time, path []Edge) seriesWalk {
	w := seriesWalk{samples: len(samples)}
	type evidence struct {
		at time.Time
		up bool
		// sent is when an answer's request went out.
		sent time.Time
	}
	evs := make([]evidence, 0, len(samples))
	for _, s := range samples {
		if w.first.IsZero() || s.Start.Before(w.first) {
			w.first = s.Start
		}
		w.last = later(w.last, s.Start)
		if answered(s) {
			evs = append(evs, evidence{at: s.End, up: true, sent: s.Start})
		} else {
			evs = append(evs, evidence{at: s.Start})
		}
	}
	// At the same instant a failure comes first: an answer at that instant
	// closes the outage it opened, which leaves an empty interval.
	slices.SortStableFunc(evs, func(a, b evidence) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		switch {
		case a.up == b.up:
			return 0
		case a.up:
			return 1
		}
		return -1
	})
	// upAt is the series' latest evidence of being up: its last answer
	// (its request sent at upSent), or before any its first sample
	// (nothing was known earlier); downAt its latest failure.
	var from, downAt time.Time
	upAt, upSent, everUp := w.first, w.first, false
	for _, e := range evs {
		switch {
		case !w.stillDown && !e.up:
			var known time.Time
			from, known = outageStart(path, upAt, upSent, e.at)
			w.stillDown, downAt = true, e.at
			if everUp { // else the outage was there before the series
				w.brackets = append(w.brackets, bracket{after: known, before: from})
			}
		case w.stillDown && !e.up:
			downAt = e.at
		case w.stillDown && e.up:
			w.stillDown = false
			w.intervals = append(w.intervals, Interval{From: from, To: earlier(e.at, end)})
			if !e.at.After(end) {
				w.brackets = append(w.brackets, bracket{after: outageEndKnown(path, downAt, e.at), before: e.at})
			}
		}
		if e.up {
			upAt, upSent, everUp = e.at, e.sent, true
		}
	}
	if w.stillDown {
		w.intervals = append(w.intervals, Interval{From: from, To: end})
	}
	w.intervals = Union(w.intervals)
	return w
}

// answered is whether a sample proves the service up. A sample with no End
// never came back, whatever its OK says.
func answered(s Sample) bool { return s.OK && !s.End.IsZero() }

// Union merges interval sets into one sorted set in which no two intervals
// overlap or touch; empty intervals are dropped.
func Union(sets ...[]Interval) []Interval {
	var all []Interval
	for _, set := range sets {
		for _, iv := range set {
			if iv.To.After(iv.From) {
				all = append(all, iv)
			}
		}
	}
	slices.SortFunc(all, func(a, b Interval) int { return a.From.Compare(b.From) })
	var out []Interval
	for _, iv := range all {
		n := len(out)
		if n > 0 && !iv.From.After(out[n-1].To) {
			out[n-1].To = later(out[n-1].To, iv.To)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// Clip cuts intervals to [from, to], dropping what falls outside. Figures
// only count time inside the observation window: outside it nothing was
// probed.
func Clip(ivs []Interval, from, to time.Time) []Interval {
	var out []Interval
	for _, iv := range ivs {
		c := Interval{From: later(iv.From, from), To: earlier(iv.To, to)}
		if c.To.After(c.From) {
			out = append(out, c)
		}
	}
	return out
}

// SeriesDown is the down intervals of one series of the timeline.
func SeriesDown(tl Timeline, series string) []Interval {
	return downOf(tl, func(s string) bool { return s == series }).intervals
}

// APIClientDown is the down intervals of the API as clients see it: down
// whenever any style of client request (new or reused connection, quorum or
// cache read) failed, since a client of any of these styles saw an outage.
func APIClientDown(tl Timeline) []Interval {
	return downOf(tl, isAPIClient).intervals
}

var apiClientPrefix = SeriesAPIPrefix + EndpointClient + "/"

func isAPIClient(series string) bool { return strings.HasPrefix(series, apiClientPrefix) }

// outage is what the samples of a group of series say.
type outage struct {
	// intervals is the union over the series, each walked on its own,
	// less the windows in which the harness itself was stalled.
	intervals []Interval
	samples   int
	stillDown bool // some series of the group was down at the window end
	// last is the Start of the group's last sample.
	last time.Time
	// from is when every series of the group had sent its first sample:
	// before it the group was not fully probed, and that time is not
	// counted as up.
	from time.Time
	// stopped names the series that stopped sampling long before the
	// window end: a probe failure, not an answer about the cluster.
	stopped []string
	// stalled is the down time of the group that fell in harness stalls
	// and was kept out of intervals.
	stalled []Interval
	// brackets are how well each edge of each series' outages is known.
	brackets []bracket
}

// stopGap is how long before the window end a series may send its last
// sample before it counts as stopped: ten of its own intervals, at least
// 5 s (the last requests finish within one probe timeout of the end).
func stopGap(w seriesWalk) time.Duration {
	if w.samples < 2 {
		return 5 * time.Second
	}
	spacing := w.last.Sub(w.first) / time.Duration(w.samples-1)
	return max(5*time.Second, 10*spacing)
}

func downOf(tl Timeline, match func(series string) bool) outage {
	bySeries := map[string][]Sample{}
	for _, s := range tl.Samples {
		if match(s.Series) {
			bySeries[s.Series] = append(bySeries[s.Series], s)
		}
	}
	var o outage
	var sets [][]Interval
	for _, name := range slices.Sorted(maps.Keys(bySeries)) {
		w := walkDown(bySeries[name], tl.End, pathEdges(tl, name))
		sets = append(sets, w.intervals)
		o.samples += w.samples
		o.brackets = append(o.brackets, w.brackets...)
		o.stillDown = o.stillDown || w.stillDown
		o.from = later(o.from, w.first)
		o.last = later(o.last, w.last)
		if gap := tl.End.Sub(w.last); gap > stopGap(w) {
			o.stopped = append(o.stopped, fmt.Sprintf("series %s stopped sampling %.1fs before the end of the window", name, gap.Seconds()))
		}
	}
	down := Union(sets...)
	// The control series is the measure of stalls, not subject to them.
	if stalls := HarnessStalls(tl); len(stalls) > 0 && !match(SeriesControl) {
		o.stalled = Intersect(down, stalls)
		down = Subtract(down, stalls)
	}
	o.intervals = down
	return o
}

// window is the part of the observation window in which the group was
// probed: from its first full round of samples to the end.
func (o outage) window(tl Timeline) (from, to time.Time) {
	return later(tl.Start, o.from), tl.End
}

// probeFailure says why the group's figures cannot be trusted, or "".
func (o outage) probeFailure() string {
	if len(o.stopped) == 0 {
		return ""
	}
	return "probe failure: " + strings.Join(o.stopped, "; ")
}

// Subtract is a less b: the parts of a's intervals that no interval of b
// covers.
func Subtract(a, b []Interval) []Interval {
	b = Union(b)
	var out []Interval
	for _, iv := range Union(a) {
		cur := iv
		for _, cut := range b {
			if !cut.To.After(cur.From) || !cut.From.Before(cur.To) {
				continue
			}
			if cut.From.After(cur.From) {
				out = append(out, Interval{From: cur.From, To: cut.From})
			}
			cur.From = cut.To
			if !cur.To.After(cur.From) {
				break
			}
		}
		if cur.To.After(cur.From) {
			out = append(out, cur)
		}
	}
	return out
}

// Intersect is the time covered by both a and b.
func Intersect(a, b []Interval) []Interval {
	return Subtract(Union(a), Subtract(Union(a), b))
}

func total(ivs []Interval) time.Duration {
	var sum time.Duration
	for _, iv := range ivs {
		sum += iv.Duration()
	}
	return sum
}

func longest(ivs []Interval) time.Duration {
	var m time.Duration
	for _, iv := range ivs {
		m = max(m, iv.Duration())
	}
	return m
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
