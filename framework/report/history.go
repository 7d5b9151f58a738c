package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/stats"
	"github.com/firedrill/firedrill/framework/timeline"
)

// History is the figures of earlier runs: every report.json under a
// folder that runs accumulate in (reports/history/, or one CI restores
// and saves). Only drills that were judged count (PASS or FAIL): an
// INVALID or INTERRUPTED drill's figures describe no complete fault.
type History struct {
	Dir  string
	Runs []string // run ids, oldest first
	// points per scenario and figure, oldest first.
	points map[string]map[string][]Point
}

// Point is one drill's value of one figure.
type Point struct {
	Run     string    `json:"run"`
	At      time.Time `json:"at"`
	Value   float64   `json:"value"`
	Machine string    `json:"machine,omitempty"`
}

// ReadHistory reads every report.json under dir (a run seen twice, as
// through a "latest" link, counts once). A missing folder is an empty
// history: the first run of a new CI has none.
func ReadHistory(dir string) (*History, error) {
	h := &History{Dir: dir, points: map[string]map[string][]Point{}}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return h, nil
	}
	type drill struct {
		run string
		s   record.Drill
	}
	var drills []drill
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "replay" {
			return filepath.SkipDir // a replay repeats its run
		}
		if d.IsDir() || d.Name() != "report.json" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var f File
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, s := range f.Scenarios {
			run := f.Run
			if s.Environment != nil && s.Environment.Run != "" {
				run = s.Environment.Run
			}
			key := run + "/" + s.Key() + "/" + s.Started.String()
			if seen[key] {
				continue
			}
			seen[key] = true
			drills = append(drills, drill{run: run, s: s})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read history %s: %w", dir, err)
	}
	slices.SortStableFunc(drills, func(a, b drill) int { return a.s.Started.Compare(b.s.Started) })
	for _, d := range drills {
		if !slices.Contains(h.Runs, d.run) {
			h.Runs = append(h.Runs, d.run)
		}
		if d.s.Verdict != record.VerdictPass && d.s.Verdict != record.VerdictFail {
			continue
		}
		machine := ""
		if d.s.Environment != nil {
			machine = d.s.Environment.Machine.Hostname
		}
		for _, fig := range d.s.Figures {
			if !fig.Measured {
				continue
			}
			if h.points[d.s.Name] == nil {
				h.points[d.s.Name] = map[string][]Point{}
			}
			h.points[d.s.Name][fig.Name] = append(h.points[d.s.Name][fig.Name],
				Point{Run: d.run, At: d.s.Started, Value: fig.Value, Machine: machine})
		}
	}
	return h, nil
}

// Values are a scenario's earlier values of a figure, oldest first: what
// budget.History derives budgets from.
func (h *History) Values(scenario, figure string) []float64 {
	var out []float64
	for _, p := range h.points[scenario][figure] {
		out = append(out, p.Value)
	}
	return out
}

// Excluding is the history without one run: a replay judged against the
// history must not count the run itself among the earlier ones.
func (h *History) Excluding(run string) *History {
	out := &History{Dir: h.Dir, points: map[string]map[string][]Point{}}
	for _, r := range h.Runs {
		if r != run {
			out.Runs = append(out.Runs, r)
		}
	}
	for sc, figs := range h.points {
		out.points[sc] = map[string][]Point{}
		for fig, pts := range figs {
			for _, p := range pts {
				if p.Run != run {
					out.points[sc][fig] = append(out.points[sc][fig], p)
				}
			}
		}
	}
	return out
}

