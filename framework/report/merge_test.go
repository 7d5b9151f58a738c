package report

import (
	"encoding/json"
	"os"
	"path/filepath"
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
