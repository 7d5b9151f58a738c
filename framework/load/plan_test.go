package load

import (
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
)

// The default drills are the issue's: each is in the shipped catalog, one
// is a calibration drill with its error bound, one runs on kind-ha, and
// grouped by cluster they make one kind-single and one kind-ha group, in
// the order named.
func TestDefaultDrills(t *testing.T) {
	plan, err := run.Plan(run.Config{ScenariosDir: "../../scenarios", ClustersDir: "../../clusters", Scenarios: DefaultDrills})
	if err != nil {
		t.Fatal(err)
	}
	var calibration, ha bool
	for _, p := range plan {
		s := p.Scenario
		if slices.Contains(s.Labels, scenario.BudgetCalibration) && slices.ContainsFunc(s.Budgets, func(b scenario.Budget) bool { return b.Kind == scenario.BudgetCalibration }) {
			calibration = true
		}
		ha = ha || s.Cluster == "kind-ha"
	}
	if !calibration || !ha {
		t.Errorf("default drills %v: a calibration drill with its bound %v, a kind-ha drill %v", DefaultDrills, calibration, ha)
	}
	var groups []string
	for _, g := range ByCluster(plan) {
		groups = append(groups, g[0].Scenario.Cluster+": "+strings.Join(Names(g), ","))
	}
	if got, want := strings.Join(groups, "; "), "kind-single: calibrate-reset-5s,reboot-master; kind-ha: kill-etcd-leader"; got != want {
		t.Errorf("groups %q, want %q", got, want)
	}
}

// Drills of one profile are grouped however the plan interleaves them,
// each group in plan order, the groups in the order of first appearance.
func TestByCluster(t *testing.T) {
	p := func(name, cluster string) run.Planned {
		return run.Planned{Scenario: &scenario.Scenario{Name: name, Cluster: cluster}}
	}
	plan := []run.Planned{p("a", "ha"), p("b", "single"), p("c", "ha"), p("d", "single"), p("e", "aws")}
	var got []string
	for _, g := range ByCluster(plan) {
		got = append(got, strings.Join(Names(g), ","))
	}
	if want := []string{"a,c", "b,d", "e"}; !slices.Equal(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
	if g := ByCluster(nil); len(g) != 0 {
		t.Errorf("groups of no plan: %v", g)
	}
}
