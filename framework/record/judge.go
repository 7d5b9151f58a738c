package record

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Judge derives a drill's figures from its timeline, checks them against
// its budgets and gives the verdict: the one judge of a drill just run, an
// observation and a recorded drill replayed. It reads nothing but the
// record and the budgets, so a recorded drill is judged again by the same
// code, and to the same verdict.
//
// The verdict's order: INTERRUPTED first (the figures so far say nothing
// against the cluster), then INVALID (Invalid: why), then FAIL on an error
// or a blown budget: FAIL means a fault took and the cluster did not heal
// in budget.
//
// A timeline with the harness's own figures is judged against the default
// harness budgets too (budget.HarnessDefaults), where the budgets name no
// harness figure themselves: a harness over its budget, or one whose cost
// was not measured, makes the drill INVALID (harnessOverBudget).
func Judge(d *Drill, budgets []budget.Budget) {
	asRecorded(reflect.ValueOf(d))
	figures := timeline.Derive(d.Timeline)
	haveBudgets := slices.ContainsFunc(budgets, func(b budget.Budget) bool { return b.Kind != budget.KindHarness })
	if d.Timeline.Harness != nil {
		budgets = budget.WithHarnessDefaults(budgets)
	}
	d.Budgets = budget.Evaluate(figures, withClusterBounds(budgets, timeline.LowerBounds(d.Timeline)))
	d.Figures = pair(figures, d.Budgets)
	d.Invalid = ""
	if !d.Interrupted {
		d.Invalid = invalid(d, haveBudgets)
	}
	switch {
	case d.Interrupted:
		d.Verdict = VerdictInterrupted
	case d.Invalid != "":
		d.Verdict = VerdictInvalid
	case d.Error != "" || !budget.Pass(d.Budgets):
		d.Verdict = VerdictFail
	default:
		d.Verdict = VerdictPass
	}
}

// asRecorded drops the monotonic clock reading time.Now puts in a time,
// from every time of the record and its timeline: a file keeps the wall
// clock only, so a drill judged as it ends measures every duration as its
// replay will, to the nanosecond.
func asRecorded(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			asRecorded(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			asRecorded(v.Index(i))
		}
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			v.Set(reflect.ValueOf(t.Round(0)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				asRecorded(v.Field(i))
			}
		}
	}
}

// invalid says why a judged drill is INVALID, "" when it is not: every rule
// of INVALID, in order.
//
//   - A drill that never reached its fault (refused before injecting, or
//     stopped by a steady state that never held or a cluster that could
//     not be made) tested nothing.
//   - Once a fault was injected, figures without proof that it took say
//     nothing about how the cluster heals, whatever the budgets say.
//   - A figure below its lower bound did what the cluster's settings make
//     impossible.
//   - A harness over its own budget perturbed what it measured, and one
//     whose cost was not measured may have: the figures are not those of
//     the cluster as it runs without the harness.
//   - A drill with no timeline, or no budget to hold its figures to,
//     proves nothing and must not pass (a replay fails closed on a report
//     with either missing). An observation has no budgets by design; a
//     timeline with a fault in it is no observation, whatever its record
//     says.
func invalid(d *Drill, haveBudgets bool) string {
	_, injected := timeline.InjectAt(d.Timeline)
	switch {
	case injected:
		if took, why := timeline.FaultTook(d.Timeline); !took {
			return why
		}
	case !d.Observation():
		return NeverReachedFault(d.Error)
	}
	observation := d.Observation() && !injected
	if why := belowLowerBound(d.Budgets); why != "" {
		return why
	}
	if why := harnessOverBudget(d.Budgets); why != "" {
		return why
	}
	switch {
	case len(d.Timeline.Samples) == 0 && len(d.Timeline.Events) == 0:
		return "the report holds no timeline: nothing to judge"
	case !haveBudgets && !observation:
		return "the report records no budget and no catalog gave one: nothing to judge the figures against"
	}
	return ""
}

// harnessOverBudget says why a drill is INVALID when a harness budget did
// not pass: blown, or on a figure that was not measured.
func harnessOverBudget(vs []budget.Verdict) string {
	var why []string
	for _, v := range vs {
		if v.Kind != budget.KindHarness || v.Pass {
			continue
		}
		if !v.Measured {
			why = append(why, fmt.Sprintf("%s %s", v.Figure, v.Reason()))
			continue
		}
		why = append(why, fmt.Sprintf("%s %s is %s", v.Figure, budget.Format(v.Value, v.Unit), v.Reason()))
	}
	if len(why) == 0 {
		return ""
	}
	return "the harness's own cost is over its budget: " + strings.Join(why, "; ") +
		": a harness heavier than its budget perturbs what it measures"
}

// pair pairs each figure with its budget's verdict, if any.
func pair(figures []timeline.Figure, verdicts []budget.Verdict) []Figure {
	byFigure := map[string]*budget.Verdict{}
	for i := range verdicts {
		byFigure[verdicts[i].Figure] = &verdicts[i]
	}
	out := make([]Figure, 0, len(figures))
	for _, fig := range figures {
		out = append(out, Figure{Figure: fig, Budget: byFigure[fig.Name]})
	}
	return out
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
	return strings.Join(why, "; ") + ": the cluster's settings make that impossible, so " + budget.BelowLowerBoundWhy
}
