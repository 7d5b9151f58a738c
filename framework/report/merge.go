package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/firedrill/firedrill/framework/record"
)

// Read loads a run's report from its folder: report.json and each drill's
// timeline.json, the files Write wrote.
func Read(dir string) (*Run, error) {
	var f File
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "report.json"), err)
	}
	r := &Run{ID: f.Run, Dir: dir, Started: f.Started, Finished: f.Finished}
	for _, s := range f.Scenarios {
		// A report is data: its names and paths are checked before they
		// name any file.
		if err := checkName(s); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "report.json"), err)
		}
		if s.TimelineFile != "" {
			if !filepath.IsLocal(s.TimelineFile) {
				return nil, fmt.Errorf("%s: drill %s: timeline %q is not a path inside the run's folder", filepath.Join(dir, "report.json"), s.Name, s.TimelineFile)
			}
			path := filepath.Join(dir, s.TimelineFile)
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(data, &s.Timeline); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		r.Drills = append(r.Drills, s)
	}
	return r, nil
}

// Merge reads the runs in dirs (CI shards) and writes them as one run in
// out: every drill with its timeline, summary.md and report.html over all
// of them. A folder without report.json is skipped, and a run seen twice
// (a "latest" link copied beside its target) counts once. It returns the
// merged run; Pass says whether every drill passed.
func Merge(out string, dirs []string) (*Run, bool, error) {
	merged := &Run{ID: "merged", Dir: out}
	seen := map[string]bool{}
	keys := map[string]bool{}
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "report.json")); errors.Is(err, os.ErrNotExist) {
			continue
		}
		r, err := Read(dir)
		if err != nil {
			return nil, false, err
		}
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		if merged.Started.IsZero() || r.Started.Before(merged.Started) {
			merged.Started = r.Started
		}
		merged.Finished = maxTime(merged.Finished, r.Finished)
		for _, d := range r.Drills {
			// Each drill keeps the run it came from, also when its
			// report predates the recorded environment.
			if d.Environment == nil {
				d.Environment = &record.Environment{Run: r.ID}
			}
			// Two shards may run one scenario: number the repeats.
			for keys[d.Key()] {
				d.Attempt = max(d.Attempt, 1) + 1
			}
			keys[d.Key()] = true
			merged.Drills = append(merged.Drills, d)
		}
	}
	if len(merged.Drills) == 0 {
		return nil, false, fmt.Errorf("no report.json in %v", dirs)
	}
	slices.SortStableFunc(merged.Drills, func(a, b record.Drill) int { return a.Started.Compare(b.Started) })
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, false, err
	}
	if err := Write(merged); err != nil {
		return nil, false, err
	}
	pass := true
	for _, d := range merged.Drills {
		pass = pass && d.Verdict == record.VerdictPass
	}
	return merged, pass, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
