package budget

import (
	"math"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/timeline"
)

func val(x float64) *float64 { return &x }

func TestEvaluate(t *testing.T) {
	figs := []timeline.Figure{
		{Name: timeline.APIDowntimeTotal, Value: 21.5, Unit: timeline.Seconds, Measured: true},
		{Name: timeline.WritesLost, Value: 0, Unit: timeline.Count, Measured: true},
		{Name: timeline.APIAvailability, Value: 97.5, Unit: timeline.Percent, Measured: true},
		{Name: timeline.RecoveryAll, Measured: false, Note: "pod x not Ready at end of window"},
	}
	vs := Evaluate(figs, []Budget{
		{Figure: timeline.APIDowntimeTotal, Kind: "availability", Max: val(30), LowerBound: val(16)},
		{Figure: timeline.WritesLost, Kind: "availability", Max: val(0)},
		{Figure: timeline.APIAvailability, Kind: "availability", Min: val(99)},
		{Figure: timeline.RecoveryAll, Kind: "self-healing", Max: val(120)},
		{Figure: timeline.WorkloadDowntimeTotal, Kind: "availability", Max: val(5)},
	})
	want := []struct {
		pass   bool
		margin float64
		limit  string
	}{
		{true, 8.5, "<= 30.00s"},
		{true, 0, "<= 0"},
		{false, -1.5, ">= 99.000%"},
		{false, math.Inf(-1), "<= 120.00s"},
		{false, math.Inf(-1), "<= 5.00s"},
	}
	for i, w := range want {
		v := vs[i]
		gotMargin := math.Inf(-1)
		if v.Margin != nil {
			gotMargin = *v.Margin
		}
		if v.Pass != w.pass || gotMargin != w.margin || v.Limit() != w.limit {
			t.Errorf("verdict %d (%s) = pass %v margin %v limit %q; want %v %v %q", i, v.Figure, v.Pass, gotMargin, v.Limit(), w.pass, w.margin, w.limit)
		}
	}
	if vs[3].Note != "not measured: pod x not Ready at end of window" || vs[4].Note != "not measured" {
		t.Errorf("notes: %q, %q", vs[3].Note, vs[4].Note)
	}
	if Pass(vs) || !Pass(vs[:2]) {
		t.Error("Pass wrong")
	}
	if *vs[0].LowerBound != 16 {
		t.Error("lower bound not carried")
	}
}

// A figure below its lower bound fails, with that reason, even inside max.
func TestBelowLowerBoundFails(t *testing.T) {
	figs := []timeline.Figure{
		{Name: timeline.APIDowntimeTotal, Value: 3.2, Unit: timeline.Seconds, Measured: true},
		{Name: timeline.RecoveryAll, Value: 25, Unit: timeline.Seconds, Measured: true},
	}
	vs := Evaluate(figs, []Budget{
		{Figure: timeline.APIDowntimeTotal, Kind: "availability", Max: val(30), LowerBound: val(10)},
		{Figure: timeline.RecoveryAll, Kind: "self-healing", Max: val(60), LowerBound: val(25)},
	})
	if vs[0].Pass || !vs[0].BelowLowerBound || !strings.Contains(vs[0].Reason(), "below its lower bound 10.00s") {
		t.Errorf("3.2s with lower bound 10s: pass %v below %v reason %q; want a failure naming the bound", vs[0].Pass, vs[0].BelowLowerBound, vs[0].Reason())
	}
	if !vs[1].Pass || vs[1].BelowLowerBound {
		t.Errorf("a value at its lower bound passes: %+v", vs[1])
	}
	if Pass(vs) {
		t.Error("Pass true with a figure below its lower bound")
	}
}

// Every verdict says why, blown, passed or not measured.
func TestReason(t *testing.T) {
	figs := []timeline.Figure{
		{Name: timeline.RecoveryAll, Value: 93.2, Unit: timeline.Seconds, Measured: true},
		{Name: timeline.APIAvailability, Value: 99.2, Unit: timeline.Percent, Measured: true},
		{Name: timeline.APIDowntimeTotal, Value: 3, Unit: timeline.Seconds, Measured: true},
		{Name: timeline.WritesLost, Value: 0, Unit: timeline.Count, Measured: true},
		{Name: timeline.NodeDetect, Measured: false, Note: "no node went NotReady"},
	}
	vs := Evaluate(figs, []Budget{
		{Figure: timeline.RecoveryAll, Max: val(90)},
		{Figure: timeline.APIAvailability, Min: val(99.5)},
		{Figure: timeline.APIDowntimeTotal, Max: val(30), LowerBound: val(45)},
		{Figure: timeline.WritesLost, Max: val(0)},
		{Figure: timeline.NodeDetect, Max: val(60)},
		{Figure: timeline.WorkloadDowntimeTotal, Max: val(5)},
	})
	for i, want := range []string{
		"above its max 90.00s by 3.20s",
		"below its min 99.500% by 0.300%",
		"below its lower bound 45.00s: the harness missed the outage, the fault did not take, or the bound is wrong",
		"within its max 0 by 0",
		"not measured: no node went NotReady",
		"not measured: the timeline gave no value for it",
	} {
		if got := vs[i].Reason(); got != want {
			t.Errorf("%s: reason %q, want %q", vs[i].Figure, got, want)
		}
	}
}
