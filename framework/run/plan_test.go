package run

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/labels"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// The plan is what both front ends run: the names given, in that order,
// filtered by the labels, this shard's part, Repeat times, each drill with
// the time limit the runner enforces.
func TestPlan(t *testing.T) {
	singleMaster, err := labels.Parse("single-master")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{ScenariosDir: "../../scenarios", ClustersDir: "../../clusters",
		Scenarios: []string{"reboot-master", "kill-apiserver-single", "kill-apiserver"}, Labels: singleMaster, Repeat: 2}
	plan, err := Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := cfg.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range plan {
		names = append(names, p.Scenario.Name)
		if want := DrillTimeout(p.Scenario, catalog.Profiles[p.Scenario.Cluster]); p.Timeout != want || want == 0 {
			t.Errorf("%s: time limit %s, want %s", p.Scenario.Name, p.Timeout, want)
		}
	}
	if got, want := strings.Join(names, ","), "reboot-master,kill-apiserver-single,reboot-master,kill-apiserver-single"; got != want {
		t.Errorf("plan %s, want %s", got, want)
	}
	cfg.Scenarios = []string{"reboot-mastr"}
	if _, err := Plan(cfg); err == nil || !strings.Contains(err.Error(), "reboot-mastr") {
		t.Errorf("a plan with an unknown name: %v", err)
	}
}

// Failure is how every front end says a drill did not pass: INTERRUPTED
// and INVALID first, then the error, then the blown budgets.
func TestFailure(t *testing.T) {
	max1 := 1.0
	blown := []budget.Verdict{{Figure: timeline.APIDowntimeTotal, Unit: timeline.Seconds, Value: 2.5, Measured: true, Max: &max1}}
	failed := errors.New("recovery: not after 2m0s")
	for _, tc := range []struct {
		name string
		res  *record.Drill
		err  error
		want string
	}{
		{"passed", &record.Drill{Verdict: record.VerdictPass}, nil, ""},
		{"could not run", nil, errors.New("no budgets"), "no budgets"},
		{"interrupted", &record.Drill{Verdict: record.VerdictInterrupted, Error: "interrupted in phase hold: context canceled"}, failed,
			"INTERRUPTED: interrupted in phase hold: context canceled"},
		{"invalid beats the error", &record.Drill{Verdict: record.VerdictInvalid, Invalid: "the drill never reached its fault"}, failed,
			"INVALID: the drill never reached its fault"},
		{"an error", &record.Drill{Verdict: record.VerdictFail, Budgets: blown}, failed, failed.Error()},
		{"blown budgets", &record.Drill{Verdict: record.VerdictFail, Budgets: blown}, nil, "FAIL\n  api.downtime.total = 2.50s, budget <= 1.00s: above its max 1.00s by 1.50s"},
		{"failed without a blown budget", &record.Drill{Verdict: record.VerdictFail}, nil, "FAIL"},
	} {
		got := Failure(tc.res, tc.err)
		if (got == nil) != (tc.want == "") || got != nil && got.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, got, tc.want)
		}
	}
}

// A mistyped name fails before anything is made: no report folder, no
// reports/latest moved.
func TestNewChecksTheSelectionFirst(t *testing.T) {
	reports := t.TempDir() + "/reports"
	cfg := Config{ScenariosDir: "../../scenarios", ClustersDir: "../../clusters", ReportsDir: reports,
		Scenarios: []string{"reboot-mastr"}, Out: &strings.Builder{}}
	if _, err := NewWith(cfg, Backends{}); err == nil || !strings.Contains(err.Error(), "reboot-mastr") {
		t.Fatalf("NewWith with an unknown name: %v", err)
	}
	if _, err := os.Lstat(reports); !os.IsNotExist(err) {
		t.Errorf("%s made anyway (%v)", reports, err)
	}
}
