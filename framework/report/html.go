package report

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"math"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// HTML renders report.html: one self-contained page (inline CSS, SVG and
// script, nothing fetched) for a release manager. It has the run verdict,
// the PASS/FAIL table of scenarios (FAIL, then INVALID, then PASS, the
// order of summary.md) and, per scenario, a timeline chart (probe outages,
// leader Lease renewals and holder changes, static pod and node readiness,
// fault events, budget deadlines and lower bounds; zoomable on a time
// range), the budget table, the recovery of each component and the other
// figures. timelines is keyed by scenario name; a scenario without one gets
// no chart.
func HTML(f File, timelines map[string]timeline.Timeline) ([]byte, error) {
	f.Scenarios = FailingFirst(f.Scenarios) // as summary.md: FAIL, INVALID, then PASS
	p := htmlPage{
		Run: f.Run, Pass: f.Pass, Verdict: verdict(f.Pass),
		Started: stamp(f.Started), Finished: stamp(f.Finished), Took: took(f.Started, f.Finished),
		Total: len(f.Scenarios), Files: []string{"report.json", "summary.md", "junit.xml"},
	}
	for i, s := range f.Scenarios {
		if s.Verdict == record.VerdictPass {
			p.Passed++
		}
		hs := htmlScenario{Drill: s, ID: "scenario-" + strconv.Itoa(i+1), Pass: s.Verdict == record.VerdictPass,
			TargetList: strings.Join(s.Targets, ", "), Started: stamp(s.Started), Finished: stamp(s.Finished),
			Took: took(s.Started, s.Finished), Description: strings.TrimSpace(s.Description)}
		if filepath.IsLocal(s.TimelineFile) {
			hs.TimelineLink = path.Clean(filepath.ToSlash(s.TimelineFile)) // relative to report.html
		}
		if tl, ok := timelines[s.Key()]; !ok {
			hs.NoChart = "no timeline was recorded for this scenario"
		} else if !tl.End.After(tl.Start) {
			hs.NoChart = "the observation window is empty"
		} else {
			hs.Chart = buildChart(tl, s.Figures)
		}
		hs.Budgets, hs.Recovery, hs.Other = figureTables(s.Figures)
		if s.CriticalPath != nil {
			hs.Critical, hs.CriticalNote, hs.Order = s.CriticalPath.Text, s.CriticalPath.Note, s.CriticalPath.OrderText
		}
		hs.Where = whereLine(s.Environment)
		// An interrupted or INVALID drill's budgets are shown, not judged.
		for i := range hs.Budgets {
			hs.Budgets[i].NotJudged = !s.Verdict.BudgetsJudged()
		}
		hs.Rows = summaryRows(hs.Budgets)
		p.Scenarios = append(p.Scenarios, hs)
	}
	p.Environments = environments(f.Scenarios)
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		return nil, fmt.Errorf("render report.html: %w", err)
	}
	runs := []string{f.Run}
	for _, s := range f.Scenarios {
		if s.Environment != nil {
			runs = append(runs, s.Environment.Run)
		}
	}
	return relativePaths(b.Bytes(), runs), nil
}

// relativePaths rewrites every absolute path into a run's folder (what the
// harness wrote as /…/reports/<run>/wipe-etcd-ha/runbook.md in a note, an
// error, an event) as the path from that folder, where report.html is: the
// page is read on another machine, from a copy or a CI artifact, and must
// name no folder of the machine that recorded it. A run is named by its
// id, or any folder named as NewRunDir names one.
func relativePaths(page []byte, runs []string) []byte {
	alts := []string{`\d{8}-\d{6}`}
	for _, r := range runs {
		if r != "" {
			alts = append(alts, regexp.QuoteMeta(r))
		}
	}
	re := regexp.MustCompile(`(^|[^\w.:/~-])(?:/[^\s/<>"'&;()]+)*/(?:` + strings.Join(alts, "|") + `)(/|\.?[^\w.-]|\.?$)`)
	return re.ReplaceAllFunc(page, func(m []byte) []byte {
		sub := re.FindSubmatch(m)
		if string(sub[2]) == "/" {
			return sub[1] // the path from the run's folder follows
		}
		return slices.Concat(sub[1], []byte("."), sub[2]) // the run's folder itself
	})
}

type htmlPage struct {
	Run, Verdict, Started, Finished, Took string
	Files                                 []string // the run's files beside report.html
	Pass                                  bool
	Passed, Total                         int
	Scenarios                             []htmlScenario
	Environments                          []htmlEnvironment
}

// htmlEnvironment is one environment the run's drills ran in (a merged
// report has one per shard), with the drills that ran there.
type htmlEnvironment struct {
	record.Environment
	Nodes, Machine, Drills string
}

// summaryRow is one row of the run's table: a budgeted figure of a drill;
// the drill's own cells span its rows.
type summaryRow struct {
	First                     bool
	Span                      int
	Figure, Value, Limit      string
	Reason                    string
	Margin, Lower             string
	Measured, Pass, NotJudged bool
	MarginNegative, Below     bool
}

type htmlScenario struct {
	record.Drill
	Rows                                                 []summaryRow
	Where                                                string // the environment in a line
	Critical, CriticalNote, Order                        string
	ID, TargetList, Started, Finished, Took, Description string
	TimelineLink                                         string
	Pass                                                 bool
	Chart                                                *svgChart
	NoChart                                              string
	Budgets                                              []budgetRow
	Recovery                                             []recoveryRow
	Other                                                []figureRow
}

// summaryRows are a drill's rows in the run's table: one per budget, or
// one saying it has none.
func summaryRows(budgets []budgetRow) []summaryRow {
	if len(budgets) == 0 {
		return []summaryRow{{First: true, Span: 1, Figure: "no budget", Value: "-", Limit: "-", Margin: "-", Lower: "-", Pass: true, NotJudged: true}}
	}
	rows := make([]summaryRow, len(budgets))
	for i, b := range budgets {
		rows[i] = summaryRow{First: i == 0, Span: len(budgets), Figure: b.Figure, Value: b.Value, Limit: b.Limit,
			Margin: b.Margin, Lower: b.Lower, Measured: b.Measured, Pass: b.Pass, NotJudged: b.NotJudged, Reason: b.Reason,
			MarginNegative: b.MarginNegative, Below: b.BelowLowerBound}
	}
	return rows
}

// environments are the distinct environments of the drills, in the order
// first seen.
func environments(ss []record.Drill) []htmlEnvironment {
	var out []htmlEnvironment
	index := map[string]int{}
	for _, s := range ss {
		e := s.Environment
		if e == nil {
			continue
		}
		key := e.Run + "|" + e.Machine.Hostname + "|" + e.Profile + "|" + e.KubernetesVersion
		i, ok := index[key]
		if !ok {
			he := htmlEnvironment{Environment: *e, Nodes: nodesText(e.Nodes), Machine: machineText(e.Machine)}
			i = len(out)
			index[key] = i
			out = append(out, he)
		}
		if out[i].Drills != "" {
			out[i].Drills += ", "
		}
		out[i].Drills += s.Key()
	}
	return out
}

func nodesText(nodes []record.Node) string {
	if len(nodes) == 0 {
		return "not read"
	}
	counts := map[string]int{}
	var names []string
	for _, n := range nodes {
		counts[n.Role]++
		names = append(names, n.Name)
	}
	parts := []string{}
	for _, role := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[role], role))
	}
	kubelet := nodes[0].Kubelet
	return strings.Join(parts, " + ") + " (" + strings.Join(names, ", ") + "), kubelet " + orNone(kubelet)
}

func machineText(m record.Machine) string {
	if m.Hostname == "" && m.CPUs == 0 {
		return "not recorded"
	}
	t := fmt.Sprintf("%s, %s/%s, %d CPUs", m.Hostname, m.OS, m.Arch, m.CPUs)
	if m.MemoryBytes > 0 {
		t += fmt.Sprintf(", %.0f GiB", float64(m.MemoryBytes)/(1<<30))
	}
	t += ", " + m.Go
	if m.CI != "" {
		t += "; " + m.CI
	}
	return t
}