// Save keeps a run's report.json in the history folder (the figures, not
// the timelines: history is read for numbers). Written after each drill,
// like the report itself.
func Save(historyDir string, r *Run) error {
	src := filepath.Join(r.Dir, "report.json")
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	dst := filepath.Join(historyDir, r.ID, "report.json")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// Trend is one scenario's figure over the history.
type Trend struct {
	Scenario string        `json:"scenario"`
	Figure   string        `json:"figure"`
	Unit     timeline.Unit `json:"unit"`
	Count    int           `json:"count"`
	Median   float64       `json:"median"`
	P95      float64       `json:"p95"`
	P99      float64       `json:"p99"`
	Last     float64       `json:"last"`
	LastRun  string        `json:"lastRun"`
	// Spark is the last values as a sparkline, oldest first.
	Spark string `json:"spark"`
	// Regression says why the last value is a regression: past the P99
	// of at least MinRuns earlier runs, or a change-point after which
	// the figure is worse; empty when it is not one.
	Regression string `json:"regression,omitempty"`
}

// Trends are every scenario's figures over the history, scenarios and
// figures in name order. minRuns is how many earlier runs a P99 needs to
// flag a value past it.
func (h *History) Trends(minRuns int) []Trend {
	var out []Trend
	for _, sc := range slices.Sorted(maps.Keys(h.points)) {
		for _, fig := range slices.Sorted(maps.Keys(h.points[sc])) {
			pts := h.points[sc][fig]
			xs := make([]float64, len(pts))
			for i, p := range pts {
				xs[i] = p.Value
			}
			t := Trend{Scenario: sc, Figure: fig, Unit: timeline.FigureUnits[fig], Count: len(xs),
				Median: stats.Median(xs), P95: stats.Percentile(xs, 95), P99: stats.Percentile(xs, 99),
				Last: xs[len(xs)-1], LastRun: pts[len(pts)-1].Run, Spark: Sparkline(xs, 30)}
			t.Regression = regression(fig, xs, minRuns)
			out = append(out, t)
		}
	}
	return out
}

// regression judges the last value against the earlier ones. Which way is
// worse comes from the figure table: most figures are better lower.
func regression(figure string, xs []float64, minRuns int) string {
	info, _ := timeline.Info(figure)
	unit := info.Unit
	worse := func(a, b float64) bool { // a is worse than b
		if info.HigherIsBetter {
			return a < b
		}
		return a > b
	}
	last, earlier := xs[len(xs)-1], xs[:len(xs)-1]
	if len(earlier) >= minRuns {
		p99 := stats.Percentile(earlier, 99)
		if !info.HigherIsBetter && worse(last, p99) {
			return fmt.Sprintf("last %s is past the P99 %s of %d earlier runs", budget.Format(last, unit), budget.Format(p99, unit), len(earlier))
		}
		if info.HigherIsBetter {
			if p1 := stats.Percentile(earlier, 1); worse(last, p1) {
				return fmt.Sprintf("last %s is below the P1 %s of %d earlier runs", budget.Format(last, unit), budget.Format(p1, unit), len(earlier))
			}
		}
	}
	// A change-point: the runs since it differ from those before by more
	// than four standard errors and by at least 10%, and for the worse.
	if s, ok := stats.ChangePoint(xs, 3); ok && s.T >= 4 && worse(s.After, s.Before) &&
		math.Abs(s.After-s.Before) >= 0.1*math.Abs(s.Before) {
		return fmt.Sprintf("changed for the worse %d runs ago: mean %s before, %s since", len(xs)-s.At,
			budget.Format(s.Before, unit), budget.Format(s.After, unit))
	}
	return ""
}

// Sparkline draws the last n values with eighth blocks, lowest to highest.
func Sparkline(xs []float64, n int) string {
	if len(xs) > n {
		xs = xs[len(xs)-n:]
	}
	if len(xs) == 0 {
		return ""
	}
	blocks := []rune("▁▂▃▄▅▆▇█")
	lo, hi := slices.Min(xs), slices.Max(xs)
	var b strings.Builder
	for _, x := range xs {
		i := 0
		if hi > lo {
			i = int(math.Round((x - lo) / (hi - lo) * float64(len(blocks)-1)))
		}
		b.WriteRune(blocks[i])
	}
	return b.String()
}

// HistoryMarkdown renders the trends: regressions first, then per
// scenario every figure.
func HistoryMarkdown(h *History, trends []Trend, minRuns int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# firedrill history: %d run(s) in %s\n\n", len(h.Runs), h.Dir)
	var flagged []Trend
	for _, t := range trends {
		if t.Regression != "" {
			flagged = append(flagged, t)
		}
	}
	if len(flagged) == 0 {
		fmt.Fprintf(&b, "No regression: no last value past the P99 of %d or more earlier runs, no change-point for the worse.\n\n", minRuns)
	} else {
		fmt.Fprintf(&b, "## %d regression(s)\n\n| scenario | figure | last | why |\n|---|---|---:|---|\n", len(flagged))
		for _, t := range flagged {
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", t.Scenario, t.Figure, budget.Format(t.Last, t.Unit), t.Regression)
		}
		b.WriteString("\n")
	}
	scenario := ""
	for i, t := range trends {
		if t.Scenario != scenario {
			scenario = t.Scenario
			fmt.Fprintf(&b, "## %s\n\n| figure | runs | median | P95 | P99 | last | trend | regression |\n|---|---:|---:|---:|---:|---:|---|---|\n", scenario)
		}
		fmt.Fprintf(&b, "| `%s` | %d | %s | %s | %s | %s | %s | %s |\n", t.Figure, t.Count, budget.Format(t.Median, t.Unit),
			budget.Format(t.P95, t.Unit), budget.Format(t.P99, t.Unit), budget.Format(t.Last, t.Unit), t.Spark, orDash(t.Regression))
		if i == len(trends)-1 || trends[i+1].Scenario != scenario {
			b.WriteString("\n")
		}
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteTrendsJSON writes the trends as history.json, for scripts.
func WriteTrendsJSON(path string, h *History, trends []Trend) error {
	return writeJSON(path, struct {
		Dir    string   `json:"dir"`
		Runs   []string `json:"runs"`
		Trends []Trend  `json:"trends"`
	}{h.Dir, h.Runs, trends})
}
