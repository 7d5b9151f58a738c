package timeline

import (
	"strings"
	"time"
)

// verdict is a component's answer to "when did it heal after the fault?".
// The ways of not answering differ: a kind of data this run never had
// (absent) is left out and named; a part that was observed before the
// fault but not after it (unobserved) leaves the whole unmeasured, since
// no data is not "healed at once"; one observed and never healed (stuck)
// fails it.
type verdict int

const (
	healed     verdict = iota // at healing.at, or never disturbed (zero at)
	unobserved                // no data about the component after the fault
	stuck                     // observed, not healthy at the end of the window
	absent                    // no data of this kind at all in this run
)

type healing struct {
	verdict verdict
	at      time.Time
	note    string
}

func healedAt(at time.Time, note string) healing {
	return healing{verdict: healed, at: at, note: note}
}

func undisturbed(note string) healing { return healing{verdict: healed, note: note} }

func noData(note string) healing { return healing{verdict: unobserved, note: note} }

func notRecorded(note string) healing { return healing{verdict: absent, note: note} }

func notHealed(note string) healing { return healing{verdict: stuck, note: note} }

// slowest combines parts that must all heal (the pods of a component, the
// nodes, a node's lease and Ready condition): the whole heals when its
// slowest part does, and not at all while one part is stuck. A part with no
// data after the fault leaves the whole unmeasured, naming it; a part this
// run never recorded at all is left out but named, so the figure does not
// look complete.
func slowest(parts []healing) healing {
	var stuckNotes, unobservedNotes, absentNotes []string
	var best healing
	found := false
	for _, p := range parts {
		switch {
		case p.verdict == stuck:
			stuckNotes = append(stuckNotes, p.note)
		case p.verdict == unobserved:
			unobservedNotes = append(unobservedNotes, p.note)
		case p.verdict == absent:
			absentNotes = append(absentNotes, p.note)
		case !found || p.at.After(best.at):
			best, found = p, true
		}
	}
	switch {
	case len(stuckNotes) > 0:
		return notHealed(strings.Join(stuckNotes, "; "))
	case len(unobservedNotes) > 0:
		return noData(strings.Join(unobservedNotes, "; "))
	case !found:
		return notRecorded(strings.Join(absentNotes, "; "))
	}
	best.note = joinNotes(append([]string{best.note}, absentNotes...))
	return best
}

// figure turns a healing into the recovery figure name, counted from the
// fault.
func (h healing) figure(name string, inject time.Time) result {
	switch h.verdict {
	case unobserved:
		return unknown(name, h.note)
	case absent:
		r := unknown(name, h.note)
		r.notProbed = true
		return r
	case stuck:
		return unrecovered(name, h.note)
	}
	if !h.at.After(inject) {
		return measured(name, 0, h.note)
	}
	return measured(name, h.at.Sub(inject).Seconds(), h.note)
}

func joinNotes(notes []string) string {
	var kept []string
	for _, n := range notes {
		if n != "" {
			kept = append(kept, n)
		}
	}
	return strings.Join(kept, "; ")
}
