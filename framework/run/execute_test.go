package run

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/live"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/report"
)

// These tests drive whole runs through Runner.Execute with no cluster: a
// fake provider makes a fake cluster whose API is client-go's fake
// clientset (plus a TLS server answering the API probes), and whose nodes
// can be paused. Pausing a node makes it NotReady; unpausing makes it Ready
// again, unless the test says recovery never comes.

// The catalog of the tests: two masters and a worker, a pause of every
// master held briefly, and waits short enough for a unit test.
const testProfile = `apiVersion: firedrill.io/v1alpha1
kind: ClusterProfile
name: fake-ha
provider: kind
kindCluster:
  clusterName: fake-ha
  nodeImage: fake@sha256:0000000000000000000000000000000000000000000000000000000000000000
  waitForReady: 1m
  nodes:
    - role: control-plane
      zone: zone-a
    - role: control-plane
      zone: zone-a
    - role: worker
      zone: zone-a
timeouts:
  check: 500ms
  steadyPoll: 50ms
  recoveryPoll: 50ms
  progress: 1s
  liftFault: 2s
  readBack: 2s
  readBackInterrupted: 1s
  cleanup: 2s
  release: 10s
`

const testScenario = `apiVersion: firedrill.io/v1alpha1
kind: Scenario
name: pause-masters
description: Pause every master of a fake cluster briefly.
cluster: fake-ha
labels: [fake]
steadyState:
  checks: [nodes, control-plane-pods]
  settle: 300ms
  timeout: 5s
probes:
  interval: 50ms
  timeout: 200ms
  writeInterval: 100ms
fault:
  action: pause
  target:
    role: control-plane
    count: all
  duration: 300ms
recovery:
  conditions: [nodes, control-plane-pods]
  timeout: 2s
  observeAfter: 300ms
budgets:
  - figure: api.downtime.total
    kind: availability
    max: 1s
    why: the fake API server never stops answering
` + fakeHarnessBudgets

// fakeHarnessBudgets end the test scenarios' budgets: the default
// harness budget is for the catalog's cadence on a real cluster.
const fakeHarnessBudgets = `  - figure: harness.cpu
    kind: harness
    max: 100
    why: the test's process is its fake API server too, answering probes every 50 ms
  - figure: harness.requests.rate
    kind: harness
    max: 1000
    why: a unit test probes its fake API server every 50 ms, not at the catalog's cadence
`

// world is the fake cluster, its API objects, and what the test
// scripted.
type world struct {
	t     *testing.T
	cs    *fake.Clientset
	api   *httptest.Server
	c     *fakes.Cluster
	nodes []cluster.Node

	// failPause makes pausing this node fail (after the first node was
	// paused: an injection that fails halfway).
	failPause string
	// neverRecovers: unpaused nodes stay NotReady.
	neverRecovers bool
	// panicIn panics in the harness: "pause" while pausing the second
	// master, "nodes" while listing the nodes.
	panicIn string
	// pauseTakes is how long a pause takes, during which a cancelled
	// context aborts it (as Ctrl-C kills docker).
	pauseTakes time.Duration
	// upFails: the provider cannot make the cluster.
	upFails string
	// interruptUp: Ctrl-C while the provider makes the cluster (cancel
	// is the run's).
	interruptUp bool
	cancel      func()
	// load runs beside the drill (Config.Load); nil: none.
	load Load
}