// whereLine says where a drill ran, in a line; "" when not recorded.
func whereLine(e *record.Environment) string {
	if e == nil {
		return ""
	}
	parts := []string{"run " + e.Run}
	if e.Machine.Hostname != "" {
		parts = append(parts, "on "+e.Machine.Hostname)
	}
	if e.Provider != "" {
		parts = append(parts, e.Provider+" profile "+e.Profile)
	}
	if e.KubernetesVersion != "" {
		parts = append(parts, "Kubernetes "+e.KubernetesVersion)
	}
	if e.Firedrill != "" {
		parts = append(parts, "firedrill "+e.Firedrill+" "+e.Commit)
	}
	return strings.Join(parts, " · ")
}

type budgetRow struct {
	Figure, Kind, Value, Limit, Margin, Lower, Why, Note string
	Reason                                               string
	Measured, Pass, MarginNegative                       bool
	NotJudged, BelowLowerBound                           bool
}

type recoveryRow struct {
	Figure, Component, What, Value, Limit, Note string
	Measured, Blown                             bool
	Bar                                         float64 // bar width in px, 0 when not measured
	seconds                                     float64
}

type figureRow struct {
	Name, Value, Note string
	Measured          bool
}

// recoveryBarWidth is the width of the bars of the recovery table.
const recoveryBarWidth = 160

// figureTables splits a scenario's figures into its budgets, the recovery of
// each component and the other figures. A recovery figure with a budget is
// in both the budget and the recovery tables; the other figures are those
// in neither.
func figureTables(figs []record.Figure) (budgets []budgetRow, recovery []recoveryRow, other []figureRow) {
	longest := 0.0
	for _, fig := range figs {
		if _, _, ok := recoveryComponent(fig.Name); ok && fig.Measured {
			longest = max(longest, fig.Value)
		}
	}
	for _, fig := range figs {
		if v := fig.Budget; v != nil {
			row := budgetRow{Figure: v.Figure, Kind: v.Kind, Value: "not measured", Limit: v.Limit(), Margin: "-",
				Lower: "-", Why: v.Why, Note: v.Note, Reason: v.Reason(), Measured: v.Measured, Pass: v.Pass, BelowLowerBound: v.BelowLowerBound}
			if v.Derived != "" {
				row.Why += " Limit " + v.Derived + "."
			}
			if v.Measured {
				row.Value = budget.Format(v.Value, v.Unit)
			} else {
				row.Note = "" // the reason says why it was not measured
			}
			if v.Margin != nil {
				row.Margin, row.MarginNegative = budget.Format(*v.Margin, v.Unit), *v.Margin < 0
			}
			if v.LowerBound != nil {
				row.Lower = budget.Format(*v.LowerBound, v.Unit)
			}
			budgets = append(budgets, row)
		}
		if component, what, ok := recoveryComponent(fig.Name); ok {
			row := recoveryRow{Figure: fig.Name, Component: component, What: what, Value: "not measured", Limit: "-", Note: fig.Note,
				Measured: fig.Measured}
			if fig.Measured {
				row.Value, row.seconds = budget.Format(fig.Value, fig.Unit), fig.Value
				if longest > 0 {
					row.Bar = math.Max(1, recoveryBarWidth*fig.Value/longest)
				}
			}
			if fig.Budget != nil {
				row.Limit, row.Blown = fig.Budget.Limit(), !fig.Budget.Pass
			}
			recovery = append(recovery, row)
			continue
		}
		if fig.Budget == nil {
			row := figureRow{Name: fig.Name, Value: "not measured", Note: fig.Note, Measured: fig.Measured}
			if fig.Measured {
				row.Value = budget.Format(fig.Value, fig.Unit)
			}
			other = append(other, row)
		}
	}
	// In the order the components recovered; what never did comes last.
	slices.SortStableFunc(recovery, func(a, b recoveryRow) int {
		switch {
		case a.Measured != b.Measured:
			if a.Measured {
				return -1
			}
			return 1
		case !a.Measured:
			return 0
		}
		return cmp.Compare(a.seconds, b.seconds)
	})
	return budgets, recovery, other
}

// recoveryComponent names the component a recovery figure is about and what
// its recovery means, from the figure table; ok is false for any other
// figure.
func recoveryComponent(name string) (component, what string, ok bool) {
	info, ok := timeline.Info(name)
	if !ok || info.Component == "" {
		return "", "", false
	}
	return info.Component, info.Recovered, true
}

// The chart. Geometry is in SVG user units; the viewBox makes it scale.
const (
	chartWidth  = 1000.0
	plotLeft    = 300.0 // lane labels are right-aligned just left of it
	plotRight   = 985.0
	laneHeight  = 16.0
	lanePitch   = 21.0
	groupHeight = 24.0
	eventRow    = 15.0
	labelChars  = 45 // what fits left of plotLeft at the label font size

	// The lane background (unknown, #e6e8eb), the renewal ticks (#333) and
	// the holder markers (#7b3fb5) are in the template, and every colour in
	// its legend.
	colourUp       = "#2e8b57"
	colourDown     = "#d62728"
	colourFault    = "#f39c12"
	colourRecover  = "#1f6fd1"
	colourStep     = "#8250df"
	colourEvidence = "#0f766e"
	// Deadlines are #57606a, blown ones #cf222e (in the template).
)

type svgChart struct {
	W, H                         float64
	LabelX, PlotLeft, PlotW      float64
	LaneHeight                   float64
	LanesTop, LanesBottom, AxisY float64
	Lanes                        []*svgLane
	Ticks                        []svgTick
	Faults                       []svgFault
	Deadlines                    []svgDeadline
	Zero, Window                 string
	// Lo and Hi are the window's ends in seconds from the zero: the
	// page's script maps a zoomed range to the plot with them.
	Lo, Hi, PlotRight float64
}

type svgLane struct {
	Group         bool // a group heading, not a lane
	Label, Title  string
	Bold          bool
	Y, TextY      float64
	NoData        bool
	Rects         []svgRect
	Gaps          []svgRect // spans without observation: the last state is held
	Renewals      string    // one path of renewal ticks
	RenewalsTitle string
	Markers       []svgMarker
}

type svgRect struct {
	X, Y, W, H  float64
	Fill, Title string
}

type svgMarker struct {
	X        float64 // its centre, which zooming moves
	D, Title string
}

type svgTick struct {
	X     float64
	Label string
	Zero  bool
}

type svgDeadline struct {
	X, LabelX, LabelY float64
	AnchorEnd, Blown  bool
	Label, Title      string
	Kind, Figure      string // boundMax, boundMin or boundLower of the budget on Figure
	Clamped           int    // -1 before the window, 1 after it: drawn at the edge
	Arrow             string // the edge's arrow, when clamped
}

type svgFault struct {
	X, W, Top, Height float64
	Line              bool // a recover action or evidence: a line at X, no band
	Dashed            bool
	Label, Title      string
	LabelX, LabelY    float64
	LabelAnchorEnd    bool
	Colour, Stroke    string
}

type chartBuilder struct {
	tl   timeline.Timeline
	zero time.Time
	c    *svgChart
	y    float64
}

func (b *chartBuilder) x(t time.Time) float64 {
	span := b.tl.End.Sub(b.tl.Start).Seconds()
	f := t.Sub(b.tl.Start).Seconds() / span
	f = math.Min(1, math.Max(0, f))
	return plotLeft + f*(plotRight-plotLeft)
}

// rel renders an instant as seconds from the chart's zero.
func (b *chartBuilder) rel(t time.Time) string {
	return fmt.Sprintf("%+.2fs", t.Sub(b.zero).Seconds())
}

func (b *chartBuilder) span(iv timeline.Interval) string {
	return fmt.Sprintf("%s to %s (%.2fs; %s to %s UTC)", b.rel(iv.From), b.rel(iv.To), iv.Duration().Seconds(),
		clock(iv.From), clock(iv.To))
}

func (b *chartBuilder) group(label string) {
	b.c.Lanes = append(b.c.Lanes, &svgLane{Group: true, Label: label, TextY: b.y + groupHeight - 7})
	b.y += groupHeight
}

