package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

var t0 = time.Date(2026, 3, 14, 10, 21, 7, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func ptr(x float64) *float64 { return &x }

// drillTimeline is a minute of a drill: a reboot of cp1 at 10s; the API
// refuses requests sent in [10s, 20s); the kube-scheduler Lease passes from
// old-holder to new-holder-xyz at 30s; the kube-apiserver pod is not Ready
// from 11s to 25s; nothing was written.
func drillTimeline() timeline.Timeline {
	tl := timeline.Timeline{Start: at(0), End: at(60),
		Events: []timeline.Event{{Kind: timeline.EventInject, Action: "reboot", Target: "cp1", At: at(10), Done: at(12)}}}
	api := timeline.APISeries(timeline.EndpointClient, "new", "etcd")
	for s := 0.0; s < 60; s += 0.5 {
		down := s >= 10 && s < 20
		tl.Samples = append(tl.Samples,
			timeline.Sample{Series: api, Start: at(s), End: at(s + 0.01), OK: !down},
			timeline.Sample{Series: timeline.SeriesWorkload, Start: at(s), End: at(s + 0.01), OK: true})
	}
	for s := 0.0; s < 60; s += 2 {
		holder, acquired := "old-holder", at(-100)
		if s >= 30 {
			holder, acquired = "new-holder-xyz", at(30)
		}
		if s > 10 && s < 30 {
			continue // not renewed
		}
		tl.Leases = append(tl.Leases, timeline.LeaseObservation{ObservedAt: at(s + 0.05), Namespace: "kube-system",
			Name: "kube-scheduler", Holder: holder, DurationSeconds: 15, AcquireTime: acquired, RenewTime: at(s)})
	}
	for s := 0.0; s < 60; s++ {
		ready := s < 11 || s >= 25
		tl.Pods = append(tl.Pods, timeline.PodObservation{ObservedAt: at(s + 0.3), Name: "kube-apiserver-cp1",
			Component: "kube-apiserver", Node: "cp1", Ready: ready})
		tl.Nodes = append(tl.Nodes, timeline.NodeObservation{ObservedAt: at(s + 0.3), Name: "cp1", Ready: true})
	}
	return tl
}

func drillFile() File {
	blown := budget.Verdict{Figure: timeline.APIDowntimeTotal, Kind: "availability", Unit: timeline.Seconds,
		Value: 10.01, Measured: true, Max: ptr(5), Margin: ptr(-5.01), Why: "clients retry for 5s"}
	kept := budget.Verdict{Figure: timeline.WritesLost, Kind: "availability", Unit: timeline.Count,
		Measured: true, Max: ptr(0), Margin: ptr(0), Pass: true, Why: "etcd fsyncs before it acknowledges"}
	fig := func(name string, v float64, measured bool, note string) timeline.Figure {
		return timeline.Figure{Name: name, Value: v, Unit: timeline.FigureUnits[name], Measured: measured, Note: note}
	}
	return File{Run: "20260314-102100", Started: at(-5), Finished: at(70), Scenarios: []record.Drill{{
		Name: "reboot-cp1", Description: "Reboot <b>every</b> control-plane node.", Verdict: "FAIL",
		Cluster: "kind-single", Fault: "reboot", Targets: []string{"cp1"}, Started: at(-5), Finished: at(70),
		Figures: []record.Figure{
			{Figure: fig(timeline.APIDowntimeTotal, 10.01, true, ""), Budget: &blown},
			{Figure: fig(timeline.WritesLost, 0, true, ""), Budget: &kept},
			{Figure: fig(timeline.FaultWindow, 0, false, "fault has no recover action")},
			{Figure: fig(timeline.APIRecovery, 10.01, true, "")},
			{Figure: fig(timeline.PodAPIServerRecovery, 15, true, "pod kube-apiserver-cp1 Ready again")},
			{Figure: fig(timeline.LeaseSchedulerRecovery, 20, true, "acquired by new-holder-xyz")},
		},
	}}}
}

func render(t *testing.T) string {
	t.Helper()
	f := drillFile()
	page, err := HTML(f, map[string]timeline.Timeline{f.Scenarios[0].Name: drillTimeline()})
	if err != nil {
		t.Fatal(err)
	}
	return string(page)
}

func TestHTMLIsSelfContained(t *testing.T) {
	page := render(t)
	for _, banned := range []string{"http://", "https://", "<link", "<script src", "@import", "<iframe", "<img", "fetch(", "xmlhttprequest", "import(", "websocket"} {
		if strings.Contains(strings.ToLower(page), banned) {
			t.Errorf("report.html contains %q: it must need nothing from outside", banned)
		}
	}
	// One script, inline: the chart's zoom.
	if n := strings.Count(page, "<script"); n != 1 || !strings.Contains(page, "<script>\n") {
		t.Errorf("report.html has %d scripts; want the one inline zoom script", n)
	}
	for _, m := range regexp.MustCompile(`url\(([^)]*)\)`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("report.html refers to %s: only in-page references are allowed", m[0])
		}
	}
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "<style>") {
		t.Error("report.html is not one HTML page with its CSS inline")
	}
}

