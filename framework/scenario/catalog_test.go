package scenario

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/timeline"
)

// catalogDirs writes one scenario (drill.yaml) and one profile
// (kind-single.yaml) into fresh scenarios/ and clusters/ dirs.
func catalogDirs(t *testing.T, scenario, profile string) (scenariosDir, clustersDir string) {
	t.Helper()
	root := t.TempDir()
	scenariosDir, clustersDir = filepath.Join(root, "scenarios"), filepath.Join(root, "clusters")
	for _, d := range []string{scenariosDir, clustersDir} {
		if err := mkdir(d); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, scenariosDir, "drill.yaml", scenario)
	writeFile(t, clustersDir, "kind-single.yaml", profile)
	return scenariosDir, clustersDir
}

func TestCatalogErrors(t *testing.T) {
	tests := []struct {
		name              string
		scenario, profile string
		otherProfile      string // written as kind-multi.yaml, if any
		file              string // "scenario" or "profile": where the message is
		want              string
	}{
		{
			name:     "unknown cluster profile",
			scenario: edit(t, baseScenario, "cluster: kind-single", "cluster: kind-multi"),
			profile:  baseProfile[:strings.Index(baseProfile, "budgetOverrides:")],
			file:     "scenario",
			want:     `5:10: cluster: unknown cluster profile "kind-multi"; known profiles: kind-single`,
		},
		{
			name:     "override of a non-existent budget",
			scenario: baseScenario,
			profile:  edit(t, baseProfile, "figure: api.recovery", "figure: api.detect"),
			file:     "profile",
			want:     `16:13: budgetOverrides[0].figure: scenario "drill" has no budget on "api.detect"; its budgets are on: api.recovery, writes.lost`,
		},
		{
			name:     "override of a non-existent scenario",
			scenario: baseScenario,
			profile:  edit(t, baseProfile, "scenario: drill", "scenario: dril"),
			file:     "profile",
			want:     `15:15: budgetOverrides[0].scenario: unknown scenario "dril" (did you mean "drill"?); known scenarios: drill`,
		},
		{
			name:     "override of a bound the budget does not have",
			scenario: baseScenario,
			profile:  edit(t, baseProfile, "max: 150s", "min: 10s"),
			file:     "profile",
			want:     `17:10: budgetOverrides[0].min: the budget on "api.recovery" of scenario "drill" has no min to override`,
		},
		{
			name:     "override below the lower bound",
			scenario: baseScenario,
			profile:  edit(t, baseProfile, "max: 150s", "max: 10s"),
			file:     "profile",
			want:     `17:10: budgetOverrides[0].max: max 10s is below the lowerBound 20s of scenario "drill": budget below the lower bound the cluster's settings impose`,
		},
		{
			name:     "override of the lower bound above the scenario's max",
			scenario: baseScenario,
			profile:  edit(t, baseProfile, "max: 150s", "lowerBound: 150s"),
			file:     "profile",
			want:     `17:17: budgetOverrides[0].lowerBound: lowerBound 150s is above the max 120s of scenario "drill": no run could pass on this profile; override max too`,
		},
		{
			name:     "target zone with no node",
			scenario: edit(t, baseScenario, "    count: one\n", "    count: one\n    zone: zone-b\n"),
			profile:  baseProfile,
			file:     "scenario",
			want:     `20:11: fault.target.zone: cluster profile "kind-single" has no control-plane node in zone zone-b`,
		},
		{
			name:     "target count above the matching nodes",
			scenario: edit(t, baseScenario, "count: one", "count: 2"),
			profile:  baseProfile,
			file:     "scenario",
			want:     `19:12: fault.target.count: 2 nodes wanted, but cluster profile "kind-single" has only 1 control-plane node(s)`,
		},
		{
			name:     "a profile in the scenarios dir",
			scenario: edit(t, baseProfile, "name: kind-single", "name: drill"),
			profile:  baseProfile,
			file:     "scenario",
			want:     `2:7: kind: want "Scenario" here, got "ClusterProfile"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd, cd := catalogDirs(t, tt.scenario, tt.profile)
			if tt.otherProfile != "" {
				writeFile(t, cd, "kind-multi.yaml", tt.otherProfile)
			}
			c, err := LoadCatalog(sd, cd)
			if c != nil {
				t.Error("catalog returned with an error")
			}
			file := filepath.Join(sd, "drill.yaml")
			if tt.file == "profile" {
				file = filepath.Join(cd, "kind-single.yaml")
			}
			checkErr(t, err, file, 1, tt.want)
		})
	}
}

func TestCatalogBrokenProfileDoesNotCascade(t *testing.T) {
	sd, cd := catalogDirs(t, baseScenario, edit(t, baseProfile, "provider: kind", "provider: gcp"))
	_, err := LoadCatalog(sd, cd)
	// The profile's own error, and not "unknown cluster profile" in the
	// scenario.
	checkErr(t, err, filepath.Join(cd, "kind-single.yaml"), 1, `4:11: provider: unknown provider "gcp"`)
}

func TestCatalogAllErrorsSorted(t *testing.T) {
	sd, cd := catalogDirs(t,
		edit(t, baseScenario, "cluster: kind-single", "cluster: nowhere"),
		edit(t, baseProfile, "zone: zone-a\n    - role: worker", "zone: zone-a\n    - role: boss"))
	writeFile(t, sd, "other.yaml", edit(t, baseScenario, "name: drill", "name: other2"))
	_, err := LoadCatalog(sd, cd)
	msgs := messages(err)
	want := []string{
		filepath.Join(cd, "kind-single.yaml") + ":12:13: kindCluster.nodes[1].role:",
		filepath.Join(sd, "drill.yaml") + ":5:10: cluster:",
		filepath.Join(sd, "other.yaml") + ":3:7: name:",
	}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages, want %d:\n%s", len(msgs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(msgs[i], w) {
			t.Errorf("message %d = %q, want prefix %q", i, msgs[i], w)
		}
	}
}

func TestCatalogMissingDir(t *testing.T) {
	_, err := LoadCatalog(filepath.Join(t.TempDir(), "none"), "testdata/clusters")
	if err == nil || !strings.Contains(err.Error(), "none: cannot read directory") {
		t.Errorf("err = %v", err)
	}
}

func TestCatalogExamples(t *testing.T) {
	c, err := LoadCatalog("testdata/scenarios", "testdata/clusters")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Scenarios) != 1 || len(c.Profiles) != 1 || c.Scenarios["reboot-master"] == nil || c.Profiles["kind-single"] == nil {
		t.Fatalf("catalog = %+v", c)
	}
	budgets, err := c.Budgets("reboot-master")
	if err != nil {
		t.Fatal(err)
	}
	b := budgets[0]
	if b.Figure != "api.recovery" || b.Max.Number != 120 || b.Max.Raw != "2m" {
		t.Errorf("overridden budget = %+v, max %+v", b, b.Max)
	}
	if !strings.HasSuffix(b.Why, "; overridden on kind-single: kind on a laptop restarts the node container more slowly than a VM reboots.") {
		t.Errorf("why = %q", b.Why)
	}
	if budgets[1].Max.Number != 120 || budgets[1].LowerBound.Number != 15 {
		t.Errorf("untouched budget = %+v", budgets[1])
	}
	// The catalog itself is unchanged.
	if orig := c.Scenarios["reboot-master"].Budgets[0]; orig.Max.Number != 90 || strings.Contains(orig.Why, "overridden") {
		t.Errorf("scenario budget changed: %+v", orig)
	}
	if _, err := c.Budgets("nope"); err == nil || !strings.Contains(err.Error(), `unknown scenario "nope"; known scenarios: reboot-master`) {
		t.Errorf("Budgets(nope) err = %v", err)
	}
}

func TestSelect(t *testing.T) {
	c := &Catalog{Scenarios: map[string]*Scenario{"a": {Name: "a"}, "b": {Name: "b"}, "reboot-master": {Name: "reboot-master"}}}
	got, err := c.Select([]string{"reboot-master", "a"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"reboot-master", "a"}) {
		t.Errorf("Select = %v", names)
	}
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{nil, "no scenario selected; known scenarios: a, b, reboot-master"},
		{[]string{"a", "reboot-mastr"}, `unknown scenario "reboot-mastr" (did you mean "reboot-master"?); known scenarios: a, b, reboot-master`},
		{[]string{"a", "a"}, `scenario "a" selected twice`},
	} {
		if _, err := c.Select(tt.names); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Select(%q) err = %v, want %q", tt.names, err, tt.want)
		}
	}
}

func TestValidateFiles(t *testing.T) {
	sd, cd := catalogDirs(t, baseScenario, baseProfile)
	writeFile(t, cd, "broken.yaml", "kind: Nonsense\n") // not among the files: not reported
	scenario := filepath.Join(sd, "drill.yaml")
	if err := ValidateFiles([]string{scenario, filepath.Join(cd, "kind-single.yaml")}, cd); err != nil {
		t.Fatalf("valid files: %v", err)
	}

	bad := writeFile(t, sd, "lost.yaml", edit(t, edit(t, baseScenario, "name: drill", "name: lost"), "cluster: kind-single", "cluster: kind-singel"))
	err := ValidateFiles([]string{bad}, cd)
	checkErr(t, err, bad, 1, `5:10: cluster: unknown cluster profile "kind-singel" (did you mean "kind-single"?); known profiles: broken, kind-single`)

	// A profile alone: its overrides name scenarios not among the files,
	// which only the whole catalog can tell apart from missing ones.
	if err := ValidateFiles([]string{filepath.Join(cd, "kind-single.yaml")}, ""); err != nil {
		t.Errorf("profile alone: %v", err)
	}
	// With its scenario, the override is checked.
	profile := writeFile(t, t.TempDir(), "kind-single.yaml", edit(t, baseProfile, "figure: api.recovery", "figure: api.detect"))
	err = ValidateFiles([]string{scenario, profile}, cd)
	checkErr(t, err, profile, 1, `16:13: budgetOverrides[0].figure: scenario "drill" has no budget on "api.detect"`)
}

func mkdir(dir string) error { return os.MkdirAll(dir, 0o755) }

// The repository's drills on the ssh profile: the same scenarios, the
// ssh profile's overrides, the scenario files untouched.
func TestOnProfile(t *testing.T) {
	c, err := LoadCatalog("../../scenarios", "../../clusters")
	if err != nil {
		t.Fatal(err)
	}
	moved, err := c.OnProfile("ssh-single")
	if err != nil {
		t.Fatal(err)
	}
	if moved.Scenarios["reboot-master"].Cluster != "ssh-single" || c.Scenarios["reboot-master"].Cluster != "kind-single" {
		t.Errorf("reboot-master runs on %s (was %s)", moved.Scenarios["reboot-master"].Cluster, c.Scenarios["reboot-master"].Cluster)
	}
	if len(moved.Scenarios) != len(c.Scenarios) {
		t.Errorf("%d scenarios moved of %d", len(moved.Scenarios), len(c.Scenarios))
	}
	if _, err := c.OnProfile("ssh-singel"); err == nil || !strings.Contains(err.Error(), `did you mean "ssh-single"`) {
		t.Errorf("an unknown profile: %v", err)
	}
}

// A profile's lowerBound replaces or adds the scenario's, and only for that
// profile: ssh's forced reboot is faster than kind's docker stop.
func TestBudgetsOverrideLowerBound(t *testing.T) {
	sec := func(raw string, n float64) *Value { return &Value{Raw: raw, Number: n} }
	s := &Scenario{Name: "reboot-master", Cluster: "ssh-single", Budgets: []Budget{
		{Figure: "api.downtime.total", Max: sec("45s", 45), LowerBound: sec("10s", 10), Why: "kind stops in 10 s"},
		{Figure: "recovery.all", Max: sec("90s", 90), Why: "leases"},
	}}
	c := &Catalog{
		Scenarios: map[string]*Scenario{s.Name: s},
		Profiles: map[string]*ClusterProfile{"ssh-single": {Name: "ssh-single", BudgetOverrides: []BudgetOverride{
			{Scenario: s.Name, Figure: "api.downtime.total", LowerBound: sec("3s", 3), Why: "a forced reboot"},
			{Scenario: s.Name, Figure: "recovery.all", LowerBound: sec("18s", 18), Why: "boot plus lease"},
		}}},
	}
	budgets, err := c.Budgets(s.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got := budgets[0]; got.LowerBound.Number != 3 || got.Max.Number != 45 {
		t.Errorf("api budget = max %v lowerBound %v, want 45 and 3", got.Max, got.LowerBound)
	}
	if got := budgets[1]; got.LowerBound == nil || got.LowerBound.Number != 18 {
		t.Errorf("recovery budget lowerBound = %v, want 18", got.LowerBound)
	}
	if !strings.HasSuffix(budgets[1].Why, "; overridden on ssh-single: boot plus lease") {
		t.Errorf("why = %q", budgets[1].Why)
	}
	if s.Budgets[0].LowerBound.Number != 10 || s.Budgets[1].LowerBound != nil {
		t.Errorf("the scenario itself changed: %+v", s.Budgets)
	}
}

// The zone drills name their zone as kind-ha does (zone-c); the ha
// profiles of the other providers call their zones the same, so the
// drills run there unchanged (on aws-ha the subnet, not the name, puts
// a zone in an availability zone).
func TestZoneDrillsFitTheHAProfiles(t *testing.T) {
	c, err := LoadCatalog("../../scenarios", "../../clusters")
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range []string{"kind-ha", "ssh-ha", "aws-ha"} {
		p := c.Profiles[profile]
		if p == nil {
			t.Fatalf("no profile %s", profile)
		}
		for _, name := range []string{"lose-zone", "lose-zone-network"} {
			zone := c.Scenarios[name].Fault.Target.Zone
			n := 0
			for _, s := range p.NodeShapes() {
				if s.Zone == zone {
					n++
				}
			}
			if zone == "" || n == 0 {
				t.Errorf("%s on %s: no node in zone %q", name, profile, zone)
			}
			// The zone drills measure that the workload keeps serving
			// from the other zones: a worker stays outside the fault.
			if s := c.Scenarios[name]; s.Probes.WorkloadVia != WorkloadSparedWorker || !sparesAWorker(p.NodeShapes(), s.Fault.Target) {
				t.Errorf("%s on %s: no worker outside the fault for the workload (workloadVia %q)", name, profile, s.Probes.WorkloadVia)
			}
		}
	}
}

// Scenarios of one's own beside the repository's profiles: an override
// of a repository scenario the folder lacks is no mistake there, only in
// the project whose scenarios/ sits beside its clusters/.
func TestOverrideOfAScenarioOutsideTheFolder(t *testing.T) {
	own := t.TempDir()
	data, err := os.ReadFile("../../scenarios/calibrate-reset-5s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, own, "calibrate-reset-5s.yaml", string(data))
	c, err := LoadCatalog(own, "../../clusters")
	if err != nil {
		t.Fatalf("own scenarios with the repository's profiles: %v", err)
	}
	if len(c.Scenarios) != 1 {
		t.Errorf("%d scenarios", len(c.Scenarios))
	}
	// The same override in a project of its own names a missing scenario.
	project := t.TempDir()
	sd, cd := filepath.Join(project, "scenarios"), filepath.Join(project, "clusters")
	for _, d := range []string{sd, cd} {
		if err := mkdir(d); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, sd, "calibrate-reset-5s.yaml", string(data))
	for _, f := range []string{"kind-single.yaml", "ssh-single.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../clusters", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, cd, f, string(b))
	}
	if _, err := LoadCatalog(sd, cd); err == nil || !strings.Contains(err.Error(), `unknown scenario "reboot-master"`) {
		t.Errorf("a project's override of a scenario it lacks: %v", err)
	}
}

// A profile's paths are relative to its file; absolute and empty ones
// stay as they are.
func TestProfileRel(t *testing.T) {
	p := &ClusterProfile{Path: "/repo/clusters/ssh-single.yaml"}
	for in, want := range map[string]string{"ssh.tmpl": "/repo/clusters/ssh.tmpl", "../.vm-hosts/inventory.yaml": "/repo/.vm-hosts/inventory.yaml", "/abs/x": "/abs/x", "": ""} {
		if got := p.Rel(in); got != want {
			t.Errorf("Rel(%q) = %q, want %q", in, got, want)
		}
	}
}

// A kind profile runs kind's published node image pinned by digest, or
// the run overrides it (KIND_NODE_IMAGE); the problem names the line.
func TestNodeImagePinned(t *testing.T) {
	const pinned = "kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d"
	for _, tc := range []struct{ name, image, want string }{
		{"tag only", "  nodeImage: kindest/node:v1.34.11", `7:14: kindCluster.nodeImage: "kindest/node:v1.34.11" is not pinned by digest`},
		{"short digest", "  nodeImage: kindest/node:v1.34.11@sha256:44e2", `7:14: kindCluster.nodeImage: "kindest/node:v1.34.11@sha256:44e2" is not pinned by digest`},
		{"none", "", `5:1: kindCluster.nodeImage: required unless KIND_NODE_IMAGE is set`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sd, cd := catalogDirs(t, baseScenario, edit(t, baseProfile, "  nodeImage: "+pinned+"\n", tc.image+map[bool]string{true: "\n"}[tc.image != ""]))
			_, err := LoadCatalog(sd, cd)
			checkErr(t, err, filepath.Join(cd, "kind-single.yaml"), 1, tc.want)
			if err := ValidateFiles([]string{filepath.Join(cd, "kind-single.yaml")}, ""); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate: %v, want %q", err, tc.want)
			}
			if _, err := LoadCatalog(sd, cd, WithOverrides(map[string]string{"KIND_NODE_IMAGE": "kindest/node:local"})); err != nil {
				t.Errorf("with KIND_NODE_IMAGE: %v", err)
			}
		})
	}
	sd, cd := catalogDirs(t, baseScenario, baseProfile)
	if _, err := LoadCatalog(sd, cd); err != nil {
		t.Errorf("pinned: %v", err)
	}
}

// A scenario that measures that the workload keeps serving asks for a
// spared worker: a target that may take every worker of its profile is
// refused at its line; without the ask, it is not (the workload is then
// reached through every node).
func TestWorkloadViaSparedWorker(t *testing.T) {
	everyNode := edit(t, baseScenario, "    role: control-plane\n    count: one\n", "    role: any\n    count: all\n")
	spared := edit(t, everyNode, "  writeInterval: 500ms\n", "  writeInterval: 500ms\n  workloadVia: spared-worker\n")
	sd, cd := catalogDirs(t, spared, baseProfile)
	_, err := LoadCatalog(sd, cd)
	checkErr(t, err, filepath.Join(sd, "drill.yaml"), 1,
		`19:11: fault.target.role: probes.workloadVia is "spared-worker", but on cluster profile "kind-single" this target may take every worker`)

	sd, cd = catalogDirs(t, everyNode, baseProfile)
	if _, err := LoadCatalog(sd, cd); err != nil {
		t.Errorf("every node, the workload through every node: %v", err)
	}
	sd, cd = catalogDirs(t, edit(t, baseScenario, "  writeInterval: 500ms\n", "  writeInterval: 500ms\n  workloadVia: spared-worker\n"), baseProfile)
	if _, err := LoadCatalog(sd, cd); err != nil {
		t.Errorf("a control plane, a worker spared: %v", err)
	}
	sd, cd = catalogDirs(t, edit(t, baseScenario, "  writeInterval: 500ms\n", "  writeInterval: 500ms\n  workloadVia: some-node\n"), baseProfile)
	_, err = LoadCatalog(sd, cd)
	checkErr(t, err, filepath.Join(sd, "drill.yaml"), 1, `15:16: probes.workloadVia: unknown value "some-node"`)
}

// Every recovery condition names the recovery figures recovery.all must
// have observed (timeline.ConditionParts).
func TestEveryConditionNamesItsParts(t *testing.T) {
	for _, c := range Checks {
		if len(timeline.ConditionParts[c]) == 0 {
			t.Errorf("check %s names no recovery figure in timeline.ConditionParts", c)
		}
	}
	if len(timeline.ConditionParts) != len(Checks) {
		t.Errorf("timeline.ConditionParts has %d conditions, the scenario package %d", len(timeline.ConditionParts), len(Checks))
	}
}
