package run

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/labels"
	"github.com/firedrill/firedrill/framework/live"
	"github.com/firedrill/firedrill/framework/scenario"
)

func scen(name, count string, labels ...string) *scenario.Scenario {
	return &scenario.Scenario{Name: name, Labels: labels, Fault: scenario.Fault{Target: scenario.Target{Count: count}}}
}

func withProcedure(s *scenario.Scenario, procedure string) *scenario.Scenario {
	s.Recovery.Procedure = procedure
	return s
}

// joinNames is the scenarios' names, comma-separated.
func joinNames(ss []*scenario.Scenario) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return strings.Join(out, ",")
}

func TestSelectOrderAndLabels(t *testing.T) {
	c := &scenario.Catalog{Scenarios: map[string]*scenario.Scenario{
		"kill-all-schedulers": scen("kill-all-schedulers", "all", "ha"),
		"kill-apiserver":      scen("kill-apiserver", "one", "ha"),
		"reboot-master":       scen("reboot-master", "all", "single-master", "reboot"),
		"calibrate-reset-5s":  scen("calibrate-reset-5s", "all", "single-master", "calibration"),
		"kill-etcd-leader":    scen("kill-etcd-leader", "one", "ha"),
		// With a recovery procedure that restarts components: after the
		// kill-all drills of its group, whatever its name.
		"expired-client-certificates": withProcedure(scen("expired-client-certificates", "all", "ha"), "renew-certificates"),
		"replace-etcd-member":         withProcedure(scen("replace-etcd-member", "one", "ha"), "replace-etcd-member"),
	}}
	for _, tc := range []struct {
		names  []string
		labels string
		want   string
		err    string
	}{
		// One-instance drills first (the kubelet's back-off), in each
		// group those with a procedure last, then by name.
		{nil, "", "kill-apiserver,kill-etcd-leader,replace-etcd-member,calibrate-reset-5s,kill-all-schedulers,reboot-master,expired-client-certificates", ""},
		{nil, "ha", "kill-apiserver,kill-etcd-leader,replace-etcd-member,kill-all-schedulers,expired-client-certificates", ""},
		{nil, "single-master && (calibration || reboot)", "calibrate-reset-5s,reboot-master", ""},
		// Named drills run in the order given.
		{[]string{"reboot-master", "kill-apiserver"}, "", "reboot-master,kill-apiserver", ""},
		{[]string{"reboot-mastr"}, "", "", "reboot-mastr"},
		{nil, "zone-loss", "", "no scenario among 7 matches the labels \"zone-loss\""},
		// A filter that does not parse is the front end's to report
		// (framework/labels' test).
	} {
		var filter LabelFilter
		if tc.labels != "" {
			f, err := labels.Parse(tc.labels)
			if err != nil {
				t.Fatal(err)
			}
			filter = f
		}
		got, err := Select(c, tc.names, filter)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Select(%v, %q) err = %v, want one containing %q", tc.names, tc.labels, err, tc.err)
			}
			continue
		}
		if err != nil || joinNames(got) != tc.want {
			t.Errorf("Select(%v, %q) = %s, %v; want %s", tc.names, tc.labels, joinNames(got), err, tc.want)
		}
	}
}

// noAPI stands for a cluster whose API cannot be reached.
func noAPI(cluster.Cluster) (kubernetes.Interface, error) {
	return nil, errors.New("no API in this test")
}

// fakeBlock is the profile block of a provider registered for the
// runner's own tests ("fake"), so they do not depend on a real one.
type fakeBlock struct {
	ClusterName  string               `yaml:"clusterName"`
	WaitForReady time.Duration        `yaml:"waitForReady"`
	Nodes        []scenario.NodeShape `yaml:"nodes"`
}

func (b *fakeBlock) NodeShapes() []scenario.NodeShape { return b.Nodes }
func (b *fakeBlock) Check(*scenario.Fields)           {}

// fakeSettings are the fake provider's settings: the overrides it was
// handed.
type fakeSettings struct{ overrides map[string]string }

const fakeEnv = "FIREDRILL_TEST_FAKE_IMAGE"