func (b *chartBuilder) lane(label, title string) *svgLane {
	if title == "" {
		title = label
	}
	if short := shorten(label, labelChars); short != label && !strings.Contains(title, label) {
		title = label + ": " + title // the whole label on hover
	}
	l := &svgLane{Label: shorten(label, labelChars), Title: title, Y: b.y, TextY: b.y + laneHeight - 4}
	b.c.Lanes = append(b.c.Lanes, l)
	b.y += lanePitch
	return l
}

// rect adds a rectangle for [from, to) to a lane, at least a pixel wide so
// that a short outage stays visible.
func (b *chartBuilder) rect(l *svgLane, iv timeline.Interval, fill, title string) {
	x0, x1 := b.x(iv.From), b.x(iv.To)
	w := math.Max(x1-x0, 1)
	l.Rects = append(l.Rects, svgRect{X: math.Min(x0, plotRight-w), Y: l.Y, W: w, H: laneHeight, Fill: fill, Title: title})
}

// upDown draws a request series: up over the window, down where it failed.
func (b *chartBuilder) upDown(l *svgLane, down []timeline.Interval) {
	w := timeline.Interval{From: b.tl.Start, To: b.tl.End}
	up := "up; " + strconv.Itoa(len(down)) + " outage(s), " + fmt.Sprintf("%.2fs down in all", totalOf(down))
	b.rect(l, w, colourUp, up)
	for _, iv := range down {
		b.rect(l, iv, colourDown, "down "+b.span(iv))
	}
}

func totalOf(ivs []timeline.Interval) float64 {
	var s time.Duration
	for _, iv := range ivs {
		s += iv.Duration()
	}
	return s.Seconds()
}

func buildChart(tl timeline.Timeline, figs []record.Figure) *svgChart {
	c := &svgChart{W: chartWidth, LabelX: plotLeft - 8, PlotLeft: plotLeft, PlotW: plotRight - plotLeft,
		LaneHeight: laneHeight}
	b := &chartBuilder{tl: tl, zero: tl.Start, c: c}
	if at, ok := timeline.InjectAt(tl); ok {
		b.zero = at
		c.Zero = "the first fault injection at " + clock(at) + " UTC"
	} else {
		c.Zero = "the start of the observation window (no fault was injected)"
	}
	c.Lo, c.Hi, c.PlotRight = tl.Start.Sub(b.zero).Seconds(), tl.End.Sub(b.zero).Seconds(), plotRight
	c.Window = fmt.Sprintf("%s to %s UTC (%s to %s)", clock(tl.Start), clock(tl.End), b.rel(tl.Start), b.rel(tl.End))

	events := slices.Clone(tl.Events)
	slices.SortStableFunc(events, func(x, y timeline.Event) int { return x.At.Compare(y.At) })
	var inWindow []timeline.Event
	for _, e := range events {
		at := e.At
		if e.Kind == timeline.EventRecover && !e.Done.IsZero() {
			at = e.Done
		}
		if !at.Before(tl.Start) && !at.After(tl.End) {
			inWindow = append(inWindow, e)
		}
	}
	var steps []timeline.Step
	for _, st := range tl.Steps {
		if !st.Start.Before(tl.Start) && !st.Start.After(tl.End) {
			steps = append(steps, st)
		}
	}
	var evidence []timeline.Evidence
	for _, e := range tl.Evidence {
		if !e.At.Before(tl.Start) && !e.At.After(tl.End) {
			evidence = append(evidence, e)
		}
	}
	rows := len(inWindow) + len(steps) + len(evidence)
	b.y = 6 + eventRow*float64(rows) + 6
	c.LanesTop = b.y

	b.probeLanes()
	b.leaseLanes()
	b.podLanes()
	b.etcdLanes()
	b.nodeLanes()

	c.LanesBottom = b.y - (lanePitch - laneHeight)
	c.AxisY = c.LanesBottom + 15
	c.H = c.AxisY + 8
	c.Ticks = b.ticks()
	row := 0
	next := func() float64 { row++; return 6 + eventRow*float64(row-1) }
	for _, e := range inWindow {
		f := b.fault(e, next())
		f.Height = c.LanesBottom - f.Top
		c.Faults = append(c.Faults, f)
	}
	for i, st := range steps {
		f := b.step(i+1, st, next())
		f.Height = c.LanesBottom - f.Top
		c.Faults = append(c.Faults, f)
	}
	for _, e := range evidence {
		f := b.evidence(e, next())
		f.Height = c.LanesBottom - f.Top
		c.Faults = append(c.Faults, f)
	}
	c.Deadlines = b.deadlines(figs)
	return c
}

// step draws one step of the recovery procedure as a band, like a fault
// action, in its own row.
func (b *chartBuilder) step(n int, st timeline.Step, rowY float64) svgFault {
	f := svgFault{Top: rowY + 3, LabelY: rowY + 10, X: b.x(st.Start), Colour: colourStep, Stroke: colourStep}
	f.W = math.Max(2, b.x(st.End)-f.X)
	f.Label = fmt.Sprintf("step %d: %s (%.1fs)", n, st.Name, st.End.Sub(st.Start).Seconds())
	f.Title = fmt.Sprintf("recovery step %d %s: %s to %s (%s to %s UTC); %s", n, st.Name, b.rel(st.Start), b.rel(st.End),
		clock(st.Start), clock(st.End), st.Why)
	if st.Error != "" {
		f.Label += " failed"
		f.Title += "; error: " + st.Error
	}
	b.placeLabel(&f)
	return f
}

// evidence marks when the harness proved the fault took, as a line.
func (b *chartBuilder) evidence(e timeline.Evidence, rowY float64) svgFault {
	f := svgFault{Top: rowY + 3, LabelY: rowY + 10, X: b.x(e.At), Line: true, Stroke: colourEvidence, Dashed: true}
	proven := "proven"
	if !e.Proven {
		proven = "NOT proven"
	}
	f.Label = fmt.Sprintf("evidence on %s: %s %s", e.Target, e.What, proven)
	f.Title = fmt.Sprintf("evidence %s on %s at %s (%s UTC): %s; before %q, after %q", e.Action, e.Target, b.rel(e.At), clock(e.At),
		proven, e.Before, e.After)
	b.placeLabel(&f)
	return f
}

// placeLabel keeps a mark's label whole and on the chart: to the right of
// its mark, else to the left, else slid along its own row until it fits
// (the row holds no other label). Only a label wider than the chart is cut,
// and its title then starts with the whole of it.
func (b *chartBuilder) placeLabel(f *svgFault) {
	const margin = 4
	right, left := chartWidth-margin-(f.X+3), f.X-3-margin
	w := labelWidth(f.Label, eventCharWidth)
	switch {
	case w <= right:
		f.LabelX = f.X + 3
	case w <= left:
		f.LabelX, f.LabelAnchorEnd = f.X-3, true
	case w <= chartWidth-2*margin:
		f.LabelX = chartWidth - margin - w
	default:
		f.Title = f.Label + ": " + f.Title
		f.Label, f.LabelX = cutLabel(f.Label, chartWidth-2*margin, eventCharWidth), margin
	}
}

// Widths of a character in SVG units, a little over the average of
// common sans-serif fonts at the chart's sizes (event labels 11px, weight
// 600; deadline labels 10.5px): suites/render measures the real ones in
// Chromium and fails on a label past the chart's edge.
const (
	eventCharWidth    = 7.0
	deadlineCharWidth = 6.5
)

func labelWidth(s string, perChar float64) float64 { return perChar * float64(len([]rune(s))) }

// cutLabel cuts a label to fit width, marking the cut.
func cutLabel(s string, width, perChar float64) string {
	r := []rune(s)
	n := int(width/perChar) - 1
	if n >= len(r) {
		return s
	}
	if n < 1 {
		return "…"
	}
	return string(r[:n]) + "…"
}

