package drill

import (
	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Judge derives a drill's figures from its timeline, checks them against
// its budgets and gives the verdict. It reads nothing but the result, so a
// recorded drill is judged again by the same code.
//
// The verdict's order: INTERRUPTED first (the figures so far say nothing
// against the cluster), then INVALID (once a fault was injected, figures
// without proof that it took say nothing about how the cluster heals,
// whatever the budgets say), then FAIL on an error or a blown budget.
func Judge(res *Result, budgets []scenario.Budget) {
	res.Figures = timeline.Derive(res.Timeline)
	res.Verdicts = budget.Evaluate(res.Figures, limits(budgets))
	res.Invalid = ""
	if _, injected := timeline.InjectAt(res.Timeline); injected && !res.Interrupted {
		if took, why := timeline.FaultTook(res.Timeline); !took {
			res.Invalid = why
		}
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