func init() {
	scenario.RegisterProvider(scenario.ProviderFormat{Name: "fake", Key: "fakeCluster", Rank: 100,
		New: func() scenario.ClusterBlock { return new(fakeBlock) }})
	cluster.Register(cluster.Registration{Name: "fake", Env: []string{fakeEnv},
		New: func(cluster.Options) cluster.Provider { return fakes.NewProvider() },
		Spec: func(in cluster.SpecInput) (cluster.Spec, error) {
			b := in.Block.(*fakeBlock)
			s := cluster.Spec{Name: b.ClusterName, Profile: in.Profile, WaitForReady: b.WaitForReady, Settings: &fakeSettings{in.Overrides}}
			for _, n := range b.Nodes {
				s.Nodes = append(s.Nodes, cluster.NodeSpec{Role: n.Role, Zone: n.Zone})
			}
			return s, nil
		},
		CreationTime: func(s cluster.Spec) time.Duration { return 2 * s.WaitForReady }})
}

func profile(name, clusterName string) *scenario.ClusterProfile {
	return &scenario.ClusterProfile{Name: name, Provider: "fake", Cluster: &fakeBlock{
		ClusterName: clusterName, WaitForReady: time.Minute,
		Nodes: []scenario.NodeShape{{Role: cluster.RoleControlPlane, Zone: "a"}, {Role: cluster.RoleWorker, Zone: "a"}},
	}}
}

// The pool deletes exactly the clusters this run created: never one that
// existed before it, reused or refused.
func TestPoolDeletesOnlyWhatItCreated(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		exists      map[string]bool
		reuse, keep bool
		wantErr     bool
		wantDeleted []string
	}{
		{name: "created, deleted at the end", exists: map[string]bool{}, wantDeleted: []string{"c1"}},
		{name: "created, kept", exists: map[string]bool{}, keep: true},
		{name: "someone else's, refused and left", exists: map[string]bool{"c1": false}, wantErr: true},
		{name: "someone else's with reuse, refused and left", exists: map[string]bool{"c1": false}, reuse: true, wantErr: true},
		{name: "ours from an earlier run, refused without reuse and left", exists: map[string]bool{"c1": true}, wantErr: true},
		{name: "ours from an earlier run, reused and left", exists: map[string]bool{"c1": true}, reuse: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov := fakes.NewProvider()
			for name, made := range tc.exists {
				prov.Add(fakes.NewCluster(name), made)
			}
			var out bytes.Buffer
			p := newPool(map[string]cluster.Provider{"fake": prov}, noAPI, t.TempDir(), "20261206-101010", map[string]string{fakeEnv: "img"}, tc.reuse, &out)
			_, err := p.get(ctx, profile("kind-single", "c1"))
			if (err != nil) != tc.wantErr {
				t.Fatalf("get err = %v, want error %v", err, tc.wantErr)
			}
			_ = p.release(ctx, tc.keep)
			if !slices.Equal(prov.Deletes(), tc.wantDeleted) {
				t.Errorf("deleted %v, want %v (output %s)", prov.Deletes(), tc.wantDeleted, out.String())
			}
		})
	}
}

// A drill that leaves its cluster unhealthy gets it recreated for the next.
func TestPoolRecreatesAnUnhealthyCluster(t *testing.T) {
	ctx := context.Background()
	prov := fakes.NewProvider()
	p := newPool(map[string]cluster.Provider{"fake": prov}, noAPI, t.TempDir(), "20261206-101010", map[string]string{fakeEnv: "img"}, false, &bytes.Buffer{})
	prof := profile("kind-single", "c1")
	if _, err := p.get(ctx, prof); err != nil {
		t.Fatal(err)
	}
	p.markUnhealthy(prof)
	if _, err := p.get(ctx, prof); err != nil {
		t.Fatal(err)
	}
	if exists, made := prov.Exists("c1"); !slices.Equal(prov.Deletes(), []string{"c1"}) || !exists || !made {
		t.Errorf("deleted %v, exists %v (made %v): want c1 deleted and made again", prov.Deletes(), exists, made)
	}
	// Providers tag what they launch with the run (aws's firedrill:run),
	// not with the name of the folder kubeconfigs go to.
	if want := []string{"20261206-101010", "20261206-101010"}; !slices.Equal(prov.Runs(), want) {
		t.Errorf("providers were given the runs %q, want %q", prov.Runs(), want)
	}
}

