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

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Run is one invocation of the harness: one or more drills. The report
// renders from this plain model alone (no cluster, drill or test code), so
// a run can be re-rendered from its files.
type Run struct {
	ID       string
	Dir      string
	Started  time.Time
	Finished time.Time
	Drills   []Drill
}

// Drill is one drill's entry in report.json and its whole timeline.
type Drill struct {
	Scenario Scenario
	Timeline timeline.Timeline
}

// Phase is one phase of a drill and how long it took.
type Phase struct {
	Name    string    `json:"name"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
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
	Run       string     `json:"run"`
	Started   time.Time  `json:"started"`
	Finished  time.Time  `json:"finished"`
	Pass      bool       `json:"pass"`
	Scenarios []Scenario `json:"scenarios"`
}

// Scenario is one drill in report.json.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Verdict     string `json:"verdict"` // PASS, FAIL, INVALID or INTERRUPTED
	// Attempt numbers the repeats of one scenario in a run (a soak), from
	// 1; 0 when the run does not repeat it.
	Attempt int `json:"attempt,omitempty"`
	// Invalid says why the drill is INVALID: no evidence that the fault
	// took.
	Invalid string `json:"invalid,omitempty"`
	// Evidence is each fault action's proof that it took.
	Evidence []timeline.Evidence `json:"evidence,omitempty"`
	// HarnessStalls are the windows in which the harness's own control
	// series failed too; they are kept out of the cluster's downtime.
	HarnessStalls []timeline.Interval `json:"harnessStalls,omitempty"`
	Cluster       string              `json:"cluster"`
	Fault         string              `json:"fault"`
	Targets       []string            `json:"targets"`
	Started       time.Time           `json:"started"`
	Finished      time.Time           `json:"finished"`
	Error         string              `json:"error,omitempty"`
	Notes         []string            `json:"notes,omitempty"`
	Figures       []Figure            `json:"figures"`
	Timeline      string              `json:"timeline"` // path relative to report.json
	// Phases are the drill's phases with the time each took, and
	// PeakRSSBytes the harness's peak memory at its end: the harness's
	// own overhead, as numbers.
	Phases       []Phase `json:"phases,omitempty"`
	PeakRSSBytes int64   `json:"peakRSSBytes,omitempty"`
	// Environment is where and with what the drill ran (nil in reports
	// written before it was recorded).
	Environment *Environment `json:"environment,omitempty"`
	// CriticalPath is which component's recovery bounded recovery.all and
	// how much of it a known bound explains (derived, like the figures).
	CriticalPath *timeline.CriticalPath `json:"criticalPath,omitempty"`
}

// Figure is a derived figure with its budget, if the scenario has one.
type Figure struct {
	timeline.Figure
	Budget *budget.Verdict `json:"budget,omitempty"`
}

// Write writes report.json, the timelines, summary.md and report.html. It
// is called after each drill, so an interrupted run still leaves what it
// found.
func Write(r *Run) error {
	f := File{Run: r.ID, Started: r.Started, Finished: r.Finished, Pass: len(r.Drills) > 0}
	timelines := map[string]timeline.Timeline{}
	for _, d := range r.Drills {
		s := d.Scenario
		if err := s.checkName(); err != nil {
			return err
		}
		timelines[s.Key()] = d.Timeline
		s.Timeline = filepath.Join(s.Key(), "timeline.json")
		if err := writeJSON(filepath.Join(r.Dir, s.Timeline), d.Timeline); err != nil {
			return err
		}
		// Derived from the timeline, the one source.
		s.HarnessStalls = timeline.HarnessStalls(d.Timeline)
		s.Evidence = d.Timeline.Evidence
		s.CriticalPath = criticalPath(d.Timeline, s.Figures)
		f.Scenarios = append(f.Scenarios, s)
		f.Pass = f.Pass && s.Verdict == "PASS"
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
func criticalPath(tl timeline.Timeline, figs []Figure) *timeline.CriticalPath {
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

// checkName refuses a drill whose name or attempt would make its folder
// anything but one plain folder inside the report.
func (s Scenario) checkName() error {
	if !scenarioName.MatchString(s.Name) || s.Attempt < 0 {
		return fmt.Errorf("drill name %q (attempt %d): a scenario's name must be a DNS-1123 label", s.Name, s.Attempt)
	}
	return nil
}

// Key tells apart the drills of a run: the scenario's name, with the
// attempt when the run repeats it (a soak). It names the drill's folder.
func (s Scenario) Key() string {
	if s.Attempt > 0 {
		return fmt.Sprintf("%s-%d", s.Name, s.Attempt)
	}
	return s.Name
}

// NewFigures pairs each figure with its budget verdict, if any.
func NewFigures(figures []timeline.Figure, verdicts []budget.Verdict) []Figure {
	byFigure := map[string]*budget.Verdict{}
	for i := range verdicts {
		byFigure[verdicts[i].Figure] = &verdicts[i]
	}
	out := make([]Figure, 0, len(figures))
	for _, fig := range figures {
		out = append(out, Figure{Figure: fig, Budget: byFigure[fig.Name]})
	}
	return out
}

// VerdictInterrupted is the verdict of a drill ended by Ctrl-C or SIGTERM:
// its budgets are shown, not judged.
const VerdictInterrupted = "INTERRUPTED"

// VerdictInvalid is the verdict of a drill that never reached its fault
// or whose fault has no evidence: its budgets are shown, not judged.
const VerdictInvalid = "INVALID"

// budgetsJudged says whether a drill of this verdict had its budgets
// judged: an INTERRUPTED or INVALID drill's figures say nothing against
// the cluster.
func budgetsJudged(verdict string) bool {
	return verdict != VerdictInterrupted && verdict != VerdictInvalid
}

func verdict(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAIL"
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
