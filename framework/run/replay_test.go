package run

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/drill"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/report"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// recordRun writes a run's report the way the runner does, from the
// recorded reboot of a kind control plane judged against reboot-master's
// budgets, and returns its folder and the drill as judged then.
func recordRun(t *testing.T) (string, *record.Drill) {
	t.Helper()
	data, err := os.ReadFile("../timeline/testdata/reboot.json")
	if err != nil {
		t.Fatal(err)
	}
	var tl timeline.Timeline
	if err := json.Unmarshal(data, &tl); err != nil {
		t.Fatal(err)
	}
	catalog, err := scenario.LoadCatalog("../../scenarios", "../../clusters")
	if err != nil {
		t.Fatal(err)
	}
	budgets, err := catalog.Budgets("reboot-master")
	if err != nil {
		t.Fatal(err)
	}
	res := &record.Drill{Name: "reboot-master", Cluster: "firedrill-single", Timeline: tl, Started: tl.Start, Finished: tl.End, Healthy: true}
	record.Judge(res, drill.Limits(budgets))
	dir := filepath.Join(t.TempDir(), "20260312-101500")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := report.Write(&report.Run{ID: "20260312-101500", Dir: dir, Started: tl.Start, Finished: tl.End,
		Drills: []record.Drill{*res}}); err != nil {
		t.Fatal(err)
	}
	return dir, res
}

