package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Markdown renders the summary: a PASS/FAIL table of scenarios, then per
// scenario its budgets (figure, value, budget, margin, lower bound) and the
// figures without a budget. The drills that did not pass come first, in
// the table and below it: a job page shows what needs a look before what
// went well. It has no links, so it reads the same on a job page.
func Markdown(f File) string {
	f.Scenarios = FailingFirst(f.Scenarios)
	var b strings.Builder
	fmt.Fprintf(&b, "# firedrill run %s: %s\n\n", f.Run, verdict(f.Pass))
	b.WriteString("| scenario | verdict | cluster | fault | targets | critical path |\n|---|---|---|---|---|---|\n")
	for _, s := range f.Scenarios {
		cp := "-"
		if s.CriticalPath != nil {
			cp = s.CriticalPath.Text
		}
		fmt.Fprintf(&b, "| %s | **%s** | %s | %s | %s | %s |\n", text(s.Key()), text(string(s.Verdict)), text(s.Cluster), text(s.Fault), text(strings.Join(s.Targets, ", ")), text(cp))
	}
	for _, s := range f.Scenarios {
		fmt.Fprintf(&b, "\n## %s: %s\n\n%s\n\n", text(s.Key()), text(string(s.Verdict)), text(s.Description))
		if w := whereLine(s.Environment); w != "" {
			fmt.Fprintf(&b, "Ran in %s.\n\n", text(w))
		}
		if s.CriticalPath != nil {
			fmt.Fprintf(&b, "**Critical path:** %s\n\n", text(s.CriticalPath.Text))
			if s.CriticalPath.OrderText != "" {
				fmt.Fprintf(&b, "**Recovery order:** %s\n\n", text(s.CriticalPath.OrderText))
			}
		}
		if s.Invalid != "" {
			fmt.Fprintf(&b, "**INVALID:** %s\n\n", text(s.Invalid))
		}
		if s.Error != "" {
			fmt.Fprintf(&b, "**Error:** %s\n\n", text(s.Error))
		}
		for _, e := range s.Evidence {
			fmt.Fprintf(&b, "- evidence on %s: %s: %s (before %s, after %s)\n", text(e.Target), text(e.What), provenWord(e.Proven),
				text(fmt.Sprintf("%q", e.Before)), text(fmt.Sprintf("%q", e.After)))
		}
		if len(s.Phases) > 0 {
			var parts []string
			for _, ph := range s.Phases {
				parts = append(parts, fmt.Sprintf("%s %.1fs", ph.Name, ph.Seconds))
			}
			fmt.Fprintf(&b, "- phases: %s; harness peak memory %.0f MiB\n", text(strings.Join(parts, ", ")), float64(s.PeakRSSBytes)/(1<<20))
		}
		if h := harnessLine(s.Figures); h != "" {
			fmt.Fprintf(&b, "- harness over the probe window: %s\n", text(h))
		}
		for _, st := range s.HarnessStalls {
			fmt.Fprintf(&b, "- harness stalled %s to %s (%.2fs): kept out of the cluster's downtime\n",
				st.From.UTC().Format("15:04:05.000"), st.To.UTC().Format("15:04:05.000"), st.Duration().Seconds())
		}
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "- note: %s\n", text(n))
		}
		// A blank line first: GitHub folds a table that follows a list
		// item into the item.
		b.WriteString("\n| figure | kind | value | budget | margin | lower bound | verdict | reason |\n|---|---|---|---|---|---|---|---|\n")
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
			if !s.Verdict.BudgetsJudged() {
				mark = "not judged" // measured until the interruption, or of a drill that tested nothing
			}
			limit := v.Limit()
			if v.Derived != "" {
				limit += " (" + v.Derived + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", text(v.Figure), text(v.Kind), text(budgetValue(*v)), text(limit), margin, lower, mark, text(v.Reason()))
		}
		b.WriteString("\nOther figures: ")
		var other []string
		for _, fig := range s.Figures {
			if fig.Budget == nil {
				other = append(other, text(fmt.Sprintf("%s %s", fig.Name, value(fig))))
			}
		}
		b.WriteString(strings.Join(other, "; ") + "\n")
	}
	return b.String()
}

