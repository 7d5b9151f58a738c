// Package drill runs one scenario against one cluster: steady state,
// observe, inject, recover, verdict (the run of DESIGN.md). It returns the
// timeline and what was derived from it; writing reports is the caller's.
package drill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/fault"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
	"github.com/firedrill/firedrill/framework/waitfor"
)

// Input is everything one drill needs.
type Input struct {
	Scenario *scenario.Scenario
	// Budgets are the scenario's budgets with the profile's overrides.
	Budgets []scenario.Budget
	Cluster cluster.Cluster
	// Client talks to the cluster's API; nil makes one from the cluster's
	// RESTConfig.
	Client kubernetes.Interface
	// Nodes is how many nodes the profile declares.
	Nodes int
	// Timeouts are the harness's own waits (the profile's overrides on
	// scenario.DefaultTimeouts).
	Timeouts scenario.Timeouts
	// ProbeImage runs the probe workload.
	ProbeImage string
	// Out receives progress lines.
	Out io.Writer
	// Journal receives each action on a node and its undo before the
	// action is done (nil keeps no journal).
	Journal *journal.Book
	// ArtifactDir is the drill's own report folder: a recovery procedure
	// writes its runbook there ("" keeps no runbook).
	ArtifactDir string
	// BackupDir is where a recovery procedure keeps its backup (the etcd
	// snapshot, with every Secret of the cluster; the PKI with the CA's
	// key): credentials, so in the state folder, never in the report
	// folder CI uploads. The caller makes it (0700) and removes it.
	BackupDir string
	// OnPhase, when set, is told each phase as it begins: a front end shows
	// it, a test interrupts the drill in the phase it wants.
	OnPhase func(phase string)
	// OnProbes, when set, is handed the timeline so far once the probes
	// run: a terminal's live line shows figures from it.
	OnProbes func(sofar func() timeline.Timeline)
}

// enter closes the phase running and opens the next one ("" closes only).
func enter(res *record.Drill, name string) {
	now := time.Now()
	if n := len(res.Phases); n > 0 && res.Phases[n-1].Seconds == 0 {
		res.Phases[n-1].Seconds = now.Sub(res.Phases[n-1].Started).Seconds()
	}
	if name != "" {
		res.Phases = append(res.Phases, record.Phase{Name: name, Started: now})
	}
}

// Run runs the drill and returns its record as far as the drill fills
// it: the timeline, the targets, the phases, and why it could not
// complete (also in Error). It neither derives nor judges figures:
// record.Judge does, so a recorded timeline is judged by the same code.
func Run(ctx context.Context, in Input) (*record.Drill, error) {
	d := &drillRun{in: in, s: in.Scenario, t: in.Timeouts, out: in.Out,
		res: &record.Drill{Name: in.Scenario.Name, Description: in.Scenario.Description, Cluster: in.Cluster.Name(), Started: time.Now()}}
	err := d.run(ctx)
	return d.res, err
}

// drillRun is one drill under way: what its phases hand to each other.
type drillRun struct {
	in  Input
	s   *scenario.Scenario
	t   scenario.Timeouts
	out io.Writer
	res *record.Drill

	flt         fault.Fault
	bench       *bench
	probes      *probe.Set
	steadyStart time.Time
	targets     []cluster.Node
	// injecting: Inject was called, so the exit lifts whatever it did,
	// also after a failed or partial Inject.
	injecting bool
	// prepared: the fault's Prepare was called (fault.Preparer), so the
	// exit removes what it made, also when no fault was injected.
	prepared   bool
	injectAt   time.Time
	conditions []string
	canary     *probe.Canary
	// settings are the cluster's own, read before the fault (nil: not
	// read).
	settings *timeline.Settings
	// noTarget: the drill ended finding nothing to break, so the healthy
	// cluster stays in use.
	noTarget bool
	// proc is the recovery procedure's state (restore.go).
	proc procedureRun
}

// phase is one step of a drill. The phases run in order; the first error
// ends the drill, and exit runs whatever happened.
type phase struct {
	name string
	do   func(context.Context) error
}

