package budget

import (
	"slices"

	"github.com/firedrill/firedrill/framework/timeline"
)

// KindHarness is the kind of a budget on the harness's own cost (the
// harness.* figures of timeline.Harness). A harness over its budget
// perturbs what it measures, so a blown one makes the drill INVALID, not
// FAIL: the cluster was not measured as it runs without the harness.
const KindHarness = "harness"

// Harness budgets every drill is judged against, unless its scenario
// budgets the figure itself (or its profile overrides that budget). The
// reasoning behind each number: docs/reports.md#the-harnesss-own-budget.
var harnessDefaults = []struct {
	figure string
	max    float64
	why    string
}{
	{timeline.HarnessCPU, 25, "default harness budget: at most 25% of one core, so a 2-core machine keeps 87.5% of its CPU for the cluster " +
		"(kind drills measured 8-15%; ssh-ha, four API endpoints each watched every 10 ms plus SSH, 15-22%)"},
	{timeline.HarnessRSSPeak, 512 << 20, "default harness budget: at most 512 MiB resident (drills have peaked at 60-370 MiB), " +
		"so a small CI machine keeps its memory for the cluster"},
	{timeline.HarnessRequestsRate, 70, "default harness budget: at most 70 requests/s to any one API server outside the edges' bursts: " +
		"the 4 client series at the catalog's finest interval (100 ms) are 40/s, the measurement itself; all else may add 30/s"},
	{timeline.HarnessExecRate, 8, "default harness budget: at most 8 commands/s on the nodes: a recovery check round every 500 ms " +
		"asking 3 etcd members is 6/s, and each docker exec is a process on a loaded machine"},
}

// HarnessDefaults are the default harness budgets.
func HarnessDefaults() []Budget {
	out := make([]Budget, 0, len(harnessDefaults))
	for _, d := range harnessDefaults {
		v := d.max
		out = append(out, Budget{Figure: d.figure, Kind: KindHarness, Max: &v, Why: d.why})
	}
	return out
}

// WithHarnessDefaults is bs and, after them, a default harness budget on
// each harness figure bs does not budget already.
func WithHarnessDefaults(bs []Budget) []Budget {
	out := slices.Clone(bs)
	for _, d := range HarnessDefaults() {
		if !slices.ContainsFunc(bs, func(b Budget) bool { return b.Figure == d.Figure }) {
			out = append(out, d)
		}
	}
	return out
}
