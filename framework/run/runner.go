package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/drill"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/live"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/report"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Runner runs drills and keeps the run's report: New, then RunDrill (or
// Drill) for each drill of Plan (or any the front end picks), then Close.
type Runner struct {
	cfg     Config
	Catalog *scenario.Catalog
	report  *report.Run
	pool    *pool
	connect func(cluster.Cluster) (kubernetes.Interface, error)
	// attempts counts the runs of each scenario, for a soak's report.
	attempts map[string]int
	// onPhase is told each phase of each drill (tests interrupt a drill
	// in a chosen phase with it).
	onPhase func(scenario, phase string)
	// history derives the budgets that opted in from earlier runs; nil
	// without Config.HistoryDir.
	history *budget.History
	// line is cfg.Out: on a terminal, the line of the drill under way.
	line *live.Line
}

// Backends are what a Runner reaches clusters with.
type Backends struct {
	// Providers make and delete clusters, by the name profiles use in
	// their provider field.
	Providers map[string]cluster.Provider
	// Connect gives the API client of a cluster.
	Connect func(cluster.Cluster) (kubernetes.Interface, error)
}

// DefaultBackends are the registered providers (cluster.Register: those
// the binary imports) and client-go over each cluster's kubeconfig.
func DefaultBackends(out io.Writer) Backends {
	providers := map[string]cluster.Provider{}
	for _, r := range cluster.Registrations() {
		providers[r.Name] = r.New(cluster.Options{Out: out, StateDir: cluster.StateDir()})
	}
	return Backends{Providers: providers, Connect: drill.Connect}
}

// New loads the catalog, checks the selection (Plan), makes the run's
// report folder and readies the cluster pool with the default backends.
func New(cfg Config) (*Runner, error) {
	// The providers print through the live line too.
	cfg = cfg.withLive()
	return NewWith(cfg, DefaultBackends(cfg.Out))
}

// NewWith is New with the backends given: another provider, or fakes in
// tests.
func NewWith(cfg Config, b Backends) (*Runner, error) {
	cfg = cfg.withLive()
	catalog, err := cfg.LoadCatalog()
	if err != nil {
		return nil, err
	}
	// Nothing is made (a report folder, reports/latest moved) before the
	// selection is known to be good: a mistyped name changes nothing.
	if _, err := plan(catalog, cfg); err != nil {
		return nil, err
	}
	rep, err := report.NewRunDir(cfg.ReportsDir, time.Now())
	if err != nil {
		return nil, err
	}
	if err := probe.ClientLogTo(filepath.Join(rep.Dir, "client-go.log")); err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Out, "reports: %s\n", rep.Dir)
	line, _ := cfg.Out.(*live.Line)
	r := &Runner{cfg: cfg, Catalog: catalog, report: rep, connect: b.Connect, attempts: map[string]int{}, line: line,
		// Kubeconfigs are credentials: they live in the state folder,
		// never in the report folder that CI uploads.
		pool: newPool(b.Providers, b.Connect, KubeconfigDir(cfg.StateDir), rep.ID, cfg.Overrides, cfg.ReuseCluster, cfg.Out)}
	if cfg.HistoryDir != "" {
		h, err := report.ReadHistory(cfg.HistoryDir)
		if err != nil {
			return nil, err
		}
		derive := budget.DefaultHistory(h.Values)
		r.history = &derive
		fmt.Fprintf(cfg.Out, "history: %d earlier runs in %s\n", len(h.Runs), cfg.HistoryDir)
	}
	return r, nil
}

// Dir is the run's report folder.
func (r *Runner) Dir() string { return r.report.Dir }

// Drill runs one scenario on its profile's cluster within DrillTimeout,
// judges it, adds its record to the run's report and writes the report.
// The error says why the drill could not run or complete; the verdict is
// in the record. On a terminal the drill has its line while it runs.
func (r *Runner) Drill(ctx context.Context, s *scenario.Scenario) (*record.Drill, error) {
	if r.line == nil {
		return r.drill(ctx, s)
	}
	// A soak's attempts read apart, as their folders do.
	key := record.Drill{Name: s.Name}
	if r.cfg.Repeat > 1 {
		key.Attempt = r.attempts[s.Name] + 1
	}
	r.line.Begin(key.Key())
	res, err := r.drill(ctx, s)
	verdict := "ended"
	if res != nil {
		verdict = string(res.Verdict)
	}
	r.line.End(verdict)
	return res, err
}

// phase shows a phase on the drill's live line: the runner's own
// (cluster, judging) and the drill's.
func (r *Runner) phase(name string) {
	if r.line != nil {
		r.line.Phase(name)
	}
}