func (d *drillRun) phases() []phase {
	ps := []phase{
		{"prepare", d.prepare},
		{"steady-state", d.steadyState},
		{"baseline", d.baseline},
	}
	if d.hasBackup() {
		ps = append(ps, phase{"backup", d.backup})
	}
	ps = append(ps, phase{"inject", d.inject})
	if d.s.Fault.Duration > 0 {
		ps = append(ps, phase{"hold", d.hold})
	}
	if d.hasProcedure() {
		ps = append(ps, phase{"restore", d.restore})
	}
	return append(ps, phase{"recover", d.recover})
}

// run runs the phases; exit is the one way out, also for Ctrl-C and for a
// panic, which becomes the drill's error (with its stack in the output):
// the fault is lifted, the report written, and the next drill runs.
func (d *drillRun) run(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(d.out, "[%s] PANIC in phase %s: %v\n%s", d.s.Name, d.phase(), r, debug.Stack())
			err = fmt.Errorf("panic in phase %s: %v", d.phase(), r)
		}
		err = d.exit(ctx, err)
	}()
	for _, p := range d.phases() {
		// A Ctrl-C during a phase that completed anyway (its calls did
		// not notice) must not start the next one.
		if ctx.Err() != nil {
			err = context.Cause(ctx)
			break
		}
		d.enter(p.name)
		if err = p.do(ctx); err != nil {
			break
		}
	}
	return err
}

func (d *drillRun) enter(name string) {
	enter(d.res, name)
	if d.in.OnPhase != nil && name != "" {
		d.in.OnPhase(name)
	}
}

func (d *drillRun) phase() string {
	if n := len(d.res.Phases); n > 0 {
		return d.res.Phases[n-1].Name
	}
	return ""
}

// prepare picks the fault, connects, lists the nodes and installs the
// probe workload.
func (d *drillRun) prepare(ctx context.Context) (err error) {
	if d.flt, err = fault.New(d.s.Fault, d.t, d.in.Journal); err != nil {
		return fmt.Errorf("%s: fault: %w", d.s.Path, err)
	}
	d.bench, err = connect(ctx, benchInput{cluster: d.in.Cluster, client: d.in.Client, nodes: d.in.Nodes,
		target: d.s.Fault.Target, workloadVia: d.s.Probes.WorkloadVia, toleration: d.s.Probes.WorkloadToleration,
		image: d.in.ProbeImage, out: d.out, name: d.s.Name, timeouts: d.t})
	if err != nil {
		return err
	}
	// The bounds the cluster's settings put on figures; without them the
	// scenario's own lowerBounds stand, and the report says so.
	d.res.Notes = append(d.res.Notes, d.bench.chk.workload.why)
	if d.settings, err = readSettings(ctx, d.in.Cluster, d.bench.chk.controlPlane); err != nil {
		d.res.Notes = append(d.res.Notes, "cluster settings not read, the scenario's lower bounds apply: "+err.Error())
		fmt.Fprintf(d.out, "[%s] cluster settings not read (the scenario's lower bounds apply): %v\n", d.s.Name, err)
	} else {
		fmt.Fprintf(d.out, "[%s] cluster settings: node-monitor-grace-period %gs (%s)\n", d.s.Name,
			d.settings.NodeMonitorGracePeriod, d.settings.NodeMonitorGracePeriodFrom)
	}
	// A fault with objects of its own (a webhook) has them in place before
	// the steady state, so the baseline is measured with them.
	if p, ok := d.flt.(fault.Preparer); ok {
		d.prepared = true
		fmt.Fprintf(d.out, "[%s] prepare the fault: %s\n", d.s.Name, d.flt.Desc())
		if err := p.Prepare(ctx, fault.PrepareInput{Client: d.bench.cs, Image: d.bench.image, RunID: d.runID(), Name: d.s.Name, Out: d.out}); err != nil {
			return fmt.Errorf("prepare the fault: %w", err)
		}
	}
	return ctx.Err()
}

