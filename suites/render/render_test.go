// Package render checks report.html in a real browser: headless Chromium
// (Debian's chromium package; `make browser` installs it) loads the page
// of recorded runs from disk, and the test fails on a console error, a
// request for anything outside the page, a missing section, or a mark of
// a timeline chart drawn outside its box. Each page is kept as a PNG and
// as the DOM the browser built, in reports/render/.
package render

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/firedrill/firedrill/framework/drill"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/report"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// chromium is the browser's path: CHROMIUM, else chromium on PATH. No
// browser is a failure that says how to get one, never a skip.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium to render report.html with: run `make browser` (Debian's chromium package) or set CHROMIUM to a Chrome binary")
	return ""
}

// pageCheck is what the page itself reports about its layout.
type pageCheck struct {
	Title     string   `json:"title"`
	H3        []string `json:"h3"`
	DrillRows int      `json:"drillRows"`
	EnvRows   int      `json:"envRows"`
	DocWidth  float64  `json:"docWidth"`
	ViewWidth float64  `json:"viewWidth"`
	Sections  []struct {
		ID       string `json:"id"`
		H2       string `json:"h2"`
		Chart    bool   `json:"chart"`
		Critical string `json:"critical"`
		Budgets  bool   `json:"budgets"`
	} `json:"sections"`
	Charts []struct {
		Section string   `json:"section"`
		Marks   int      `json:"marks"`
		Outside []string `json:"outside"`
		Right   float64  `json:"right"`
	} `json:"charts"`
}

const inspect = `(() => {
  const out = {title: document.title, h3: [...document.querySelectorAll('h3')].map(e => e.textContent.trim()),
    drillRows: document.querySelectorAll('table.summary tr.first').length,
    envRows: document.querySelectorAll('table.env tr').length - 1,
    docWidth: document.documentElement.scrollWidth, viewWidth: document.documentElement.clientWidth,
    sections: [], charts: []};
  for (const s of document.querySelectorAll('section.sc')) {
    out.sections.push({id: s.id, h2: (s.querySelector('h2') || {}).textContent || '',
      chart: !!s.querySelector('svg.chart'), critical: (s.querySelector('p.critical') || {}).textContent || '',
      budgets: [...s.querySelectorAll('h3')].some(h => h.textContent.trim() === 'Budgets')});
  }
  for (const svg of document.querySelectorAll('svg.chart')) {
    const vb = svg.viewBox.baseVal, outside = [];
    const marks = svg.querySelectorAll('rect,line,text,path');
    for (const el of marks) {
      const b = el.getBBox();
      if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 || b.y + b.height > vb.y + vb.height + 0.5) {
        const label = (el.tagName === 'text' ? el.textContent : el.getAttribute('class') || '').slice(0, 80);
        outside.push(el.tagName + ' "' + label + '" at ' + [b.x, b.y, b.width, b.height].map(v => v.toFixed(1)).join(','));
      }
    }
    out.charts.push({section: (svg.closest('section') || {}).id || '', marks: marks.length, outside,
      right: svg.getBoundingClientRect().right});
  }
  return out;
})()`

// render loads report.html in Chromium and returns what the page says of
// itself, the console errors and the requests beyond the page. It keeps
// the screenshot and the DOM as name.png and name.dom.html in reports/render.
func render(t *testing.T, page, name string) (pageCheck, []string, []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "en-US"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	url := "file://" + page
	var mu sync.Mutex
	var problems, requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, argsText(e.Args)))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			problems = append(problems, fmt.Sprintf("exception: %s at %s:%d", d.Text, d.URL, d.LineNumber))
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, fmt.Sprintf("browser log %s: %s %s", e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			if e.Request.URL != url && !strings.HasPrefix(e.Request.URL, "data:") {
				requests = append(requests, e.Request.URL)
			}
		}
	}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
		t.Fatalf("load %s in Chromium: %v", url, err)
	}
	raw, err := chromedp.Run(tctx, chromedp.Evaluate[[]byte](inspect))
	if err != nil {
		t.Fatalf("inspect the page: %v", err)
	}
	var check pageCheck
	if err := json.Unmarshal(raw, &check); err != nil {
		t.Fatalf("the page's own report: %v", err)
	}
	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dom, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatalf("read the DOM: %v", err)
	}
	out := filepath.Join("..", "..", "reports", "render")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, name+".dom.html"), []byte(dom), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join(out, name+".png"))
	t.Logf("screenshot: %s (%d bytes)", abs, len(png))
	mu.Lock()
	defer mu.Unlock()
	return check, problems, requests
}