// A profile's spec is its provider's making, handed the site's
// overrides that provider registered and no other.
func TestSpecFromProfile(t *testing.T) {
	spec, err := Spec(profile("fake-ha", "fd-ha"), map[string]string{fakeEnv: "node:v1", "FIREDRILL_TEST_OTHER": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != "fd-ha" || spec.Profile != "fake-ha" || len(spec.Nodes) != 2 || spec.Nodes[0].Role != cluster.RoleControlPlane {
		t.Errorf("spec = %+v", spec)
	}
	if o := spec.Settings.(*fakeSettings).overrides; len(o) != 1 || o[fakeEnv] != "node:v1" {
		t.Errorf("overrides handed to the provider: %v, want only its own", o)
	}
	if _, err := Spec(&scenario.ClusterProfile{Name: "gcp", Provider: "gcp"}, nil); err == nil {
		t.Error("a profile of no known provider gave a spec")
	}
}

// A drill's deadline includes making its cluster as its provider says.
func TestDrillTimeout(t *testing.T) {
	s := &scenario.Scenario{SteadyState: scenario.SteadyState{Timeout: time.Minute}, Recovery: scenario.Recovery{Timeout: time.Minute}}
	if got, want := DrillTimeout(s, nil), 7*time.Minute; got != want {
		t.Errorf("without a profile: %s, want %s", got, want)
	}
	if got, want := DrillTimeout(s, profile("fake-ha", "fd-ha")), 9*time.Minute; got != want {
		t.Errorf("on a fake profile (creation 2 × waitForReady): %s, want %s", got, want)
	}
}

// The environment is read once, for every override a provider registered.
func TestFromEnvReadsTheProvidersOverrides(t *testing.T) {
	t.Setenv(fakeEnv, "node:v2")
	if got := FromEnv(t.TempDir()).Overrides; got[fakeEnv] != "node:v2" {
		t.Errorf("Overrides = %v, want %s read", got, fakeEnv)
	}
	t.Setenv(fakeEnv, "")
	if _, set := FromEnv(t.TempDir()).Overrides[fakeEnv]; set {
		t.Errorf("an empty %s counts as set", fakeEnv)
	}
}

// CI (or a dumb terminal) asks for plain progress lines even on a
// terminal: FromEnv reads it, and the run's output is then no live line.
func TestFromEnvPlainInCI(t *testing.T) {
	for _, tc := range []struct {
		ci, term string
		plain    bool
	}{{"", "xterm", false}, {"true", "xterm", true}, {"", "dumb", true}} {
		t.Setenv("CI", tc.ci)
		t.Setenv("TERM", tc.term)
		cfg := FromEnv(t.TempDir())
		if cfg.Plain != tc.plain {
			t.Errorf("CI=%q TERM=%q: Plain %v", tc.ci, tc.term, cfg.Plain)
		}
		if l, ok := cfg.withLive().Out.(*live.Line); !ok || tc.plain && l.Live() {
			t.Errorf("CI=%q TERM=%q: output %T, live %v", tc.ci, tc.term, cfg.withLive().Out, ok && l.Live())
		}
	}
}

// A suite runs in its package's folder: FromWorkingDir finds the
// repository above it and reads its catalog, not the shipped one.
func TestFromWorkingDir(t *testing.T) {
	cfg, err := FromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ScenariosDir != filepath.Join(root, "scenarios") || cfg.ClustersDir != filepath.Join(root, "clusters") {
		t.Errorf("catalog %s, %s; want the repository's at %s", cfg.ScenariosDir, cfg.ClustersDir, root)
	}
	t.Chdir(t.TempDir())
	if _, err := FromWorkingDir(); err == nil || !strings.Contains(err.Error(), "no go.mod above") {
		t.Errorf("outside any repository: %v", err)
	}
}
