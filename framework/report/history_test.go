package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// writeRuns writes one report.json per value, a day apart, each with one
// drill of reboot-master and its recovery.all.
func writeRuns(t *testing.T, dir string, values []float64, verdict func(i int) record.Verdict) {
	t.Helper()
	for i, v := range values {
		started := t0.Add(time.Duration(i) * 24 * time.Hour)
		id := started.Format("20060102-150405")
		f := File{Run: id, Started: started, Scenarios: []record.Drill{{Name: "reboot-master", Verdict: verdict(i), Started: started,
			Environment: &record.Environment{Run: id, Machine: record.Machine{Hostname: "ci"}},
			Figures: []record.Figure{
				{Figure: timeline.Figure{Name: timeline.RecoveryAll, Value: v, Unit: timeline.Seconds, Measured: true}},
				{Figure: timeline.Figure{Name: timeline.APIAvailability, Value: 90, Unit: timeline.Percent, Measured: true}},
			}}}}
		if err := writeJSON(filepath.Join(dir, id, "report.json"), f); err != nil {
			t.Fatal(err)
		}
	}
}

func pass(int) record.Verdict { return record.VerdictPass }

func trend(t *testing.T, trends []Trend, figure string) Trend {
	t.Helper()
	for _, tr := range trends {
		if tr.Figure == figure {
			return tr
		}
	}
	t.Fatalf("no trend of %s in %+v", figure, trends)
	return Trend{}
}

func TestHistoryTrends(t *testing.T) {
	dir := t.TempDir()
	values := []float64{30, 31, 29, 30.5, 30.2, 29.8, 31.2, 30.1, 29.9, 30.4, 30.3, 45}
	writeRuns(t, dir, values, pass)
	// A "latest" link beside its target must not count its run twice.
	if err := os.Symlink(filepath.Join(dir, "20260325-102107"), filepath.Join(dir, "latest")); err != nil {
		t.Fatal(err)
	}
	h, err := ReadHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Runs) != 12 {
		t.Fatalf("%d runs, want 12", len(h.Runs))
	}
	tr := trend(t, h.Trends(10), timeline.RecoveryAll)
	if tr.Count != 12 || tr.Median != 30.2 || tr.P95 != 45 || tr.Last != 45 || len([]rune(tr.Spark)) != 12 {
		t.Errorf("trend %+v", tr)
	}
	if !strings.Contains(tr.Regression, "last 45.00s is past the P99 31.20s of 11 earlier runs") {
		t.Errorf("the jump to 45 s is not flagged: %q", tr.Regression)
	}
	if r := trend(t, h.Trends(10), timeline.APIAvailability).Regression; r != "" {
		t.Errorf("a steady availability flagged: %s", r)
	}
	// With fewer earlier runs than asked for, a P99 proves nothing.
	if r := trend(t, h.Trends(20), timeline.RecoveryAll).Regression; strings.Contains(r, "P99") {
		t.Errorf("flagged past a P99 of too few runs: %s", r)
	}
	md := HistoryMarkdown(h, h.Trends(10), 10)
	if !strings.Contains(md, "## 1 regression(s)") || !strings.Contains(md, "| `recovery.all` | 12 | 30.20s |") {
		t.Errorf("history.md:\n%s", md)
	}
}

// A level shift that no single value makes obvious is a change-point.
func TestHistoryChangePoint(t *testing.T) {
	dir := t.TempDir()
	writeRuns(t, dir, []float64{20, 20.4, 19.8, 20.1, 20.2, 26, 26.3, 25.9, 26.1}, pass)
	h, err := ReadHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr := trend(t, h.Trends(10), timeline.RecoveryAll)
	if !strings.Contains(tr.Regression, "changed for the worse 4 runs ago") {
		t.Errorf("the shift from 20 s to 26 s is not flagged: %+v", tr)
	}
}

// INVALID and INTERRUPTED drills describe no complete fault: their figures
// are not history.
func TestHistoryKeepsOnlyJudgedDrills(t *testing.T) {
	dir := t.TempDir()
	writeRuns(t, dir, []float64{30, 99, 31}, func(i int) record.Verdict {
		return map[int]record.Verdict{0: record.VerdictPass, 1: record.VerdictInvalid, 2: record.VerdictFail}[i]
	})
	h, err := ReadHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Values("reboot-master", timeline.RecoveryAll); len(got) != 2 || got[0] != 30 || got[1] != 31 {
		t.Errorf("values %v, want [30 31]", got)
	}
	first := h.Runs[0]
	if got := h.Excluding(first).Values("reboot-master", timeline.RecoveryAll); len(got) != 1 || got[0] != 31 {
		t.Errorf("without run %s: values %v, want [31]", first, got)
	}
	if missing, err := ReadHistory(filepath.Join(dir, "nothing-yet")); err != nil || len(missing.Runs) != 0 {
		t.Errorf("a history folder not made yet must be an empty history: %v", err)
	}
}

func TestSparkline(t *testing.T) {
	if got := Sparkline([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 30); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("sparkline %q", got)
	}
	if got := Sparkline([]float64{5, 5, 5}, 2); got != "▁▁" {
		t.Errorf("flat or cut sparkline %q", got)
	}
}
