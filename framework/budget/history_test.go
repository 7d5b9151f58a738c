package budget

import (
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/timeline"
)

func TestDeriveFromHistory(t *testing.T) {
	written := 30.0
	opted := Budget{Figure: timeline.RecoveryAll, Kind: "self-healing", Max: &written, FromHistory: true}
	plain := Budget{Figure: timeline.APIDowntimeTotal, Kind: "availability", Max: &written}
	series := func(vals ...float64) func(string, string) []float64 {
		return func(string, string) []float64 { return vals }
	}
	ten := func(v float64) []float64 {
		out := make([]float64, 10)
		for i := range out {
			out[i] = v + float64(i)/10
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		history []float64
		want    float64
		says    string
	}{
		{"too few runs", []float64{12, 13}, 30, "2 of the 10 earlier runs needed"},
		{"P99 of ten", ten(12), 12.9, "P99 of 10 earlier runs is 12.90s (written budget 30.00s)"},
		{"never below the floor", ten(0.05), 1, "raised to the floor 1.00s"},
		{"never above the written budget", ten(40), 30, "capped at the written budget 30.00s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DefaultHistory(series(tc.history...)).Derive("reboot-master", []Budget{opted, plain})
			if *got[0].Max != tc.want || !strings.Contains(got[0].Derived, tc.says) {
				t.Errorf("max %g (%s), want %g (%s)", *got[0].Max, got[0].Derived, tc.want, tc.says)
			}
			if *got[1].Max != written || got[1].Derived != "" {
				t.Errorf("a budget that did not opt in changed: %+v", got[1])
			}
			if *opted.Max != written {
				t.Error("Derive changed the caller's budget")
			}
			v := Evaluate([]timeline.Figure{{Name: timeline.RecoveryAll, Value: 12.95, Measured: true}}, got[:1])[0]
			if v.Derived != got[0].Derived || v.Pass != (12.95 <= tc.want) {
				t.Errorf("verdict %+v against max %g", v, tc.want)
			}
		})
	}
}
