package report

import (
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// A job page shows the drills that did not pass first, FAIL before
// INVALID, in the table and in the sections below it; each group keeps the
// run's order.
func TestMarkdownFailingFirst(t *testing.T) {
	f := File{Run: "r", Scenarios: []record.Drill{
		{Name: "calm-a", Verdict: "PASS"},
		{Name: "broken-b", Verdict: "FAIL"},
		{Name: "calm-c", Verdict: "PASS"},
		{Name: "unproven-d", Verdict: "INVALID", Invalid: "no evidence"},
		{Name: "broken-e", Verdict: "FAIL"},
	}}
	md := Markdown(f)
	order := func(prefix string) []int {
		var at []int
		for _, n := range []string{"broken-b", "broken-e", "unproven-d", "calm-a", "calm-c"} {
			at = append(at, strings.Index(md, prefix+n))
		}
		return at
	}
	for _, prefix := range []string{"| ", "## "} {
		at := order(prefix)
		for i := 1; i < len(at); i++ {
			if at[i-1] < 0 || at[i] < 0 || at[i-1] > at[i] {
				t.Fatalf("%q rows not failing first (positions %v):\n%s", prefix, at, md)
			}
		}
	}
	if strings.Contains(md, "](") || strings.Contains(md, "http") {
		t.Errorf("the summary has a link:\n%s", md)
	}
}

// Each budget row of summary.md says why; a drill that never reached its
// fault shows its budgets not judged.
func TestMarkdownBudgetReason(t *testing.T) {
	max := 90.0
	bs := []budget.Budget{{Figure: timeline.RecoveryAll, Kind: "self-healing", Max: &max}}
	blown := budget.Evaluate([]timeline.Figure{{Name: timeline.RecoveryAll, Value: 93.2, Unit: timeline.Seconds, Measured: true}}, bs)[0]
	never := budget.Evaluate(nil, bs)[0]
	fig := func(v *budget.Verdict) []record.Figure {
		return []record.Figure{{Figure: timeline.Figure{Name: timeline.RecoveryAll, Unit: timeline.Seconds, Value: v.Value, Measured: v.Measured}, Budget: v}}
	}
	md := Markdown(File{Run: "r", Scenarios: []record.Drill{
		{Name: "kill-a", Verdict: "FAIL", Figures: fig(&blown)},
		{Name: "kill-b", Verdict: "INVALID", Invalid: record.NeverReachedFault("no target"), Figures: fig(&never)},
	}})
	for _, want := range []string{
		"| -3.20s | - | FAIL | above its max 90.00s by 3.20s |",
		"| not measured | \\<= 90.00s | - | - | not judged | not measured\\: the timeline gave no value for it |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
}

// Each drill says in one line what the harness cost over its window and
// whether that is within its budget; a drill recorded before the harness
// measured itself has no such line.
func TestMarkdownHarnessLine(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cpu := 28.0
	tl := timeline.Timeline{Start: t0, End: t0.Add(100 * time.Second), Harness: &timeline.Harness{Start: t0, End: t0.Add(100 * time.Second),
		CPUSeconds: &cpu, PeakRSSBytes: 96 << 20, RSSSamples: 101, Servers: []string{"cp"}, ClientServer: "cp",
		Requests:     []timeline.RequestCount{{Endpoint: timeline.EndpointClient, Kind: timeline.RequestProbe, Count: 5500}},
		NodeCommands: []timeline.CommandCount{{Node: "cp", Count: 150}}}}
	d := record.Drill{Name: "measured", Timeline: tl}
	record.Judge(&d, []budget.Budget{{Figure: timeline.WorkloadDowntimeTotal, Kind: "availability", Max: new(float64)}})
	old := record.Drill{Name: "old", Verdict: "PASS", Figures: []record.Figure{{Figure: timeline.Figure{Name: timeline.APIRecovery, Measured: true}}}}
	record.Judge(&old, nil)
	md := Markdown(File{Run: "r", Scenarios: []record.Drill{d, old}})
	// Escaped as every text of the summary is, so GitHub renders it as written.
	want := "- harness over the probe window: " + text("CPU 28.0% of a core (OVER BUDGET <= 25.000%), peak memory 96 MiB (within budget), "+
		"busiest API server 55.0 requests/s (within budget), node commands 1.50/s (within budget)") + "\n"
	if !strings.Contains(md, want) {
		t.Errorf("summary without the harness line %q:\n%s", want, md)
	}
	if strings.Count(md, "harness over the probe window") != 1 {
		t.Errorf("want the line for the measured drill only:\n%s", md)
	}
}
