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
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
	Drills    []string `json:"drills"`
	EnvRows   int      `json:"envRows"`
	DocWidth  float64  `json:"docWidth"`
	// TableScroll: how much wider than its box the drills table is.
	TableScroll float64 `json:"tableScroll"`
	ViewWidth   float64 `json:"viewWidth"`
	Sections    []struct {
		ID       string `json:"id"`
		H2       string `json:"h2"`
		Chart    bool   `json:"chart"`
		Critical string `json:"critical"`
		Budgets  bool   `json:"budgets"`
	} `json:"sections"`
	// Absolute paths of a machine in the page, and its links.
	Absolute []string `json:"absolute"`
	Links    []string `json:"links"`
	dir      string   // the page's folder
	Shots    []string // screenshots kept beside the full page's
	Zoom     *zoomCheck
	Charts   []struct {
		Section string   `json:"section"`
		Marks   int      `json:"marks"`
		Outside []string `json:"outside"`
		Right   float64  `json:"right"`
		// Cut: labels cut ("proce…") whose whole text is not on hover.
		Cut []string `json:"cut"`
		// Tinted: lane marks a see-through fill is drawn over, or whose
		// colour is not in the legend.
		Tinted []string `json:"tinted"`
		// Bounds: the budgets' deadlines and lower bounds drawn.
		Bounds []struct {
			Figure  string `json:"figure"`
			Kind    string `json:"kind"`
			Clamped string `json:"clamped"`
			Arrow   bool   `json:"arrow"`
			Title   string `json:"title"`
			Label   string `json:"label"`
		} `json:"bounds"`
	} `json:"charts"`
}