func newWorld(t *testing.T) *world {
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	t.Cleanup(api.Close)
	nodes := []cluster.Node{
		{Name: "fake-ha-control-plane", Role: cluster.RoleControlPlane, Zone: "zone-a", Address: "127.0.0.1"},
		{Name: "fake-ha-control-plane2", Role: cluster.RoleControlPlane, Zone: "zone-a", Address: "127.0.0.1"},
		{Name: "fake-ha-worker", Role: cluster.RoleWorker, Zone: "zone-a", Address: "127.0.0.1"},
	}
	w := &world{t: t, cs: fake.NewClientset(), api: api, c: fakes.NewCluster("fake-ha", nodes...), nodes: nodes}
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})
	w.c.REST = &rest.Config{Host: api.URL, TLSClientConfig: rest.TLSClientConfig{CAData: cert}}
	w.c.Kubeconfig = "/dev/null"
	w.c.Before("Nodes", func(context.Context, cluster.Node) error {
		if w.panicIn == "nodes" {
			panic("a bug in a provider")
		}
		return nil
	})
	// Pausing a node makes it NotReady, and takes pauseTakes.
	w.c.Before("Pause", func(_ context.Context, n cluster.Node) error {
		if n.Name == w.failPause {
			return fmt.Errorf("docker pause %s: exit status 1", n.Name)
		}
		if w.panicIn == "pause" && n.Name == "fake-ha-control-plane2" {
			panic("a bug in a fault")
		}
		return nil
	})
	w.c.After("Pause", func(ctx context.Context, n cluster.Node) error {
		w.setReady(n.Name, false)
		select {
		case <-ctx.Done():
			return fmt.Errorf("docker pause %s: %w", n.Name, ctx.Err())
		case <-time.After(w.pauseTakes):
			return nil
		}
	})
	// Unpausing a paused node makes it Ready again, unless recovery
	// never comes.
	w.c.Before("Unpause", func(ctx context.Context, n cluster.Node) error {
		if was, _ := w.c.Paused(ctx, n); was && !w.neverRecovers {
			w.setReady(n.Name, true)
		}
		return nil
	})
	ctx := context.Background()
	for _, n := range nodes {
		if _, err := w.cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.Name},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}},
			metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if n.Role != cluster.RoleControlPlane {
			continue
		}
		for _, c := range kubeadm.Components {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: c + "-" + n.Name, Namespace: metav1.NamespaceSystem,
				Labels: map[string]string{"tier": "control-plane", kubeadm.ComponentLabel: c}},
				Spec:   corev1.PodSpec{NodeName: n.Name},
				Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
			if _, err := w.cs.CoreV1().Pods(metav1.NamespaceSystem).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

// setReady sets a node's Ready condition, as the node controller would.
func (w *world) setReady(name string, ready bool) {
	n, err := w.cs.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		w.t.Error(err)
		return
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status}}
	if _, err := w.cs.CoreV1().Nodes().UpdateStatus(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		w.t.Error(err)
	}
}

func (w *world) pausedNodes() []string {
	var out []string
	for _, n := range w.nodes {
		if p, _ := w.c.Paused(context.Background(), n); p {
			out = append(out, n.Name)
		}
	}
	return out
}

// provider makes the world's cluster, seen by the runner as one that can
// pause nodes and do nothing else (the runner's node commands, NodeExec,
// are no part of these tests).
func (w *world) provider() *fakes.Provider {
	p := fakes.NewProvider()
	p.Make = func(ctx context.Context, _ cluster.UpInput) (cluster.Cluster, error) {
		if w.interruptUp {
			w.cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		}
		if w.upFails != "" {
			return nil, errors.New(w.upFails)
		}
		return struct {
			cluster.Cluster
			cluster.Pauser
		}{w.c, w.c}, nil
	}
	return p
}

// fakeRun is one run of the test catalog against a fresh world.
type fakeRun struct {
	w        *world
	prov     *fakes.Provider
	r        *Runner
	stateDir string
	code     int
	out, err bytes.Buffer
	report   report.File
	phases   []string
}

// runFake runs the test catalog; cancelIn, when set, cancels the run's
// context (Ctrl-C) cancelAfter after that phase begins.
func runFake(t *testing.T, script func(*world), cancelIn string, cancelAfter time.Duration) *fakeRun {
	return runFakeRepeat(t, script, cancelIn, cancelAfter, 1)
}

