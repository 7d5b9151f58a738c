package drill

import (
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Judge's verdict order on recorded results: INTERRUPTED before INVALID
// before FAIL before PASS.
func TestJudgeVerdictOrder(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	injected := func(proven bool) timeline.Timeline {
		tl := timeline.Timeline{Start: t0, End: t0.Add(time.Minute),
			Events:   []timeline.Event{{Kind: timeline.EventInject, Action: "pause", Target: "n1", At: t0.Add(10 * time.Second), Done: t0.Add(11 * time.Second)}},
			Evidence: []timeline.Evidence{{At: t0.Add(11 * time.Second), Target: "n1", Action: "pause", What: "paused", Proven: proven}}}
		return tl
	}
	none := timeline.Timeline{Start: t0, End: t0.Add(time.Minute)}
	max0 := &scenario.Value{Number: 0}
	// Nothing acknowledged: writes.lost is not measured, which blows a
	// budget on it.
	writes := []scenario.Budget{{Figure: timeline.WritesLost, Kind: "availability", Max: max0}}
	for _, tc := range []struct {
		name    string
		res     Result
		budgets []scenario.Budget
		want    string
	}{
		{"proven, no budget, no error", Result{Timeline: injected(true)}, nil, VerdictPass},
		{"an error", Result{Timeline: injected(true), Error: "recovery: timed out"}, nil, VerdictFail},
		{"a budget blown", Result{Timeline: injected(true)}, writes, VerdictFail},
		// A drill that never reached its fault tested nothing: INVALID,
		// never FAIL (it was FAIL before), whatever its budgets say.
		{"nothing injected, an error (no target)", Result{Timeline: none, Error: "fault.target: none"}, writes, VerdictInvalid},
		{"nothing injected, steady state never held", Result{Timeline: none, Error: "steady state: not after 3m0s"}, nil, VerdictInvalid},
		{"an observation injects nothing", Result{Timeline: none, NoFault: true}, nil, VerdictPass},
		{"no proof beats an error", Result{Timeline: injected(false), Error: "inject: pause n1: exit status 1"}, nil, VerdictInvalid},
		{"no proof beats a blown budget", Result{Timeline: injected(false)}, writes, VerdictInvalid},
		{"interrupted beats no proof", Result{Timeline: injected(false), Interrupted: true, Error: "interrupted"}, writes, VerdictInterrupted},
		{"interrupted before anything", Result{Timeline: none, Interrupted: true, Error: "interrupted"}, nil, VerdictInterrupted},
	} {
		res := tc.res
		Judge(&res, tc.budgets)
		if res.Verdict != tc.want {
			t.Errorf("%s: verdict %s (invalid %q), want %s", tc.name, res.Verdict, res.Invalid, tc.want)
		}
		if res.Verdict == VerdictInvalid && len(res.Timeline.Events) == 0 && !strings.Contains(res.Invalid, "never reached its fault: "+res.Error) {
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
	budgets := []scenario.Budget{{Figure: timeline.NodeDetect, Kind: "self-healing", Max: &scenario.Value{Number: 70}, LowerBound: &scenario.Value{Number: 30}}}

	res := Result{Timeline: tl}
	Judge(&res, budgets)
	if res.Verdict != VerdictPass {
		t.Fatalf("without settings, the scenario's bound of 30 s: verdict %s, want PASS (%+v)", res.Verdict, res.Verdicts)
	}
	tl.Settings = &timeline.Settings{NodeMonitorGracePeriod: 50, NodeMonitorGracePeriodFrom: "Kubernetes' default for v1.34"}
	res = Result{Timeline: tl}
	Judge(&res, budgets)
	v := res.Verdicts[0]
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
