package timeline

import (
	"strings"
	"time"
)

// verdict is a component's answer to "when did it heal after the fault?".
// The two ways of not answering differ for RecoveryAll: a component nobody
// observed is skipped, one that was observed and never healed fails it.
type verdict int

const (
	healed     verdict = iota // at healing.at, or never disturbed (zero at)
	unobserved                // no data about the component
	stuck                     // observed, not healthy at the end of the window
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

func notHealed(note string) healing { return healing{verdict: stuck, note: note} }

// slowest combines parts that must all heal (the pods of a component, the
// nodes, a node's lease and Ready condition): the whole heals when its
// slowest part does, and not at all while one part is stuck. Parts without
// data are left out but named, so the figure does not look complete.
func slowest(parts []healing) healing {
	var stuckNotes, missingNotes []string
	var best healing
	found := false
	for _, p := range parts {
		switch {
		case p.verdict == stuck:
			stuckNotes = append(stuckNotes, p.note)
		case p.verdict == unobserved:
			missingNotes = append(missingNotes, p.note)
		case !found || p.at.After(best.at):
			best, found = p, true
		}
	}
	if len(stuckNotes) > 0 {
		return notHealed(strings.Join(stuckNotes, "; "))
	}
	if !found {
		return noData(strings.Join(missingNotes, "; "))
	}
	best.note = joinNotes(append([]string{best.note}, missingNotes...))
	return best
}

// figure turns a healing into the recovery figure name, counted from the
// fault.
func (h healing) figure(name string, inject time.Time) result {
	switch h.verdict {
	case unobserved:
		return unknown(name, h.note)
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