func runFakeRepeat(t *testing.T, script func(*world), cancelIn string, cancelAfter time.Duration, repeat int) *fakeRun {
	t.Helper()
	return runFakeOut(t, script, cancelIn, cancelAfter, repeat, false)
}

// runFakeOut is runFakeRepeat whose output is a terminal's when onTerminal
// (a live line; fr.out holds what the terminal was sent).
func runFakeOut(t *testing.T, script func(*world), cancelIn string, cancelAfter time.Duration, repeat int, onTerminal bool) *fakeRun {
	t.Helper()
	return runFakeWith(t, "pause-masters", testScenario, script, cancelIn, cancelAfter, repeat, onTerminal)
}

// runFakeScenario runs a catalog of the test profile and that one scenario.
func runFakeScenario(t *testing.T, name, scenario string, script func(*world), cancelIn string, cancelAfter time.Duration, repeat int) *fakeRun {
	t.Helper()
	return runFakeWith(t, name, scenario, script, cancelIn, cancelAfter, repeat, false)
}

// runFakeWith is every runFake: the scenario, when to cancel, how many
// times, and whether the output is a terminal's.
func runFakeWith(t *testing.T, name, scenario string, script func(*world), cancelIn string, cancelAfter time.Duration, repeat int, onTerminal bool) *fakeRun {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"clusters/fake-ha.yaml": testProfile, "scenarios/" + name + ".yaml": scenario} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fr := &fakeRun{w: newWorld(t)}
	fr.w.pauseTakes = 100 * time.Millisecond
	if script != nil {
		script(fr.w)
	}
	fr.prov = fr.w.provider()
	cfg := Config{ScenariosDir: filepath.Join(dir, "scenarios"), ClustersDir: filepath.Join(dir, "clusters"),
		ReportsDir: filepath.Join(dir, "reports"), ProbeImage: "agnhost", StateDir: filepath.Join(dir, "state"), Repeat: repeat, Out: &fr.out,
		// The job summary's file as the environment names it: FromEnv reads it.
		StepSummary: FromEnv(dir).StepSummary, Load: fr.w.load}
	fr.stateDir = cfg.StateDir
	if onTerminal {
		cfg.Out = live.New(&fr.out, true)
	}
	r, err := NewWith(cfg, Backends{Providers: map[string]cluster.Provider{"kind": fr.prov},
		Connect: func(cluster.Cluster) (kubernetes.Interface, error) { return fr.w.cs, nil }})
	if err != nil {
		t.Fatal(err)
	}
	fr.r = r
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fr.w.cancel = cancel
	var mu sync.Mutex
	r.onPhase = func(_, phase string) {
		mu.Lock()
		fr.phases = append(fr.phases, phase)
		mu.Unlock()
		switch {
		case phase != cancelIn:
		case cancelAfter == 0:
			cancel()
		default:
			time.AfterFunc(cancelAfter, cancel)
		}
	}
	done := make(chan int)
	go func() { done <- r.Execute(ctx, &fr.err) }()
	select {
	case fr.code = <-done:
	case <-time.After(time.Minute):
		t.Fatalf("the run did not end within a minute; output:\n%s", fr.out.String())
	}
	data, err := os.ReadFile(filepath.Join(r.Dir(), "report.json"))
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	if err := json.Unmarshal(data, &fr.report); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	return fr
}

// drill is the run's only drill as report.json has it.
func (fr *fakeRun) drill(t *testing.T) record.Drill {
	t.Helper()
	if len(fr.report.Scenarios) != 1 {
		t.Fatalf("report has %d drills, want 1; output:\n%s", len(fr.report.Scenarios), fr.out.String())
	}
	return fr.report.Scenarios[0]
}

