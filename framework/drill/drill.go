// Package drill runs one scenario against one cluster: steady state,
// observe, inject, recover, verdict (the run of DESIGN.md). It returns the
// timeline and what was derived from it; writing reports is the caller's.
package drill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/fault"
	"github.com/firedrill/firedrill/framework/probe"
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
	// Nodes is how many nodes the profile declares.
	Nodes int
	// ProbeImage runs the probe workload.
	ProbeImage string
	// Out receives progress lines.
	Out io.Writer
}

// Result is what one drill observed and concluded.
type Result struct {
	Scenario    string            `json:"scenario"`
	Description string            `json:"description"`
	Cluster     string            `json:"cluster"`
	Fault       string            `json:"fault"`
	Targets     []string          `json:"targets"`
	Started     time.Time         `json:"started"`
	Finished    time.Time         `json:"finished"`
	Timeline    timeline.Timeline `json:"-"`
	Figures     []timeline.Figure `json:"figures"`
	Verdicts    []budget.Verdict  `json:"verdicts"`
	Pass        bool              `json:"pass"`
	// Error is why the drill could not complete (steady state never held,
	// the fault could not be injected, the cluster did not recover).
	Error string `json:"error,omitempty"`
	// Healthy says whether the cluster was healthy again at the end; an
	// unhealthy cluster must not be reused by the next drill.
	Healthy bool `json:"healthy"`
	// Notes are facts worth a reader's attention (a node changed address).
	Notes []string `json:"notes,omitempty"`
}

// Run runs the drill. The returned error is also in Result.Error; a blown
// budget is not an error (Result.Pass says it).
func Run(ctx context.Context, in Input) (*Result, error) {
	s := in.Scenario
	res := &Result{Scenario: s.Name, Description: s.Description, Cluster: in.Cluster.Name(), Started: time.Now()}
	err := run(ctx, in, res)
	res.Finished = time.Now()
	if err != nil {
		res.Error = err.Error()
		res.Pass = false
	}
	return res, err
}

