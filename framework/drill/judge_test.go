package drill

import (
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
		{"nothing injected, an error (no target)", Result{Timeline: none, Error: "fault.target: none"}, nil, VerdictFail},
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
		if res.Verdict != VerdictInvalid && res.Invalid != "" {
			t.Errorf("%s: verdict %s with a reason to be INVALID %q", tc.name, res.Verdict, res.Invalid)
		}
		if len(res.Figures) == 0 {
			t.Errorf("%s: no figures derived", tc.name)
		}
	}
}