// deadlines draws every budget on a figure that is an instant (counted
// from the first inject: recoveries, RTOs; or from its step's start: a
// step's duration) as a dashed line where its max falls (the deadline) and
// a dotted one where its lower bound or min falls: a bar that crosses the
// deadline is the blown budget. A bound outside the observation window is
// drawn at the chart's edge with an arrow (› past the end, ‹ before the
// start), its title saying where it really is. A budget on a total or a
// count is no instant: the budget table has it.
func (b *chartBuilder) deadlines(figs []record.Figure) []svgDeadline {
	inject, injected := timeline.InjectAt(b.tl)
	var out []svgDeadline
	for _, fig := range figs {
		v := fig.Budget
		if v == nil || v.Unit != timeline.Seconds {
			continue
		}
		origin, from, ok := inject, "the first inject", injected && fromInject(fig.Name)
		if step, isStep := strings.CutPrefix(fig.Name, timeline.StepFigure("")); isStep {
			for _, st := range b.tl.Steps {
				if st.Name == step {
					origin, from, ok = st.Start, "the start of step "+step, true
					break
				}
			}
		}
		if !ok {
			continue
		}
		bound := func(kind string, at float64, sign string, blown bool) {
			when := origin.Add(time.Duration(at * float64(time.Second)))
			d := svgDeadline{X: b.x(when), Kind: kind, Figure: fig.Name, Blown: blown,
				Label: fmt.Sprintf("%s %s %s", fig.Name, sign, budget.Format(at, v.Unit))}
			what := "deadline"
			if kind != boundMax {
				d.Label += " (" + kind + ")"
				what = kind
			}
			d.Title = fmt.Sprintf("budget %s %s: %s %s after %s, at %s (%s UTC); measured %s", fig.Name, v.Limit(), what,
				budget.Format(at, v.Unit), from, b.rel(when), clock(when), measuredText(v))
			switch {
			case when.After(b.tl.End):
				d.Clamped = 1
				d.Label += " ›"
				d.Title += fmt.Sprintf("; past the observation window's end at %s: drawn at the chart's right edge", b.rel(b.tl.End))
			case when.Before(b.tl.Start):
				d.Clamped = -1
				d.Label = "‹ " + d.Label
				d.Title += fmt.Sprintf("; before the observation window's start at %s: drawn at the chart's left edge", b.rel(b.tl.Start))
			}
			out = append(out, d)
		}
		if v.Max != nil {
			bound(boundMax, *v.Max, "≤", !v.Pass && !v.BelowLowerBound && !(v.Min != nil && v.Measured && v.Value < *v.Min))
		}
		if v.Min != nil {
			bound(boundMin, *v.Min, "≥", v.Measured && v.Value < *v.Min)
		}
		if v.LowerBound != nil && (v.Min == nil || *v.Min != *v.LowerBound) {
			bound(boundLower, *v.LowerBound, "≥", v.BelowLowerBound)
		}
	}
	slices.SortStableFunc(out, func(x, y svgDeadline) int { return cmp.Compare(x.X, y.X) })
	const margin = 4
	for i := range out {
		d := &out[i]
		d.LabelY = b.c.AxisY + 14 + 13*float64(i)
		w := labelWidth(d.Label, deadlineCharWidth)
		switch {
		case d.Clamped > 0: // the arrow right of the edge, the label left of it
			d.LabelX, d.AnchorEnd = d.X-3, true
			d.Arrow = fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", d.X, d.LabelY-9, d.X+7, d.LabelY-5, d.X, d.LabelY-1)
		case d.Clamped < 0:
			d.LabelX = d.X + 3
			d.Arrow = fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", d.X, d.LabelY-9, d.X-7, d.LabelY-5, d.X, d.LabelY-1)
		case d.X+3+w <= chartWidth-margin:
			d.LabelX = d.X + 3
		case d.X-3-w >= margin:
			d.LabelX, d.AnchorEnd = d.X-3, true
		default:
			d.LabelX = max(margin, chartWidth-margin-w)
		}
	}
	if len(out) > 0 {
		b.c.H = b.c.AxisY + 14 + 13*float64(len(out))
	}
	return out
}

// The bounds of a budget drawn on the chart.
const (
	boundMax   = "max"
	boundMin   = "min"
	boundLower = "lower bound"
)

// fromInject says whether a figure counts seconds from the first inject,
// so that its budget is an instant on the chart.
func fromInject(name string) bool {
	if info, ok := timeline.Info(name); ok && info.Component != "" {
		return true
	}
	return slices.Contains([]string{timeline.RecoveryAll, timeline.RTOHealthy, timeline.RTOWrites}, name)
}

// etcdLanes draws each etcd member's own /readyz, as the harness read it
// from inside its node; the leader is said in the state.
func (b *chartBuilder) etcdLanes() {
	b.group("etcd members (own /readyz): Ready")
	byNode := map[string][]readiness{}
	for _, o := range b.tl.Etcd {
		r := readiness{at: o.ObservedAt, ready: o.Ready && o.Error == ""}
		switch {
		case o.Error != "":
			r.detail = "unreachable"
		case o.Leader:
			r.detail = "leader"
		}
		byNode[o.Node] = append(byNode[o.Node], r)
	}
	if len(byNode) == 0 {
		b.lane("etcd", "no etcd member was read in this drill").NoData = true
		return
	}
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		b.states(b.lane("etcd "+node, "etcd member on "+node), byNode[node])
	}
}

func (b *chartBuilder) probeLanes() {
	b.group("Probes: green answered, red down")
	var api, other []string
	seen := map[string]bool{}
	for _, s := range b.tl.Samples {
		if seen[s.Series] {
			continue
		}
		seen[s.Series] = true
		switch {
		case strings.HasPrefix(s.Series, timeline.SeriesAPIPrefix):
			api = append(api, s.Series)
		case s.Series != timeline.SeriesWorkload && s.Series != timeline.SeriesWrite:
			other = append(other, s.Series)
		}
	}
	slices.Sort(api)
	slices.Sort(other)
	l := b.lane("API (clients)", "API as clients see it: down whenever any request style through the client endpoint failed")
	l.Bold = true
	if clientSeen := slices.ContainsFunc(api, func(s string) bool {
		return strings.HasPrefix(s, timeline.SeriesAPIPrefix+timeline.EndpointClient+"/")
	}); clientSeen {
		b.upDown(l, timeline.Clip(timeline.APIClientDown(b.tl), b.tl.Start, b.tl.End))
	} else {
		l.NoData = true
	}
	for _, series := range slices.Concat(api, []string{timeline.SeriesWorkload, timeline.SeriesWrite}, other) {
		l := b.lane(series, series)
		if !seen[series] {
			l.NoData = true
			continue
		}
		b.upDown(l, timeline.Clip(timeline.SeriesDown(b.tl, series), b.tl.Start, b.tl.End))
	}
}

