package run

import (
	"fmt"
	"strings"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
)

// VerdictTable renders a drill's verdict and budgets for a terminal.
func VerdictTable(res *record.Drill) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", res.Name, res.Verdict)
	if res.Invalid != "" {
		fmt.Fprintf(&b, "  INVALID: %s\n", res.Invalid)
	}
	interrupted := res.Verdict == record.VerdictInterrupted
	invalid := res.Verdict == record.VerdictInvalid
	switch {
	case interrupted:
		fmt.Fprintf(&b, "  INTERRUPTED: %s\n  (the figures are those measured until then; the budgets were not judged)\n", res.Error)
	case invalid:
		b.WriteString("  (the drill tested nothing: its budgets were not judged)\n")
	}
	fmt.Fprintf(&b, "  %-40s %-13s %-14s %-12s %-10s %-11s %-17s %s\n", "figure", "kind", "value", "budget", "margin", "lower bound", "verdict", "why")
	for _, v := range res.Budgets {
		val, margin, lower := "not measured", "-", "-"
		if v.Measured {
			val = budget.Format(v.Value, v.Unit)
		}
		if v.Margin != nil {
			margin = budget.Format(*v.Margin, v.Unit)
		}
		if v.LowerBound != nil {
			lower = budget.Format(*v.LowerBound, v.Unit)
		}
		mark := "ok"
		switch {
		case interrupted:
			mark = "not judged"
		case v.BelowLowerBound:
			mark = "BELOW LOWER BOUND" // what made the drill INVALID
		case invalid:
			mark = "not judged"
		case !v.Pass:
			mark = "BLOWN"
		}
		fmt.Fprintf(&b, "  %-40s %-13s %-14s %-12s %-10s %-11s %-17s %s\n", v.Figure, v.Kind, val, v.Limit(), margin, lower, mark, v.Reason())
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}

// Blown lists the budgets a drill failed, one per line.
func Blown(res *record.Drill) string {
	var b strings.Builder
	for _, v := range res.Budgets {
		if !v.Pass {
			val := "not measured"
			if v.Measured {
				val = budget.Format(v.Value, v.Unit)
			}
			fmt.Fprintf(&b, "  %s = %s, budget %s: %s\n", v.Figure, val, v.Limit(), v.Reason())
		}
	}
	return b.String()
}