func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		if len(a.Value) > 0 {
			parts = append(parts, string(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}

// assertPage fails on everything a release manager must not meet.
func assertPage(t *testing.T, f report.File, check pageCheck, problems, requests []string) {
	t.Helper()
	for _, p := range pageProblems(f, check, problems, requests) {
		t.Error(p)
	}
}

// pageProblems lists what is wrong with a rendered report: console
// errors, requests beyond the page, sections missing, marks drawn outside
// their chart, a page wider than the window.
func pageProblems(f report.File, check pageCheck, problems, requests []string) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, p := range problems {
		add("console: %s", p)
	}
	for _, r := range requests {
		add("the page asked for %s: it must need nothing beyond itself", r)
	}
	if !strings.Contains(check.Title, f.Run) {
		add("title %q does not name the run %s", check.Title, f.Run)
	}
	for _, want := range []string{"Drills", "Environment", "Timeline", "Budgets"} {
		if !slices.Contains(check.H3, want) {
			add("no %q section; the page has %v", want, check.H3)
		}
	}
	if check.DrillRows != len(f.Scenarios) {
		add("the drills table has %d drills, the report %d", check.DrillRows, len(f.Scenarios))
	}
	if check.DocWidth > check.ViewWidth+1 {
		add("the page is %.0f px wide in a %.0f px window: it scrolls sideways", check.DocWidth, check.ViewWidth)
	}
	if len(check.Sections) != len(f.Scenarios) {
		add("%d drill sections for %d drills", len(check.Sections), len(f.Scenarios))
	}
	for i, s := range check.Sections {
		if i >= len(f.Scenarios) {
			break
		}
		sc := f.Scenarios[i]
		if !strings.Contains(s.H2, sc.Name) || !strings.Contains(s.H2, string(sc.Verdict)) {
			add("section %s heads %q, want %s and %s", s.ID, s.H2, sc.Name, sc.Verdict)
		}
		if !s.Chart || !s.Budgets {
			add("section %s: chart %v, budgets %v", s.ID, s.Chart, s.Budgets)
		}
		if sc.CriticalPath != nil && !strings.Contains(s.Critical, sc.CriticalPath.Text) {
			add("section %s: critical path %q, want %q", s.ID, s.Critical, sc.CriticalPath.Text)
		}
	}
	if len(check.Charts) != len(f.Scenarios) {
		add("%d charts for %d drills", len(check.Charts), len(f.Scenarios))
	}
	for _, c := range check.Charts {
		if c.Marks < 20 {
			add("chart of %s has %d marks: it drew nearly nothing", c.Section, c.Marks)
		}
		for _, o := range c.Outside {
			add("chart of %s: %s is outside the chart's box", c.Section, o)
		}
		if c.Right > check.ViewWidth+1 {
			add("chart of %s ends at %.0f px, past the %.0f px window", c.Section, c.Right, check.ViewWidth)
		}
	}
	return out
}

// recordedRun writes the report of recorded timelines the way the runner
// does (judged against the catalog's budgets) into a temporary folder.
func recordedRun(t *testing.T) string {
	t.Helper()
	catalog, err := scenario.LoadCatalog("../../scenarios", "../../clusters")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "recorded")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run := &report.Run{ID: "recorded", Dir: dir}
	for _, rec := range []struct{ file, scenario, cluster string }{
		{"../../framework/timeline/testdata/reboot.json", "reboot-master", "firedrill-single"},
		{"../../framework/timeline/testdata/wipe-etcd.json", "wipe-etcd", "firedrill-single"},
	} {
		data, err := os.ReadFile(rec.file)
		if err != nil {
			t.Fatal(err)
		}
		var tl timeline.Timeline
		if err := json.Unmarshal(data, &tl); err != nil {
			t.Fatal(err)
		}
		budgets, err := catalog.Budgets(rec.scenario)
		if err != nil {
			t.Fatal(err)
		}
		d := record.Drill{Name: rec.scenario, Cluster: rec.cluster, Timeline: tl, Started: tl.Start, Finished: tl.End, Healthy: true}
		record.Judge(&d, drill.Limits(budgets))
		d.Environment = &record.Environment{Run: "recorded", Provider: "kind", Profile: "kind-single",
			KubernetesVersion: "v1.34.4", Firedrill: "(devel)", Nodes: []record.Node{{Name: "firedrill-single-control-plane", Role: "control-plane"}}}
		run.Drills = append(run.Drills, d)
		if run.Started.IsZero() {
			run.Started = tl.Start
		}
		run.Finished = tl.End
	}
	if err := report.Write(run); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readReport(t *testing.T, dir string) report.File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f report.File
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRecordedReportRendersInChromium(t *testing.T) {
	dir := recordedRun(t)
	page, _ := filepath.Abs(filepath.Join(dir, "report.html"))
	check, problems, requests := render(t, page, "recorded")
	assertPage(t, readReport(t, dir), check, problems, requests)
}

// A run recorded on a real cluster here (three of its drills, timelines
// gzipped), replayed by today's code: what a release manager would open.
func TestRealRunReportRendersInChromium(t *testing.T) {
	runs, err := filepath.Glob("testdata/runs/*/report.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 {
		t.Fatal("no recorded run in testdata/runs")
	}
	for _, rj := range runs {
		name := filepath.Base(filepath.Dir(rj))
		t.Run(name, func(t *testing.T) {
			// As the repository keeps it: timelines gzipped.
			from := filepath.Dir(rj)
			out := filepath.Join(t.TempDir(), "replay")
			if _, _, err := firedrillrun.Replay(firedrillrun.ReplayInput{From: from, Out: out}); err != nil {
				t.Fatal(err)
			}
			f := readReport(t, out)
			for _, s := range f.Scenarios {
				if s.Environment == nil || s.Environment.KubernetesVersion == "" || s.CriticalPath == nil || s.CriticalPath.Figure == "" {
					t.Errorf("drill %s lost its environment or critical path in the replay: %+v %+v", s.Name, s.Environment, s.CriticalPath)
				}
			}
			page, _ := filepath.Abs(filepath.Join(out, "report.html"))
			check, problems, requests := render(t, page, "run-"+name)
			assertPage(t, f, check, problems, requests)
		})
	}
}

// The checks catch what they are for: a page that logs an error, fetches a
// font, lacks its sections and draws past its chart fails on each of them.
func TestBrokenPageFails(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	broken := `<!DOCTYPE html><html><head><title>firedrill run broken</title>
<link rel="stylesheet" href="https://fonts.example.com/inter.css"></head>
<body><main><h3>Drills</h3><table class="summary"><tr class="first"><td>a</td></tr></table>
<section class="sc" id="scenario-1"><h2>reboot-master PASS</h2>
<svg class="chart" viewBox="0 0 100 50" width="100" height="50">
<rect x="10" y="10" width="20" height="10"/><text x="95" y="20">a label that runs far past the right edge</text></svg>
</section></main><script>console.error("boom")</script></body></html>`
	if err := os.WriteFile(page, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	f := report.File{Run: "broken", Scenarios: []record.Drill{{Name: "reboot-master", Verdict: "PASS"}}}
	check, problems, requests := render(t, page, "broken")
	found := pageProblems(f, check, problems, requests)
	for _, want := range []string{`console: console.error: "boom"`, "the page asked for https://fonts.example.com/inter.css",
		`no "Environment" section`, `no "Timeline" section`, `text "a label that runs far past the right edge"`} {
		if !slices.ContainsFunc(found, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("not caught: %s; found %q", want, found)
		}
	}
}
