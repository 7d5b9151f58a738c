package timeline

import (
	"slices"
	"strings"
	"time"
)

// DownIntervals returns when one series was down, from its samples (the
// caller passes the samples of a single series: mixing series would let one
// series' successes hide another's failures). The series is up until a
// sample fails. An outage closes at the End of the first answered sample,
// not at its Start: during a hang (a paused container) the requests sent
// during the outage are all answered just after it ends, and closing at
// their Start would shorten the outage by up to the probe timeout. A series
// still down after its last sample is down until end, the window end.
func DownIntervals(samples []Sample, end time.Time) []Interval {
	ivs, _ := walkDown(samples, end)
	return ivs
}

// walkDown is DownIntervals, also telling whether the series was still down
// after its last sample: an outage cut by the window end is not a recovery.
func walkDown(samples []Sample, end time.Time) (ivs []Interval, stillDown bool) {
	sorted := slices.Clone(samples)
	slices.SortStableFunc(sorted, func(a, b Sample) int { return a.Start.Compare(b.Start) })
	var from, closed time.Time
	for _, s := range sorted {
		switch {
		case !stillDown && !answered(s):
			// A request sent before the last outage closed can fail late;
			// that time is already counted.
			stillDown, from = true, later(s.Start, closed)
		case stillDown && answered(s):
			stillDown = false
			ivs = append(ivs, Interval{From: from, To: earlier(s.End, end)})
			closed = later(closed, s.End)
		}
	}
	if stillDown {
		ivs = append(ivs, Interval{From: from, To: end})
	}
	return Union(ivs), stillDown
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
	intervals []Interval // union over the series, each walked on its own
	samples   int
	stillDown bool // some series of the group was down at the window end
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
	for _, samples := range bySeries {
		ivs, down := walkDown(samples, tl.End)
		sets = append(sets, ivs)
		o.samples += len(samples)
		o.stillDown = o.stillDown || down
	}
	o.intervals = Union(sets...)
	return o
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