const inspect = `(() => {
  const out = {title: document.title, h3: [...document.querySelectorAll('h3')].map(e => e.textContent.trim()),
    drillRows: document.querySelectorAll('table.summary tr.first').length,
    drills: [...document.querySelectorAll('table.summary tr.first td:first-child a')].map(a => a.textContent.trim()),
    envRows: document.querySelectorAll('table.env tr').length - 1,
    tableScroll: (w => w ? w.scrollWidth - w.clientWidth : 0)((document.querySelector('table.summary') || {}).parentElement),
    docWidth: document.documentElement.scrollWidth, viewWidth: document.documentElement.clientWidth,
    sections: [], charts: [],
    links: [...document.querySelectorAll('[href]')].map(a => a.getAttribute('href'))};
  const html = document.documentElement.outerHTML;
  out.absolute = [...html.matchAll(/(?:^|[^\w.:\/~-])(\/(?:[^\s\/<>"'&;()]+\/)*\d{8}-\d{6}(?:[\/.]|\b)[^\s<"]*|\/(?:work|home|Users|root|tmp)\/[^\s<"]*)/g)].map(m => m[1].slice(0, 120));
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
    const cut = [];
    for (const t of svg.querySelectorAll('text')) {
      const own = [...t.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
      if (!own.includes('…')) continue;
      const title = ((t.querySelector('title') || t.closest('g') && t.closest('g').querySelector(':scope > title') || {}).textContent || '');
      const [head, tail] = own.split('…');
      if (t.matches('.ev,.dl') || !title.includes(head.trim()) || !title.includes(tail.trim())) cut.push(own + ' (title "' + title.slice(0, 100) + '")');
    }
    const tinted = [], sec = svg.closest('section') || document;
    const legend = new Set([...sec.querySelectorAll('.legend .sw')].map(e => getComputedStyle(e).backgroundColor));
    const seeThrough = [...svg.querySelectorAll('rect,path,circle,polygon,ellipse')].filter(el => {
      const cs = getComputedStyle(el);
      return cs.fill !== 'none' && (parseFloat(cs.fillOpacity) < 1 || parseFloat(cs.opacity) < 1);
    });
    const over = (a, b) => Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.5 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.5;
    for (const r of svg.querySelectorAll('rect[fill="#2e8b57"],rect[fill="#d62728"]')) {
      const fill = getComputedStyle(r).fill, b = r.getBBox();
      if (!legend.has(fill)) tinted.push('lane mark of ' + fill + ', not a legend colour');
      for (const el of seeThrough) {
        if ((r.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) && over(b, el.getBBox())) {
          tinted.push('a ' + fill + ' lane mark at x=' + b.x.toFixed(1) + ' under ' + el.tagName + ' ' + (el.getAttribute('class') || '') + ' of fill ' + getComputedStyle(el).fill + ' at opacity ' + getComputedStyle(el).fillOpacity);
          break;
        }
      }
      if (tinted.length > 20) break;
    }
    const bounds = [...svg.querySelectorAll('line[data-kind]')].map(l => {
      const next = l.nextElementSibling, arrow = !!next && next.matches('path.edge');
      const label = svg.querySelector('text.dl[data-figure="' + l.dataset.figure + '"][data-kind="' + l.dataset.kind + '"]');
      return {figure: l.dataset.figure, kind: l.dataset.kind, clamped: l.dataset.clamped || '', arrow,
        title: (l.querySelector('title') || {}).textContent || '',
        label: label && label.tagName === 'text' ? [...label.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('') : ''};
    });
    out.charts.push({section: (svg.closest('section') || {}).id || '', marks: marks.length, outside, cut, tinted, bounds,
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
	check.dir = filepath.Dir(page)
	// What a release manager sees first: the top of the page and the
	// first failing drill (failing drills come first).
	top, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot of the top: %v", err)
	}
	shots := map[string][]byte{name + "-top.png": top}
	const failing = "section.sc:has(> h2 .badge.fail)"
	if has, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`!!document.querySelector(`+strconv.Quote(failing)+`)`)); err != nil {
		t.Fatalf("look for a failing drill: %v", err)
	} else if has {
		fail, err := chromedp.Run(tctx, chromedp.Screenshot(chromedp.CSS(failing)))
		if err != nil {
			t.Fatalf("screenshot of the failing drill: %v", err)
		}
		shots[name+"-fail.png"] = fail
	}
	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if has, _ := chromedp.Run(tctx, chromedp.Evaluate[bool](`!!document.querySelector('.zoomctl')`)); has {
		z, shot := zoom(t, tctx)
		check.Zoom = &z
		shots[name+"-zoom.png"] = shot
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
	for _, file := range slices.Sorted(maps.Keys(shots)) {
		if err := os.WriteFile(filepath.Join(out, file), shots[file], 0o644); err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(filepath.Join(out, file))
		check.Shots = append(check.Shots, file)
		t.Logf("screenshot: %s (%d bytes)", abs, len(shots[file]))
	}
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

// zoomCheck is a chart before and after zooming: by dragging across a
// quarter of its plot, then with +, then back with reset.
type zoomCheck struct {
	Chart                    string
	Before, Dragged, In, Out zoomState
}

type zoomState struct {
	Transforms []string  `json:"transforms"` // of each zoomed group (g.zt)
	Ticks      []string  `json:"ticks"`
	TicksOut   []string  `json:"ticksOut"` // tick labels outside the plot
	Range      string    `json:"range"`
	Widths     []float64 `json:"widths"` // on screen, of a mark of the first lane and of the last
	Drag       []float64 `json:"drag"`   // x1, x2, y on screen of a drag over the plot's second quarter
}

const zoomStateJS = `(id) => {
  const svg = document.getElementById(id), d = svg.dataset, L = +d.left, R = +d.right;
  const ups = [...svg.querySelectorAll('rect[fill="#2e8b57"]')];
  const ticks = [...svg.querySelectorAll('g.ticks text')];
  const m = svg.getScreenCTM(), y = (+d.top + +d.bottom) / 2;
  const at = x => new DOMPoint(x, y).matrixTransform(m);
  return {transforms: [...svg.querySelectorAll('g.zt')].map(g => g.getAttribute('transform') || ''),
    ticks: ticks.map(t => t.textContent), ticksOut: ticks.filter(t => { const x = +t.getAttribute('x'); return x < L - 0.5 || x > R + 0.5; }).map(t => t.textContent),
    range: document.querySelector('.zoomctl[data-chart="' + id + '"] .zr').textContent,
    widths: [ups[0], ups[ups.length - 1]].map(r => r.getBoundingClientRect().width),
    drag: [at(L + (R - L) / 4).x, at(L + (R - L) / 2).x, at(0).y]};
}`

// zoom zooms the first chart (the first failing drill's) the three ways a
// reader can, and screenshots it zoomed.
func zoom(t *testing.T, ctx context.Context) (zoomCheck, []byte) {
	t.Helper()
	var z zoomCheck
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const s = document.querySelector('svg.chart'); s.scrollIntoView({block: 'center'}); return s.id; })()`))
	if err != nil {
		t.Fatalf("find a chart to zoom: %v", err)
	}
	z.Chart = id
	state := func(what string) zoomState {
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`(`+zoomStateJS+`)(`+strconv.Quote(id)+`)`))
		if err != nil {
			t.Fatalf("read the chart %s: %v", what, err)
		}
		var s zoomState
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("the chart %s: %v", what, err)
		}
		return s
	}
	z.Before = state("before zooming")
	x1, x2, y := z.Before.Drag[0], z.Before.Drag[1], z.Before.Drag[2]
	err = chromedp.Do(ctx,
		chromedp.MouseEvent(chromedp.MousePressed, x1, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(chromedp.MouseMoved, (x1+x2)/2, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, x2, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseReleased, x2, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if err != nil {
		t.Fatalf("drag across the chart: %v", err)
	}
	z.Dragged = state("after a drag")
	shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID(id)))
	if err != nil {
		t.Fatalf("screenshot of the zoomed chart: %v", err)
	}
	button := func(which string) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.zoomctl[data-chart="`+id+`"] [data-zoom="`+which+`"]`))); err != nil {
			t.Fatalf("press %s: %v", which, err)
		}
	}
	button("in")
	z.In = state("after +")
	button("reset")
	z.Out = state("after reset")
	t.Logf("zoomed %s: after the drag %q, ticks %v (%s); after + %q, ticks %v", id, first(z.Dragged.Transforms), z.Dragged.Ticks,
		z.Dragged.Range, first(z.In.Transforms), z.In.Ticks)
	return z, shot
}

func first(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}

// scaleOf is the time scale of a zoomed group's transform, 1 for none.
func scaleOf(transform string) float64 {
	var k, tx float64
	if _, err := fmt.Sscanf(transform, "matrix(%g 0 0 1 %g 0)", &k, &tx); err != nil {
		return 1
	}
	return k
}

// zoomProblems says what is wrong with a chart's zoom: lanes that did not
// zoom together, an axis not drawn again, a reset that does not reset.
func zoomProblems(z *zoomCheck) []string {
	if z == nil {
		return []string{"no zoom: a chart must zoom on a time range with the page's own script"}
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, st := range []struct {
		name string
		s    zoomState
		k    float64
	}{{"drag over a quarter", z.Dragged, 4}, {"+", z.In, 8}} {
		s := st.s
		if len(s.Transforms) < 3 || slices.ContainsFunc(s.Transforms, func(tr string) bool { return tr != s.Transforms[0] }) {
			add("%s, after a %s: the zoomed groups differ %q: the lanes must zoom together", z.Chart, st.name, s.Transforms)
			continue
		}
		if k := scaleOf(s.Transforms[0]); k < st.k*0.97 || k > st.k*1.03 {
			add("%s, after a %s: zoomed %.2f times, want %.0f", z.Chart, st.name, k, st.k)
		}
		for i, w := range s.Widths {
			if r := w / z.Before.Widths[i]; r < st.k*0.97 || r > st.k*1.03 {
				add("%s, after a %s: a mark of lane %d is %.2f times as wide, want %.0f: the lanes must zoom together", z.Chart, st.name, i, r, st.k)
			}
		}
		if slices.Equal(s.Ticks, z.Before.Ticks) || len(s.Ticks) < 3 || len(s.TicksOut) > 0 {
			add("%s, after a %s: the axis %v (outside the plot %v) was not drawn again for the range", z.Chart, st.name, s.Ticks, s.TicksOut)
		}
		if !strings.HasPrefix(s.Range, "showing ") {
			add("%s, after a %s: the range shown reads %q", z.Chart, st.name, s.Range)
		}
	}
	if !slices.Equal(z.Out.Ticks, z.Before.Ticks) || z.Out.Range != z.Before.Range || slices.ContainsFunc(z.Out.Transforms, func(tr string) bool { return tr != "" }) {
		add("%s: reset left %q, axis %v, %q", z.Chart, z.Out.Transforms, z.Out.Ticks, z.Out.Range)
	}
	return out
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
	if len(check.Charts) > 0 {
		out = append(out, zoomProblems(check.Zoom)...)
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
	// Read from a copy or a CI artifact: nothing of the recording machine.
	for _, p := range check.Absolute {
		add("the page names %s: an absolute path of the machine that recorded it", p)
	}
	for _, l := range check.Links {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if !filepath.IsLocal(l) {
			add("link %q is not a file beside report.html", l)
		} else if _, err := os.Stat(filepath.Join(check.dir, filepath.FromSlash(l))); err != nil {
			add("link %q: %v", l, err)
		}
	}
	if check.TableScroll > 1 {
		add("the drills table is %.0f px wider than the page: its values and budgets scroll out of sight", check.TableScroll)
	}
	if check.DocWidth > check.ViewWidth+1 {
		add("the page is %.0f px wide in a %.0f px window: it scrolls sideways", check.DocWidth, check.ViewWidth)
	}
	if len(check.Sections) != len(f.Scenarios) {
		add("%d drill sections for %d drills", len(check.Sections), len(f.Scenarios))
	}
	// What failed comes first, in the table and in the sections.
	order := report.FailingFirst(f.Scenarios)
	var keys []string
	for _, sc := range order {
		keys = append(keys, sc.Key())
	}
	if !slices.Equal(check.Drills, keys) {
		add("the drills table lists %v: want FAIL, then INVALID, then PASS: %v", check.Drills, keys)
	}
	for i, s := range check.Sections {
		if i >= len(order) {
			break
		}
		sc := order[i]
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
	for i, sc := range order {
		id := fmt.Sprintf("scenario-%d", i+1)
		for _, c := range check.Charts {
			if c.Section != id {
				continue
			}
			var drawn []string
			for _, b := range c.Bounds {
				drawn = append(drawn, b.Figure+" "+b.Kind)
				out := b.Clamped != ""
				if out != b.Arrow || out != (strings.Contains(b.Title, "observation window's") && strings.ContainsAny(b.Label, "‹›")) {
					add("chart of %s (%s): %s %s clamped %q, arrow %v, label %q, title %q: a bound beyond the window is at the edge with an arrow and its real place",
						id, sc.Key(), b.Figure, b.Kind, b.Clamped, b.Arrow, b.Label, b.Title)
				}
			}
			for _, want := range boundsOf(sc) {
				if !slices.Contains(drawn, want) {
					add("chart of %s (%s): budget bound %s not drawn; drawn: %v", id, sc.Key(), want, drawn)
				}
			}
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
		for _, l := range c.Tinted {
			add("chart of %s: %s: each lane must keep the legend's colours", c.Section, l)
		}
		for _, l := range c.Cut {
			add("chart of %s: label %s is cut: a mark's label must be whole, a lane's whole on hover", c.Section, l)
		}
		if c.Right > check.ViewWidth+1 {
			add("chart of %s ends at %.0f px, past the %.0f px window", c.Section, c.Right, check.ViewWidth)
		}
	}
	return out
}

// boundsOf are the budget bounds a drill's chart must draw: the max
// ("max") and lower bounds ("min", "lower bound") of every budget on a
// figure that is an instant: seconds from the first inject to a recovery,
// or a step's seconds from the step's start.
func boundsOf(d record.Drill) []string {
	var out []string
	for _, f := range d.Figures {
		v := f.Budget
		if v == nil || v.Unit != timeline.Seconds {
			continue
		}
		info, _ := timeline.Info(f.Name)
		fromInject := d.CriticalPath != nil && (info.Component != "" ||
			slices.Contains([]string{timeline.RecoveryAll, timeline.RTOHealthy, timeline.RTOWrites}, f.Name))
		if !fromInject && !(strings.HasPrefix(f.Name, "step.") && f.Measured) {
			continue
		}
		if v.Max != nil {
			out = append(out, f.Name+" max")
		}
		if v.Min != nil {
			out = append(out, f.Name+" min")
		}
		if v.LowerBound != nil && (v.Min == nil || *v.Min != *v.LowerBound) {
			out = append(out, f.Name+" lower bound")
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
			failed := slices.ContainsFunc(f.Scenarios, func(d record.Drill) bool { return d.Verdict == record.VerdictFail })
			if failed && !slices.Contains(check.Shots, "run-"+name+"-fail.png") {
				t.Errorf("no screenshot of a failing drill: %v", check.Shots)
			}
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
<section class="sc" id="scenario-1"><h2>reboot-master PASS</h2><p>runbook: /home/ci/reports/20261204-115036/reboot-master/runbook.md</p>
<svg class="chart" viewBox="0 0 100 50" width="100" height="50">
<rect x="10" y="10" width="20" height="10"/><text x="95" y="20">a label that runs far past the right edge</text>
<text class="ev" x="5" y="40"><title>evidence kill on cp1</title>evidence on cp1: member data gone and no etcd proce…</text>
<rect x="10" y="30" width="20" height="10" fill="#2e8b57"/><rect x="5" y="25" width="10" height="20" fill="#f39c12" fill-opacity="0.14"/></svg>
</section></main><script>console.error("boom")</script></body></html>`
	if err := os.WriteFile(page, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	f := report.File{Run: "broken", Scenarios: []record.Drill{{Name: "reboot-master", Verdict: "PASS"}}}
	check, problems, requests := render(t, page, "broken")
	found := pageProblems(f, check, problems, requests)
	for _, want := range []string{`console: console.error: "boom"`, "the page asked for https://fonts.example.com/inter.css",
		`no "Environment" section`, `no "Timeline" section`, `text "a label that runs far past the right edge"`,
		"the drills table lists []", "no zoom: a chart must zoom", "lane mark of rgb(46, 139, 87), not a legend colour", "lane mark at x=10.0 under rect  of fill rgb(243, 156, 18) at opacity 0.14", "label evidence on cp1: member data gone and no etcd proce… (title", "the page names /home/ci/reports/20261204-115036/reboot-master/runbook.md"} {
		if !slices.ContainsFunc(found, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("not caught: %s; found %q", want, found)
		}
	}
}
