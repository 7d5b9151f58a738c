package timeline

import "time"

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
	if !window.Measured {
		return []result{window, unknown(APIDowntimeError, FaultWindow+": "+window.Note)}
	}
	if !apiTotal.Measured {
		return []result{window, unknown(APIDowntimeError, APIDowntimeTotal+": "+apiTotal.Note)}
	}
	diff := apiTotal.Value - window.Value
	return []result{window, measured(APIDowntimeError, max(diff, -diff), "")}
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
