package report

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// One test case per drill, grouped by the run it came from; a FAIL is a
// failure naming the blown budget, INVALID an error, never a pass; each
// figure is a property.
func TestJUnitOneCasePerDrill(t *testing.T) {
	max := 10.0
	blown := budget.Evaluate([]timeline.Figure{{Name: timeline.APIDowntimeTotal, Value: 12.5, Measured: true}},
		[]budget.Budget{{Figure: timeline.APIDowntimeTotal, Kind: "availability", Max: &max}})[0]
	figure := record.Figure{Figure: timeline.Figure{Name: timeline.APIDowntimeTotal, Value: 12.5, Unit: timeline.Seconds, Measured: true}, Budget: &blown}
	unmeasured := budget.Evaluate([]timeline.Figure{{Name: timeline.APIDowntimeTotal, Note: "the drill never reached its fault"}},
		[]budget.Budget{{Figure: timeline.APIDowntimeTotal, Kind: "availability", Max: &max}})[0]
	notReached := record.Figure{Figure: timeline.Figure{Name: timeline.APIDowntimeTotal, Unit: timeline.Seconds, Note: "the drill never reached its fault"}, Budget: &unmeasured}
	f := File{Run: "merged", Scenarios: []record.Drill{
		{Name: "reboot-master", Verdict: "PASS", Cluster: "kind-single", Started: at(0), Finished: at(60),
			Environment: &record.Environment{Run: "run-a", Machine: record.Machine{Hostname: "ci-1"}},
			Figures:     []record.Figure{{Figure: timeline.Figure{Name: timeline.WritesLost, Measured: true, Unit: timeline.Count}}}},
		{Name: "kill-apiserver", Verdict: "FAIL", Cluster: "kind-ha", Started: at(0), Finished: at(30),
			Environment: &record.Environment{Run: "run-b", Machine: record.Machine{Hostname: "ci-2"}}, Figures: []record.Figure{figure}},
		{Name: "lose-zone", Verdict: "INVALID", Invalid: record.NeverReachedFault("steady state never held"), Cluster: "kind-ha",
			Environment: &record.Environment{Run: "run-b", Machine: record.Machine{Hostname: "ci-2"}}, Figures: []record.Figure{notReached}},
	}}
	data, err := JUnit(f)
	if err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(data, &got); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, data)
	}
	if got.Tests != 3 || got.Failures != 1 || got.Errors != 1 || len(got.Suites) != 2 {
		t.Fatalf("tests %d failures %d errors %d suites %d, want 3, 1, 1 and one suite per run", got.Tests, got.Failures, got.Errors, len(got.Suites))
	}
	if got.Suites[0].Name != "firedrill run run-a" || len(got.Suites[1].Cases) != 2 {
		t.Errorf("suites %+v", got.Suites)
	}
	fail := got.Suites[1].Cases[0]
	if fail.Failure == nil || fail.Failure.Message != "api.downtime.total 12.50s, budget <= 10.00s: above its max 10.00s by 2.50s" {
		t.Errorf("the FAIL case does not name its blown budget: %+v", fail.Failure)
	}
	prop := map[string]string{}
	for _, p := range fail.Properties {
		prop[p.Name] = p.Value
	}
	if prop[timeline.APIDowntimeTotal] != "12.50s; budget <= 10.00s BLOWN: above its max 10.00s by 2.50s" || prop["machine"] != "ci-2" || prop["run"] != "run-b" {
		t.Errorf("properties %v", prop)
	}
	invalid := got.Suites[1].Cases[1]
	if invalid.Error == nil || invalid.Failure != nil || !strings.Contains(invalid.Error.Message, "INVALID") {
		t.Errorf("the INVALID drill is not an error: %+v", invalid)
	}
	if p := invalid.Properties; len(p) == 0 || p[len(p)-1].Value != "not measured; budget <= 10.00s not judged: not measured: the drill never reached its fault" {
		t.Errorf("the budget of a drill that never reached its fault is not shown as not judged: %+v", p)
	}
	if pass := got.Suites[0].Cases[0]; pass.Error != nil || pass.Failure != nil || pass.Time != 60 {
		t.Errorf("the PASS case: %+v", pass)
	}
}