func readFile(t *testing.T, path string) report.File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f report.File
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// A replay with the recorded budgets derives the same figures and gives
// the same verdict, from the timeline alone.
func TestReplayReproducesTheRecordedRun(t *testing.T) {
	dir, recorded := recordRun(t)
	out := filepath.Join(t.TempDir(), "replay")
	run, pass, err := Replay(ReplayInput{From: filepath.Join(dir, "report.json"), Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if pass != (recorded.Verdict == record.VerdictPass) || run.Drills[0].Verdict != recorded.Verdict {
		t.Fatalf("replayed verdict %s (pass %v), recorded %s", run.Drills[0].Verdict, pass, recorded.Verdict)
	}
	want := readFile(t, filepath.Join(dir, "report.json")).Scenarios[0].Figures
	got := readFile(t, filepath.Join(out, "report.json")).Scenarios[0].Figures
	if len(got) != len(want) {
		t.Fatalf("%d figures replayed, %d recorded", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Name != w.Name || g.Value != w.Value || g.Measured != w.Measured || (g.Budget == nil) != (w.Budget == nil) ||
			(g.Budget != nil && (g.Budget.Pass != w.Budget.Pass || g.Budget.Why != w.Budget.Why)) {
			t.Errorf("figure %s: replayed %+v, recorded %+v", w.Name, g, w)
		}
	}
	for _, f := range []string{"summary.md", "report.html", "reboot-master/timeline.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("replay wrote no %s: %v", f, err)
		}
	}
	if _, _, err := Replay(ReplayInput{From: dir, Out: dir}); err == nil {
		t.Error("a replay over the recorded run was allowed")
	}
}

// With changed scenario files the same timeline is judged against the new
// budgets: a budget tightened below the recorded downtime fails the drill.
func TestReplayAgainstChangedBudgets(t *testing.T) {
	dir, recorded := recordRun(t)
	var down float64
	for _, f := range recorded.Figures {
		if f.Name == timeline.APIDowntimeTotal {
			down = f.Value
		}
	}
	if down < 2 {
		t.Fatalf("the recorded reboot has %.1fs of API downtime: no budget to tighten below it", down)
	}
	scenarios, clusters := t.TempDir(), t.TempDir()
	src, err := os.ReadFile("../../scenarios/reboot-master.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), "  - figure: api.downtime.total\n    kind: availability\n    max: 30s\n    lowerBound: 10s",
		"  - figure: api.downtime.total\n    kind: availability\n    max: 1s", 1)
	if changed == string(src) {
		t.Fatal("reboot-master.yaml has no api.downtime.total budget of 30s to change")
	}
	if err := os.WriteFile(filepath.Join(scenarios, "reboot-master.yaml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	profile, err := os.ReadFile("../../clusters/kind-single.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(clusters, "kind-single.yaml"), profile, 0o644); err != nil {
		t.Fatal(err)
	}
	catalog, err := scenario.LoadCatalog(scenarios, clusters)
	if err != nil {
		t.Fatal(err)
	}
	run, pass, err := Replay(ReplayInput{From: dir, Out: filepath.Join(t.TempDir(), "replay"), Catalog: catalog})
	if err != nil {
		t.Fatal(err)
	}
	// The recorded timeline predates fault evidence, so the drill is
	// INVALID either way; the budget itself is what changed.
	if pass {
		t.Fatalf("verdict %s against a 1 s budget on %.1fs of downtime", run.Drills[0].Verdict, down)
	}
	for _, v := range recorded.Budgets {
		if v.Figure == timeline.APIDowntimeTotal && !v.Pass {
			t.Fatalf("the recorded run blew api.downtime.total already: %+v", v)
		}
	}
	judged := false
	for _, f := range run.Drills[0].Figures {
		if f.Name == timeline.APIDowntimeTotal {
			judged = f.Budget != nil
			if !judged || f.Budget.Pass || *f.Budget.Max != 1 {
				t.Errorf("api.downtime.total judged %+v, want blown against max 1", f.Budget)
			}
		}
	}
	if !judged {
		t.Error("api.downtime.total has no budget in the replay")
	}
}

// A replay fails closed: a recorded drill with no timeline, or with a
// timeline and no budget to hold it to, is INVALID and the replay does not
// pass, whatever verdict the report claimed.
func TestReplayWithNothingToJudgeIsInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string, f *report.File)
		want string
	}{
		{"no budgets", func(t *testing.T, dir string, f *report.File) {
			for i := range f.Scenarios[0].Figures {
				f.Scenarios[0].Figures[i].Budget = nil
			}
			// Everything else in order: the reboot proven by its boot id.
			path := filepath.Join(dir, f.Scenarios[0].TimelineFile)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var tl timeline.Timeline
			if err := json.Unmarshal(data, &tl); err != nil {
				t.Fatal(err)
			}
			tl.Evidence = []timeline.Evidence{{Target: "firedrill-control-plane", Action: "reboot", What: "boot id changed", Before: "a", After: "b", Proven: true}}
			if data, err = json.Marshal(tl); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "no budget"},
		{"no timeline, observed", func(_ *testing.T, _ string, f *report.File) {
			f.Scenarios[0].TimelineFile = ""
			f.Scenarios[0].Fault = record.ObserveFault
		}, "no timeline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := recordRun(t)
			f := readFile(t, filepath.Join(dir, "report.json"))
			f.Scenarios[0].Verdict = record.VerdictPass
			tc.edit(t, dir, &f)
			data, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "report.json"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			run, pass, err := Replay(ReplayInput{From: dir, Out: filepath.Join(t.TempDir(), "replay")})
			if err != nil {
				t.Fatal(err)
			}
			s := run.Drills[0]
			if pass || s.Verdict != record.VerdictInvalid || !strings.Contains(s.Invalid, tc.want) {
				t.Errorf("replay: pass %v, verdict %s (%s); want INVALID saying %q", pass, s.Verdict, s.Invalid, tc.want)
			}
		})
	}
}

// One judge: a drill the runner ran and judged, and the same record read
// back from its report and judged again, get the same verdict, figures and
// budgets, and render the same report, whatever the verdict.
func TestRunAndReplayJudgeAlike(t *testing.T) {
	for _, tc := range []struct {
		name     string
		script   func(*world)
		cancelIn string
		want     record.Verdict
	}{
		{"pass", nil, "", record.VerdictPass},
		{"fail", func(w *world) { w.neverRecovers = true }, "", record.VerdictFail},
		{"invalid", func(w *world) { w.upFails = "docker: no space left on device" }, "", record.VerdictInvalid},
		{"interrupted", nil, "hold", record.VerdictInterrupted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr := runFake(t, tc.script, tc.cancelIn, 0)
			if ran := fr.r.report.Drills; len(ran) != 1 || ran[0].Verdict != tc.want {
				t.Fatalf("the runner judged %d drills, want one %s; output:\n%s", len(ran), tc.want, fr.out.String())
			}
			ran := fr.r.report.Drills[0]
			out := filepath.Join(t.TempDir(), "replay")
			replayed, pass, err := Replay(ReplayInput{From: fr.r.Dir(), Out: out})
			if err != nil {
				t.Fatal(err)
			}
			again := replayed.Drills[0]
			if again.Verdict != ran.Verdict || again.Invalid != ran.Invalid || pass != (ran.Verdict == record.VerdictPass) {
				t.Errorf("replayed %s (%q, pass %v), ran %s (%q)", again.Verdict, again.Invalid, pass, ran.Verdict, ran.Invalid)
			}
			if len(again.Budgets) != len(ran.Budgets) {
				t.Errorf("replayed %d budgets, ran %d", len(again.Budgets), len(ran.Budgets))
			}
			for _, f := range []string{"report.json", "summary.md", "junit.xml", "report.html"} {
				want, err := os.ReadFile(filepath.Join(fr.r.Dir(), f))
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(filepath.Join(out, f))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("the replay's %s differs from the run's: %s", f, firstDifference(string(want), string(got)))
				}
			}
		})
	}
}