func (b *chartBuilder) leaseLanes() {
	b.group("Leader leases (kube-system): tick renewal, diamond new holder")
	byName := map[string][]timeline.LeaseObservation{}
	names := slices.Clone(kubeadm.LeaderLeases) // always shown, observed or not
	for _, o := range b.tl.Leases {
		if o.Namespace != kubeadm.SystemNamespace {
			continue
		}
		if !slices.Contains(names, o.Name) {
			names = append(names, o.Name)
		}
		byName[o.Name] = append(byName[o.Name], o)
	}
	for _, name := range names {
		obs := byName[name]
		slices.SortStableFunc(obs, func(x, y timeline.LeaseObservation) int { return x.ObservedAt.Compare(y.ObservedAt) })
		l := b.lane(name, kubeadm.SystemNamespace+"/"+name)
		if len(obs) == 0 {
			l.NoData = true
			continue
		}
		var renews []time.Time
		for _, o := range obs {
			if !o.RenewTime.IsZero() && !o.RenewTime.Before(b.tl.Start) && !o.RenewTime.After(b.tl.End) {
				renews = append(renews, o.RenewTime)
			}
		}
		slices.SortFunc(renews, time.Time.Compare)
		renews = slices.CompactFunc(renews, time.Time.Equal)
		var d strings.Builder
		for _, r := range renews {
			fmt.Fprintf(&d, "M%.1f %.1fv%.1f", b.x(r), l.Y+3, laneHeight-6)
		}
		l.Renewals = d.String()
		l.RenewalsTitle = fmt.Sprintf("%d renewals seen in the window", len(renews))
		holders := []string{obs[0].Holder}
		for i := 1; i < len(obs); i++ {
			o, prev := obs[i], obs[i-1]
			if o.Holder == prev.Holder {
				continue
			}
			holders = append(holders, o.Holder)
			at, how := o.AcquireTime, "acquired"
			if at.IsZero() || at.Before(b.tl.Start) || at.After(b.tl.End) {
				at, how = o.ObservedAt, "first seen"
			}
			x, cy := b.x(at), l.Y+laneHeight/2
			r := laneHeight/2 + 1
			title := fmt.Sprintf("new holder %s, %s at %s (%s UTC); was %s; transitions %d",
				orNone(o.Holder), how, b.rel(at), clock(at), orNone(prev.Holder), o.Transitions)
			l.Markers = append(l.Markers, svgMarker{X: x,
				D:     fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, cy-r, x+r*0.75, cy, x, cy+r, x-r*0.75, cy),
				Title: title,
			})
		}
		l.Title = kubeadm.SystemNamespace + "/" + name + ": holders " + strings.Join(mapSlice(holders, orNone), " → ")
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func mapSlice(xs []string, f func(string) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// readiness is one state of a pod or a node, as observed.
type readiness struct {
	at     time.Time
	ready  bool
	detail string
}

// states draws observed states: each holds until the next observation that
// differs (the state between observations is the last one observed).
// Before the first observation nothing is known.
func (b *chartBuilder) states(l *svgLane, obs []readiness) {
	slices.SortStableFunc(obs, func(x, y readiness) int { return x.at.Compare(y.at) })
	for i := 0; i < len(obs); {
		j := i + 1
		for j < len(obs) && obs[j].ready == obs[i].ready && obs[j].detail == obs[i].detail {
			j++
		}
		to := b.tl.End
		if j < len(obs) {
			to = obs[j].at
		}
		ivs := timeline.Clip([]timeline.Interval{{From: obs[i].at, To: to}}, b.tl.Start, b.tl.End)
		for _, iv := range ivs {
			fill, what := colourUp, "Ready"
			if !obs[i].ready {
				fill, what = colourDown, "not Ready"
			}
			if obs[i].detail != "" {
				what += " (" + obs[i].detail + ")"
			}
			b.rect(l, iv, fill, fmt.Sprintf("%s as observed %s, %d observation(s)", what, b.span(iv), j-i))
		}
		i = j
	}
	b.gaps(l, obs)
}

// gaps marks where a lane went unobserved for much longer than its usual
// cadence (while the API was down, nothing could be observed): the state
// drawn there is only the last one seen.
func (b *chartBuilder) gaps(l *svgLane, obs []readiness) {
	if len(obs) < 2 {
		return
	}
	var steps []time.Duration
	for i := 1; i < len(obs); i++ {
		steps = append(steps, obs[i].at.Sub(obs[i-1].at))
	}
	slices.Sort(steps)
	limit := max(3*steps[len(steps)/2], 2*time.Second)
	ats := make([]time.Time, 0, len(obs)+1)
	for _, o := range obs {
		ats = append(ats, o.at)
	}
	ats = append(ats, b.tl.End)
	for i := 1; i < len(ats); i++ {
		if ats[i].Sub(ats[i-1]) <= limit {
			continue
		}
		for _, iv := range timeline.Clip([]timeline.Interval{{From: ats[i-1], To: ats[i]}}, b.tl.Start, b.tl.End) {
			x0, x1 := b.x(iv.From), b.x(iv.To)
			l.Gaps = append(l.Gaps, svgRect{X: x0, Y: l.Y, W: math.Max(x1-x0, 1), H: laneHeight,
				Title: "not observed " + b.span(iv) + "; the state shown is the last one observed"})
		}
	}
}

func (b *chartBuilder) podLanes() {
	byNode := map[string]map[string][]timeline.PodObservation{}
	for _, p := range b.tl.Pods {
		if p.Name == "" {
			continue
		}
		if byNode[p.Node] == nil {
			byNode[p.Node] = map[string][]timeline.PodObservation{}
		}
		byNode[p.Node][p.Name] = append(byNode[p.Node][p.Name], p)
	}
	if len(byNode) == 0 {
		b.group("Control-plane static pods: Ready")
		b.lane("pods", "").NoData = true
		return
	}
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		if node == "" {
			b.group("Control-plane static pods: Ready")
		} else {
			b.group("Control-plane static pods on " + node + ": Ready")
		}
		for _, name := range slices.Sorted(maps.Keys(byNode[node])) {
			obs := byNode[node][name]
			label := name
			if short, ok := strings.CutSuffix(name, "-"+node); ok && node != "" && short != "" {
				label = short
			}
			var rs []readiness
			last := obs[0]
			for _, o := range obs {
				r := readiness{at: o.ObservedAt, ready: o.Ready && !o.Deleted}
				if o.Deleted {
					r.detail = "deleted"
				}
				rs = append(rs, r)
				if !o.ObservedAt.Before(last.ObservedAt) {
					last = o
				}
			}
			l := b.lane(label, fmt.Sprintf("pod %s (component %s) on %s; %d restart(s) at the last observation",
				name, orNone(last.Component), orNone(node), last.Restarts))
			b.states(l, rs)
		}
	}
}

func (b *chartBuilder) nodeLanes() {
	b.group("Nodes: Ready")
	byName := map[string][]readiness{}
	for _, n := range b.tl.Nodes {
		byName[n.Name] = append(byName[n.Name], readiness{at: n.ObservedAt, ready: n.Ready})
	}
	if len(byName) == 0 {
		b.lane("nodes", "").NoData = true
		return
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		b.states(b.lane(name, "node "+name), byName[name])
	}
}

// fault draws one harness action: an inject as a band from when it started
// to when it returned, a recover as a line when it returned. Its label
// sits in its own row above the lanes. A band is drawn behind the lanes, so
// that every lane keeps the legend's colours: it shows in its row and
// between the lanes.
func (b *chartBuilder) fault(e timeline.Event, rowY float64) svgFault {
	f := svgFault{Top: rowY + 3, LabelY: rowY + 10}
	what := strings.TrimSpace(e.Action + " " + e.Target)
	switch e.Kind {
	case timeline.EventRecover:
		at := e.Done
		if at.IsZero() {
			at = e.At
		}
		f.X, f.Line, f.Stroke = b.x(at), true, colourRecover
		f.Label = "recover: " + what
		f.Title = fmt.Sprintf("recover %s: started %s, returned %s (%s UTC)", what, b.rel(e.At), b.rel(at), clock(at))
	default:
		f.X, f.Colour, f.Stroke = b.x(e.At), colourFault, colourFault
		f.Label = string(e.Kind) + ": " + what
		if e.Done.IsZero() || e.Done.Before(e.At) {
			f.W = 2
			f.Label += " (never returned)"
			f.Title = fmt.Sprintf("%s %s: started %s (%s UTC), never returned", e.Kind, what, b.rel(e.At), clock(e.At))
		} else {
			f.W = math.Max(2, b.x(e.Done)-f.X)
			f.Label += fmt.Sprintf(" (%.1fs)", e.Done.Sub(e.At).Seconds())
			f.Title = fmt.Sprintf("%s %s: started %s (%s UTC), returned %s (%s UTC)", e.Kind, what,
				b.rel(e.At), clock(e.At), b.rel(e.Done), clock(e.Done))
		}
	}
	if e.Error != "" {
		f.Label += " failed"
		f.Title += "; error: " + e.Error
	}
	b.placeLabel(&f)
	return f
}

// ticks are the time axis: about a dozen at most, on round seconds from the
// chart's zero.
func (b *chartBuilder) ticks() []svgTick {
	lo, hi := b.tl.Start.Sub(b.zero).Seconds(), b.tl.End.Sub(b.zero).Seconds()
	steps := []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if (hi-lo)/s <= 12 {
			step = s
			break
		}
	}
	var out []svgTick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9; k++ {
		v := k * step
		at := b.zero.Add(time.Duration(v * float64(time.Second)))
		label := strconv.FormatFloat(v, 'f', -1, 64) + "s"
		if k > 0 {
			label = "+" + label
		}
		out = append(out, svgTick{X: b.x(at), Label: label, Zero: k == 0})
	}
	return out
}

// shorten cuts a label near its start, so that its end, which tells lanes
// apart (an API series' node and read style, a node's number), stays.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := n / 4
	tail := n - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05.000") }

