package run

import (
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// A blown line says why it is blown; the budgets of a drill that never
// reached its fault are not judged, neither BLOWN nor ok.
func TestVerdictTableSaysWhy(t *testing.T) {
	max := 90.0
	bs := []budget.Budget{{Figure: timeline.RecoveryAll, Kind: "self-healing", Max: &max}}
	blown := budget.Evaluate([]timeline.Figure{{Name: timeline.RecoveryAll, Value: 93.2, Unit: timeline.Seconds, Measured: true}}, bs)
	got := VerdictTable(&record.Drill{Name: "kill-apiserver", Verdict: record.VerdictFail, Budgets: blown})
	if !strings.Contains(got, "BLOWN             above its max 90.00s by 3.20s") {
		t.Errorf("the blown line does not say why:\n%s", got)
	}
	never := budget.Evaluate(nil, bs)
	got = VerdictTable(&record.Drill{Name: "kill-apiserver", Verdict: record.VerdictInvalid, Invalid: record.NeverReachedFault("steady state never held"), Budgets: never})
	if !strings.Contains(got, "INVALID: the drill never reached its fault: steady state never held") ||
		!strings.Contains(got, "not judged        not measured") || strings.Contains(got, "BLOWN") {
		t.Errorf("a drill that never reached its fault:\n%s", got)
	}
}
