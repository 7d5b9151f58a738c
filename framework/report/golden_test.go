package report

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

var update = flag.Bool("update", false, "rewrite the golden files from the code of today")

// The timeline geometry of a recorded drill is pinned: every lane, mark,
// tick and deadline with its coordinates. A change to the chart shows up
// here as a diff to read, not as a page nobody looked at; after looking,
// go test ./framework/report -run Golden -update rewrites the golden file.
func TestChartGeometryGolden(t *testing.T) {
	for _, tc := range []struct{ timeline, golden string }{
		{"../timeline/testdata/reboot.json", "testdata/chart-reboot.golden"},
		{"../timeline/testdata/wipe-etcd.json", "testdata/chart-wipe-etcd.golden"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			data, err := os.ReadFile(tc.timeline)
			if err != nil {
				t.Fatal(err)
			}
			var tl timeline.Timeline
			if err := json.Unmarshal(data, &tl); err != nil {
				t.Fatal(err)
			}
			// Every kind of bound: a deadline and a lower bound from the
			// inject, a step's deadline from its start, a min; in the
			// window or beyond it.
			max, lower, step, min := 90.0, 10.0, 30.0, 5.0
			figs := []record.Figure{}
			for _, fig := range timeline.Derive(tl) {
				f := record.Figure{Figure: fig}
				var bs []budget.Budget
				switch fig.Name {
				case timeline.RecoveryAll:
					bs = []budget.Budget{{Figure: fig.Name, Kind: "self-healing", Max: &max, LowerBound: &lower}}
				case timeline.StepFigure("stop-apiservers"):
					bs = []budget.Budget{{Figure: fig.Name, Kind: "procedure", Max: &step, Min: &min}}
				}
				if bs != nil {
					v := budget.Evaluate([]timeline.Figure{fig}, bs)
					f.Budget = &v[0]
				}
				figs = append(figs, f)
			}
			got := geometry(buildChart(tl, figs))
			if *update {
				if err := os.WriteFile(tc.golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(tc.golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("the chart of %s moved; diff against %s:\n%s", tc.timeline, tc.golden, lineDiff(string(want), got))
			}
		})
	}
}

// geometry is a chart's layout as text, one mark a line, coordinates to a
// tenth of a unit.
func geometry(c *svgChart) string {
	var b strings.Builder
	fmt.Fprintf(&b, "chart %.1f x %.1f, plot %.1f+%.1f, lanes %.1f..%.1f, axis %.1f\n", c.W, c.H, c.PlotLeft, c.PlotW, c.LanesTop, c.LanesBottom, c.AxisY)
	for _, l := range c.Lanes {
		if l.Group {
			fmt.Fprintf(&b, "group %q y=%.1f\n", l.Label, l.TextY)
			continue
		}
		fmt.Fprintf(&b, "lane %q y=%.1f nodata=%v rects=%d gaps=%d markers=%d\n", l.Label, l.Y, l.NoData, len(l.Rects), len(l.Gaps), len(l.Markers))
		for _, r := range l.Rects {
			if r.Fill != colourUp {
				fmt.Fprintf(&b, "  rect %s x=%.1f w=%.1f\n", r.Fill, r.X, r.W)
			}
		}
	}
	for _, f := range c.Faults {
		fmt.Fprintf(&b, "mark %q x=%.1f w=%.1f top=%.1f h=%.1f line=%v label@%.1f,%.1f end=%v\n", f.Label, f.X, f.W, f.Top, f.Height, f.Line, f.LabelX, f.LabelY, f.LabelAnchorEnd)
	}
	for _, tk := range c.Ticks {
		fmt.Fprintf(&b, "tick %q x=%.1f\n", tk.Label, tk.X)
	}
	for _, d := range c.Deadlines {
		fmt.Fprintf(&b, "%s %q x=%.1f label@%.1f,%.1f end=%v blown=%v clamped=%d\n", d.Kind, d.Label, d.X, d.LabelX, d.LabelY, d.AnchorEnd, d.Blown, d.Clamped)
	}
	return b.String()
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(s, "\n") {
			m[l]++
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if g[l] == 0 {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if w[l] == 0 {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

// A mark's label is whole: one that fits on neither side of its mark
// slides along its own row; none is cut to "proce…".
func TestChartLabelsWhole(t *testing.T) {
	tl := timeline.Timeline{Start: t0, End: at(60),
		Events: []timeline.Event{{Kind: timeline.EventInject, Action: "kill-etcd", Target: "firedrill-ha-control-plane2", At: at(10), Done: at(12)}},
		Evidence: []timeline.Evidence{
			{Action: "kill-etcd", Target: "firedrill-ha-control-plane2", At: at(31), Proven: true,
				What: "member data gone and no etcd process left on the node after the wipe, checked twice"},
			{Action: "kill-etcd", Target: "firedrill-ha-control-plane3", At: at(58), Proven: true, What: "kube-apiserver process gone"},
		}}
	c := buildChart(tl, nil)
	if len(c.Faults) != 3 {
		t.Fatalf("%d marks, want 3", len(c.Faults))
	}
	for _, f := range c.Faults {
		w := labelWidth(f.Label, eventCharWidth)
		x0 := f.LabelX
		if f.LabelAnchorEnd {
			x0 -= w
		}
		if strings.Contains(f.Label, "…") || x0 < 4-0.05 || x0+w > chartWidth-4+0.05 {
			t.Errorf("label %q at %.1f..%.1f: cut or off the chart", f.Label, x0, x0+w)
		}
		if !strings.HasPrefix(f.Label, "inject") && !strings.Contains(f.Label, "evidence on firedrill-ha-control-plane") {
			t.Errorf("label %q lost its start", f.Label)
		}
	}
	// Wider than the chart: cut, with all of it on hover.
	long := strings.Repeat("very long evidence ", 12)
	tl.Evidence = []timeline.Evidence{{Action: "x", Target: "n", At: at(30), Proven: true, What: long}}
	c = buildChart(tl, nil)
	f := c.Faults[1]
	if !strings.HasSuffix(f.Label, "…") || !strings.Contains(f.Title, long) || !strings.HasPrefix(f.Title, strings.TrimSuffix(f.Label, "…")) {
		t.Errorf("a label wider than the chart: %q, title %q", f.Label, f.Title)
	}
}

// Every budget on an instant is drawn, deadline and lower bound, even
// outside the observation window: then at the chart's edge, with an arrow
// and a title that says where it really falls.
func TestChartBoundsAlwaysDrawn(t *testing.T) {
	tl := drillTimeline()   // the inject at 10s, the window 0s..60s
	tl.Start = at(15)       // a window that starts after the lower bound
	max, lower := 90.0, 2.0 // at 100s, past the end; at 12s, before the start
	v := budget.Evaluate([]timeline.Figure{{Name: timeline.RecoveryAll, Unit: timeline.Seconds, Value: 20, Measured: true}},
		[]budget.Budget{{Figure: timeline.RecoveryAll, Kind: "self-healing", Max: &max, LowerBound: &lower}})[0]
	c := buildChart(tl, []record.Figure{{Figure: timeline.Figure{Name: timeline.RecoveryAll, Unit: timeline.Seconds, Value: 20, Measured: true}, Budget: &v}})
	if len(c.Deadlines) != 2 {
		t.Fatalf("%d bounds drawn, want the deadline and the lower bound: %+v", len(c.Deadlines), c.Deadlines)
	}
	for _, want := range []struct {
		kind, arrow, where string
		x                  float64
		clamped            int
	}{
		{boundLower, "‹ ", "before the observation window's start at +5.00s", plotLeft, -1},
		{boundMax, " ›", "past the observation window's end at +50.00s", plotRight, 1},
	} {
		i := slices.IndexFunc(c.Deadlines, func(d svgDeadline) bool { return d.Kind == want.kind })
		if i < 0 {
			t.Errorf("no %s drawn", want.kind)
			continue
		}
		d := c.Deadlines[i]
		if d.X != want.x || d.Clamped != want.clamped || d.Arrow == "" || !strings.Contains(d.Label, want.arrow) ||
			!strings.Contains(d.Title, want.where) {
			t.Errorf("%s: x=%.1f clamped=%d arrow %q label %q title %q; want it at the edge %.1f with its arrow and real place",
				want.kind, d.X, d.Clamped, d.Arrow, d.Label, d.Title, want.x)
		}
	}
}
