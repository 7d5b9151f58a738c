package report

import (
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/record"
)

// A job page shows the drills that did not pass first, in the table and in
// the sections below it; each group keeps the run's order.
func TestMarkdownFailingFirst(t *testing.T) {
	f := File{Run: "r", Scenarios: []record.Drill{
		{Name: "calm-a", Verdict: "PASS"},
		{Name: "broken-b", Verdict: "FAIL"},
		{Name: "calm-c", Verdict: "PASS"},
		{Name: "unproven-d", Verdict: "INVALID", Invalid: "no evidence"},
	}}
	md := Markdown(f)
	order := func(prefix string) []int {
		var at []int
		for _, n := range []string{"broken-b", "unproven-d", "calm-a", "calm-c"} {
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