// runID names what this drill makes in the cluster: its start, in
// seconds, as the canary's and the verification Deployment's names.
func (d *drillRun) runID() string { return fmt.Sprint(d.res.Started.Unix()) }

// steadyState waits for the steady-state checks, without probes: the
// workload may still be starting.
func (d *drillRun) steadyState(ctx context.Context) error {
	s := d.s
	fmt.Fprintf(d.out, "[%s] steady state: %s\n", s.Name, strings.Join(s.SteadyState.Checks, ", "))
	d.steadyStart = time.Now()
	if err := waitfor.Until(ctx, waitfor.Input{What: "steady state", Timeout: s.SteadyState.Timeout, Poll: d.t.SteadyPoll, Out: d.out,
		Check: func(ctx context.Context) error { return d.bench.chk.check(ctx, s.SteadyState.Checks) }}); err != nil {
		return fmt.Errorf("steady state: %w", err)
	}
	return nil
}

// baseline starts the probes and holds the steady state for the settle
// window, so the timeline has a baseline before the fault.
func (d *drillRun) baseline(ctx context.Context) error {
	s := d.s
	b := d.bench
	var err error
	if d.probes, err = b.startProbes(ctx, s.Probes, d.hasProcedure()); err != nil {
		return fmt.Errorf("start probes: %w", err)
	}
	if rec := d.probes.Recorder(); d.in.OnProbes != nil && rec != nil {
		d.in.OnProbes(func() timeline.Timeline { return rec.Snapshot(time.Now()) })
	}
	if err := waitfor.Until(ctx, waitfor.Input{What: fmt.Sprintf("steady state held for %s", s.SteadyState.Settle),
		Timeout: max(s.SteadyState.Timeout, time.Since(d.steadyStart)+s.SteadyState.Settle+10*time.Second), Since: d.steadyStart,
		Poll: d.t.SteadyPoll, Out: d.out,
		Check: settled(s.SteadyState.Settle, func(ctx context.Context) error { return b.chk.check(ctx, s.SteadyState.Checks) })}); err != nil {
		return fmt.Errorf("steady state: %w", err)
	}
	return nil
}

// errNoTarget marks a drill that found nothing to break.
type errNoTarget struct{ err error }

func (e errNoTarget) Error() string { return e.err.Error() }
func (e errNoTarget) Unwrap() error { return e.err }

// inject chooses the targets last, so leadership and restart history are
// those of the moment of the fault, then breaks them, then creates the
// canary pod when the scenario has one.
func (d *drillRun) inject(ctx context.Context) error {
	s, res, b := d.s, d.res, d.bench
	facts, err := fault.LookupFacts(ctx, d.in.Cluster, b.cs, b.nodes, s.Fault.Target)
	if err != nil {
		return errNoTarget{fmt.Errorf("%s: fault.target: %w", s.Path, err)}
	}
	choice, err := fault.Select(b.nodes, s.Fault, facts, time.Now())
	if err != nil {
		return errNoTarget{fmt.Errorf("%s: fault.target: %w", s.Path, err)}
	}
	d.targets = choice.Nodes
	for _, t := range d.targets {
		if t.Name == b.chk.workload.node {
			return errNoTarget{fmt.Errorf("%s: fault.target: it picked %s, the node the harness reaches the probe workload through: "+
				"narrow the target (role, zone) so a worker is left outside it", s.Path, t.Name)}
		}
	}
	res.Fault = fmt.Sprintf("%s (%s)", s.Fault.Action, d.flt.Desc())
	for _, t := range d.targets {
		res.Targets = append(res.Targets, t.Name)
	}
	res.Notes = append(res.Notes, choice.Why...)
	fmt.Fprintf(d.out, "[%s] inject: %s on %s\n", s.Name, s.Fault.Action, strings.Join(res.Targets, ", "))
	for _, why := range choice.Why {
		fmt.Fprintf(d.out, "[%s]   %s\n", s.Name, why)
	}
	d.injecting = true
	d.injectAt = time.Now()
	if err := d.flt.Inject(ctx, d.in.Cluster, d.targets, d.probes.Recorder()); err != nil {
		return fmt.Errorf("inject: %w", err)
	}
	fmt.Fprintf(d.out, "[%s] injected in %s\n", s.Name, time.Since(d.injectAt).Round(100*time.Millisecond))
	d.conditions = s.Recovery.Conditions
	// After a fault only a procedure undoes, the canary waits for it.
	if s.Probes.Canary && !d.hasProcedure() {
		if err := d.createCanary(ctx); err != nil {
			return err
		}
		d.conditions = append(slices.Clone(d.conditions), checkCanary)
	}
	return nil
}

