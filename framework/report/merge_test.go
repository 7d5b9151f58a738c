package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/record"
)

func TestMergeShards(t *testing.T) {
	root := t.TempDir()
	t0 := time.Date(2026, 11, 28, 2, 17, 0, 0, time.UTC)
	shard := func(id, name string, verdict record.Verdict, at time.Time) string {
		s := record.Drill{Name: name, Verdict: verdict, Started: at, Timeline: drillTimeline()}
		if id == "ha" {
			s.Environment = &record.Environment{Run: "ha", Machine: record.Machine{Hostname: "runner-7"}}
		}
		r := &Run{ID: id, Dir: filepath.Join(root, id), Started: at, Finished: at.Add(time.Minute),
			Drills: []record.Drill{s}}
		if err := os.MkdirAll(r.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := Write(r); err != nil {
			t.Fatal(err)
		}
		return r.Dir
	}
	single := shard("single", "reboot-master", "PASS", t0.Add(time.Minute))
	ha := shard("ha", "kill-apiserver", "FAIL", t0)
	// A "latest" link copied as a folder beside its target counts once.
	latest := filepath.Join(root, "latest")
	if err := os.CopyFS(latest, os.DirFS(single)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "merged")
	merged, pass, err := Merge(out, []string{single, ha, latest, t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if pass {
		t.Error("a failed shard merged into a pass")
	}
	if len(merged.Drills) != 2 || merged.Drills[0].Name != "kill-apiserver" || !merged.Started.Equal(t0) {
		t.Errorf("merged %d drills (first %s), started %v", len(merged.Drills), merged.Drills[0].Name, merged.Started)
	}
	back, err := Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Drills) != 2 || len(back.Drills[1].Timeline.Samples) == 0 {
		t.Errorf("the merged report does not read back with its timelines: %+v", back.Drills)
	}
	// Each drill keeps its run and machine; one from before environments
	// were recorded keeps at least its run id.
	if e := back.Drills[0].Environment; e == nil || e.Run != "ha" || e.Machine.Hostname != "runner-7" {
		t.Errorf("the ha drill lost its run or machine: %+v", e)
	}
	if e := back.Drills[1].Environment; e == nil || e.Run != "single" {
		t.Errorf("the single drill lost its run id: %+v", e)
	}
	for _, f := range []string{"summary.md", "report.html", "junit.xml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// A report is data: a report.json naming a drill "../../x", or a timeline
// outside its folder, is refused by Read, so neither merge nor replay
// writes or reads anything outside the folders they were given.
func TestReportNamesCannotLeaveTheFolder(t *testing.T) {
	for _, tc := range []struct{ name, timeline string }{
		{"../../escaped", ""},
		{"..", ""},
		{"ok", "../../../etc/passwd"},
		{"ok", "/etc/passwd"},
	} {
		root := t.TempDir()
		in := filepath.Join(root, "runs", "in")
		if err := os.MkdirAll(in, 0o755); err != nil {
			t.Fatal(err)
		}
		f := File{Run: "in", Scenarios: []record.Drill{{Name: tc.name, Verdict: "PASS", TimelineFile: tc.timeline}}}
		data, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, "report.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(in); err == nil {
			t.Errorf("Read of a drill named %q with timeline %q: no error", tc.name, tc.timeline)
		}
		out := filepath.Join(root, "runs", "out")
		if _, _, err := Merge(out, []string{in}); err == nil {
			t.Errorf("Merge of a drill named %q with timeline %q: no error", tc.name, tc.timeline)
		}
		if _, err := os.Stat(filepath.Join(root, "escaped")); err == nil {
			t.Errorf("merge wrote %s, outside its --out", filepath.Join(root, "escaped"))
		}
		if err := Write(&Run{ID: "w", Dir: out, Drills: []record.Drill{{Name: tc.name}}}); tc.name != "ok" && err == nil {
			t.Errorf("Write of a drill named %q: no error", tc.name)
		}
	}
}

// Drills of the same scenario from several runs are named by their run,
// in the report and as folders, and read back so; the same run's drill
// merged twice (by way of two merged reports) still gets a name of its own.
func TestMergeNamesDuplicatesByRun(t *testing.T) {
	root := t.TempDir()
	t0 := time.Date(2026, 12, 6, 8, 25, 29, 0, time.UTC)
	shard := func(id, name string, at time.Time) string {
		r := &Run{ID: id, Dir: filepath.Join(root, id), Started: at, Finished: at.Add(time.Minute),
			Drills: []record.Drill{{Name: name, Verdict: "PASS", Started: at, Timeline: drillTimeline(),
				Environment: &record.Environment{Run: id}}}}
		if err := os.MkdirAll(r.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := Write(r); err != nil {
			t.Fatal(err)
		}
		return r.Dir
	}
	a := shard("20261206-082529", "reboot-master", t0)
	b := shard("20261206-091012", "reboot-master", t0.Add(time.Hour))
	c := shard("20261206-100000", "kill-apiserver", t0.Add(2*time.Hour))
	keys := func(r *Run) []string {
		var out []string
		for _, d := range r.Drills {
			out = append(out, d.Key())
		}
		return out
	}
	out := filepath.Join(root, "merged")
	merged, _, err := Merge(out, []string{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"reboot-master@20261206-082529", "reboot-master@20261206-091012", "kill-apiserver"}
	if got := keys(merged); !slices.Equal(got, want) {
		t.Errorf("merged drills %q, want %q", got, want)
	}
	for _, k := range want {
		if _, err := os.Stat(filepath.Join(out, k, "timeline.json")); err != nil {
			t.Error(err)
		}
	}
	back, err := Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(back); !slices.Equal(got, want) || back.Drills[0].Name != "reboot-master" {
		t.Errorf("read back %q (name %q), want %q", got, back.Drills[0].Name, want)
	}
	summary, err := os.ReadFile(filepath.Join(out, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(summary), "reboot-master@20261206-091012") {
		t.Errorf("summary.md does not name the drill by its run:\n%s", summary)
	}

	// Run a merged twice: in one merged report with c, in another with b.
	ac, ab := filepath.Join(root, "ac"), filepath.Join(root, "ab")
	if _, _, err := Merge(ac, []string{a, c}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Merge(ab, []string{a, b}); err != nil {
		t.Fatal(err)
	}
	again, _, err := Merge(filepath.Join(root, "again"), []string{ac, ab})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"reboot-master@20261206-082529", "reboot-master@20261206-082529-2", "reboot-master@20261206-091012", "kill-apiserver"}
	if got := keys(again); !slices.Equal(got, want) {
		t.Errorf("merged merges: drills %q, want %q", got, want)
	}
}

// A drill's run names one of its report's folders: one that is not a
// DNS-1123 label becomes one, and Write refuses any other.
func TestRunLabel(t *testing.T) {
	for id, want := range map[string]string{"20261206-082529": "20261206-082529", "../../etc": "etc", "Shard 1/2": "shard-1-2", "": "run", "..": "run"} {
		if got := runLabel(id); got != want {
			t.Errorf("runLabel(%q) = %q, want %q", id, got, want)
		}
	}
	if err := Write(&Run{ID: "w", Dir: t.TempDir(), Drills: []record.Drill{{Name: "ok", From: "../x"}}}); err == nil {
		t.Error("Write of a drill from run ../x: no error")
	}
}
