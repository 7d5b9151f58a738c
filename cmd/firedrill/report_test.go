package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/report"
	"github.com/firedrill/firedrill/framework/timeline"
)

// writeRun writes a run with one drill of reboot-master whose recovery.all
// is v, as the runner would.
func writeRun(t *testing.T, root string, i int, v float64, verdict record.Verdict) string {
	t.Helper()
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
	id := at.Format("20060102-150405")
	r := &report.Run{ID: id, Dir: filepath.Join(root, id), Started: at, Finished: at.Add(time.Minute), Drills: []record.Drill{{
		Name: "reboot-master", Verdict: verdict, Started: at, Finished: at.Add(time.Minute),
		Environment: &record.Environment{Run: id, Machine: record.Machine{Hostname: fmt.Sprintf("shard-%d", i)}},
		Figures:     []record.Figure{{Figure: timeline.Figure{Name: timeline.RecoveryAll, Value: v, Unit: timeline.Seconds, Measured: true}}},
	}}}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := report.Write(r); err != nil {
		t.Fatal(err)
	}
	return r.Dir
}

func TestReportMerge(t *testing.T) {
	root := t.TempDir()
	a, b := writeRun(t, root, 0, 30, "PASS"), writeRun(t, root, 1, 31, "FAIL")
	out := filepath.Join(root, "merged")
	code, stdout, stderr := runCLI("report", "merge", "--out", out, a, b)
	if code != 1 || !strings.Contains(stdout, "merged 2 drills") || !strings.Contains(stderr, "not every drill passed") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	junit, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// One suite per shard's run, each drill keeping its machine.
	if strings.Count(string(junit), "<testsuite ") != 2 || !strings.Contains(string(junit), `value="shard-1"`) {
		t.Errorf("junit.xml:\n%s", junit)
	}
}

func TestReportHistory(t *testing.T) {
	root := t.TempDir()
	for i, v := range []float64{30, 30.4, 29.8, 30.1, 30.2, 29.9, 30.3, 30, 30.1, 29.7, 30.2, 44} {
		writeRun(t, root, i, v, "PASS")
	}
	out := filepath.Join(t.TempDir(), "trends")
	code, stdout, stderr := runCLI("report", "--history", root, "--out", out)
	if code != 0 || !strings.Contains(stdout, "12 run(s)") || !strings.Contains(stdout, "past the P99 30.40s of 11 earlier runs") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, f := range []string{"history.md", "history.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if code, _, stderr := runCLI("report", "--history", root, "--out", out, "--fail-on-regression"); code != 1 || !strings.Contains(stderr, "1 regression(s)") {
		t.Errorf("--fail-on-regression: code %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI("report", "--history", root, filepath.Join(root, "20261201-020000")); code != 2 || !strings.Contains(stderr, "give --scenario-dir too") {
		t.Errorf("--history with a run and no scenarios: code %d, stderr %q", code, stderr)
	}
}

// The trends of the run recorded on a real cluster (testdata of the
// render suite): three runs, with their real figures.
func TestReportHistoryOfARecordedRun(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI("report", "--history", "../../suites/render/testdata/runs", "--out", out)
	if code != 0 || !strings.Contains(stdout, "3 run(s)") || !strings.Contains(stdout, "## lose-etcd-quorum") ||
		!strings.Contains(stdout, "| `recovery.all` | 1 | 41.73s |") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// A --history folder that is not there is an error, not an empty history
// (which would be written into a new folder of that name).
func TestReportHistoryMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "histroy")
	code, stdout, stderr := runCLI("report", "--history", dir)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "report: --history "+dir+": ") {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s made anyway (%v)", dir, err)
	}
	// An empty folder is an empty history.
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ := runCLI("report", "--history", dir); code != 0 || !strings.Contains(stdout, "0 run(s)") {
		t.Errorf("an empty history: code %d, stdout %q", code, stdout)
	}
}

// report replays the run recorded on a real cluster as the repository
// keeps it, timelines gzipped, and one drill of it from its timeline.
func TestReportReplaysGzippedTimelines(t *testing.T) {
	run := "../../suites/render/testdata/runs/20261204-115036"
	code, stdout, stderr := runCLI("report", "--out", filepath.Join(t.TempDir(), "all"), run)
	if code != 1 || !strings.Contains(stdout, "lose-etcd-quorum: ") || !strings.Contains(stdout, "wipe-etcd-ha: PASS") ||
		!strings.Contains(stdout, "replayed 3 drills") {
		t.Errorf("the run: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	one := filepath.Join(t.TempDir(), "one")
	code, stdout, stderr = runCLI("report", "--out", one, run+"/kill-leader-controller-manager/timeline.json.gz")
	if code != 0 || stdout != "kill-leader-controller-manager: PASS\nreplayed 1 drills into "+filepath.Join(one, "report.json")+"\n" {
		t.Errorf("one drill: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
