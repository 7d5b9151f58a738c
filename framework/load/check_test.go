package load

import (
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// underLoad is a calibration drill as the report keeps it, run beside the
// hog from before its fault to after its end with a core busy, every
// budget met; each case of TestCheck breaks one thing of it.
func underLoad() (*scenario.Scenario, *record.Drill, Run) {
	t0 := time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC)
	s := &scenario.Scenario{Name: "calibrate-reset-5s", Labels: []string{"calibration", "single-master"},
		Budgets: []scenario.Budget{
			{Figure: timeline.APIDowntimeErrorNew, Kind: scenario.BudgetCalibration},
			{Figure: timeline.WritesLost, Kind: scenario.BudgetAvailability},
		}}
	half, zero := 0.5, 0.0
	fig := func(name string, unit timeline.Unit, value, limit float64) record.Figure {
		v := budget.Evaluate([]timeline.Figure{{Name: name, Unit: unit, Value: value, Measured: true}},
			[]budget.Budget{{Figure: name, Max: &limit, Why: "test"}})
		return record.Figure{Figure: timeline.Figure{Name: name, Unit: unit, Value: value, Measured: true}, Budget: &v[0]}
	}
	r := Run{Drill: s.Name, PID: 4242, Started: t0, Stopped: t0.Add(100 * time.Second), CPU: 95 * time.Second}
	d := &record.Drill{Name: s.Name, Verdict: record.VerdictPass, Finished: t0.Add(99 * time.Second),
		Phases: []record.Phase{{Name: "prepare", Started: t0.Add(time.Second)}, {Name: "inject", Started: t0.Add(40 * time.Second)},
			{Name: "read-back", Started: t0.Add(90 * time.Second)}},
		Figures: []record.Figure{fig(timeline.APIDowntimeErrorNew, timeline.Seconds, 0.21, half), fig(timeline.WritesLost, timeline.Count, 0, zero),
			{Figure: timeline.Figure{Name: timeline.APIDowntimeTotal, Unit: timeline.Seconds, Value: 5.3, Measured: true}}},
		Notes: []string{"an earlier note", r.Note()}}
	return s, d, r
}