// leftovers are the harness's objects still in the world after the run:
// counters and canary pods.
func (fr *fakeRun) leftovers(t *testing.T) []string {
	t.Helper()
	var out []string
	cms, err := fr.w.cs.CoreV1().ConfigMaps(probe.Namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		out = append(out, "configmap/"+cm.Name)
	}
	pods, err := fr.w.cs.CoreV1().Pods(probe.Namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		out = append(out, "pod/"+p.Name)
	}
	return out
}

// checkEnd holds for every run, whatever happened: nothing left paused,
// the drill's objects gone, the cluster it created deleted, the report
// written with the verdict and the exit code wanted.
func (fr *fakeRun) checkEnd(t *testing.T, verdict record.Verdict, code int) record.Drill {
	t.Helper()
	d := fr.drill(t)
	if p := fr.w.pausedNodes(); len(p) > 0 {
		t.Errorf("nodes left paused: %v", p)
	}
	if open, err := journal.Pending(journal.Dir(fr.stateDir)); err != nil || len(open) > 0 {
		t.Errorf("undo journal left open: %v %v", open, err)
	}
	if l := fr.leftovers(t); len(l) > 0 {
		t.Errorf("objects left behind: %v", l)
	}
	if !slices.Equal(fr.prov.Deletes(), []string{"fake-ha"}) {
		t.Errorf("deleted %v, want the cluster the run created", fr.prov.Deletes())
	}
	if d.Verdict != verdict || fr.code != code {
		t.Errorf("verdict %s, exit %d; want %s, %d (error %q)\nstderr:\n%s\noutput:\n%s", d.Verdict, fr.code, verdict, code, d.Error, fr.err.String(), fr.out.String())
	}
	if len(d.Figures) == 0 {
		t.Error("report has no figures")
	}
	if d.Finished.IsZero() || len(d.Phases) == 0 || d.Phases[len(d.Phases)-1].Name != "read-back" {
		t.Errorf("report incomplete: finished %v, phases %+v", d.Finished, d.Phases)
	}
	return d
}