// hold keeps a held fault in place for the scenario's duration, then
// lifts it.
func (d *drillRun) hold(ctx context.Context) error {
	fmt.Fprintf(d.out, "[%s] holding the fault for %s\n", d.s.Name, d.s.Fault.Duration)
	if err := sleep(ctx, d.s.Fault.Duration); err != nil {
		return err
	}
	if err := d.flt.Recover(ctx, d.in.Cluster, d.targets, d.probes.Recorder()); err != nil {
		return fmt.Errorf("lift the fault: %w", err)
	}
	return nil
}

// sleep waits for d, or returns why ctx ended first (Ctrl-C).
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-time.After(d):
		return nil
	}
}

// recover waits, with no human step. Recovered means every condition held
// without a break for observeAfter: a cascade that starts after a first
// all-clear (a co-located leader losing its Lease) must not pass as
// recovery.
func (d *drillRun) recover(ctx context.Context) error {
	s := d.s
	fmt.Fprintf(d.out, "[%s] recovery: waiting for %s, then for them to hold %s\n", s.Name, strings.Join(d.conditions, ", "), s.Recovery.ObserveAfter)
	if err := waitfor.Until(ctx, waitfor.Input{What: "recovery", Timeout: s.Recovery.Timeout + s.Recovery.ObserveAfter,
		Poll: d.t.RecoveryPoll, Every: d.t.Progress, Since: d.injectAt, Out: d.out, Limit: budgetLimit(d.in.Budgets, timeline.RecoveryAll),
		Check: settled(s.Recovery.ObserveAfter, func(ctx context.Context) error { return d.bench.chk.check(ctx, d.conditions) })}); err != nil {
		return fmt.Errorf("recovery: %w", err)
	}
	return nil
}

// exit ends every drill, whatever happened: it lifts a fault the harness
// holds first (before the counter is read back, before reports, before a
// Ctrl-C lets the front end delete the cluster), stops the probes, which
// returns the timeline, and removes the drill's own objects. Each step
// after an interruption is bounded, since the user is waiting.
func (d *drillRun) exit(ctx context.Context, cause error) error {
	s, res, t := d.s, d.res, d.t
	phase := d.phase()
	enter(res, "read-back")
	if d.injecting || d.prepared {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.LiftFault)
		// A fault prepared but not injected may end before the probes
		// started: its Recover records nothing.
		var ev fault.Events = discard{}
		if d.probes != nil {
			ev = d.probes.Recorder()
		}
		if err := d.flt.Recover(cctx, d.in.Cluster, d.targets, ev); err != nil {
			fmt.Fprintf(d.out, "[%s] ERROR: could not lift the fault: %v\n", s.Name, err)
			cause = errors.Join(cause, fmt.Errorf("lift the fault: %w", err))
		}
		cancel()
	}
	interrupted := awaitInterrupt(ctx, cause)
	if d.probes != nil {
		res.Timeline = d.probes.Stop(ctx, exitWait(ctx, t.ReadBack, t))
		res.Timeline.Settings = d.settings
		res.Timeline.Conditions = s.Recovery.Conditions
		d.writeRunbook()
		if a := res.Timeline.Addresses; len(a) > 0 {
			res.Notes = append(res.Notes, "node addresses across the fault: "+timeline.DescribeAddresses(a))
		}
	}
	d.cleanup(ctx)
	if cause == nil && d.bench != nil {
		res.Notes = append(res.Notes, addressChanges(ctx, d.in.Cluster, d.bench.nodes)...)
	}
	enter(res, "")
	res.Finished = time.Now()
	res.PeakRSSBytes = peakRSS()
	if cause != nil {
		if interrupted {
			cause = fmt.Errorf("interrupted in phase %s: %w", phase, cause)
		}
		res.Error = cause.Error()
	}
	res.Interrupted = interrupted && cause != nil
	res.Healthy = cause == nil || errors.As(cause, new(errNoTarget))
	if d.probes != nil {
		fmt.Fprintf(d.out, "[%s] observed %s: %d samples, %d lease, %d pod, %d node, %d etcd observations\n", s.Name,
			res.Timeline.End.Sub(res.Timeline.Start).Round(time.Second), len(res.Timeline.Samples), len(res.Timeline.Leases),
			len(res.Timeline.Pods), len(res.Timeline.Nodes), len(res.Timeline.Etcd))
	}
	return cause
}

