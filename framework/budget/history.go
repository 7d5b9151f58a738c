package budget

import (
	"fmt"

	"github.com/firedrill/firedrill/framework/stats"
	"github.com/firedrill/firedrill/framework/timeline"
)

// History derives budgets from earlier runs, as OpenShift's disruption
// budgets are: the P-th percentile of at least MinRuns earlier values of
// the figure, never below Floor and never above the budget as written.
type History struct {
	// Values gives a scenario's earlier values of a figure, oldest first.
	Values     func(scenario, figure string) []float64
	MinRuns    int
	Percentile float64
	// Floor keeps a derived budget from closing on noise (seconds).
	Floor float64
}

// DefaultHistory are the derivation's defaults: P99 of at least 10
// earlier runs, never below 1 s.
func DefaultHistory(values func(scenario, figure string) []float64) History {
	return History{Values: values, MinRuns: 10, Percentile: 99, Floor: 1}
}

// Derive returns the budgets with Max derived for those that opted in
// (FromHistory) and say so in Derived, also when history is too short and
// the written budget applies. The others are returned as they are.
func (h History) Derive(scenario string, bs []Budget) []Budget {
	out := make([]Budget, len(bs))
	copy(out, bs)
	for i := range out {
		b := &out[i]
		if !b.FromHistory || b.Max == nil {
			continue
		}
		unit := timeline.FigureUnits[b.Figure]
		var earlier []float64
		if h.Values != nil {
			earlier = h.Values(scenario, b.Figure)
		}
		if len(earlier) < h.MinRuns {
			b.Derived = fmt.Sprintf("from history: %d of the %d earlier runs needed, so the written budget %s applies",
				len(earlier), h.MinRuns, Format(*b.Max, unit))
			continue
		}
		p := stats.Percentile(earlier, h.Percentile)
		limit := min(max(p, h.Floor), *b.Max)
		why := fmt.Sprintf("from history: P%g of %d earlier runs is %s", h.Percentile, len(earlier), Format(p, unit))
		switch limit {
		case *b.Max:
			why += fmt.Sprintf(", capped at the written budget %s", Format(*b.Max, unit))
		case h.Floor:
			why += fmt.Sprintf(", raised to the floor %s (written budget %s)", Format(h.Floor, unit), Format(*b.Max, unit))
		default:
			why += fmt.Sprintf(" (written budget %s)", Format(*b.Max, unit))
		}
		b.Max, b.Derived = &limit, why
	}
	return out
}