// harnessLine is the harness's own cost in one line, from its figures:
// "" for a drill recorded before the harness measured itself.
func harnessLine(figs []record.Figure) string {
	parts := []struct{ name, label string }{
		{timeline.HarnessCPU, "CPU"}, {timeline.HarnessRSSPeak, "peak memory"},
		{timeline.HarnessRequestsRate, "busiest API server"}, {timeline.HarnessExecRate, "node commands"},
	}
	var out []string
	for _, p := range parts {
		i := slices.IndexFunc(figs, func(f record.Figure) bool { return f.Name == p.name })
		if i < 0 {
			continue
		}
		f := figs[i]
		v := "not measured"
		switch {
		case !f.Measured:
		case f.Name == timeline.HarnessCPU:
			v = fmt.Sprintf("%.1f%% of a core", f.Value)
		case f.Name == timeline.HarnessRSSPeak:
			v = fmt.Sprintf("%.0f MiB", f.Value/(1<<20))
		case f.Name == timeline.HarnessRequestsRate:
			v = fmt.Sprintf("%.1f requests/s", f.Value)
		default:
			v = fmt.Sprintf("%.2f/s", f.Value)
		}
		if bv := f.Budget; bv != nil && f.Measured {
			if bv.Pass {
				v += " (within budget)"
			} else {
				v += " (OVER BUDGET " + bv.Limit() + ")"
			}
		}
		out = append(out, p.label+" "+v)
	}
	if len(out) == 0 || !slices.ContainsFunc(figs, func(f record.Figure) bool { return timeline.HarnessCost(f.Name) && f.Measured }) {
		return ""
	}
	return strings.Join(out, ", ")
}

// FailingFirst orders the drills FAIL, then INVALID, then any other that
// did not pass (INTERRUPTED), then PASS, each group in run order: what
// needs a look before what went well. summary.md and report.html share it.
func FailingFirst(ss []record.Drill) []record.Drill {
	return slices.SortedStableFunc(slices.Values(ss), func(a, b record.Drill) int {
		return cmp.Compare(verdictRank(a.Verdict), verdictRank(b.Verdict))
	})
}

// verdictRank is where a verdict's drills stand in a report.
func verdictRank(v record.Verdict) int {
	switch v {
	case record.VerdictFail:
		return 0
	case record.VerdictInvalid:
		return 1
	case record.VerdictPass:
		return 3
	}
	return 2
}

func value(f record.Figure) string {
	if !f.Measured {
		return "not measured (" + f.Note + ")"
	}
	return budget.Format(f.Value, f.Unit)
}

// budgetValue is a budgeted figure's value: why it was not measured is in
// the verdict's reason.
func budgetValue(v budget.Verdict) string {
	if !v.Measured {
		return "not measured"
	}
	return budget.Format(v.Value, v.Unit)
}

func provenWord(p bool) string {
	if p {
		return "proven"
	}
	return "NOT proven"
}

// markdownSpecial are the characters that make inline Markdown (GFM):
// emphasis, code, links and images, raw HTML, entities, table cells,
// strikethrough, autolinks.
const markdownSpecial = "\\`*_[]()<>|!~&:"

// text is s as plain inline Markdown: on one line (a line break could
// start a heading, a list or a table row), every special character
// backslash-escaped, and a start that would open a block (#, -, +, =, a
// number and a dot) escaped too.
func text(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for i, r := range s {
		switch {
		case strings.ContainsRune(markdownSpecial, r):
			b.WriteByte('\\')
		case i == 0 && strings.ContainsRune("#-+=", r):
			b.WriteByte('\\')
		case (r == '.' || r == ')') && allDigits(s[:i]) && i > 0:
			b.WriteByte('\\')
		case r == '.' && strings.HasSuffix(strings.ToLower(s[:i]), "www"):
			b.WriteByte('\\') // GFM links www.… by itself
		}
		b.WriteRune(r)
	}
	return b.String()
}

func allDigits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}
