package report

import (
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/timeline"
)

func TestSoakSummary(t *testing.T) {
	drill := func(verdict string, downtime float64, measured bool) Drill {
		return Drill{Scenario: Scenario{Name: "reboot-master", Verdict: verdict, Figures: []Figure{
			{Figure: timeline.Figure{Name: timeline.APIDowntimeTotal, Unit: "s", Value: downtime, Measured: measured}},
		}}}
	}
	r := &Run{Drills: []Drill{drill("PASS", 15.4, true), drill("PASS", 16.1, true), drill("FAIL", 0, false), drill("PASS", 15.0, true)}}
	got := Soak(r)
	for _, want := range []string{
		"reboot-master, 3 of 4 passed (1 FAIL, 3 PASS)",
		// Median of 15.0, 15.4, 16.1; the unmeasured attempt is not a 0.
		"| api.downtime.total | 15.00s | 15.40s | 16.10s | 3 of 4 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("soak summary lacks %q:\n%s", want, got)
		}
	}
}