func (r *Runner) drill(ctx context.Context, s *scenario.Scenario) (*record.Drill, error) {
	// The runner's catalog says where the drill runs (Config.Profile).
	if own, ok := r.Catalog.Scenarios[s.Name]; ok {
		s = own
	}
	budgets, err := r.Catalog.Budgets(s.Name)
	if err != nil {
		return nil, err
	}
	profile := r.Catalog.Profiles[s.Cluster]
	// The runner's own deadline: a drill that runs out of time fails,
	// while one cancelled from outside (Ctrl-C) is INTERRUPTED.
	ctx, cancel := context.WithTimeout(ctx, DrillTimeout(s, profile))
	defer cancel()
	limits := drill.Limits(budgets)
	if r.history != nil {
		limits = r.history.Derive(s.Name, limits)
	}
	r.phase("cluster")
	c, err := r.pool.get(ctx, profile)
	if err != nil {
		return r.couldNotRun(ctx, s, profile.Name, limits, fmt.Errorf("cluster for profile %s: %w", profile.Name, err))
	}
	client, err := r.connect(c)
	if err != nil {
		return r.couldNotRun(ctx, s, c.Name(), limits, fmt.Errorf("cluster %s: %w", c.Name(), err))
	}
	env := environment(ctx, client, r.report.ID, r.cfg.CI, profile)
	spec, _ := Spec(profile, r.cfg.Overrides)
	// The drill's folder in the run's report (record.Drill.Key).
	key := record.Drill{Name: s.Name}
	if r.cfg.Repeat > 1 {
		key.Attempt = r.attempts[s.Name] + 1
	}
	backup := filepath.Join(r.cfg.StateDir, "backups", r.report.ID, key.Key())
	if err := os.MkdirAll(backup, 0o700); err != nil {
		return r.couldNotRun(ctx, s, c.Name(), limits, fmt.Errorf("backup folder: %w", err))
	}
	// The backup is the cluster's secrets: it goes when the drill ends.
	defer os.RemoveAll(filepath.Dir(backup))
	in := drill.Input{Scenario: s, Budgets: budgets, Cluster: c, Client: client, Nodes: len(spec.Nodes),
		ArtifactDir: filepath.Join(r.report.Dir, key.Key()), BackupDir: backup,
		Timeouts: r.Catalog.Timeouts(profile.Name), ProbeImage: r.cfg.ProbeImage, Out: r.cfg.Out,
		Journal: journal.NewBook(journal.Dir(r.cfg.StateDir), profile.Provider, c.Name(), s.Name)}
	in.OnPhase = func(phase string) {
		r.phase(phase)
		if r.onPhase != nil {
			r.onPhase(s.Name, phase)
		}
	}
	if r.line != nil {
		in.OnProbes = func(sofar func() timeline.Timeline) { r.line.Figures(func() string { return FiguresSoFar(sofar()) }) }
	}
	stopLoad, err := r.startLoad(ctx, s.Name)
	if err != nil {
		return r.couldNotRun(ctx, s, c.Name(), limits, err)
	}
	res, runErr := drill.Run(ctx, in)
	runErr = errors.Join(runErr, stopLoad(res))
	r.phase("judging")
	record.Judge(res, limits)
	if !res.Healthy {
		r.pool.markUnhealthy(profile)
	}
	return res, errors.Join(runErr, r.record(s, res, env))
}

// couldNotRun records a drill that could not start (its cluster could
// not be had, or its load not started): INVALID, its budgets not judged,
// in the run's report like any other drill; or INTERRUPTED, when Ctrl-C
// stopped the cluster's making.
func (r *Runner) couldNotRun(ctx context.Context, s *scenario.Scenario, cluster string, limits []budget.Budget, err error) (*record.Drill, error) {
	now := time.Now()
	res := &record.Drill{Name: s.Name, Description: s.Description, Cluster: cluster, Started: now, Finished: now, Error: err.Error(),
		Interrupted: drill.Interrupted(ctx)}
	record.Judge(res, limits)
	return res, errors.Join(err, r.record(s, res, nil))
}

// record adds a judged drill to the run's report and writes it (and the
// history, when the run keeps one).
func (r *Runner) record(s *scenario.Scenario, res *record.Drill, env *record.Environment) error {
	res.Environment = env
	if r.cfg.Repeat > 1 {
		r.attempts[s.Name]++
		res.Attempt = r.attempts[s.Name]
	}
	r.report.Drills = append(r.report.Drills, *res)
	r.report.Finished = time.Now()
	if err := report.Write(r.report); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if r.cfg.HistoryDir != "" {
		if err := report.Save(r.cfg.HistoryDir, r.report); err != nil {
			return fmt.Errorf("keep the report in the history: %w", err)
		}
	}
	return nil
}

// Close releases the clusters: those this run created are deleted unless
// cfg.KeepCluster; probe objects are removed from any that outlive it.
// It runs on every exit path, Ctrl-C included, with its own time limit.
func (r *Runner) Close(ctx context.Context) error {
	release := scenario.DefaultTimeouts().Release
	for name := range r.Catalog.Profiles {
		release = max(release, r.Catalog.Timeouts(name).Release)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), release)
	defer cancel()
	return r.pool.release(ctx, r.cfg.KeepCluster)
}

// Soak writes soak.md, the pass rate and the spread of every figure over
// the repeats of each scenario, and returns it.
func (r *Runner) Soak() (string, error) {
	text := report.Soak(r.report)
	return text, os.WriteFile(filepath.Join(r.report.Dir, "soak.md"), []byte(text), 0o644)
}

// DrillTimeout bounds one drill: its own waits, plus creating its cluster
// (what its provider registers as CreationTime), plus slack for reading
// back and reporting. Runner.Drill enforces it; a
// front end's own limit (Ginkgo's SpecTimeout) must be longer.
func DrillTimeout(s *scenario.Scenario, p *scenario.ClusterProfile) time.Duration {
	d := s.SteadyState.Timeout + s.Fault.Duration + s.Recovery.Timeout + s.Recovery.ObserveAfter + 5*time.Minute
	if p == nil {
		return d
	}
	if reg, ok := cluster.Lookup(p.Provider); ok && reg.CreationTime != nil {
		if spec, err := Spec(p, nil); err == nil {
			d += reg.CreationTime(spec)
		}
	}
	return d
}
