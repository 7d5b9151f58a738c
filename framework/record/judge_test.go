package record

import (
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Judge's verdict order on recorded results: INTERRUPTED before INVALID
// before FAIL before PASS.
func TestJudgeVerdictOrder(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	// The workload served throughout, sampled every 100 ms.
	observed := timeline.Timeline{Start: t0, End: t0.Add(time.Minute)}
	for i := range 600 {
		at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		observed.Samples = append(observed.Samples, timeline.Sample{Series: timeline.SeriesWorkload, Start: at, End: at.Add(time.Millisecond), OK: true})
	}
	injected := func(proven bool) timeline.Timeline {
		tl := observed
		tl.Events = []timeline.Event{{Kind: timeline.EventInject, Action: "pause", Target: "n1", At: t0.Add(10 * time.Second), Done: t0.Add(11 * time.Second)}}
		tl.Evidence = []timeline.Evidence{{At: t0.Add(11 * time.Second), Target: "n1", Action: "pause", What: "paused", Proven: proven}}
		return tl
	}
	none := timeline.Timeline{Start: t0, End: t0.Add(time.Minute)}
	// Nothing acknowledged: writes.lost is not measured, which blows a
	// budget on it.
	writes := []budget.Budget{{Figure: timeline.WritesLost, Kind: "availability", Max: number(0)}}
	// A budget on a figure the drill measures, held.
	held := []budget.Budget{{Figure: timeline.WorkloadDowntimeTotal, Kind: "availability", Max: number(1)}}
	for _, tc := range []struct {
		name    string
		res     Drill
		budgets []budget.Budget
		want    Verdict
	}{
		{"proven, a budget held, no error", Drill{Timeline: injected(true)}, held, VerdictPass},
		{"an error", Drill{Timeline: injected(true), Error: "recovery: timed out"}, held, VerdictFail},
		{"a budget blown", Drill{Timeline: injected(true)}, writes, VerdictFail},
		// A drill that never reached its fault tested nothing: INVALID,
		// never FAIL (it was FAIL before), whatever its budgets say.
		{"nothing injected, an error (no target)", Drill{Timeline: none, Error: "fault.target: none"}, writes, VerdictInvalid},
		{"nothing injected, steady state never held", Drill{Timeline: none, Error: "steady state: not after 3m0s"}, nil, VerdictInvalid},
		{"an observation injects nothing", Drill{Timeline: observed, Fault: ObserveFault}, nil, VerdictPass},
		{"no proof beats an error", Drill{Timeline: injected(false), Error: "inject: pause n1: exit status 1"}, held, VerdictInvalid},
		{"no proof beats a blown budget", Drill{Timeline: injected(false)}, writes, VerdictInvalid},
		{"interrupted beats no proof", Drill{Timeline: injected(false), Interrupted: true, Error: "interrupted"}, writes, VerdictInterrupted},
		{"interrupted before anything", Drill{Timeline: none, Interrupted: true, Error: "interrupted"}, nil, VerdictInterrupted},
		// Nothing to judge is INVALID, never a PASS: a replay fails
		// closed on a report without a timeline or budgets.
		{"proven, no budget", Drill{Timeline: injected(true)}, nil, VerdictInvalid},
		{"an observation with no timeline", Drill{Timeline: none, Fault: ObserveFault, Error: "no node answered"}, nil, VerdictInvalid},
		{"a fault in an observation's timeline, no budget", Drill{Timeline: injected(true), Fault: ObserveFault}, nil, VerdictInvalid},
		{"interrupted beats no budget", Drill{Timeline: injected(true), Interrupted: true}, nil, VerdictInterrupted},
	} {
		res := tc.res
		Judge(&res, tc.budgets)
		if res.Verdict != tc.want {
			t.Errorf("%s: verdict %s (invalid %q), want %s", tc.name, res.Verdict, res.Invalid, tc.want)
		}
		if res.Verdict == VerdictInvalid && len(res.Timeline.Events) == 0 && !res.Observation() && !strings.Contains(res.Invalid, "never reached its fault: "+res.Error) {
			t.Errorf("%s: INVALID %q does not say why the drill ended (%q)", tc.name, res.Invalid, res.Error)
		}
		if res.Verdict != VerdictInvalid && res.Invalid != "" {
			t.Errorf("%s: verdict %s with a reason to be INVALID %q", tc.name, res.Verdict, res.Invalid)
		}
		if len(res.Figures) == 0 {
			t.Errorf("%s: no figures derived", tc.name)
		}
	}
}

// The node controller cannot notice a lost node before its grace period
// less one heartbeat: read from the cluster, that bound replaces the
// scenario's, so a detection the file's number would let pass fails.
func TestJudgeUsesTheClusterLowerBound(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	tl := timeline.Timeline{Start: t0, End: t0.Add(2 * time.Minute),
		Events:   []timeline.Event{{Kind: timeline.EventInject, Action: "stop", Target: "w3", At: t0.Add(10 * time.Second), Done: t0.Add(11 * time.Second)}},
		Evidence: []timeline.Evidence{{At: t0.Add(11 * time.Second), Target: "w3", Action: "stop", What: "stopped", Proven: true}},
		Nodes: []timeline.NodeObservation{
			{ObservedAt: t0.Add(5 * time.Second), Name: "w3", Ready: true, ReadySince: t0.Add(-time.Hour)},
			// Not Ready 35 s after the fault: below 50 s - 10 s.
			{ObservedAt: t0.Add(45 * time.Second), Name: "w3", Ready: false, ReadySince: t0.Add(45 * time.Second)},
		},
		Leases: []timeline.LeaseObservation{{ObservedAt: t0, Namespace: "kube-node-lease", Name: "w3", Holder: "w3", DurationSeconds: 40}},
	}
	budgets := func() []budget.Budget {
		return []budget.Budget{{Figure: timeline.NodeDetect, Kind: "self-healing", Max: number(70), LowerBound: number(30)}}
	}

	res := Drill{Timeline: tl}
	Judge(&res, budgets())
	if res.Verdict != VerdictPass {
		t.Fatalf("without settings, the scenario's bound of 30 s: verdict %s, want PASS (%+v)", res.Verdict, res.Budgets)
	}
	tl.Settings = &timeline.Settings{NodeMonitorGracePeriod: 50, NodeMonitorGracePeriodFrom: "Kubernetes' default for v1.34"}
	res = Drill{Timeline: tl}
	Judge(&res, budgets())
	v := res.Budgets[0]
	// Below a lower bound is no failure of the cluster: the measurement
	// cannot be right, so the drill proves nothing either way.
	if res.Verdict != VerdictInvalid || !v.BelowLowerBound || v.LowerBound == nil || *v.LowerBound != 40 ||
		!strings.Contains(res.Invalid, "node.detect 35.00s is below its lower bound 40.00s") {
		t.Fatalf("with the cluster's 50 s grace period: verdict %s (%s), %+v; want INVALID below the lower bound 40", res.Verdict, res.Invalid, v)
	}
	if !strings.Contains(v.Why, "read from the cluster") {
		t.Errorf("why %q does not say where the bound came from", v.Why)
	}
}

func number(x float64) *float64 { return &x }

// A drill judged as it ends is judged on the times its file keeps: no
// monotonic clock reading is left in the record or its timeline, so its
// figures are those a replay derives.
func TestJudgeKeepsTheWallClockOnly(t *testing.T) {
	now := time.Now()
	d := Drill{Started: now, Finished: now.Add(time.Second), Phases: []Phase{{Name: "inject", Started: now}},
		Timeline: timeline.Timeline{Start: now, End: now.Add(time.Second),
			Samples:  []timeline.Sample{{Series: timeline.SeriesWorkload, Start: now, End: now.Add(time.Millisecond), OK: true}},
			Evidence: []timeline.Evidence{{At: now}}, WriteCheck: &timeline.WriteCheck{}}}
	Judge(&d, nil)
	for what, at := range map[string]time.Time{"started": d.Started, "finished": d.Finished, "phase": d.Phases[0].Started,
		"timeline start": d.Timeline.Start, "sample": d.Timeline.Samples[0].End, "evidence": d.Timeline.Evidence[0].At} {
		if strings.Contains(at.String(), "m=") || !at.Equal(now) && !at.Equal(now.Add(time.Second)) && !at.Equal(now.Add(time.Millisecond)) {
			t.Errorf("%s %s: still a monotonic reading, or another time", what, at)
		}
	}
}

// A harness over its own budget perturbed what it measured: the drill is
// INVALID, saying which figure and by how much, whatever the cluster's
// budgets say; within it, the drill is judged on the cluster's budgets
// alone. The default harness budgets apply to every drill whose timeline
// has the harness's figures, unless a budget names the figure; a
// timeline recorded before the harness measured itself is judged as it
// was.
func TestJudgeHarnessBudget(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	tl := func(cpuSeconds float64, harness bool) timeline.Timeline {
		tl := timeline.Timeline{Start: t0, End: t0.Add(100 * time.Second)}
		for i := range 1000 {
			at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
			tl.Samples = append(tl.Samples, timeline.Sample{Series: timeline.SeriesWorkload, Start: at, End: at.Add(time.Millisecond), OK: true})
		}
		tl.Events = []timeline.Event{{Kind: timeline.EventInject, Action: "pause", Target: "n1", At: t0.Add(10 * time.Second), Done: t0.Add(11 * time.Second)}}
		tl.Evidence = []timeline.Evidence{{At: t0.Add(11 * time.Second), Target: "n1", Action: "pause", What: "paused", Proven: true}}
		if harness {
			tl.Harness = &timeline.Harness{Start: t0, End: t0.Add(100 * time.Second), CPUSeconds: &cpuSeconds,
				PeakRSSBytes: 100 << 20, RSSSamples: 100, Servers: []string{"cp"}, ClientServer: "cp",
				Requests: []timeline.RequestCount{{Endpoint: timeline.EndpointClient, Kind: timeline.RequestProbe, Count: 4000}}}
		}
		return tl
	}
	held := []budget.Budget{{Figure: timeline.WorkloadDowntimeTotal, Kind: "availability", Max: number(1)}}
	blown := []budget.Budget{{Figure: timeline.WritesLost, Kind: "availability", Max: number(0)}}
	cpuBudget := budget.Budget{Figure: timeline.HarnessCPU, Kind: budget.KindHarness, Max: number(50), Why: "this scenario's"}
	for _, tc := range []struct {
		name    string
		tl      timeline.Timeline
		budgets []budget.Budget
		want    Verdict
		invalid string
	}{
		{"within the default harness budget", tl(5, true), held, VerdictPass, ""},
		{"over the default CPU budget", tl(30, true), held, VerdictInvalid, "harness.cpu 30.000% is above its max 25.000% by 5.000%"},
		{"over it beats a blown cluster budget", tl(30, true), blown, VerdictInvalid, "a harness heavier than its budget perturbs what it measures"},
		{"the scenario's own harness budget replaces the default", tl(30, true), append([]budget.Budget{cpuBudget}, held...), VerdictPass, ""},
		{"a harness budget is no budget on the cluster", tl(5, true), []budget.Budget{cpuBudget}, VerdictInvalid, "no budget"},
		{"recorded before the harness measured itself", tl(0, false), held, VerdictPass, ""},
	} {
		d := Drill{Timeline: tc.tl}
		Judge(&d, tc.budgets)
		if d.Verdict != tc.want || !strings.Contains(d.Invalid, tc.invalid) {
			t.Errorf("%s: %s (%q), want %s (%q)", tc.name, d.Verdict, d.Invalid, tc.want, tc.invalid)
		}
		harnessBudgets := 0
		for _, v := range d.Budgets {
			if v.Kind == budget.KindHarness {
				harnessBudgets++
			}
		}
		if want := len(budget.HarnessDefaults()); tc.tl.Harness != nil && harnessBudgets != want {
			t.Errorf("%s: %d harness budgets judged, want %d (one per harness figure)", tc.name, harnessBudgets, want)
		}
		if tc.tl.Harness == nil && harnessBudgets != 0 {
			t.Errorf("%s: harness budgets on a timeline without the harness's figures", tc.name)
		}
	}
	// Not measured is not within budget: INVALID, saying so.
	noCPU := tl(0, true)
	noCPU.Harness.CPUSeconds = nil
	d := Drill{Timeline: noCPU}
	Judge(&d, held)
	if d.Verdict != VerdictInvalid || !strings.Contains(d.Invalid, "harness.cpu not measured") {
		t.Errorf("CPU not read: %s (%q), want INVALID, not measured", d.Verdict, d.Invalid)
	}
}
