// Package budget compares derived figures with a scenario's budgets. A
// verdict names the figure, the measured value, the budget and the margin;
// a budget on a figure that was not measured fails, it never passes
// silently.
package budget

import (
	"fmt"
	"math"
	"strings"

	"github.com/firedrill/firedrill/framework/timeline"
)

// Verdict is one budget checked against one measured figure.
type Verdict struct {
	Figure   string        `json:"figure"`
	Kind     string        `json:"kind"` // self-healing, availability, calibration
	Unit     timeline.Unit `json:"unit"`
	Value    float64       `json:"value"`
	Measured bool          `json:"measured"`
	Max      *float64      `json:"max,omitempty"`
	Min      *float64      `json:"min,omitempty"`
	// LowerBound is what the cluster's settings make impossible to beat.
	LowerBound *float64 `json:"lowerBound,omitempty"`
	// Margin is how far the value is inside the budget (negative: blown);
	// with both max and min, the smaller of the two; nil when not measured.
	Margin *float64 `json:"margin,omitempty"`
	Pass   bool     `json:"pass"`
	// BelowLowerBound: the value beats what the cluster's own settings
	// make possible, so the harness missed the outage or the fault did
	// not take. The budget does not pass, whatever the margin, and the
	// drill is INVALID (record.Judge): it proves nothing either way.
	BelowLowerBound bool   `json:"belowLowerBound,omitempty"`
	Why             string `json:"why"`
	Note            string `json:"note,omitempty"`
	// Derived says how Max was derived from history, when the budget
	// opted in (FromHistory): which percentile of how many runs, and the
	// written budget it may not exceed.
	Derived string `json:"derived,omitempty"`
}

// Budget is a limit on one figure, in the figure's unit: what a scenario's
// budget says once loaded, with no trace of the file it came from.
type Budget struct {
	Figure string
	Kind   string // self-healing, availability, calibration
	// Max and Min bound the value; LowerBound is what the cluster's own
	// settings make impossible to beat. Nil when not set.
	Max, Min, LowerBound *float64
	Why                  string
	// FromHistory: Max may be tightened to what earlier runs showed
	// (Derive); the written Max stays the ceiling.
	FromHistory bool
	// Derived says how Max was derived (set by Derive).
	Derived string
}

// Evaluate checks every budget against the figure of its name.
func Evaluate(figures []timeline.Figure, budgets []Budget) []Verdict {
	byName := map[string]timeline.Figure{}
	for _, f := range figures {
		byName[f.Name] = f
	}
	out := make([]Verdict, 0, len(budgets))
	for _, b := range budgets {
		f, ok := byName[b.Figure]
		v := Verdict{Figure: b.Figure, Kind: b.Kind, Unit: timeline.FigureUnits[b.Figure], Why: b.Why,
			Max: b.Max, Min: b.Min, LowerBound: b.LowerBound, Derived: b.Derived}
		if !ok || !f.Measured {
			v.Note = "not measured"
			if ok && f.Note != "" {
				v.Note = "not measured: " + f.Note
			}
			out = append(out, v)
			continue
		}
		v.Value, v.Measured, v.Note = f.Value, true, f.Note
		margin := math.Inf(1)
		if v.Max != nil {
			margin = *v.Max - f.Value
		}
		if v.Min != nil {
			margin = math.Min(margin, f.Value-*v.Min)
		}
		v.Margin, v.Pass = &margin, margin >= 0
		if v.LowerBound != nil && f.Value < *v.LowerBound {
			// Reason says why: the note keeps the figure's own.
			v.Pass, v.BelowLowerBound = false, true
		}
		out = append(out, v)
	}
	return out
}

// Pass says whether every verdict passed.
func Pass(vs []Verdict) bool {
	for _, v := range vs {
		if !v.Pass {
			return false
		}
	}
	return true
}

// BelowLowerBoundWhy is what a figure below its lower bound means, after
// "below its lower bound <bound>".
const BelowLowerBoundWhy = "the harness missed the outage, the fault did not take, or the bound is wrong"

// Reason says why the verdict is what it is, in one line, the same in every
// output: "above its max 90.00s by 3.20s", "below its min 99.500% by
// 0.300%", "not measured: <why>", "below its lower bound 45.00s: <what that
// means>", and for a pass "within its max 90.00s by 48.27s". Whether the
// drill's budgets were judged at all is the drill's verdict, not this one's.
func (v Verdict) Reason() string {
	switch {
	case !v.Measured:
		note := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v.Note, "not measured"), ":"))
		if note == "" {
			note = "the timeline gave no value for it"
		}
		return "not measured: " + note
	case v.BelowLowerBound && v.LowerBound != nil:
		return fmt.Sprintf("below its lower bound %s: %s", Format(*v.LowerBound, v.Unit), BelowLowerBoundWhy)
	}
	var parts []string
	if v.Max != nil {
		if d := v.Value - *v.Max; d > 0 {
			return fmt.Sprintf("above its max %s by %s", Format(*v.Max, v.Unit), Format(d, v.Unit))
		}
	}
	if v.Min != nil {
		if d := *v.Min - v.Value; d > 0 {
			return fmt.Sprintf("below its min %s by %s", Format(*v.Min, v.Unit), Format(d, v.Unit))
		}
	}
	if v.Max != nil {
		parts = append(parts, fmt.Sprintf("within its max %s by %s", Format(*v.Max, v.Unit), Format(*v.Max-v.Value, v.Unit)))
	}
	if v.Min != nil {
		parts = append(parts, fmt.Sprintf("within its min %s by %s", Format(*v.Min, v.Unit), Format(v.Value-*v.Min, v.Unit)))
	}
	if len(parts) == 0 {
		return "no limit to hold it to"
	}
	return strings.Join(parts, ", ")
}

// Limit renders the budget ("<= 60s", ">= 99.5%", "<= 0").
func (v Verdict) Limit() string {
	switch {
	case v.Max != nil && v.Min != nil:
		return fmt.Sprintf("%s..%s", Format(*v.Min, v.Unit), Format(*v.Max, v.Unit))
	case v.Max != nil:
		return "<= " + Format(*v.Max, v.Unit)
	case v.Min != nil:
		return ">= " + Format(*v.Min, v.Unit)
	}
	return "-"
}

// Format renders a value in its unit.
func Format(x float64, u timeline.Unit) string {
	switch {
	case math.IsInf(x, 0):
		return "-"
	case u == timeline.Seconds:
		return fmt.Sprintf("%.2fs", x)
	case u == timeline.Percent:
		return fmt.Sprintf("%.3f%%", x)
	case u == timeline.Rate:
		return fmt.Sprintf("%.2f/s", x)
	}
	return fmt.Sprintf("%.0f", x)
}