func run(ctx context.Context, in Input, res *Result) error {
	s, out := in.Scenario, in.Out
	cfg := in.Cluster.RESTConfig()
	cfg.QPS, cfg.Burst = 100, 200 // the harness's own checks must never queue behind client-go's limiter
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	nodes, err := in.Cluster.Nodes(ctx)
	if err != nil {
		return err
	}
	flt, err := fault.New(s.Fault)
	if err != nil {
		return err
	}
	targets, err := fault.Select(nodes, s.Fault.Target)
	if err != nil {
		return fmt.Errorf("%s: fault.target: %w", s.Path, err)
	}
	res.Fault = fmt.Sprintf("%s (%s)", s.Fault.Action, flt.Desc())
	for _, t := range targets {
		res.Targets = append(res.Targets, t.Name)
	}

	fmt.Fprintf(out, "[%s] installing the probe workload and the counter\n", s.Name)
	nodePort, err := probe.EnsureWorkload(ctx, cs, in.ProbeImage, out)
	if err != nil {
		return err
	}
	workloadNode, err := workloadNode(nodes, targets)
	if err != nil {
		return err
	}
	chk := &checker{cs: cs, nodes: in.Nodes, controlPlaneNodes: controlPlane(nodes),
		workloadURL: probe.WorkloadURL(workloadNode.Address, nodePort), timeout: 3 * time.Second}
	writer := probe.Writer{CS: cs, Name: fmt.Sprintf("counter-%s-%d", s.Name, time.Now().Unix())}

	// 2. Steady state, first without probes (the workload may still be
	// starting), then held for the settle window with the probes on, so the
	// timeline has a baseline before the fault.
	fmt.Fprintf(out, "[%s] steady state: %s\n", s.Name, strings.Join(s.SteadyState.Checks, ", "))
	steadyStart := time.Now()
	if err := waitfor.Until(ctx, waitfor.Input{What: "steady state", Timeout: s.SteadyState.Timeout, Poll: time.Second, Out: out,
		Check: func(ctx context.Context) error { return chk.check(ctx, s.SteadyState.Checks) }}); err != nil {
		return fmt.Errorf("steady state: %w", err)
	}
	if err := writer.Create(ctx); err != nil {
		return err
	}
	defer func() {
		timeout := 30 * time.Second
		if ctx.Err() != nil {
			timeout = 5 * time.Second // interrupted: the user is waiting
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		if err := writer.Delete(cctx); err != nil {
			fmt.Fprintf(out, "[%s] warning: counter %s not deleted: %v\n", s.Name, writer.Name, err)
		}
	}()

	// 3. Observe.
	rec := probe.NewRecorder(time.Now())
	chk.rec = rec
	probeCtx, stopProbes := context.WithCancel(ctx)
	defer stopProbes()
	if err := probe.Watch(probeCtx, cs, rec); err != nil {
		return err
	}
	api, err := probe.APISamplers(timeline.EndpointClient, in.Cluster.RESTConfig(), s.Probes.Timeout)
	if err != nil {
		return err
	}
	samplers := &probe.Samplers{Rec: rec, Interval: s.Probes.Interval, Timeout: s.Probes.Timeout,
		List: append(api, probe.WorkloadSampler(chk.workloadURL, s.Probes.Timeout))}
	writes := &probe.Samplers{Rec: rec, Interval: s.Probes.WriteInterval, Timeout: s.Probes.Timeout,
		List: []probe.Sampler{writer.Sampler()}}
	samplers.Start(probeCtx)
	writes.Start(probeCtx)
	fmt.Fprintf(out, "[%s] probes on: %d series every %s (timeout %s), writes every %s, workload at %s\n",
		s.Name, len(samplers.List), s.Probes.Interval, s.Probes.Timeout, s.Probes.WriteInterval, chk.workloadURL)

	remaining := s.SteadyState.Timeout - time.Since(steadyStart)
	if err := waitfor.Until(ctx, waitfor.Input{What: fmt.Sprintf("steady state held for %s", s.SteadyState.Settle),
		Timeout: max(remaining, s.SteadyState.Settle+10*time.Second), Poll: time.Second, Out: out,
		Check: settled(s.SteadyState.Settle, func(ctx context.Context) error { return chk.check(ctx, s.SteadyState.Checks) })}); err != nil {
		return fmt.Errorf("steady state: %w", err)
	}

	// 4. Inject. Whatever happens next, a fault the harness holds is lifted
	// first: before the counter is read back, before reports, before a
	// Ctrl-C lets the suite delete the cluster.
	obs := &observation{in: in, res: res, rec: rec, samplers: samplers, writes: writes, stop: stopProbes, writer: writer,
		lift: func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			defer cancel()
			if err := flt.Recover(cctx, in.Cluster, targets, rec); err != nil {
				fmt.Fprintf(out, "[%s] ERROR: could not lift the fault: %v\n", s.Name, err)
			}
		}}
	defer obs.lift()
	fmt.Fprintf(out, "[%s] inject: %s on %s\n", s.Name, s.Fault.Action, strings.Join(res.Targets, ", "))
	injectAt := time.Now()
	if err := flt.Inject(ctx, in.Cluster, targets, rec); err != nil {
		return obs.finish(ctx, fmt.Errorf("inject: %w", err))
	}
	fmt.Fprintf(out, "[%s] injected in %s\n", s.Name, time.Since(injectAt).Round(100*time.Millisecond))
	if d := s.Fault.Duration; d > 0 {
		fmt.Fprintf(out, "[%s] holding the fault for %s\n", s.Name, d)
		select {
		case <-ctx.Done():
			return obs.finish(ctx, context.Cause(ctx))
		case <-time.After(d):
		}
		if err := flt.Recover(ctx, in.Cluster, targets, rec); err != nil {
			return obs.finish(ctx, fmt.Errorf("lift the fault: %w", err))
		}
	}

	// 5. Recover: no human step, only waiting.
	fmt.Fprintf(out, "[%s] recovery: waiting for %s\n", s.Name, strings.Join(s.Recovery.Conditions, ", "))
	recErr := waitfor.Until(ctx, waitfor.Input{What: "recovery", Timeout: s.Recovery.Timeout,
		Poll: 500 * time.Millisecond, Every: 5 * time.Second, Since: injectAt, Out: out, Limit: budgetLimit(in.Budgets, timeline.RecoveryAll),
		Check: func(ctx context.Context) error { return chk.check(ctx, s.Recovery.Conditions) }})
	if recErr == nil && s.Recovery.ObserveAfter > 0 {
		fmt.Fprintf(out, "[%s] recovered; observing %s more\n", s.Name, s.Recovery.ObserveAfter)
		select {
		case <-ctx.Done():
			recErr = context.Cause(ctx)
		case <-time.After(s.Recovery.ObserveAfter):
		}
	}
	if recErr != nil {
		recErr = fmt.Errorf("recovery: %w", recErr)
	}
	if err := obs.finish(ctx, recErr); err != nil {
		return err
	}
	res.Notes = append(res.Notes, addressChanges(ctx, in.Cluster, nodes)...)
	return nil
}