func took(from, to time.Time) string {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return ""
	}
	return to.Sub(from).Round(time.Second).String()
}

var pageTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"n":   func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) },
	"s":   func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) },
	"add": func(a, b float64) float64 { return a + b },
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>firedrill run {{.Run}}: {{.Verdict}}</title>
<style>
*{-webkit-print-color-adjust:exact;print-color-adjust:exact;box-sizing:border-box}
body{margin:0;color:#1f2328;background:#fff;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1060px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:19px;margin:0 0 6px}
h3{font-size:15px;margin:18px 0 6px}
a{color:#0b5cad}
.head{display:flex;align-items:center;gap:24px;flex-wrap:wrap;border-bottom:3px solid #d0d7de;padding-bottom:14px}
.meta{color:#57606a;font-size:13px}
.badge{display:inline-block;color:#fff;font-weight:700;border-radius:5px;padding:1px 8px;letter-spacing:.04em}
.badge.big{font-size:40px;padding:4px 22px;border-radius:8px}
.pass{background:#1a7f37}
.fail{background:#cf222e}
table{border-collapse:collapse;width:100%;margin:4px 0 14px;font-size:13px}
th,td{border-bottom:1px solid #d8dee4;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}
.tw{overflow-x:auto}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.fig{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
td.fig div.muted{white-space:normal;min-width:14em;max-width:26em}
tr.blown td{background:#ffebe9}
.neg{color:#cf222e;font-weight:700}
.muted{color:#6e7781}
.err{border-left:4px solid #cf222e;background:#ffebe9;padding:6px 10px;margin:8px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.desc{white-space:pre-line;max-width:900px}
section.sc{margin-top:30px;padding-top:14px;border-top:3px solid #d0d7de}
svg.chart{display:block;width:100%;max-width:1000px;height:auto;cursor:crosshair;user-select:none}
svg.chart g.zt *{vector-effect:non-scaling-stroke}
.zoomctl{font-size:12px;margin:0 0 4px}
.zoomctl button{font:inherit;min-width:26px;padding:0 6px;margin-right:4px;cursor:pointer}
svg.chart text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:11px;fill:#1f2328}
svg.chart text.grp{font-size:11.5px;font-weight:600;fill:#57606a;stroke:#fff;stroke-width:3px;stroke-linejoin:round;paint-order:stroke}
svg.chart text.b{font-weight:700}
svg.chart text.nodata{font-style:italic;fill:#6e7781}
svg.chart text.ev{font-size:11px;font-weight:600}
svg.chart text.tick{fill:#57606a;font-size:10.5px}
svg.chart text.zero{font-weight:700;fill:#1f2328}
svg.chart text.dl{font-size:10.5px;fill:#57606a}
svg.chart text.dl.blown{fill:#cf222e;font-weight:700}
.legend{font-size:12px;color:#57606a;margin:2px 0 4px}
.sw{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin:0 4px 0 12px;border-radius:2px}
.sw:first-child{margin-left:0}
.caption{font-size:12px;color:#57606a;margin:2px 0 8px}
.bar{display:block}
td.scenario-error,div.scenario-error{color:#cf222e;overflow-wrap:anywhere;font-size:12px;white-space:normal}
table.summary tr.first td{border-top:2px solid #d0d7de}
td.cp{font-size:12px;max-width:320px}
p.critical{border-left:4px solid #8250df;background:#f6f0ff;padding:6px 10px}
@media (min-width:800px){th,td.nw{white-space:nowrap}}
@media print{
 main{max-width:none;padding:0}
 a{color:inherit;text-decoration:none}
 section.sc{break-before:page;border-top:none}
 svg.chart,tr,.err{break-inside:avoid}
 .zoomctl{display:none}
}
</style>
</head>
<body>
<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs><pattern id="unobserved" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="5" fill="#fff" fill-opacity="0.6"/></pattern></defs></svg>
<main>
<div class="head">
<div>
<h1>firedrill run {{.Run}}</h1>
<div class="meta">started {{.Started}} · finished {{.Finished}}{{with .Took}} · took {{.}}{{end}}</div>
<div class="meta">{{.Passed}} of {{.Total}} scenario(s) passed</div>
<div class="meta files">files beside this page:{{range .Files}} <a href="{{.}}">{{.}}</a>{{end}}</div>
</div>
<div class="badge big {{if .Pass}}pass{{else}}fail{{end}}">{{.Verdict}}</div>
</div>

<h3>Drills</h3>
{{if .Scenarios}}
<div class="tw"><table class="summary">
<tr><th>drill</th><th>verdict</th><th>budgeted figure</th><th>value</th><th>budget</th><th>margin</th><th>lower bound</th><th>critical path</th></tr>
{{range $s := .Scenarios}}{{range .Rows}}<tr class="{{if not $s.Pass}}blown{{end}}{{if .First}} first{{end}}">
{{if .First}}<td class="nw" rowspan="{{.Span}}"><a href="#{{$s.ID}}">{{$s.Key}}</a>{{with $s.Invalid}}<div class="scenario-error">INVALID: {{.}}</div>{{end}}{{with $s.Error}}<div class="scenario-error">{{.}}</div>{{end}}</td>
<td rowspan="{{.Span}}"><span class="badge {{if $s.Pass}}pass{{else}}fail{{end}}">{{$s.Verdict}}</span></td>{{end}}
<td class="fig">{{if and (not .Pass) (not .NotJudged)}}<span class="neg">✗</span> {{end}}{{.Figure}}{{if not .Pass}}<div class="muted">{{.Reason}}</div>{{end}}</td>
<td class="num">{{if .Measured}}{{.Value}}{{else if .NotJudged}}-{{else}}<span class="neg">not measured</span>{{end}}</td>
<td class="num">{{.Limit}}</td><td class="num{{if .MarginNegative}} neg{{end}}">{{.Margin}}</td><td class="num{{if .Below}} neg{{end}}">{{.Lower}}{{if .Below}}<div>(below it)</div>{{end}}</td>
{{if .First}}<td class="cp" rowspan="{{.Span}}">{{$s.Critical}}</td>{{end}}
</tr>
{{end}}{{end}}</table></div>
{{else}}<p class="muted">No scenario ran.</p>{{end}}

<h3>Environment</h3>
{{if .Environments}}<div class="tw"><table class="env">
<tr><th>run</th><th>provider, profile</th><th>Kubernetes</th><th>nodes</th><th>firedrill</th><th>machine</th><th>drills</th></tr>
{{range .Environments}}<tr><td class="nw">{{.Run}}</td><td>{{.Provider}} {{.Profile}}</td><td class="nw">{{.KubernetesVersion}}</td><td>{{.Nodes}}</td>
<td>{{.Firedrill}} <span class="fig">{{.Commit}}</span></td><td>{{.Machine}}</td><td>{{.Drills}}{{with .Error}}<div class="scenario-error">not read: {{.}}</div>{{end}}</td></tr>
{{end}}</table></div>
{{else}}<p class="muted">Not recorded in this report.</p>{{end}}

{{range .Scenarios}}
<section class="sc" id="{{.ID}}">
<h2>{{.Name}} <span class="badge {{if .Pass}}pass{{else}}fail{{end}}">{{.Verdict}}</span></h2>
<div class="meta">cluster {{.Cluster}} · fault {{.Fault}} · targets {{.TargetList}}</div>
<div class="meta">started {{.Started}} · finished {{.Finished}}{{with .Took}} · took {{.}}{{end}}</div>
{{with .Where}}<div class="meta">{{.}}</div>{{end}}
{{with .TimelineLink}}<div class="meta files">recorded timeline: <a href="{{.}}">{{.}}</a></div>{{end}}
<p class="desc">{{.Description}}</p>
{{if .Critical}}<p class="critical"><strong>Critical path:</strong> {{.Critical}}{{with .CriticalNote}} ({{.}}){{end}}</p>{{end}}
{{with .Order}}<p class="critical"><strong>Recovery order:</strong> {{.}}</p>{{end}}
{{with .Invalid}}<div class="err"><strong>INVALID:</strong> {{.}}</div>{{end}}
{{with .Error}}<div class="err"><strong>Error:</strong> {{.}}</div>{{end}}
{{with .Evidence}}<ul>{{range .}}<li>evidence on {{.Target}}: {{.What}}: {{if .Proven}}proven{{else}}<strong>NOT proven</strong>{{end}} (before “{{.Before}}”, after “{{.After}}”)</li>{{end}}</ul>{{end}}
{{with .HarnessStalls}}<ul>{{range .}}<li>harness stalled for {{printf "%.2f" .Duration.Seconds}} s from {{.From.UTC.Format "15:04:05.000"}}: kept out of the cluster's downtime (lane harness/control)</li>{{end}}</ul>{{end}}
{{with .Notes}}<ul>{{range .}}<li>note: {{.}}</li>{{end}}</ul>{{end}}

{{$id := .ID}}<h3>Timeline</h3>
{{with $c := .Chart}}
<div class="legend"><span class="sw" style="background:#2e8b57"></span>up / Ready<span class="sw" style="background:#d62728"></span>down / not Ready<span class="sw" style="background:#e6e8eb"></span>unknown<span class="sw" style="background:repeating-linear-gradient(45deg,#2e8b57 0 3px,#a3cdb5 3px 5px)"></span>not observed since (last state held)<span class="sw" style="background:#f39c12;opacity:.45"></span>fault action running (band behind the lanes)<span class="sw" style="background:#1f6fd1"></span>fault lifted<span class="sw" style="background:#8250df;opacity:.45"></span>recovery step (band behind the lanes)<span class="sw" style="background:#0f766e"></span>evidence the fault took<span class="sw" style="background:repeating-linear-gradient(90deg,#57606a 0 4px,#fff 4px 6px)"></span>budget deadline (max)<span class="sw" style="background:repeating-linear-gradient(90deg,#57606a 0 1.5px,#fff 1.5px 4px)"></span>lower bound (min)<span class="sw" style="background:#57606a;clip-path:polygon(0 0,100% 50%,0 100%)"></span>beyond the window, at its edge<span class="sw" style="background:#7b3fb5;transform:rotate(45deg) scale(.75)"></span>new lease holder</div>
<div class="zoomctl" data-chart="chart-{{$id}}"><button type="button" data-zoom="in" title="zoom in on the middle of the range shown">+</button><button type="button" data-zoom="out" title="zoom out">−</button><button type="button" data-zoom="reset" title="show the whole observation window">reset</button> <span class="zr">whole window, {{printf "%+.2fs" .Lo}} to {{printf "%+.2fs" .Hi}}</span> <span class="muted">· drag across the chart to zoom on a time range (all lanes together); double-click for the whole window</span></div>
<svg class="chart" id="chart-{{$id}}" viewBox="0 0 {{n .W}} {{n .H}}" role="img" aria-label="timeline chart" data-lo="{{s .Lo}}" data-hi="{{s .Hi}}" data-left="{{n .PlotLeft}}" data-right="{{n .PlotRight}}" data-top="{{n .LanesTop}}" data-bottom="{{n .LanesBottom}}" data-axis="{{n .AxisY}}" data-clip="clip-{{$id}}">
<defs><clipPath id="clip-{{$id}}"><rect x="{{n .PlotLeft}}" y="0" width="{{n .PlotW}}" height="{{n .H}}"/></clipPath></defs>
<g class="zoom"><g class="zt">
{{range .Faults}}{{if not .Line}}<rect class="band" x="{{n .X}}" y="{{n .Top}}" width="{{n .W}}" height="{{n .Height}}" fill="{{.Colour}}" fill-opacity="0.3" stroke="{{.Stroke}}" stroke-width="1"><title>{{.Title}}</title></rect>
{{end}}{{end}}</g></g>
{{range .Lanes}}{{if not .Group}}<text x="{{n $c.LabelX}}" y="{{n .TextY}}" text-anchor="end"{{if .Bold}} class="b"{{end}}><title>{{.Title}}</title>{{.Label}}</text>
<rect x="{{n $c.PlotLeft}}" y="{{n .Y}}" width="{{n $c.PlotW}}" height="{{n $c.LaneHeight}}" fill="#e6e8eb"/>
{{if .NoData}}<text class="nodata" x="{{n (add $c.PlotLeft 6)}}" y="{{n .TextY}}">no data</text>
{{end}}{{end}}{{end}}
<g class="zoom"><g class="zt">
{{range .Lanes}}{{if not .Group}}{{range .Rects}}<rect x="{{n .X}}" y="{{n .Y}}" width="{{n .W}}" height="{{n .H}}" fill="{{.Fill}}"><title>{{.Title}}</title></rect>
{{end}}{{range .Gaps}}<rect x="{{n .X}}" y="{{n .Y}}" width="{{n .W}}" height="{{n .H}}" fill="url(#unobserved)"><title>{{.Title}}</title></rect>
{{end}}{{if .Renewals}}<path d="{{.Renewals}}" stroke="#333" stroke-width="1.2" fill="none"><title>{{.RenewalsTitle}}</title></path>
{{end}}{{range .Markers}}<path class="pt" data-x="{{n .X}}" d="{{.D}}" fill="#7b3fb5" stroke="#fff" stroke-width="1"><title>{{.Title}}</title></path>
{{end}}{{end}}{{end}}</g></g>
<g class="ticks">
{{range .Ticks}}<line x1="{{n .X}}" x2="{{n .X}}" y1="{{n $c.LanesTop}}" y2="{{n (add $c.LanesBottom 3)}}" stroke="{{if .Zero}}#1f2328{{else}}#ffffff{{end}}" stroke-opacity="{{if .Zero}}0.55{{else}}0.6{{end}}" stroke-width="1"/>
<text class="tick{{if .Zero}} zero{{end}}" x="{{n .X}}" y="{{n $c.AxisY}}" text-anchor="middle">{{.Label}}</text>
{{end}}</g>
<g class="zoom"><g class="zt">
{{range .Faults}}{{if .Line}}<line x1="{{n .X}}" x2="{{n .X}}" y1="{{n .Top}}" y2="{{n $c.LanesBottom}}" stroke="{{.Stroke}}" stroke-width="2"{{if .Dashed}} stroke-dasharray="2 3"{{end}}><title>{{.Title}}</title></line>
{{end}}{{end}}{{range $d := .Deadlines}}<line class="{{if eq .Kind "max"}}deadline{{else}}lowerbound{{end}}" data-figure="{{.Figure}}" data-kind="{{.Kind}}"{{if .Clamped}} data-clamped="{{.Clamped}}"{{end}} x1="{{n .X}}" x2="{{n .X}}" y1="{{n $c.LanesTop}}" y2="{{n (add .LabelY -10)}}" stroke="{{if .Blown}}#cf222e{{else}}#57606a{{end}}" stroke-width="1.5" stroke-dasharray="{{if eq .Kind "max"}}6 4{{else}}1.5 2.5{{end}}"><title>{{.Title}}</title></line>
{{with .Arrow}}<path class="edge pt{{if $d.Blown}} blown{{end}}" data-x="{{n $d.X}}" d="{{.}}" fill="{{if $d.Blown}}#cf222e{{else}}#57606a{{end}}"><title>{{$d.Title}}</title></path>
{{end}}{{end}}</g></g>
<g class="labels"><g class="zt">
{{range .Faults}}<text class="ev pt" data-x="{{n .LabelX}}" x="{{n .LabelX}}" y="{{n .LabelY}}"{{if .LabelAnchorEnd}} text-anchor="end"{{end}}><title>{{.Title}}</title>{{.Label}}</text>
{{end}}{{range .Deadlines}}<text class="dl pt{{if .Blown}} blown{{end}}" data-figure="{{.Figure}}" data-kind="{{.Kind}}" data-x="{{n .LabelX}}" x="{{n .LabelX}}" y="{{n .LabelY}}"{{if .AnchorEnd}} text-anchor="end"{{end}}><title>{{.Title}}</title>{{.Label}}</text>
{{end}}</g></g>
{{range .Lanes}}{{if .Group}}<text class="grp" x="4" y="{{n .TextY}}">{{.Label}}</text>
{{end}}{{end}}
</svg>
<div class="caption">Seconds from {{.Zero}}. Observation window {{.Window}}. Pods and nodes keep the state last observed until the next observation. Dashed lines are the budgets' deadlines (max), dotted ones their lower bounds (min); one beyond the window is drawn at the edge, with an arrow. Budgets on totals and counts are not instants: see the table below. Hover a mark for its times.</div>
{{else}}<p class="muted">No chart: {{.NoChart}}.</p>
{{end}}

<h3>Budgets</h3>
{{if .Budgets}}<div class="tw"><table>
<tr><th>figure</th><th>kind</th><th>value</th><th>budget</th><th>margin</th><th>lower bound</th><th>verdict</th><th>why</th><th>note</th></tr>
{{range .Budgets}}<tr{{if and (not .Pass) (not .NotJudged)}} class="blown"{{end}}>
<td class="fig">{{.Figure}}</td><td>{{.Kind}}</td>
<td class="num">{{if .Measured}}{{.Value}}{{else}}<span class="neg">not measured</span>{{end}}</td>
<td class="num">{{.Limit}}</td><td class="num{{if .MarginNegative}} neg{{end}}">{{.Margin}}</td><td class="num">{{.Lower}}</td>
<td>{{if .NotJudged}}<span class="muted">not judged</span>{{else}}<span class="badge {{if .Pass}}pass{{else}}fail{{end}}">{{if .Pass}}PASS{{else}}FAIL{{end}}</span>{{end}} <span class="muted">{{.Reason}}</span></td>
<td>{{.Why}}</td><td class="muted">{{.Note}}</td>
</tr>
{{end}}</table></div>
{{else}}<p class="muted">This scenario has no budget.</p>{{end}}

{{if .Recovery}}<h3>Recovery per component</h3>
<div class="tw"><table>
<tr><th>component</th><th>recovered when</th><th>after the first inject</th><th></th><th>budget</th><th>note</th></tr>
{{range .Recovery}}<tr{{if .Blown}} class="blown"{{end}}>
<td title="{{.Figure}}">{{.Component}}</td><td class="muted">{{.What}}</td>
<td class="num">{{if .Measured}}{{.Value}}{{else}}<span class="muted">not measured</span>{{end}}</td>
<td><svg class="bar" width="160" height="12" viewBox="0 0 160 12"><rect x="0" y="2" width="160" height="8" fill="#eef0f2"/>{{if .Measured}}<rect x="0" y="2" width="{{n .Bar}}" height="8" fill="#57606a"/>{{end}}</svg></td>
<td class="num">{{.Limit}}</td><td class="muted">{{.Note}}</td>
</tr>
{{end}}</table></div>{{end}}

{{if .Other}}<h3>Other figures</h3>
<div class="tw"><table>
<tr><th>figure</th><th>value</th><th>note</th></tr>
{{range .Other}}<tr><td class="fig">{{.Name}}</td><td class="num">{{if .Measured}}{{.Value}}{{else}}<span class="muted">not measured</span>{{end}}</td><td class="muted">{{.Note}}</td></tr>
{{end}}</table></div>{{end}}
</section>
{{end}}
</main>
<script>
// Zoom on a time range, in the page itself (nothing is fetched): each
// chart's time marks are in groups (g.zt) scaled along time together, so
// every lane zooms as one; labels and diamonds (.pt) keep their shape; the
// axis is drawn again for the range shown. Drag across a chart for a
// range, + and − around its middle, reset or a double-click for the whole.
(() => {
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
  const tick = v => (v > 0 ? '+' : '') + (+v.toFixed(6)) + 's';
  const sec = v => (v >= 0 ? '+' : '') + v.toFixed(2) + 's';
  const attrs = (el, kv) => { for (const k in kv) el.setAttribute(k, kv[k]); return el; };
  for (const ctl of document.querySelectorAll('.zoomctl')) {
    const svg = document.getElementById(ctl.dataset.chart);
    if (!svg) continue;
    const d = svg.dataset, L = +d.left, R = +d.right, lo = +d.lo, hi = +d.hi, top = +d.top, bottom = +d.bottom, axis = +d.axis;
    const ticks = svg.querySelector('g.ticks'), whole = ticks.innerHTML, shown = ctl.querySelector('.zr'), wholeText = shown.textContent;
    const make = (name, kv) => attrs(document.createElementNS(svg.namespaceURI, name), kv);
    const minSpan = Math.max((hi - lo) / 500, 0.05);
    let a = lo, b = hi;
    const xOf = s => L + (s - lo) / (hi - lo) * (R - L);
    const at = x => a + (x - L) / (R - L) * (b - a);
    const show = (na, nb) => {
      const span = Math.min(hi - lo, Math.max(minSpan, nb - na));
      a = Math.max(lo, Math.min(na, hi - span));
      b = a + span;
      const k = (hi - lo) / span, tx = L - k * xOf(a), zoomed = k > 1.0001;
      svg.classList.toggle('zoomed', zoomed);
      for (const g of svg.querySelectorAll('g.zt')) {
        if (zoomed) g.setAttribute('transform', 'matrix(' + k + ' 0 0 1 ' + tx + ' 0)'); else g.removeAttribute('transform');
      }
      for (const p of svg.querySelectorAll('g.zt .pt')) {
        const x0 = +p.dataset.x;
        if (zoomed) p.setAttribute('transform', 'matrix(' + 1 / k + ' 0 0 1 ' + (x0 - x0 / k) + ' 0)'); else p.removeAttribute('transform');
      }
      for (const g of svg.querySelectorAll('g.zoom')) {
        if (zoomed) g.setAttribute('clip-path', 'url(#' + d.clip + ')'); else g.removeAttribute('clip-path');
      }
      if (!zoomed) {
        ticks.innerHTML = whole;
        shown.textContent = wholeText;
        return;
      }
      shown.textContent = 'showing ' + sec(a) + ' to ' + sec(b) + ' of ' + sec(lo) + ' to ' + sec(hi);
      ticks.replaceChildren();
      const step = steps.find(s => (b - a) / s <= 12) || steps[steps.length - 1];
      for (let i = Math.ceil(a / step - 1e-9); i * step <= b + 1e-9; i++) {
        const v = i * step, x = L + (v - a) / (b - a) * (R - L), zero = i === 0;
        ticks.append(make('line', {x1: x, x2: x, y1: top, y2: bottom + 3, stroke: zero ? '#1f2328' : '#ffffff',
          'stroke-opacity': zero ? 0.55 : 0.6, 'stroke-width': 1}));
        ticks.append(make('text', {class: 'tick' + (zero ? ' zero' : ''), x: x, y: axis, 'text-anchor': 'middle'}));
        ticks.lastChild.textContent = tick(v);
      }
    };
    ctl.addEventListener('click', e => {
      const z = e.target.closest('[data-zoom]');
      if (!z) return;
      const m = (a + b) / 2, h = b - a;
      if (z.dataset.zoom === 'in') show(m - h / 4, m + h / 4);
      else if (z.dataset.zoom === 'out') show(m - h, m + h);
      else show(lo, hi);
    });
    let from = null, sel = null;
    const userX = e => new DOMPoint(e.clientX, e.clientY).matrixTransform(svg.getScreenCTM().inverse()).x;
    svg.addEventListener('mousedown', e => {
      const x = userX(e);
      if (e.button !== 0 || x < L || x > R) return;
      e.preventDefault();
      from = x;
      sel = make('rect', {class: 'sel', x: x, y: top, width: 0, height: bottom - top, fill: 'none', stroke: '#1f2328', 'stroke-dasharray': '3 2'});
      svg.append(sel);
    });
    window.addEventListener('mousemove', e => {
      if (from === null) return;
      const x = Math.max(L, Math.min(R, userX(e)));
      attrs(sel, {x: Math.min(from, x), width: Math.abs(x - from)});
    });
    window.addEventListener('mouseup', e => {
      if (from === null) return;
      const x = Math.max(L, Math.min(R, userX(e))), x0 = from;
      from = null;
      sel.remove();
      if (Math.abs(x - x0) >= 3) show(at(Math.min(x0, x)), at(Math.max(x0, x)));
    });
    svg.addEventListener('dblclick', () => show(lo, hi));
  }
})();
</script>
</body>
</html>
`
