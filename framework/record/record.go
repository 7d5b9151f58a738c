// Package record is one drill's record: what the drill package fills as a
// drill runs, what Judge concludes from it, what report.json keeps, what a
// replay reads back and judges again, and what every report renders. It
// knows no cluster (no Kubernetes client), so rendering and replaying
// need none.
package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Drill is one drill: what it observed (the timeline, the phases, the
// targets, the error that ended it), what was derived and concluded from
// that (the figures, the budgets' verdicts, the verdict) and where it ran.
// Its JSON form is a drill's entry in report.json; the timeline is kept
// beside it, in the file TimelineFile names.
type Drill struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Verdict     Verdict `json:"verdict"`
	// Attempt numbers the repeats of one scenario in a run (a soak), from
	// 1; 0 when the run does not repeat it.
	Attempt int `json:"attempt,omitempty"`
	// From names the run a merged report took the drill from, when
	// another drill of the merge has the same name and attempt: it tells
	// them apart in the report's names and folders. Empty otherwise.
	From string `json:"from,omitempty"`
	// Invalid says why the drill is INVALID (Judge).
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
	// Error is why the drill could not complete (steady state never held,
	// the fault could not be injected, the cluster did not recover).
	Error string `json:"error,omitempty"`
	// Notes are facts worth a reader's attention (a node changed address).
	Notes []string `json:"notes,omitempty"`
	// Figures are the figures derived from the timeline, each with its
	// budget's verdict when the drill has a budget on it (Judge).
	Figures []Figure `json:"figures"`
	// TimelineFile is the timeline's file, relative to report.json.
	TimelineFile string `json:"timeline"`
	// Phases are the drill's phases with the time each took, and
	// PeakRSSBytes the harness's peak memory at its end (getrusage; it
	// only grows over a run): the harness's own overhead, as numbers.
	Phases       []Phase `json:"phases,omitempty"`
	PeakRSSBytes int64   `json:"peakRSSBytes,omitempty"`
	// Environment is where and with what the drill ran (nil in reports
	// written before it was recorded).
	Environment *Environment `json:"environment,omitempty"`
	// CriticalPath is which component's recovery bounded recovery.all and
	// how much of it a known bound explains (derived, like the figures).
	CriticalPath *timeline.CriticalPath `json:"criticalPath,omitempty"`

	// Timeline is everything the probes observed: the source every figure
	// is derived from. report.json does not hold it: it is written to
	// TimelineFile.
	Timeline timeline.Timeline `json:"-"`
	// Budgets are Judge's verdicts on the drill's budgets, in the budgets'
	// order; report.json keeps each with its figure.
	Budgets []budget.Verdict `json:"-"`
	// Interrupted: Ctrl-C or SIGTERM ended the drill before it completed.
	// report.json keeps it as the verdict INTERRUPTED.
	Interrupted bool `json:"-"`
	// Healthy says whether the cluster was healthy again at the end; an
	// unhealthy cluster must not be reused by the next drill. Not kept.
	Healthy bool `json:"-"`
}

// Phase is one phase of a drill and how long it took.
type Phase struct {
	Name    string    `json:"name"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
}

// Figure is a derived figure with its budget's verdict, if the drill has a
// budget on it.
type Figure struct {
	timeline.Figure
	Budget *budget.Verdict `json:"budget,omitempty"`
}

// Verdict is a drill's verdict (Judge).
type Verdict string

// Verdicts of a drill.
const (
	VerdictPass = Verdict("PASS")
	// VerdictFail: the fault took and the cluster did not heal in budget,
	// or the drill could not complete after its fault.
	VerdictFail = Verdict("FAIL")
	// VerdictInvalid: the drill never reached its fault, its fault has no
	// evidence that it took, a figure beats what the cluster's settings
	// make possible, or there is nothing to judge: its figures describe a
	// cluster nobody broke, or say nothing.
	VerdictInvalid = Verdict("INVALID")
	// VerdictInterrupted is a drill ended by Ctrl-C or SIGTERM: its
	// figures are those measured so far, and it says nothing against the
	// cluster.
	VerdictInterrupted = Verdict("INTERRUPTED")
)

// BudgetsJudged says whether a drill of this verdict had its budgets
// judged: an INTERRUPTED or INVALID drill's budgets are shown, not
// judged; its figures say nothing against the cluster.
func (v Verdict) BudgetsJudged() bool {
	return v != VerdictInterrupted && v != VerdictInvalid
}

// ObserveFault is the fault an observation records: none. Judge reads it
// to know the drill had no fault to reach and no budgets to hold.
const ObserveFault = "none (observe)"

// Observation says whether the drill is an observation (firedrill
// observe): probes, no fault, no budgets.
func (d *Drill) Observation() bool { return d.Fault == ObserveFault }

// Key tells apart the drills of a run: the scenario's name, with the
// attempt when the run repeats it (a soak), and the run it came from
// when a merge holds the same drill of several runs
// ("reboot-master@20261206-082529"). It names the drill's folder.
func (d *Drill) Key() string {
	k := d.Name
	if d.Attempt > 0 {
		k = fmt.Sprintf("%s-%d", d.Name, d.Attempt)
	}
	if d.From != "" {
		k += "@" + d.From
	}
	return k
}

// UnmarshalJSON reads a drill's entry of report.json, with the facts it
// keeps only in its verdict: a drill read back is judged again as it was
// judged when it ran.
func (d *Drill) UnmarshalJSON(data []byte) error {
	type plain Drill
	if err := json.Unmarshal(data, (*plain)(d)); err != nil {
		return err
	}
	d.Interrupted = d.Verdict == VerdictInterrupted
	return nil
}
