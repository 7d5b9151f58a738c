package timeline

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// InjectAt is when the first fault action started: every recovery figure
// counts from it, so that the time the action itself took is part of the
// recovery a user would see.
func InjectAt(tl Timeline) (time.Time, bool) {
	e, ok := firstInject(tl)
	return e.At, ok
}

func firstInject(tl Timeline) (Event, bool) {
	var first Event
	found := false
	for _, e := range tl.Events {
		if e.Kind == EventInject && (!found || e.At.Before(first.At)) {
			first, found = e, true
		}
	}
	return first, found
}

// lastRecover is the recover action that finished last: the fault is lifted
// only when every undo has returned.
func lastRecover(tl Timeline) (Event, bool) {
	var last Event
	found := false
	for _, e := range tl.Events {
		if e.Kind == EventRecover && (!found || e.Done.After(last.Done)) {
			last, found = e, true
		}
	}
	return last, found
}

// faultFigures measures the fault window against the API downtime: for a
// fault the harness lifts itself, the outage is known, so the difference is
// the harness's own measurement error.
func faultFigures(tl Timeline, apiTotal result) []result {
	window := faultWindow(tl)
	out := append([]result{window}, connectionFigures(tl, window)...)
	if !window.Measured {
		return append(out, unknown(APIDowntimeError, FaultWindow+": "+window.Note))
	}
	if !apiTotal.Measured {
		return append(out, unknown(APIDowntimeError, APIDowntimeTotal+": "+apiTotal.Note))
	}
	diff := apiTotal.Value - window.Value
	return append(out, measured(APIDowntimeError, max(diff, -diff), ""))
}

// connectionFigures are the API downtime over new and over reused client
// connections, and each one's error against the fault window.
func connectionFigures(tl Timeline, window result) []result {
	var out []result
	for _, c := range []struct{ conn, read, downtime, errName string }{
		{"new", "", APIDowntimeNew, APIDowntimeErrorNew},
		{"reused", "", APIDowntimeReused, APIDowntimeErrorReused},
		// The path: only an error figure, its downtime is no figure of
		// its own (api.downtime.cache-reads is over every connection).
		{"new", "/cache", "", APIDowntimeErrorPath},
	} {
		prefix := apiClientPrefix + c.conn + "/"
		o := downOf(tl, func(s string) bool { return strings.HasPrefix(s, prefix) && strings.HasSuffix(s, c.read) })
		names := []string{c.errName}
		if c.downtime != "" {
			names = append(names, c.downtime)
		}
		rs, ok := usable(names, o, tl, "no samples of series "+prefix+"*"+c.read)
		if !ok {
			out = append(out, rs...)
			continue
		}
		what := c.downtime
		if what == "" {
			what = "downtime of " + prefix + "*" + c.read
		}
		downtime := windowDowntime(what, tl, o)
		if c.downtime != "" {
			out = append(out, downtime)
		}
		if !downtime.Measured {
			out = append(out, unknown(c.errName, what+": "+downtime.Note))
			continue
		}
		down := downtime.Value
		if !window.Measured {
			out = append(out, unknown(c.errName, FaultWindow+": "+window.Note))
			continue
		}
		out = append(out, measured(c.errName, math.Abs(down-window.Value), fmt.Sprintf("%.3fs down for a %.3fs window", down, window.Value)))
	}
	return out
}

// readFigures are the API downtime of reads served by etcd (a quorum read)
// and of reads served from the API server's watch cache, over any client
// connection: with etcd's quorum lost, the first fail and the second may go
// on.
func readFigures(tl Timeline) []result {
	var out []result
	for _, r := range []struct{ read, name string }{{"etcd", APIDowntimeEtcdReads}, {"cache", APIDowntimeCacheReads}} {
		suffix := "/" + r.read
		o := downOf(tl, func(s string) bool { return strings.HasPrefix(s, apiClientPrefix) && strings.HasSuffix(s, suffix) })
		rs, ok := usable([]string{r.name}, o, tl, "no samples of series "+apiClientPrefix+"*"+suffix)
		if !ok {
			out = append(out, rs...)
			continue
		}
		out = append(out, windowDowntime(r.name, tl, o))
	}
	return out
}

func faultWindow(tl Timeline) result {
	inject, ok := firstInject(tl)
	if !ok {
		return unknown(FaultWindow, noFault)
	}
	undo, ok := lastRecover(tl)
	if !ok {
		return unknown(FaultWindow, "fault has no recover action")
	}
	if inject.Done.IsZero() || undo.Done.IsZero() {
		return unknown(FaultWindow, "a fault action never returned")
	}
	// The edges are the target's own stamps when the actions have them
	// (the moment the cut was in place, and removed), else when the
	// commands returned; either way stamped apart from the probes.
	w, note := undo.Done.Sub(inject.Done), "from the actions' return"
	if !inject.Effective.IsZero() && !undo.Effective.IsZero() {
		w, note = undo.Effective.Sub(inject.Effective), "stamped by the target"
	}
	if w < 0 {
		return unknown(FaultWindow, "recover action returned before the inject action")
	}
	return measured(FaultWindow, w.Seconds(), note)
}
