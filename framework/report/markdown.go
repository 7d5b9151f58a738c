package report

import (
	"fmt"
	"strings"

	"github.com/firedrill/firedrill/framework/budget"
)

// Markdown renders the summary: a PASS/FAIL table of scenarios, then per
// scenario its budgets (figure, value, budget, margin, lower bound) and the
// figures without a budget. The drills that did not pass come first, in
// the table and below it: a job page shows what needs a look before what
// went well. It has no links, so it reads the same on a job page.
func Markdown(f File) string {
	f.Scenarios = failingFirst(f.Scenarios)
	var b strings.Builder
	fmt.Fprintf(&b, "# firedrill run %s: %s\n\n", f.Run, verdict(f.Pass))
	b.WriteString("| scenario | verdict | cluster | fault | targets | critical path |\n|---|---|---|---|---|---|\n")
	for _, s := range f.Scenarios {
		cp := "-"
		if s.CriticalPath != nil {
			cp = s.CriticalPath.Text
		}
		fmt.Fprintf(&b, "| %s | **%s** | %s | %s | %s | %s |\n", s.Key(), s.Verdict, s.Cluster, s.Fault, strings.Join(s.Targets, ", "), cp)
	}
	for _, s := range f.Scenarios {
		fmt.Fprintf(&b, "\n## %s: %s\n\n%s\n\n", s.Key(), s.Verdict, strings.TrimSpace(s.Description))
		if w := whereLine(s.Environment); w != "" {
			fmt.Fprintf(&b, "Ran in %s.\n\n", w)
		}
		if s.CriticalPath != nil {
			fmt.Fprintf(&b, "**Critical path:** %s\n\n", s.CriticalPath.Text)
			if s.CriticalPath.OrderText != "" {
				fmt.Fprintf(&b, "**Recovery order:** %s\n\n", s.CriticalPath.OrderText)
			}
		}
		if s.Invalid != "" {
			fmt.Fprintf(&b, "**INVALID:** %s\n\n", s.Invalid)
		}
		if s.Error != "" {
			fmt.Fprintf(&b, "**Error:** %s\n\n", s.Error)
		}
		for _, e := range s.Evidence {
			fmt.Fprintf(&b, "- evidence on %s: %s: %s (before %q, after %q)\n", e.Target, e.What, provenWord(e.Proven), e.Before, e.After)
		}
		if len(s.Phases) > 0 {
			var parts []string
			for _, ph := range s.Phases {
				parts = append(parts, fmt.Sprintf("%s %.1fs", ph.Name, ph.Seconds))
			}
			fmt.Fprintf(&b, "- phases: %s; harness peak memory %.0f MiB\n", strings.Join(parts, ", "), float64(s.PeakRSSBytes)/(1<<20))
		}
		for _, st := range s.HarnessStalls {
			fmt.Fprintf(&b, "- harness stalled %s to %s (%.2fs): kept out of the cluster's downtime\n",
				st.From.UTC().Format("15:04:05.000"), st.To.UTC().Format("15:04:05.000"), st.Duration().Seconds())
		}
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "- note: %s\n", n)
		}
		b.WriteString("| figure | kind | value | budget | margin | lower bound | verdict |\n|---|---|---|---|---|---|---|\n")
		for _, fig := range s.Figures {
			v := fig.Budget
			if v == nil {
				continue
			}
			margin, lower := "-", "-"
			if v.Margin != nil {
				margin = budget.Format(*v.Margin, v.Unit)
			}
			if v.LowerBound != nil {
				lower = budget.Format(*v.LowerBound, v.Unit)
			}
			mark := verdict(v.Pass)
			if !budgetsJudged(s.Verdict) {
				mark = "not judged" // measured until the interruption, or of a drill that tested nothing
			}
			limit := v.Limit()
			if v.Derived != "" {
				limit += " (" + v.Derived + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", v.Figure, v.Kind, value(fig), limit, margin, lower, mark)
		}
		b.WriteString("\nOther figures: ")
		var other []string
		for _, fig := range s.Figures {
			if fig.Budget == nil {
				other = append(other, fmt.Sprintf("%s %s", fig.Name, value(fig)))
			}
		}
		b.WriteString(strings.Join(other, "; ") + "\n")
	}
	return b.String()
}

// failingFirst orders the drills that did not pass before those that did,
// each group in run order.
func failingFirst(ss []Scenario) []Scenario {
	out := make([]Scenario, 0, len(ss))
	for _, pass := range []bool{false, true} {
		for _, s := range ss {
			if (s.Verdict == "PASS") == pass {
				out = append(out, s)
			}
		}
	}
	return out
}

func value(f Figure) string {
	if !f.Measured {
		return "not measured (" + f.Note + ")"
	}
	return budget.Format(f.Value, f.Unit)
}

func provenWord(p bool) string {
	if p {
		return "proven"
	}
	return "NOT proven"
}