// firstDifference is the first line where two texts differ, as both have it.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			return fmt.Sprintf("line %d: %q, want %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}

// recordedRun is the run recorded on a real cluster that the repository
// keeps, its timelines gzipped (suites/render replays it too).
const recordedRun = "../../suites/render/testdata/runs/20261204-115036"

// A recorded run keeps its timelines gzipped: replay reads the run's
// folder as it is, and one drill alone from its timeline.json.gz.
func TestReplayReadsGzippedTimelines(t *testing.T) {
	recorded := readFile(t, filepath.Join(recordedRun, "report.json"))
	out := filepath.Join(t.TempDir(), "replay")
	run, _, err := Replay(ReplayInput{From: recordedRun, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Drills) != len(recorded.Scenarios) || len(run.Drills) != 3 {
		t.Fatalf("replayed %d drills, recorded %d", len(run.Drills), len(recorded.Scenarios))
	}
	for i, d := range run.Drills {
		if d.Name != recorded.Scenarios[i].Name || len(d.Timeline.Samples) == 0 || len(d.Figures) == 0 {
			t.Errorf("%s: %d samples, %d figures", d.Name, len(d.Timeline.Samples), len(d.Figures))
		}
	}
	// One drill, from its gzipped timeline.
	one := filepath.Join(t.TempDir(), "one")
	run, pass, err := Replay(ReplayInput{From: filepath.Join(recordedRun, "lose-etcd-quorum", "timeline.json.gz"), Out: one})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Drills) != 1 || run.Drills[0].Name != "lose-etcd-quorum" || pass || len(run.Drills[0].Timeline.Samples) == 0 {
		t.Fatalf("replayed %d drills (%+v), pass %v", len(run.Drills), run.Drills, pass)
	}
	if got := readFile(t, filepath.Join(one, "report.json")).Scenarios; len(got) != 1 || len(got[0].Figures) == 0 {
		t.Errorf("report.json of the one drill: %+v", got)
	}
}

// SourceOf: which run, and which drill, a replay's argument names.
func TestSourceOf(t *testing.T) {
	for from, want := range map[string]Source{
		recordedRun: {Dir: recordedRun},
		filepath.Join(recordedRun, "report.json"):                      {Dir: recordedRun},
		filepath.Join(recordedRun, "wipe-etcd-ha", "timeline.json.gz"): {Dir: recordedRun, Timeline: filepath.Join("wipe-etcd-ha", "timeline.json.gz")},
		filepath.Join(recordedRun, "wipe-etcd-ha", "timeline.json"):    {Dir: recordedRun, Timeline: filepath.Join("wipe-etcd-ha", "timeline.json")},
	} {
		if got, err := SourceOf(from); err != nil || got != want {
			t.Errorf("SourceOf(%s) = %+v, %v; want %+v", from, got, err, want)
		}
	}
	if _, err := SourceOf(filepath.Join(t.TempDir(), "a", "timeline.json.gz")); err == nil || !strings.Contains(err.Error(), "no report.json") {
		t.Errorf("a timeline with no run around it: %v", err)
	}
	dir := t.TempDir()
	if _, _, err := Replay(ReplayInput{From: filepath.Join(recordedRun, "no-such-drill", "timeline.json.gz"), Out: dir}); err == nil ||
		!strings.Contains(err.Error(), "no drill of the run") {
		t.Errorf("a timeline no drill has: %v", err)
	}
}