func TestCheck(t *testing.T) {
	if s, d, r := underLoad(); Check(s, d, r) != nil {
		t.Fatalf("a drill that held under load: %v", Check(s, d, r))
	}
	for _, tc := range []struct {
		name  string
		spoil func(s *scenario.Scenario, d *record.Drill, r *Run)
		want  string
	}{
		{"invalid", func(_ *scenario.Scenario, d *record.Drill, _ *Run) {
			d.Verdict, d.Invalid = record.VerdictInvalid, "the drill never reached its fault: steady state never held"
		}, "verdict INVALID under load, PASS without: the drill never reached its fault"},
		{"fail", func(_ *scenario.Scenario, d *record.Drill, _ *Run) {
			d.Verdict, d.Error = record.VerdictFail, "recovery: not after 3m0s"
		}, "verdict FAIL under load, PASS without: recovery: not after 3m0s"},
		{"calibration bound blown", func(_ *scenario.Scenario, d *record.Drill, _ *Run) {
			d.Figures[0].Budget.Value, d.Figures[0].Budget.Pass = 0.62, false
		}, "calibration error bound api.downtime.error.new = 0.62s, budget <= 0.50s: above its max 0.50s by 0.12s"},
		{"budget not measured", func(_ *scenario.Scenario, d *record.Drill, _ *Run) {
			d.Figures[1].Budget.Measured = false
		}, "budget writes.lost: not measured"},
		{"budget missing from the report", func(_ *scenario.Scenario, d *record.Drill, _ *Run) {
			d.Figures = d.Figures[1:]
		}, "calibration error bound api.downtime.error.new: not judged"},
		{"no budgets", func(s *scenario.Scenario, _ *record.Drill, _ *Run) {
			s.Budgets = nil
		}, "has no budget: nothing to hold under load"},
		{"calibration drill without its bound", func(s *scenario.Scenario, _ *record.Drill, _ *Run) {
			s.Budgets = s.Budgets[1:]
		}, "calibration drill calibrate-reset-5s has no calibration budget"},
		{"hog beside another drill", func(_ *scenario.Scenario, _ *record.Drill, r *Run) {
			r.Drill = "reboot-master"
		}, `the hog's last run was beside "reboot-master"`},
		{"fault never reached", func(_ *scenario.Scenario, d *record.Drill, _ *Run) {
			d.Phases = d.Phases[:1]
		}, "the drill never reached its fault (phases [prepare])"},
		{"hog after the fault", func(_ *scenario.Scenario, d *record.Drill, r *Run) {
			r.Started = d.Phases[1].Started.Add(time.Millisecond)
		}, "the hog started at 21:00:40.001, after the fault (21:00:40.000)"},
		{"hog stopped before the end", func(_ *scenario.Scenario, d *record.Drill, r *Run) {
			r.Stopped = d.Finished.Add(-time.Second)
		}, "the hog stopped at 21:01:38.000, before the drill finished (21:01:39.000)"},
		{"hog ended by itself", func(_ *scenario.Scenario, _ *record.Drill, r *Run) {
			r.EndedEarly = true
		}, "the hog ended by itself after 1m40s, before the drill did"},
		{"hog starved", func(_ *scenario.Scenario, _ *record.Drill, r *Run) {
			r.CPU = 30 * time.Second
		}, "the hog kept 0.30 cores busy, under the 0.5 a load test needs, the machine's own CPU use unknown"},
		{"hog starved, machine not saturated", func(_ *scenario.Scenario, _ *record.Drill, r *Run) {
			r.CPU = 30 * time.Second
			r.MachineBusy, r.MachineBusyKnown = 0.6, true
		}, "the hog kept 0.30 cores busy, under the 0.5 a load test needs, the machine's CPUs 60% busy, under the 90%"},
		{"no note", func(_ *scenario.Scenario, d *record.Drill, _ *Run) {
			d.Notes = d.Notes[:1]
		}, "the report does not say the drill ran under load"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, d, r := underLoad()
			tc.spoil(s, d, &r)
			// The note is the run's own: a changed run keeps its drill's
			// note unless the case is about the note.
			if tc.name != "no note" {
				d.Notes[1] = r.Note()
			}
			err := Check(s, d, r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check: %v\nwant it to say %q", err, tc.want)
			}
		})
	}
}

// A hog the load starved: under half a core, on a machine whose CPUs
// were busy throughout (the kind-ha drill's 0.46 cores), is a machine
// under load; the old rule refused it.
func TestCheckStarvedHogOnASaturatedMachine(t *testing.T) {
	s, d, r := underLoad()
	r.CPU = time.Duration(0.46 * float64(r.Stopped.Sub(r.Started)))
	r.MachineBusy, r.MachineBusyKnown = 0.97, true
	d.Notes[len(d.Notes)-1] = r.Note()
	if err := Check(s, d, r); err != nil {
		t.Errorf("a starved hog on a saturated machine: %v", err)
	}
}

func TestParseCPULine(t *testing.T) {
	got, err := parseCPULine("cpu  100 5 50 800 40 3 2 0 7 0")
	if err != nil {
		t.Fatal(err)
	}
	if want := (cpuTimes{busy: 160, total: 1000}); got != want {
		t.Errorf("got %+v, want %+v (idle and iowait apart, guest inside user)", got, want)
	}
	if busy, ok := busyBetween(cpuTimes{busy: 160, total: 1000}, cpuTimes{busy: 340, total: 1200}); !ok || busy != 0.9 {
		t.Errorf("busy %v %v, want 0.9", busy, ok)
	}
	if _, err := parseCPULine("cpu0 1 2 3 4 5"); err == nil {
		t.Error("a core's line taken for the machine's")
	}
}