func TestHTMLContent(t *testing.T) {
	page := render(t)
	if !strings.Contains(page, "reboot-cp1") {
		t.Error("the scenario name is missing")
	}
	if strings.Contains(page, "<b>") || !strings.Contains(page, "Reboot &lt;b&gt;every&lt;/b&gt; control-plane node.") {
		t.Error("the description is not escaped")
	}

	budgets := between(t, page, "<h3>Budgets</h3>", "</table>")
	blown, kept := row(t, budgets, timeline.APIDowntimeTotal), row(t, budgets, timeline.WritesLost)
	if !strings.Contains(blown, `class="blown"`) || !strings.Contains(blown, "FAIL") || !strings.Contains(blown, "-5.01s") ||
		!strings.Contains(blown, "&lt;= 5.00s") {
		t.Errorf("the blown budget is not marked FAIL in red with its margin:\n%s", blown)
	}
	if strings.Contains(kept, "blown") || !strings.Contains(kept, "PASS") {
		t.Errorf("the kept budget is not marked PASS:\n%s", kept)
	}
	drills := between(t, page, "<h3>Drills</h3>", "</table>")
	if r := row(t, drills, "✗</span> "+timeline.APIDowntimeTotal); !strings.Contains(r, "10.01s") || !strings.Contains(r, "&lt;= 5.00s") ||
		!strings.Contains(r, `class="num neg">-5.01s`) {
		t.Errorf("the drills table does not show the blown budget with its value, budget and margin:\n%s", r)
	}

	other := between(t, page, "<h3>Other figures</h3>", "</table>")
	if r := row(t, other, timeline.FaultWindow); !strings.Contains(r, "not measured") || !strings.Contains(r, "fault has no recover action") {
		t.Errorf("the unmeasured figure does not say so and why:\n%s", r)
	}
	recovery := between(t, page, "<h3>Recovery per component</h3>", "</table>")
	for _, want := range []string{"API (clients)", "kube-apiserver (pod)", "kube-scheduler (leader)", "15.00s", "acquired by new-holder-xyz"} {
		if !strings.Contains(recovery, want) {
			t.Errorf("the recovery table lacks %q", want)
		}
	}
	if strings.Contains(other, timeline.APIRecovery) {
		t.Error("a recovery figure is repeated among the other figures")
	}
}

