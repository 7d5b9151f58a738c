package report

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
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
			max := 90.0
			figs := []record.Figure{}
			for _, fig := range timeline.Derive(tl) {
				f := record.Figure{Figure: fig}
				if fig.Name == timeline.RecoveryAll {
					v := budget.Evaluate([]timeline.Figure{fig}, []budget.Budget{{Figure: fig.Name, Kind: "self-healing", Max: &max}})
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
		fmt.Fprintf(&b, "deadline %q x=%.1f label@%.1f,%.1f blown=%v\n", d.Label, d.X, d.LabelX, d.LabelY, d.Blown)
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
