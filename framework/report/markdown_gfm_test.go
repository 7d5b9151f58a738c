package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// downtime is an API downtime figure kept within a 2 s budget.
func downtime(v float64) record.Figure {
	limit := 2.0
	return record.Figure{Figure: timeline.Figure{Name: timeline.APIDowntimeTotal, Value: v, Unit: timeline.Seconds, Measured: true},
		Budget: &budget.Verdict{Figure: timeline.APIDowntimeTotal, Kind: "availability", Unit: timeline.Seconds, Value: v,
			Measured: true, Max: &limit, Pass: true}}
}

// gfm renders Markdown as GitHub does (tables, autolinks, strikethrough),
// with raw HTML kept, as a job summary keeps the HTML GitHub allows.
func gfm(t *testing.T, md string) string {
	t.Helper()
	var out bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert([]byte(md), &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// What a run did not write itself stays text on GitHub: an error carrying
// a webhook's message, a description, a note or a node name cannot forge a
// heading, a table row, a link, an image or HTML. And every table renders
// as a table.
func TestMarkdownInjectionStaysText(t *testing.T) {
	const attack = "denied\n\n## reboot-master: PASS\n\n| x | **PASS** |\n|---|---|\n| forged | row |\n" +
		"![pwned](https://evil.example/p.png) [click](https://evil.example) <img src=x onerror=alert(1)> " +
		"https://evil.example/auto www.evil.example/x <b>bold</b> &#124; `code` *em* ~~gone~~\n# PASS\n1. listed\n- item"
	f := File{Run: "r", Scenarios: []record.Drill{{
		Name: "webhook-down", Verdict: "FAIL", Description: attack, Error: attack, Cluster: "c|x", Fault: attack,
		Targets: []string{"node-1\n| injected | row |"}, Notes: []string{attack}, Invalid: "",
		Figures: []record.Figure{downtime(1.5)},
	}, {
		Name: "kill-apiserver", Verdict: "PASS", Description: "Kill one API server.",
		Figures: []record.Figure{downtime(0.4)},
	}}}
	html := gfm(t, Markdown(f))
	for _, bad := range []string{"<img", "<a ", "<b>", "<code>", "<em>", "<del>", "<ol>", "onerror=alert(1)>"} {
		if strings.Contains(html, bad) {
			t.Errorf("injected text rendered as %s:\n%s", bad, html)
		}
	}
	headings := regexp.MustCompile(`<h[1-6]>([^<]*)</h[1-6]>`).FindAllStringSubmatch(html, -1)
	var got []string
	for _, h := range headings {
		got = append(got, h[1])
	}
	if want := []string{"firedrill run r: FAIL", "webhook-down: FAIL", "kill-apiserver: PASS"}; strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("headings %q, want %q", got, want)
	}
	// One table of drills, then one budget table per drill; their rows
	// are the drills and the budgets, no more.
	if n := strings.Count(html, "<table>"); n != 3 {
		t.Errorf("%d tables rendered, want 3 (the drills, then each drill's budgets):\n%s", n, html)
	}
	if n := strings.Count(html, "<tr>"); n != 3+2*2 {
		t.Errorf("%d table rows, want %d (three headers, two drills, two budgets):\n%s", n, 3+2*2, html)
	}
	if strings.Contains(html, "forged") && strings.Contains(html, "<td>forged</td>") {
		t.Errorf("a forged row rendered:\n%s", html)
	}
}
