package drill

import (
	"fmt"
	"strings"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Judge derives a drill's figures from its timeline, checks them against
// its budgets and gives the verdict. It reads nothing but the result, so a
// recorded drill is judged again by the same code.
//
// The verdict's order: INTERRUPTED first (the figures so far say nothing
// against the cluster), then INVALID (a drill that never reached its
// fault, refused before injecting or stopped by a steady state that never
// held or a cluster that could not be made, tested nothing; once a fault
// was injected, figures without proof that it took say nothing about how
// the cluster heals, whatever the budgets say), then FAIL on an error or a
// blown budget: FAIL means a fault took and the cluster did not heal in
// budget.
func Judge(res *Result, budgets []scenario.Budget) {
	JudgeLimits(res, Limits(budgets))
}

// JudgeLimits is Judge with the budgets as the budget package takes them:
// a replay reads them back from a report.
func JudgeLimits(res *Result, budgets []budget.Budget) {
	res.Figures = timeline.Derive(res.Timeline)
	res.Verdicts = budget.Evaluate(res.Figures, withClusterBounds(budgets, timeline.LowerBounds(res.Timeline)))
	res.Invalid = ""
	_, injected := timeline.InjectAt(res.Timeline)
	switch {
	case res.Interrupted:
	case injected:
		if took, why := timeline.FaultTook(res.Timeline); !took {
			res.Invalid = why
		}
	case !res.NoFault:
		res.Invalid = NeverReachedFault(res.Error)
	}
	if res.Invalid == "" && !res.Interrupted {
		res.Invalid = belowLowerBound(res.Verdicts)
	}
	switch {
	case res.Interrupted:
		res.Verdict = VerdictInterrupted
	case res.Invalid != "":
		res.Verdict = VerdictInvalid
	case res.Error != "" || !budget.Pass(res.Verdicts):
		res.Verdict = VerdictFail
	default:
		res.Verdict = VerdictPass
	}
}

// withClusterBounds puts the lower bounds the recorded cluster settings
// make in place of the scenario's own for the same figures, and says so
// in the budget's why: the number in the file may not be this cluster's.
func withClusterBounds(bs []budget.Budget, bounds map[string]timeline.Bound) []budget.Budget {
	for i, b := range bs {
		cb, ok := bounds[b.Figure]
		if !ok {
			continue
		}
		v := cb.Value
		bs[i].LowerBound = &v
		// A budget read back from a report says so already.
		if note := " Lower bound read from the cluster: " + cb.Why + "."; !strings.Contains(b.Why, note) {
			bs[i].Why = strings.TrimSpace(b.Why + note)
		}
	}
	return bs
}

// NeverReachedFault is why a drill that ended before its fault is
// INVALID: err is why it ended.
func NeverReachedFault(err string) string {
	if err == "" {
		return "the drill never reached its fault"
	}
	return "the drill never reached its fault: " + err
}

// belowLowerBound says why a drill is INVALID when a figure beats its
// lower bound: what the cluster's settings make impossible did not happen,
// so the harness missed the outage, the fault did not take, or the bound is
// wrong. None of these is the cluster's failure, nor its success.
func belowLowerBound(vs []budget.Verdict) string {
	var why []string
	for _, v := range vs {
		if v.BelowLowerBound && v.LowerBound != nil {
			why = append(why, fmt.Sprintf("%s %s is below its lower bound %s", v.Figure, budget.Format(v.Value, v.Unit), budget.Format(*v.LowerBound, v.Unit)))
		}
	}
	if len(why) == 0 {
		return ""
	}
	return strings.Join(why, "; ") + ": the cluster's settings make that impossible, so the harness missed the outage, the fault did not take, or the bound is wrong"
}