// discard is the events of a fault Recover with no probes to record them.
type discard struct{}

func (discard) Event(timeline.Event)          {}
func (discard) Evidence(timeline.Evidence)    {}
func (discard) Address(timeline.AddressCheck) {}

// interrupted says whether ctx was cancelled (Ctrl-C, SIGTERM) rather
// than run out of time: a drill that ran out of time failed; one that was
// interrupted did not finish. Front ends bound a drill with a deadline of
// their own (run.Runner does), so the two read apart.
// Interrupted says whether ctx was cancelled from outside (Ctrl-C,
// SIGTERM) rather than by its own deadline (the drill's time limit).
func Interrupted(ctx context.Context) bool {
	return ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded)
}

// exitWait bounds a wait on the way out: normal, or ReadBackInterrupted
// once ctx ended (Ctrl-C: the user is waiting).
func exitWait(ctx context.Context, normal time.Duration, t scenario.Timeouts) time.Duration {
	if ctx.Err() != nil {
		return t.ReadBackInterrupted
	}
	return normal
}

// cleanup removes the counter and the canary; bounded shorter after an
// interruption.
func (d *drillRun) cleanup(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exitWait(ctx, d.t.Cleanup, d.t))
	defer cancel()
	if d.probes != nil && d.probes.Started() {
		if err := d.bench.writer.Delete(cctx); err != nil {
			fmt.Fprintf(d.out, "[%s] warning: counter %s not deleted: %v\n", d.s.Name, d.bench.writer.Name, err)
		}
	}
	if d.proc.check != nil {
		if err := d.proc.check.Delete(cctx); err != nil {
			fmt.Fprintf(d.out, "[%s] warning: deployment %s not deleted: %v\n", d.s.Name, d.proc.check.Name, err)
		}
	}
	if d.canary != nil {
		if err := d.canary.Delete(cctx); err != nil {
			fmt.Fprintf(d.out, "[%s] warning: canary pod %s not deleted: %v\n", d.s.Name, d.canary.Name, err)
		}
	}
}

// createCanary creates the canary pod right after the fault, retrying while
// the API refuses, within the recovery timeout.
func (d *drillRun) createCanary(ctx context.Context) error {
	c := &probe.Canary{CS: d.bench.cs, Name: fmt.Sprintf("canary-%s-%d", d.s.Name, d.injectAt.Unix()), Image: d.bench.image}
	d.canary = c
	var created time.Time
	err := waitfor.Until(ctx, waitfor.Input{What: "canary pod created", Timeout: d.s.Recovery.Timeout, Since: d.injectAt,
		Poll: d.t.RecoveryPoll, Out: d.out,
		Check: func(ctx context.Context) (err error) { created, err = c.Create(ctx); return err }})
	if err != nil {
		return fmt.Errorf("canary: %w", err)
	}
	d.bench.chk.canary = c
	d.probes.Canary(c, created)
	return nil
}

// workloadPath is how the harness reaches the probe workload from
// outside the cluster.
type workloadPath struct {
	// urls are asked at once; the first answer counts (one url: a single
	// node's NodePort).
	urls []string
	// node is the one node the path goes through ("" when every node's
	// NodePort is asked).
	node string
	// why says so, for the report.
	why string
}