func TestRunPasses(t *testing.T) {
	// On GitHub Actions the summary goes to the job page too.
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	if err := os.WriteFile(summary, []byte("an earlier step's summary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fr := runFake(t, nil, "", 0)
	if page, err := os.ReadFile(summary); err != nil || !strings.HasPrefix(string(page), "an earlier step's summary\n# firedrill run ") ||
		!strings.Contains(string(page), "| pause-masters | **PASS** |") {
		t.Errorf("job summary not appended (%v):\n%s", err, page)
	}
	d := fr.checkEnd(t, record.VerdictPass, ExitOK)
	var names []string
	for _, p := range d.Phases {
		names = append(names, p.Name)
	}
	if want := "prepare steady-state baseline inject hold recover read-back"; strings.Join(names, " ") != want {
		t.Errorf("phases %v, want %s", names, want)
	}
	if !slices.Equal(d.Targets, []string{"fake-ha-control-plane", "fake-ha-control-plane2"}) {
		t.Errorf("targets %v", d.Targets)
	}
	if fr.r.pool.unhealthy["fake-ha"] {
		t.Error("a healthy cluster is marked for recreation")
	}
	// Not on a terminal: plain lines, nothing rewritten in place.
	if strings.ContainsAny(fr.out.String(), "\r\x1b") || !strings.Contains(fr.out.String(), "  recovery: ok after") {
		t.Errorf("plain output has a live line, or lacks the progress lines:\n%q", fr.out.String())
	}
}

// On a terminal the drill has its line, rewritten in place with each
// phase, the runner's own (cluster, judging) too, with the API's downtime
// so far once the probes run; its last state stays, with the verdict.
func TestRunShowsTheDrillOnATerminal(t *testing.T) {
	fr := runFakeOut(t, nil, "", 0, 1, true)
	fr.checkEnd(t, record.VerdictPass, ExitOK)
	out := fr.out.String()
	for _, phase := range []string{"cluster", "prepare", "steady-state", "baseline", "inject", "hold", "recover", "judging"} {
		if !strings.Contains(out, "\r\x1b[K[pause-masters] "+phase+" ") {
			t.Errorf("no live line in phase %s", phase)
		}
	}
	if !regexp.MustCompile(`\| API down \d+(\.\d)?m?s so far`).MatchString(out) {
		t.Error("no figures so far on the live line")
	}
	if !regexp.MustCompile(`\r\x1b\[K\[pause-masters\] PASS after \d+s; API down [^\r\x1b]* so far\n`).MatchString(out) {
		t.Error("no last line with the verdict")
	}
	if strings.Contains(out, "  waiting for recovery:") {
		t.Error("progress lines printed under a live line")
	}
	if t.Failed() {
		t.Logf("output:\n%q", out)
	}
	// A soak's attempts have a line each, named as their folders.
	fr = runFakeOut(t, nil, "", 0, 2, true)
	for _, key := range []string{"pause-masters-1", "pause-masters-2"} {
		if !strings.Contains(fr.out.String(), "\r\x1b[K["+key+"] PASS after ") {
			t.Errorf("no line of %s in %q", key, fr.out.String())
		}
	}
}

// A soak: the drill three times on one cluster, each attempt in its own
// folder, and the spread of every figure in soak.md.
func TestRunRepeats(t *testing.T) {
	fr := runFakeRepeat(t, nil, "", 0, 3)
	if fr.code != ExitOK || len(fr.report.Scenarios) != 3 {
		t.Fatalf("exit %d, %d drills; want 0, 3\n%s", fr.code, len(fr.report.Scenarios), fr.err.String())
	}
	for i, s := range fr.report.Scenarios {
		if s.Attempt != i+1 || s.TimelineFile != fmt.Sprintf("pause-masters-%d/timeline.json", i+1) {
			t.Errorf("drill %d: attempt %d, timeline %s", i, s.Attempt, s.TimelineFile)
		}
	}
	if ups := len(fr.prov.Runs()); ups != 1 || !slices.Equal(fr.prov.Deletes(), []string{"fake-ha"}) {
		t.Errorf("cluster made %d times, deleted %v: want one cluster for the whole soak", ups, fr.prov.Deletes())
	}
	soak, err := os.ReadFile(filepath.Join(fr.r.Dir(), "soak.md"))
	if err != nil || !strings.Contains(string(soak), "pause-masters, 3 of 3 passed") {
		t.Errorf("soak.md: %v\n%s", err, soak)
	}
}

// A pause that fails on the second master: the first is unpaused again,
// and without proof on every target the drill is INVALID, not a PASS or a
// FAIL of the cluster.
func TestRunFaultFailsHalfway(t *testing.T) {
	fr := runFake(t, func(w *world) { w.failPause = "fake-ha-control-plane2" }, "", 0)
	d := fr.checkEnd(t, record.VerdictInvalid, ExitFail)
	if !strings.Contains(d.Error, "inject: pause fake-ha-control-plane2") {
		t.Errorf("error %q does not say which injection failed", d.Error)
	}
}

// A control plane that never comes back: the drill ends within its
// recovery timeout with FAIL and a complete report, and the cluster is
// marked for recreation.
func TestRunRecoveryNeverComes(t *testing.T) {
	fr := runFake(t, func(w *world) { w.neverRecovers = true }, "", 0)
	d := fr.checkEnd(t, record.VerdictFail, ExitFail)
	if !strings.Contains(d.Error, "recovery") {
		t.Errorf("error %q does not say recovery failed", d.Error)
	}
	if dur := d.Finished.Sub(d.Started); dur > 15*time.Second {
		t.Errorf("the drill took %s, past its recovery timeout", dur)
	}
	if !fr.r.pool.unhealthy["fake-ha"] {
		t.Error("the cluster left unhealthy is not marked for recreation")
	}
}

// A drill whose cluster could not be made never reached its fault: it is
// in the report as INVALID with the reason and its budgets not judged,
// and the run exits non-zero. Before, it was missing from the report and
// only the run's error said what happened.
func TestRunClusterCouldNotBeMade(t *testing.T) {
	fr := runFake(t, func(w *world) { w.upFails = "docker: no space left on device" }, "", 0)
	d := fr.drill(t)
	if d.Verdict != record.VerdictInvalid || fr.code != ExitFail {
		t.Fatalf("verdict %s, exit %d; want INVALID, 1\nstderr:\n%s", d.Verdict, fr.code, fr.err.String())
	}
	if want := "the drill never reached its fault: cluster for profile fake-ha: docker: no space left on device"; d.Invalid != want {
		t.Errorf("invalid %q, want %q", d.Invalid, want)
	}
	if !strings.Contains(fr.err.String(), "pause-masters: INVALID: the drill never reached its fault") {
		t.Errorf("stderr does not say the drill is INVALID:\n%s", fr.err.String())
	}
	md, err := os.ReadFile(filepath.Join(fr.r.Dir(), "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "not judged |") || strings.Contains(string(md), "| FAIL |") {
		t.Errorf("summary.md judges the budgets of a drill that tested nothing:\n%s", md)
	}
	junit, err := os.ReadFile(filepath.Join(fr.r.Dir(), "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(junit), `type="INVALID"`) || strings.Contains(string(junit), "BLOWN") {
		t.Errorf("junit.xml:\n%s", junit)
	}
}

// Ctrl-C while the cluster is made is an interruption, not a drill that
// could not run.
func TestRunInterruptedWhileMakingTheCluster(t *testing.T) {
	fr := runFake(t, func(w *world) { w.interruptUp = true }, "", 0)
	if d := fr.drill(t); d.Verdict != record.VerdictInterrupted || d.Invalid != "" || fr.code != ExitInterrupted {
		t.Errorf("verdict %s (invalid %q), exit %d; want INTERRUPTED, %d", d.Verdict, d.Invalid, fr.code, ExitInterrupted)
	}
}

// A panic in the harness, in a phase or while a fault acts, is the drill's
// error: the fault is lifted, the report written, the run goes on to its
// end.
func TestRunPanics(t *testing.T) {
	for _, tc := range []struct {
		in      string
		verdict record.Verdict
		err     string
	}{
		// Before the fault: the drill tested nothing.
		{"nodes", record.VerdictInvalid, "panic in phase prepare: a bug in a provider"},
		{"pause", record.VerdictInvalid, "pause fake-ha-control-plane2: panic: a bug in a fault"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			fr := runFake(t, func(w *world) { w.panicIn = tc.in }, "", 0)
			d := fr.checkEnd(t, tc.verdict, ExitFail)
			if !strings.Contains(d.Error, tc.err) {
				t.Errorf("error %q, want it to contain %q", d.Error, tc.err)
			}
		})
	}
}

// Ctrl-C in each phase: the fault lifted, the objects removed, the cluster
// deleted, the report written with INTERRUPTED, exit 130.
func TestRunInterruptedInEachPhase(t *testing.T) {
	for _, phase := range []string{"prepare", "steady-state", "baseline", "inject", "hold", "recover"} {
		t.Run(phase, func(t *testing.T) {
			// At once, except while injecting: then in the middle of a
			// pause that takes a second, as Ctrl-C while docker works.
			after := time.Duration(0)
			if phase == "inject" {
				after = 200 * time.Millisecond
			}
			fr := runFake(t, func(w *world) { w.pauseTakes = time.Second }, phase, after)
			d := fr.checkEnd(t, record.VerdictInterrupted, ExitInterrupted)
			if !strings.Contains(d.Error, "interrupted in phase "+phase) {
				t.Errorf("error %q does not name phase %s", d.Error, phase)
			}
			if got := d.Phases[len(d.Phases)-2].Name; got != phase {
				t.Errorf("last phase before read-back %s, want %s", got, phase)
			}
		})
	}
}
