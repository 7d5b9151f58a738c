package run

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/drill"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/report"
	"github.com/firedrill/firedrill/framework/scenario"
)

// ReplayInput is what Replay needs.
type ReplayInput struct {
	// From is a run's report folder, or its report.json.
	From string
	// Out is the folder the replayed report is written to.
	Out string
	// Catalog, when set, gives the budgets to judge against (changed
	// scenario files); nil judges against the budgets the report recorded.
	Catalog *scenario.Catalog
	// History, with Catalog, derives the budgets that opted in from
	// earlier runs; nil judges against the written budgets.
	History *budget.History
}

// Replay judges a recorded run again without a cluster: the timeline is the
// source of truth, so every figure is derived from it anew, by the code of
// today, checked against the recorded budgets or those of a catalog, and
// the whole report (report.json, the timelines, summary.md, report.html)
// written into Out. It returns the replayed run and whether every drill
// passed.
func Replay(in ReplayInput) (*report.Run, bool, error) {
	dir := in.From
	if strings.HasSuffix(dir, ".json") {
		dir = filepath.Dir(dir)
	}
	rec, err := report.Read(dir)
	if err != nil {
		return nil, false, fmt.Errorf("read the run in %s: %w", dir, err)
	}
	if abs(in.Out) == abs(dir) {
		return nil, false, fmt.Errorf("replay into %s would overwrite the recorded run: choose another folder", in.Out)
	}
	if err := os.MkdirAll(in.Out, 0o755); err != nil {
		return nil, false, err
	}
	out := &report.Run{ID: rec.ID, Dir: in.Out, Started: rec.Started, Finished: rec.Finished}
	pass := len(rec.Drills) > 0
	for _, d := range rec.Drills {
		var limits []budget.Budget
		if in.Catalog != nil {
			budgets, err := in.Catalog.Budgets(d.Name)
			if err != nil {
				return nil, false, fmt.Errorf("drill %s: %w", d.Key(), err)
			}
			limits = drill.Limits(budgets)
			if in.History != nil {
				limits = in.History.Derive(d.Name, limits)
			}
		} else {
			limits = recordedBudgets(d)
		}
		record.Judge(&d, limits)
		out.Drills = append(out.Drills, d)
		pass = pass && d.Verdict == record.VerdictPass
	}
	if err := report.Write(out); err != nil {
		return nil, false, err
	}
	return out, pass, nil
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// recordedBudgets are the budgets a report recorded beside its figures.
func recordedBudgets(s record.Drill) []budget.Budget {
	var out []budget.Budget
	for _, f := range s.Figures {
		if v := f.Budget; v != nil {
			out = append(out, budget.Budget{Figure: v.Figure, Kind: v.Kind, Max: v.Max, Min: v.Min, LowerBound: v.LowerBound, Why: v.Why,
				Derived: v.Derived})
		}
	}
	return out
}