// workloadPathOf chooses how the workload is reached. Through the first
// worker by name among those the fault's target cannot pick, or a
// data-plane outage would be the probe path's, not the cluster's; when
// the target may take every worker (a whole-cluster outage leaves no node
// out) and the scenario does not ask for a spared worker, through every
// node's NodePort, the first that answers counting: the workload is down
// only when no node serves it.
func workloadPathOf(nodes []cluster.Node, target scenario.Target, via string, nodePort int32) (workloadPath, error) {
	var workers, spared []cluster.Node
	for _, n := range nodes {
		if n.Role == cluster.RoleWorker {
			workers = append(workers, n)
			if !fault.Matches(n, target) {
				spared = append(spared, n)
			}
		}
	}
	if len(workers) == 0 {
		return workloadPath{}, errors.New("the cluster has no worker node for the probe workload")
	}
	byName := func(a, b cluster.Node) int { return strings.Compare(a.Name, b.Name) }
	if len(spared) > 0 && via != scenario.WorkloadAnyNode {
		slices.SortFunc(spared, byName)
		n := spared[0]
		return workloadPath{urls: []string{probe.WorkloadURL(n.Address, nodePort)}, node: n.Name,
			why: fmt.Sprintf("the probe workload is reached through %s's NodePort, a worker the fault's target cannot pick", n.Name)}, nil
	}
	if via == scenario.WorkloadSparedWorker {
		return workloadPath{}, errors.New("probes.workloadVia is spared-worker, but the fault's target may take every worker")
	}
	all := slices.SortedFunc(slices.Values(nodes), byName)
	p := workloadPath{why: fmt.Sprintf("the probe workload is reached through every node's NodePort (%d nodes), the first that answers counting: "+
		"the fault's target may take every worker", len(all))}
	if via == scenario.WorkloadAnyNode {
		p.why = fmt.Sprintf("the probe workload is reached through every node's NodePort (%d nodes), the first that answers counting (probes.workloadVia)", len(all))
	}
	for _, n := range all {
		p.urls = append(p.urls, probe.WorkloadURL(n.Address, nodePort))
	}
	return p, nil
}

func controlPlaneNodes(nodes []cluster.Node) []cluster.Node {
	var out []cluster.Node
	for _, n := range nodes {
		if n.Role == cluster.RoleControlPlane {
			out = append(out, n)
		}
	}
	return out
}

func budgetLimit(bs []scenario.Budget, figure string) string {
	for _, b := range bs {
		if b.Figure == figure && b.Max != nil {
			return fmt.Sprintf("budget %s <= %s", figure, budget.Format(b.Max.Number, timeline.FigureUnits[figure]))
		}
	}
	return ""
}

// limits are a scenario's budgets as the budget package takes them: the
// numbers in the figures' units, without the YAML they were read from.
func Limits(bs []scenario.Budget) []budget.Budget {
	number := func(v *scenario.Value) *float64 {
		if v == nil {
			return nil
		}
		x := v.Number
		return &x
	}
	out := make([]budget.Budget, len(bs))
	for i, b := range bs {
		out[i] = budget.Budget{Figure: b.Figure, Kind: b.Kind, Max: number(b.Max), Min: number(b.Min),
			LowerBound: number(b.LowerBound), Why: b.Why, FromHistory: b.FromHistory}
	}
	return out
}

// addressChanges reports nodes whose address changed across the drill: on
// kind a restarted node container can get another IP from docker, which
// breaks certificates and etcd peer URLs (kind issue 1689).
func addressChanges(ctx context.Context, c cluster.Cluster, before []cluster.Node) []string {
	after, err := c.Nodes(ctx)
	if err != nil {
		return []string{"could not list nodes after the drill: " + err.Error()}
	}
	var notes []string
	for _, a := range after {
		for _, b := range before {
			if a.Name == b.Name && a.Address != b.Address {
				notes = append(notes, fmt.Sprintf("node %s changed address from %s to %s", a.Name, b.Address, a.Address))
			}
		}
	}
	return notes
}