func TestHTMLChart(t *testing.T) {
	page := render(t)
	svg := between(t, page, `<svg class="chart"`, "</svg>")

	// One red rectangle per outage, in the union lane and in the series'
	// own, where the chart puts 10s..20s of 0..60s: never one per sample.
	rects := regexp.MustCompile(`<rect x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)" height="[0-9.]+" fill="#d62728"><title>down `).
		FindAllStringSubmatch(svg, -1)
	if len(rects) != 2 {
		t.Fatalf("want 2 red outage rects (API clients and api/client/new/etcd), got %d", len(rects))
	}
	for _, r := range rects {
		x, _ := strconv.ParseFloat(r[1], 64)
		w, _ := strconv.ParseFloat(r[2], 64)
		wantX, wantW := plotLeft+(plotRight-plotLeft)*10/60, (plotRight-plotLeft)*10.01/60
		if abs(x-wantX) > 0.2 || abs(w-wantW) > 0.2 {
			t.Errorf("outage drawn at x=%.1f width %.1f, want x=%.1f width %.1f", x, w, wantX, wantW)
		}
	}
	if !regexp.MustCompile(`<title>new holder new-holder-xyz, acquired at &#43;20.00s`).MatchString(svg) {
		t.Error("the holder change has no marker naming the new holder")
	}
	if n := strings.Count(svg, `fill="#d62728"><title>not Ready as observed`); n != 1 {
		t.Errorf("want 1 not-Ready period of the kube-apiserver pod, got %d", n)
	}
	if !strings.Contains(svg, "inject: reboot cp1 (2.0s)") {
		t.Error("the fault is not labelled with its action and target")
	}
	writeLane := between(t, svg, ">write</text>", "</text>")
	if !strings.Contains(writeLane, "no data") {
		t.Error("the write lane, without samples, does not say no data")
	}
	if !strings.Contains(svg, ">0s</text>") || !strings.Contains(svg, ">&#43;40s</text>") || !strings.Contains(svg, ">-10s</text>") {
		t.Error("the time axis is not in seconds from the inject")
	}
}

func TestHTMLWithoutTimeline(t *testing.T) {
	page, err := HTML(drillFile(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(page), `<svg class="chart"`) || !strings.Contains(string(page), "No chart: no timeline was recorded") {
		t.Error("a scenario without a timeline should say it has no chart")
	}
}

func TestWriteWritesReportHTML(t *testing.T) {
	f := drillFile()
	dir := t.TempDir()
	r := &Run{ID: f.Run, Dir: dir, Started: f.Started, Finished: f.Finished, Drills: []record.Drill{f.Scenarios[0]}}
	r.Drills[0].Timeline = drillTimeline()
	if err := Write(r); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"reboot-cp1", `<svg class="chart"`, "new-holder-xyz"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// The recorded reboot: about 3000 samples must make a light page.
func TestHTMLRecordedReboot(t *testing.T) {
	data, err := os.ReadFile("../timeline/testdata/reboot.json")
	if err != nil {
		t.Fatal(err)
	}
	var tl timeline.Timeline
	if err := json.Unmarshal(data, &tl); err != nil {
		t.Fatal(err)
	}
	var figures []record.Figure
	for _, fig := range timeline.Derive(tl) {
		figures = append(figures, record.Figure{Figure: fig})
	}
	f := File{Run: "recorded", Pass: true, Started: tl.Start, Finished: tl.End, Scenarios: []record.Drill{{
		Name: "reboot-master", Verdict: "PASS", Cluster: "kind-single", Fault: "reboot", Started: tl.Start,
		Finished: tl.End, Figures: figures,
	}}}
	page, err := HTML(f, map[string]timeline.Timeline{"reboot-master": tl})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) >= 1<<20 {
		t.Errorf("report.html is %d bytes, want under 1 MB", len(page))
	}
	if !strings.Contains(string(page), `<svg class="chart"`) {
		t.Error("no chart")
	}
	t.Logf("%d samples, report.html %d bytes", len(tl.Samples), len(page))
}

// between is the text after the first from, up to the next to.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	_, after, ok := strings.Cut(s, from)
	if !ok {
		t.Fatalf("no %q in the page", from)
	}
	in, _, ok := strings.Cut(after, to)
	if !ok {
		t.Fatalf("no %q after %q", to, from)
	}
	return in
}

