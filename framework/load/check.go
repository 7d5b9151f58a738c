package load

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/scenario"
)

// MinCores is the least the hog must have kept busy on average for a drill
// to count as run under load. One core is what it asks for; on a 2-core
// machine that also runs a kind cluster and the harness, the kernel's fair
// share may give it less, but under half a core it did not load the
// machine as the proof claims.
const MinCores = 0.5

// SaturatedMachine is how busy the whole machine's CPUs must have been for
// a hog under MinCores to count all the same: on a machine that busy the
// hog was starved by the load (a six-node kind-ha cluster on 2 cores left
// it 0.46 cores), which is the load the proof claims.
const SaturatedMachine = 0.9

// Check says why a drill run beside the hog does not prove that the drill
// holds under load, nil when it does: d is the drill as the run's report
// keeps it (report.json), r the hog's run beside it, s its scenario.
// Under load the drill must get the verdict it gets without (PASS), meet
// every budget its scenario declares (a calibration drill: its error
// bound, the harness's own accuracy), have been under load from before
// its fault to its end, and say so in its notes.
func Check(s *scenario.Scenario, d *record.Drill, r Run) error {
	var errs []error
	if d.Verdict != record.VerdictPass {
		why := ""
		switch {
		case d.Invalid != "":
			why = ": " + d.Invalid
		case d.Error != "":
			why = ": " + d.Error
		}
		errs = append(errs, fmt.Errorf("verdict %s under load, PASS without%s", d.Verdict, why))
	}
	errs = append(errs, budgetsMet(s, d)...)
	errs = append(errs, covered(d, r)...)
	if !slices.Contains(d.Notes, r.Note()) {
		errs = append(errs, fmt.Errorf("the report does not say the drill ran under load (no note %q)", r.Note()))
	}
	return errors.Join(errs...)
}

// budgetsMet: every budget the scenario declares was judged on a measured
// figure and met, as the report's figures have them. A budget missing
// from the report is a failure too: a figure the load kept from being
// derived is no budget met.
func budgetsMet(s *scenario.Scenario, d *record.Drill) []error {
	judged := map[string]*budget.Verdict{}
	for _, f := range d.Figures {
		if f.Budget != nil {
			judged[f.Budget.Figure] = f.Budget
		}
	}
	var errs []error
	if len(s.Budgets) == 0 {
		errs = append(errs, fmt.Errorf("scenario %s has no budget: nothing to hold under load", s.Name))
	}
	calibration := 0
	for _, b := range s.Budgets {
		what := "budget " + b.Figure
		if b.Kind == scenario.BudgetCalibration {
			calibration++
			what = "calibration error bound " + b.Figure
		}
		v := judged[b.Figure]
		switch {
		case v == nil:
			errs = append(errs, fmt.Errorf("%s: not judged (no such figure in the report)", what))
		case !v.Measured:
			errs = append(errs, fmt.Errorf("%s: not measured", what))
		case !v.Pass:
			errs = append(errs, fmt.Errorf("%s = %s, budget %s: %s", what, budget.Format(v.Value, v.Unit), v.Limit(), v.Reason()))
		}
	}
	if slices.Contains(s.Labels, scenario.BudgetCalibration) && calibration == 0 {
		errs = append(errs, fmt.Errorf("calibration drill %s has no calibration budget: its error bound cannot be checked", s.Name))
	}
	return errs
}

// covered: the hog ran from before the drill's fault to its end, and did
// not end by itself in between.
func covered(d *record.Drill, r Run) []error {
	var errs []error
	if r.Drill != d.Name {
		return []error{fmt.Errorf("the hog's last run was beside %q, not %s", r.Drill, d.Name)}
	}
	i := slices.IndexFunc(d.Phases, func(p record.Phase) bool { return p.Name == "inject" })
	switch {
	case i < 0:
		errs = append(errs, fmt.Errorf("the drill never reached its fault (phases %s)", phaseNames(d.Phases)))
	case !r.Started.Before(d.Phases[i].Started):
		errs = append(errs, fmt.Errorf("the hog started at %s, after the fault (%s)", r.Started.UTC().Format("15:04:05.000"), d.Phases[i].Started.UTC().Format("15:04:05.000")))
	}
	if r.EndedEarly {
		errs = append(errs, fmt.Errorf("the hog ended by itself after %s, before the drill did", r.Stopped.Sub(r.Started).Round(100*time.Millisecond)))
	} else if r.Stopped.Before(d.Finished) {
		errs = append(errs, fmt.Errorf("the hog stopped at %s, before the drill finished (%s)", r.Stopped.UTC().Format("15:04:05.000"), d.Finished.UTC().Format("15:04:05.000")))
	}
	if c := r.Cores(); c < MinCores && !(r.MachineBusyKnown && r.MachineBusy >= SaturatedMachine) {
		machine := "the machine's own CPU use unknown"
		if r.MachineBusyKnown {
			machine = fmt.Sprintf("the machine's CPUs %.0f%% busy, under the %.0f%% of a saturated machine", 100*r.MachineBusy, 100*SaturatedMachine)
		}
		errs = append(errs, fmt.Errorf("the hog kept %.2f cores busy, under the %.1f a load test needs, %s: the machine was not under the load claimed", c, MinCores, machine))
	}
	return errs
}

func phaseNames(ps []record.Phase) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return fmt.Sprint(names)
}
