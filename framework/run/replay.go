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
	// From is a run's report folder, its report.json, or one drill's
	// timeline in it (timeline.json, or timeline.json.gz as recorded runs
	// are kept): that drill alone is replayed. SourceOf reads it.
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
	src, err := SourceOf(in.From)
	if err != nil {
		return nil, false, err
	}
	dir := src.Dir
	rec, err := report.Read(dir)
	if err != nil {
		return nil, false, fmt.Errorf("read the run in %s: %w", dir, err)
	}
	if src.Timeline != "" {
		if rec.Drills, err = src.only(rec.Drills); err != nil {
			return nil, false, err
		}
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

// Source is what a replay reads: a run's folder and, when it was given
// one drill's timeline, that timeline's path within the folder.
type Source struct {
	Dir, Timeline string
}

// SourceOf is the run a replay's From names: a folder is the run's; a
// report.json's folder is; a timeline (a .json or .json.gz file) is the
// drill of the run whose report.json is found at most two folders above
// it.
func SourceOf(from string) (Source, error) {
	if fi, err := os.Stat(from); err == nil && fi.IsDir() {
		return Source{Dir: from}, nil
	}
	base := filepath.Base(from)
	switch {
	case base == "report.json":
		return Source{Dir: filepath.Dir(from)}, nil
	case strings.HasSuffix(base, ".json") || strings.HasSuffix(base, ".json.gz"):
		for dir, up := filepath.Dir(from), 0; up < 2; dir, up = filepath.Dir(dir), up+1 {
			if _, err := os.Stat(filepath.Join(dir, "report.json")); err == nil {
				rel, err := filepath.Rel(dir, from)
				if err != nil {
					return Source{}, err
				}
				return Source{Dir: dir, Timeline: rel}, nil
			}
		}
		return Source{}, fmt.Errorf("%s: no report.json beside the timeline or above it, to say which drill it is", from)
	}
	return Source{Dir: from}, nil
}

// only keeps the drill whose timeline the source names.
func (s Source) only(drills []record.Drill) ([]record.Drill, error) {
	want := filepath.Clean(strings.TrimSuffix(s.Timeline, ".gz"))
	for _, d := range drills {
		if d.TimelineFile != "" && filepath.Clean(strings.TrimSuffix(d.TimelineFile, ".gz")) == want {
			return []record.Drill{d}, nil
		}
	}
	return nil, fmt.Errorf("%s: no drill of the run in %s has this timeline", filepath.Join(s.Dir, s.Timeline), s.Dir)
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
