package timeline

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EdgeKind says which way the path to an endpoint changed.
type EdgeKind string

const (
	EdgeDown EdgeKind = "down"
	EdgeUp   EdgeKind = "up"
)

// Edge is a change of state of the network path to one API endpoint,
// bracketed by the prober's cheap signals: the path was last seen in its
// old state at After and first seen in its new state at Before, so it
// changed in (After, Before]. Down edges come from HTTP/2 PINGs sent every
// few milliseconds on a connection of their own (After: the send of the
// last ping acknowledged; Before: the send of the earliest ping never
// acknowledged). Up edges come from knocks sent as often while the path is
// down, each a new connection that sends the first bytes of a request and
// waits for any byte back (After: the start of the last knock that went
// unanswered; Before: the end of the first answered one).
type Edge struct {
	// Endpoint is the endpoint's name in the API series ("client", or a
	// node's name).
	Endpoint string    `json:"endpoint"`
	Kind     EdgeKind  `json:"kind"`
	After    time.Time `json:"after"`
	Before   time.Time `json:"before"`
}

// HeldBack is in the error of a request the prober did not send: the
// path to its endpoint was down and one connection to it was dialing
// already (probe.Path.gate). It got no answer, as a timeout got none.
const HeldBack = "connection held back while the path is down (one is dialing already)"

// Width is how well the edge is known.
func (e Edge) Width() time.Duration { return e.Before.Sub(e.After) }

// pathEdges are the edges of the path the series travels, sorted by
// Before; none for a series that is not an API series.
func pathEdges(tl Timeline, series string) []Edge {
	endpoint, ok := apiEndpoint(series)
	if !ok {
		return nil
	}
	var out []Edge
	for _, e := range tl.Edges {
		if e.Endpoint == endpoint {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Edge) int { return a.Before.Compare(b.Before) })
	return out
}

// apiEndpoint is the endpoint of an API series, "api/<endpoint>/...".
func apiEndpoint(series string) (string, bool) {
	rest, ok := strings.CutPrefix(series, SeriesAPIPrefix)
	if !ok {
		return "", false
	}
	endpoint, _, ok := strings.Cut(rest, "/")
	return endpoint, ok && endpoint != ""
}

// outageStart is where an outage of a series starts, given its first
// failure (sent at failed) and the series' latest evidence of being up
// before it (after: its last answer, sent at afterSent; or its first
// sample when it had none, both at once), and the latest instant it is
// then known up. The series' samples alone place the start at failed, up
// to one interval after the path went down. When the path's own signals
// saw it go down in between, and it stayed down until failed, the outage
// starts there instead, and is known up until the path was last seen up.
// The path only refines inside the series' own bracket: it moves a start
// earlier, never past the series' last answer, and never opens an outage
// the series did not see, so a connection-level oddity (a ping lost on a
// loaded machine) cannot invent an outage nor move one by more than an
// interval.
//
// A path seen down while the series' last answered request was in flight
// (after it was sent, before its answer came) is the cut that failed the
// series all the same: the request reached the server before the cut, and
// its answer came back through a cut that stops only what goes to the
// server (a reset or drop rule on the server's port). The outage then
// starts at that answer, the earliest the series allows. Taken as "the
// series answered after the path went down", it started at the next
// failure, an interval late (recorded calibrate-reset-5s: 0.079 s).
func outageStart(path []Edge, after, afterSent, failed time.Time) (start, known time.Time) {
	var down *Edge // the path's latest down edge before failed, while still down
	for i, e := range path {
		if !e.Before.Before(failed) {
			break
		}
		if e.Kind == EdgeDown {
			down = &path[i]
		} else {
			down = nil // back up before the failure: not what failed
		}
	}
	switch {
	case down == nil:
	case down.Before.After(after):
		return down.Before, later(after, down.After)
	case down.Before.After(afterSent):
		return after, after
	}
	return failed, after
}

// outageEndKnown is the latest instant a series whose outage ends at the
// answer at end is known still down: its last failure before (lastFailed),
// or later, when the path it travels was seen down after that (the After
// of the path's up edge: a knock that went unanswered).
func outageEndKnown(path []Edge, lastFailed, end time.Time) time.Time {
	known := lastFailed
	for _, e := range path {
		if e.Kind == EdgeUp && e.After.After(known) && e.After.Before(end) {
			known = e.After
		}
	}
	return known
}

// bracket is how well one edge of an outage is known: the series was last
// seen in its old state at after and first in its new one at before.
type bracket struct{ after, before time.Time }

func (b bracket) width() time.Duration { return b.before.Sub(b.after) }

// edgeFigure is the widest bracket of any edge of the client series'
// outages: how well api.downtime.total's edges are known. An outage open
// at a series' first sample or at the window end has no edge there.
func edgeFigure(tl Timeline) result {
	o := downOf(tl, isAPIClient)
	switch {
	case o.samples == 0:
		return unknown(APIEdgesMax, "no samples of series "+apiClientPrefix+"*")
	case len(o.brackets) == 0:
		return unknown(APIEdgesMax, "no outage edge seen")
	}
	widest := slices.MaxFunc(o.brackets, func(a, b bracket) int { return cmp.Compare(a.width(), b.width()) })
	return measured(APIEdgesMax, widest.width().Seconds(),
		fmt.Sprintf("%d outage edges; the widest known in (%.3fs, %.3fs]", len(o.brackets),
			widest.after.Sub(tl.Start).Seconds(), widest.before.Sub(tl.Start).Seconds()))
}