// row is the table row naming figure.
func row(t *testing.T, table, figure string) string {
	t.Helper()
	for _, r := range strings.Split(table, "<tr") {
		if strings.Contains(r, ">"+figure+"<") || strings.HasPrefix(figure, "✗") && strings.Contains(r, figure+"<") {
			return r
		}
	}
	t.Fatalf("no row for %s in\n%s", figure, table)
	return ""
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// An interrupted drill's budgets are shown with their values but not
// judged: no FAIL badge, no blown row, in the HTML and in summary.md.
func TestInterruptedBudgetsNotJudged(t *testing.T) {
	f := drillFile()
	f.Scenarios[0].Verdict = record.VerdictInterrupted
	page, err := HTML(f, map[string]timeline.Timeline{f.Scenarios[0].Name: drillTimeline()})
	if err != nil {
		t.Fatal(err)
	}
	budgets := between(t, string(page), "<h3>Budgets</h3>", "</table>")
	r := row(t, budgets, timeline.APIDowntimeTotal)
	if strings.Contains(r, "blown") || strings.Contains(r, "FAIL") || !strings.Contains(r, "not judged") || !strings.Contains(r, "10.01s") {
		t.Errorf("an interrupted drill's budget is judged or hidden:\n%s", r)
	}
	md := Markdown(f)
	if !strings.Contains(md, "| "+timeline.APIDowntimeTotal+" |") || !strings.Contains(md, "not judged |") || strings.Contains(md, "| FAIL |") {
		t.Errorf("summary.md judges an interrupted drill's budgets:\n%s", md)
	}
}

// The HTML budget table and the summary say why a budget is blown.
func TestHTMLBudgetReason(t *testing.T) {
	max := 90.0
	blown := budget.Evaluate([]timeline.Figure{{Name: timeline.RecoveryAll, Value: 93.2, Unit: timeline.Seconds, Measured: true}},
		[]budget.Budget{{Figure: timeline.RecoveryAll, Kind: "self-healing", Max: &max}})[0]
	page, err := HTML(File{Run: "r", Scenarios: []record.Drill{{Name: "kill-a", Verdict: "FAIL",
		Figures: []record.Figure{{Figure: timeline.Figure{Name: timeline.RecoveryAll, Unit: timeline.Seconds, Value: 93.2, Measured: true}, Budget: &blown}}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), "above its max 90.00s by 3.20s"); n != 2 {
		t.Errorf("the reason shows %d times, want in the summary and the budget table", n)
	}
}

// A release manager meets what failed first: the drills table and the
// sections go FAIL, then INVALID, then PASS, each group in run order, the
// order of summary.md.
func TestHTMLFailingFirst(t *testing.T) {
	f := File{Run: "r", Scenarios: []record.Drill{
		{Name: "calm-a", Verdict: "PASS"},
		{Name: "unproven-b", Verdict: "INVALID", Invalid: "no evidence"},
		{Name: "broken-c", Verdict: "FAIL"},
		{Name: "calm-d", Verdict: "PASS"},
		{Name: "broken-e", Verdict: "FAIL"},
	}}
	page, err := HTML(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"broken-c", "broken-e", "unproven-b", "calm-a", "calm-d"}
	for _, part := range []struct{ name, from, to, prefix string }{
		{"drills table", "<h3>Drills</h3>", "</table>", `">`},
		{"sections", "<h3>Environment</h3>", "</main>", "<h2>"},
	} {
		text := between(t, string(page), part.from, part.to)
		last := -1
		for _, n := range want {
			i := strings.Index(text, part.prefix+n)
			if i < 0 || i < last {
				t.Fatalf("%s: %s not in failing-first order %v:\n%s", part.name, n, want, text)
			}
			last = i
		}
	}
	md := Markdown(f)
	last := -1
	for _, n := range want {
		i := strings.Index(md, "## "+n)
		if i < last {
			t.Errorf("summary.md orders %s otherwise than report.html", n)
		}
		last = i
	}
}

// The page names the run's files relative to itself: the absolute paths
// the harness wrote into notes, errors and events (the folder of the
// machine that recorded the run) become paths from the run's folder, and
// every link is a file beside the page.
func TestHTMLOnlyRelativePaths(t *testing.T) {
	f := drillFile()
	d := &f.Scenarios[0]
	d.Notes = []string{"runbook: /work/main/reports/20260314-102100/reboot-cp1/runbook.md",
		"etcd snapshot kept at /home/ci/firedrill/reports/20260314-102100/reboot-cp1/etcd-snapshot.db; restored",
		"shard folder /srv/runs/20260101-000000-shard2/x.log", "run folder /work/main/reports/20260314-102100.",
		"on the node: /etc/kubernetes/manifests/etcd.yaml"}
	d.Error = "open /work/main/reports/20260314-102100/reboot-cp1/timeline.json: permission denied"
	d.Environment = &record.Environment{Run: "20260101-000000-shard2"}
	d.TimelineFile = "reboot-cp1/timeline.json"
	tl := drillTimeline()
	tl.Events[0].Error = "copy to /work/main/reports/20260314-102100/reboot-cp1/etcd-snapshot.db failed"
	page, err := HTML(f, map[string]timeline.Timeline{d.Key(): tl})
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, banned := range []string{"/work/", "/home/", "/srv/"} {
		if strings.Contains(html, banned) {
			t.Errorf("report.html names %s… of the recording machine:\n%s", banned, between(t, html, "<h2>", "</section>"))
		}
	}
	for _, want := range []string{"runbook: reboot-cp1/runbook.md", "kept at reboot-cp1/etcd-snapshot.db; restored",
		"shard folder x.log", "run folder ..", "/etc/kubernetes/manifests/etcd.yaml", "open reboot-cp1/timeline.json: permission denied",
		"copy to reboot-cp1/etcd-snapshot.db failed", `<a href="reboot-cp1/timeline.json">`} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(html, -1) {
		if h := m[1]; !strings.HasPrefix(h, "#") && !filepath.IsLocal(h) {
			t.Errorf("link %q is not a file beside report.html", h)
		}
	}
}

// The fault and recovery bands are behind the lanes: no fill drawn over a
// lane tints it away from the legend's colours.
func TestHTMLOverlaysKeepLaneColours(t *testing.T) {
	f := drillFile()
	tl := drillTimeline()
	tl.Steps = []timeline.Step{{Name: "restore-snapshot", Start: at(13), End: at(18), Why: "bring the data back"}}
	page, err := HTML(f, map[string]timeline.Timeline{f.Scenarios[0].Name: tl})
	if err != nil {
		t.Fatal(err)
	}
	svg := between(t, string(page), `<svg class="chart"`, "</svg>")
	firstLane := strings.Index(svg, `fill="#e6e8eb"`)
	bands := regexp.MustCompile(`<rect class="band"[^>]*>`).FindAllStringIndex(svg, -1)
	if firstLane < 0 || len(bands) != 2 {
		t.Fatalf("want a lane and 2 bands (inject, step), got lane at %d, %d bands:\n%s", firstLane, len(bands), svg)
	}
	for _, b := range bands {
		if b[0] > firstLane {
			t.Errorf("band %s is drawn over the lanes", svg[b[0]:b[1]])
		}
	}
	// After the first lane, only opaque marks and lines.
	for _, m := range regexp.MustCompile(`<(rect|path)[^>]*>`).FindAllString(svg[firstLane:], -1) {
		if strings.Contains(m, "opacity") && !strings.Contains(m, `fill="none"`) {
			t.Errorf("%s is a see-through fill over the lanes: it changes their colours", m)
		}
	}
}

// Each chart can zoom on a time range with the page's own script: its
// controls name it, and every mark that moves with time is in a group the
// script scales (g.zt), so all lanes zoom together.
func TestHTMLChartZoomable(t *testing.T) {
	page := render(t)
	if !strings.Contains(page, `<div class="zoomctl" data-chart="chart-scenario-1">`) || !strings.Contains(page, `<svg class="chart" id="chart-scenario-1"`) {
		t.Fatal("the chart has no zoom controls tied to it")
	}
	svg := between(t, page, `<svg class="chart"`, "</svg>")
	depth := 0
	for _, m := range regexp.MustCompile(`<g class="zt">|</g>|<rect [^>]*fill="#(?:2e8b57|d62728)"[^>]*>|<rect class="band"[^>]*>|<line class="(?:deadline|lowerbound)"[^>]*>|<text class="(?:ev|dl)[^"]*"[^>]*>|<path class="pt"[^>]*>`).FindAllString(svg, -1) {
		switch {
		case m == `<g class="zt">`:
			depth++
		case m == "</g>":
			depth = max(0, depth-1)
		case depth == 0:
			t.Errorf("%s is not in a zoomed group: it would stay put while the lanes zoom", m)
		case strings.HasPrefix(m, "<text") || strings.HasPrefix(m, "<path"):
			if !strings.Contains(m, " pt") && !strings.Contains(m, `"pt`) || !strings.Contains(m, "data-x=") {
				t.Errorf("%s would be stretched by the zoom: it needs class pt and data-x", m)
			}
		}
	}
}