// observation is a drill from the moment its probes run.
type observation struct {
	in               Input
	res              *Result
	rec              *probe.Recorder
	samplers, writes *probe.Samplers
	stop             context.CancelFunc
	writer           probe.Writer
	lift             func()
}

// finish lifts the fault, stops the probes, reads the counter back, and
// derives the figures and the verdicts. Every path after the probes
// started ends here, so even a failed or interrupted drill leaves a
// timeline.
func (o *observation) finish(ctx context.Context, cause error) error {
	s, out := o.in.Scenario, o.in.Out
	o.lift()
	o.stop()
	o.samplers.Wait()
	o.writes.Wait()
	end := time.Now()
	// An interrupted run makes one short attempt: the user is waiting.
	readTimeout := 30 * time.Second
	if ctx.Err() != nil {
		readTimeout = 5 * time.Second
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout+5*time.Second)
	defer cancel()
	var seen []int64
	err := waitfor.Until(cctx, waitfor.Input{What: "counter read-back", Timeout: readTimeout, Poll: time.Second, Out: out,
		Check: func(ctx context.Context) (err error) { seen, err = o.writer.ReadBack(ctx); return err }})
	wc := timeline.WriteCheck{At: time.Now(), Seen: seen}
	if err != nil {
		wc.Error = err.Error()
	}
	o.rec.WriteCheck(wc)
	res := o.res
	res.Timeline = o.rec.Close(end)
	res.Figures = timeline.Derive(res.Timeline)
	res.Verdicts = budget.Evaluate(res.Figures, o.in.Budgets)
	res.Pass = cause == nil && budget.Pass(res.Verdicts)
	res.Healthy = cause == nil
	fmt.Fprintf(out, "[%s] observed %s: %d samples, %d lease, %d pod, %d node observations\n", s.Name,
		end.Sub(res.Timeline.Start).Round(time.Second), len(res.Timeline.Samples), len(res.Timeline.Leases),
		len(res.Timeline.Pods), len(res.Timeline.Nodes))
	return cause
}

// workloadNode is the node the harness reaches the workload through: a
// worker the fault does not touch, so a data-plane outage is the cluster's,
// not the probe path's.
func workloadNode(nodes, targets []cluster.Node) (cluster.Node, error) {
	var workers []cluster.Node
	for _, n := range nodes {
		if n.Role == cluster.RoleWorker {
			workers = append(workers, n)
		}
	}
	slices.SortFunc(workers, func(a, b cluster.Node) int { return strings.Compare(a.Name, b.Name) })
	for _, w := range workers {
		if !slices.ContainsFunc(targets, func(t cluster.Node) bool { return t.Name == w.Name }) {
			return w, nil
		}
	}
	if len(workers) > 0 {
		return workers[0], nil
	}
	return cluster.Node{}, errors.New("the cluster has no worker node for the probe workload")
}

func controlPlane(nodes []cluster.Node) []string {
	var out []string
	for _, n := range nodes {
		if n.Role == cluster.RoleControlPlane {
			out = append(out, n.Name)
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
