// Package report writes what a run found: report.json (per scenario, the
// verdict and every figure with its value and budget; what scripts read),
// one replayable timeline.json per scenario, summary.md (the Markdown a CI
// job page shows) and report.html (the same with timeline charts, one
// self-contained page for a release manager) and junit.xml (a test case per
// drill, its figures as properties).
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Run is one invocation of the harness: one or more drills. The report
// renders from this plain model alone, the drills' records (no cluster,
// drill or test code), so a run can be re-rendered from its files.
type Run struct {
	ID       string
	Dir      string
	Started  time.Time
	Finished time.Time
	Drills   []record.Drill
}

// NewRunDir makes reports/<id>/ under root and points reports/latest at it.
func NewRunDir(root string, now time.Time) (*Run, error) {
	id := now.Format("20060102-150405")
	dir := filepath.Join(root, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	latest := filepath.Join(root, "latest")
	_ = os.Remove(latest)
	if err := os.Symlink(id, latest); err != nil {
		return nil, fmt.Errorf("point %s at %s: %w", latest, id, err)
	}
	return &Run{ID: id, Dir: dir, Started: now}, nil
}

// File is report.json.
type File struct {
	Run       string         `json:"run"`
	Started   time.Time      `json:"started"`
	Finished  time.Time      `json:"finished"`
	Pass      bool           `json:"pass"`
	Scenarios []record.Drill `json:"scenarios"`
}

// Write writes report.json, the timelines, summary.md and report.html. It
// is called after each drill, so an interrupted run still leaves what it
// found.
func Write(r *Run) error {
	f := File{Run: r.ID, Started: r.Started, Finished: r.Finished, Pass: len(r.Drills) > 0}
	timelines := map[string]timeline.Timeline{}
	for _, d := range r.Drills {
		if err := checkName(d); err != nil {
			return err
		}
		timelines[d.Key()] = d.Timeline
		d.TimelineFile = filepath.Join(d.Key(), "timeline.json")
		if err := writeJSON(filepath.Join(r.Dir, d.TimelineFile), d.Timeline); err != nil {
			return err
		}
		// Derived from the timeline, the one source.
		d.HarnessStalls = timeline.HarnessStalls(d.Timeline)
		d.Evidence = d.Timeline.Evidence
		d.CriticalPath = criticalPath(d.Timeline, d.Figures)
		f.Scenarios = append(f.Scenarios, d)
		f.Pass = f.Pass && d.Verdict == record.VerdictPass
	}
	if err := writeJSON(filepath.Join(r.Dir, "report.json"), f); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.Dir, "summary.md"), []byte(Markdown(f)), 0o644); err != nil {
		return err
	}
	junit, err := JUnit(f)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.Dir, "junit.xml"), junit, 0o644); err != nil {
		return err
	}
	page, err := HTML(f, timelines)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.Dir, "report.html"), page, 0o644)
}

// criticalPath is the drill's critical path, or nil for a drill with no
// fault (a run that stopped before it, an observation).
func criticalPath(tl timeline.Timeline, figs []record.Figure) *timeline.CriticalPath {
	if _, injected := timeline.InjectAt(tl); !injected {
		return nil
	}
	plain := make([]timeline.Figure, 0, len(figs))
	for _, f := range figs {
		plain = append(plain, f.Figure)
	}
	cp := timeline.CriticalPathOf(tl, plain)
	return &cp
}

// scenarioName is what a scenario's name may be: an RFC 1123 label, as
// scenario files are checked. It names a folder of the report, so a name
// read from a report.json someone else wrote must never climb out of it.
var scenarioName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// checkName refuses a drill whose name, attempt or run would make its
// folder anything but one plain folder inside the report.
func checkName(d record.Drill) error {
	if !scenarioName.MatchString(d.Name) || d.Attempt < 0 {
		return fmt.Errorf("drill name %q (attempt %d): a scenario's name must be a DNS-1123 label", d.Name, d.Attempt)
	}
	if d.From != "" && !scenarioName.MatchString(d.From) {
		return fmt.Errorf("drill %s: the run it came from, %q, must be a DNS-1123 label", d.Name, d.From)
	}
	return nil
}

// verdict is PASS or FAIL: of a run, or of one budget.
func verdict(pass bool) string {
	if pass {
		return string(record.VerdictPass)
	}
	return string(record.VerdictFail)
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
