package report

import (
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

func TestSoakSummary(t *testing.T) {
	drill := func(verdict record.Verdict, downtime float64, measured bool) record.Drill {
		return record.Drill{Name: "reboot-master", Verdict: verdict, Figures: []record.Figure{
			{Figure: timeline.Figure{Name: timeline.APIDowntimeTotal, Unit: "s", Value: downtime, Measured: measured}},
		}}
	}
	r := &Run{Drills: []record.Drill{drill("PASS", 15.4, true), drill("PASS", 16.1, true), drill("FAIL", 0, false), drill("PASS", 15.0, true)}}
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
