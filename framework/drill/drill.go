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
	// Timeouts are the harness's own waits (the profile's overrides on
	// scenario.DefaultTimeouts).
	Timeouts scenario.Timeouts
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
	// Verdict is PASS, FAIL or INVALID (no evidence that the fault took:
	// the figures describe a cluster nobody broke). Pass is Verdict ==
	// PASS.
	Verdict string `json:"verdict"`
	// Invalid says why the drill is INVALID.
	Invalid string `json:"invalid,omitempty"`
	Pass    bool   `json:"pass"`
	// Error is why the drill could not complete (steady state never held,
	// the fault could not be injected, the cluster did not recover).
	Error string `json:"error,omitempty"`
	// Healthy says whether the cluster was healthy again at the end; an
	// unhealthy cluster must not be reused by the next drill.
	Healthy bool `json:"healthy"`
	// Notes are facts worth a reader's attention (a node changed address).
	Notes []string `json:"notes,omitempty"`
	// Phases are the drill's phases in order with the time each took, so
	// the harness's overhead beyond the fault's own recovery is a number.
	Phases []Phase `json:"phases,omitempty"`
	// PeakRSSBytes is the harness process's peak resident memory at the
	// end of the drill (getrusage; it only grows over a run).
	PeakRSSBytes int64 `json:"peakRSSBytes,omitempty"`
}

// Phase is one phase of a drill and how long it took.
type Phase struct {
	Name    string    `json:"name"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
}

// enter closes the phase running and opens the next one ("" closes only).
func (r *Result) enter(name string) {
	now := time.Now()
	if n := len(r.Phases); n > 0 && r.Phases[n-1].Seconds == 0 {
		r.Phases[n-1].Seconds = now.Sub(r.Phases[n-1].Started).Seconds()
	}
	if name != "" {
		r.Phases = append(r.Phases, Phase{Name: name, Started: now})
	}
}

// Run runs the drill. The returned error is also in Result.Error; a blown
// budget is not an error (Result.Pass says it).
func Run(ctx context.Context, in Input) (*Result, error) {
	s := in.Scenario
	res := &Result{Scenario: s.Name, Description: s.Description, Cluster: in.Cluster.Name(), Started: time.Now()}
	res.enter("prepare")
	err := run(ctx, in, res)
	res.enter("")
	res.Finished = time.Now()
	res.PeakRSSBytes = peakRSS()
	if err != nil {
		res.Error = err.Error()
		res.Pass = false
	}
	res.Verdict = verdictOf(res, err)
	return res, err
}

// Verdicts of a drill.
const (
	VerdictPass    = "PASS"
	VerdictFail    = "FAIL"
	VerdictInvalid = "INVALID"
)

// verdictOf puts INVALID first: once a fault was injected, figures without
// proof that it took say nothing about how the cluster heals, whatever the
// budgets say. A drill that failed before injecting anything is a FAIL
// with its error.
func verdictOf(res *Result, err error) string {
	if res.Invalid != "" {
		res.Pass = false
		return VerdictInvalid
	}
	if err != nil || !res.Pass {
		return VerdictFail
	}
	return VerdictPass
}

func run(ctx context.Context, in Input, res *Result) error {
	s, out := in.Scenario, in.Out
	t := in.Timeouts
	flt, err := fault.New(s.Fault, t)
	if err != nil {
		return err
	}
	ses, err := prepare(ctx, in.Cluster, in.Nodes, in.ProbeImage, out, s.Name, t)
	if err != nil {
		return err
	}
	defer ses.cleanup(ctx)

	// 2. Steady state, first without probes (the workload may still be
	// starting), then held for the settle window with the probes on, so the
	// timeline has a baseline before the fault.
	res.enter("steady-state")
	fmt.Fprintf(out, "[%s] steady state: %s\n", s.Name, strings.Join(s.SteadyState.Checks, ", "))
	steadyStart := time.Now()
	if err := waitfor.Until(ctx, waitfor.Input{What: "steady state", Timeout: s.SteadyState.Timeout, Poll: t.SteadyPoll, Out: out,
		Check: func(ctx context.Context) error { return ses.chk.check(ctx, s.SteadyState.Checks) }}); err != nil {
		return fmt.Errorf("steady state: %w", err)
	}
	// 3. Observe.
	res.enter("baseline")
	if err := ses.startProbes(ctx, s.Probes); err != nil {
		return err
	}
	if err := waitfor.Until(ctx, waitfor.Input{What: fmt.Sprintf("steady state held for %s", s.SteadyState.Settle),
		Timeout: max(s.SteadyState.Timeout, time.Since(steadyStart)+s.SteadyState.Settle+10*time.Second), Since: steadyStart,
		Poll: t.SteadyPoll, Out: out,
		Check: settled(s.SteadyState.Settle, func(ctx context.Context) error { return ses.chk.check(ctx, s.SteadyState.Checks) })}); err != nil {
		return ses.finish(ctx, res, in.Budgets, fmt.Errorf("steady state: %w", err))
	}

	// Targets are chosen last, so leadership and restart history are
	// those of the moment of the fault.
	res.enter("inject")
	facts, err := fault.LookupFacts(ctx, in.Cluster, ses.cs, ses.nodes, s.Fault.Target)
	if err != nil {
		return ses.noTarget(ctx, res, in.Budgets, fmt.Errorf("%s: fault.target: %w", s.Path, err))
	}
	choice, err := fault.Select(ses.nodes, s.Fault, facts, time.Now())
	if err != nil {
		return ses.noTarget(ctx, res, in.Budgets, fmt.Errorf("%s: fault.target: %w", s.Path, err))
	}
	targets := choice.Nodes
	res.Fault = fmt.Sprintf("%s (%s)", s.Fault.Action, flt.Desc())
	for _, t := range targets {
		res.Targets = append(res.Targets, t.Name)
	}
	res.Notes = append(res.Notes, choice.Why...)

	// 4. Inject. Whatever happens next, a fault the harness holds is lifted
	// first: before the counter is read back, before reports, before a
	// Ctrl-C lets the suite delete the cluster.
	ses.lift = func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.LiftFault)
		defer cancel()
		if err := flt.Recover(cctx, in.Cluster, targets, ses.rec); err != nil {
			fmt.Fprintf(out, "[%s] ERROR: could not lift the fault: %v\n", s.Name, err)
		}
	}
	defer ses.lift()
	fmt.Fprintf(out, "[%s] inject: %s on %s\n", s.Name, s.Fault.Action, strings.Join(res.Targets, ", "))
	for _, why := range choice.Why {
		fmt.Fprintf(out, "[%s]   %s\n", s.Name, why)
	}
	injectAt := time.Now()
	if err := flt.Inject(ctx, in.Cluster, targets, ses.rec); err != nil {
		return ses.finish(ctx, res, in.Budgets, fmt.Errorf("inject: %w", err))
	}
	fmt.Fprintf(out, "[%s] injected in %s\n", s.Name, time.Since(injectAt).Round(100*time.Millisecond))
	conditions := s.Recovery.Conditions
	if s.Probes.Canary {
		if err := ses.createCanary(ctx, s, injectAt); err != nil {
			return ses.finish(ctx, res, in.Budgets, err)
		}
		conditions = append(slices.Clone(conditions), checkCanary)
	}
	if d := s.Fault.Duration; d > 0 {
		res.enter("hold")
		fmt.Fprintf(out, "[%s] holding the fault for %s\n", s.Name, d)
		select {
		case <-ctx.Done():
			return ses.finish(ctx, res, in.Budgets, context.Cause(ctx))
		case <-time.After(d):
		}
		if err := flt.Recover(ctx, in.Cluster, targets, ses.rec); err != nil {
			return ses.finish(ctx, res, in.Budgets, fmt.Errorf("lift the fault: %w", err))
		}
	}

	// 5. Recover: no human step, only waiting. Recovered means every
	// condition held without a break for observeAfter: a cascade that
	// starts after a first all-clear (a co-located leader losing its
	// Lease) must not pass as recovery.
	res.enter("recover")
	fmt.Fprintf(out, "[%s] recovery: waiting for %s, then for them to hold %s\n", s.Name, strings.Join(conditions, ", "), s.Recovery.ObserveAfter)
	recErr := waitfor.Until(ctx, waitfor.Input{What: "recovery", Timeout: s.Recovery.Timeout + s.Recovery.ObserveAfter,
		Poll: t.RecoveryPoll, Every: t.Progress, Since: injectAt, Out: out, Limit: budgetLimit(in.Budgets, timeline.RecoveryAll),
		Check: settled(s.Recovery.ObserveAfter, func(ctx context.Context) error { return ses.chk.check(ctx, conditions) })})
	if recErr != nil {
		recErr = fmt.Errorf("recovery: %w", recErr)
	}
	if err := ses.finish(ctx, res, in.Budgets, recErr); err != nil {
		return err
	}
	res.Notes = append(res.Notes, addressChanges(ctx, in.Cluster, ses.nodes)...)
	return nil
}

// createCanary creates the canary pod right after the fault, retrying while
// the API refuses, within the recovery timeout.
func (ses *session) createCanary(ctx context.Context, s *scenario.Scenario, injectAt time.Time) error {
	ses.canary = &probe.Canary{CS: ses.cs, Name: fmt.Sprintf("canary-%s-%d", s.Name, injectAt.Unix()), Image: ses.image}
	var created time.Time
	err := waitfor.Until(ctx, waitfor.Input{What: "canary pod created", Timeout: s.Recovery.Timeout, Since: injectAt,
		Poll: ses.timeouts.RecoveryPoll, Out: ses.out,
		Check: func(ctx context.Context) (err error) { created, err = ses.canary.Create(ctx); return err }})
	if err != nil {
		return fmt.Errorf("canary: %w", err)
	}
	ses.chk.canary = ses.canary
	ses.canaryCreated = created
	return nil
}

// workloadNode is the worker the harness reaches the workload through (the
// first by name). No scenario targets workers yet; one that does must pick
// a worker outside its targets, or a data-plane outage would be the probe
// path's, not the cluster's.
func workloadNode(nodes []cluster.Node) (cluster.Node, error) {
	var workers []cluster.Node
	for _, n := range nodes {
		if n.Role == cluster.RoleWorker {
			workers = append(workers, n)
		}
	}
	if len(workers) == 0 {
		return cluster.Node{}, errors.New("the cluster has no worker node for the probe workload")
	}
	slices.SortFunc(workers, func(a, b cluster.Node) int { return strings.Compare(a.Name, b.Name) })
	return workers[0], nil
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
func limits(bs []scenario.Budget) []budget.Budget {
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
			LowerBound: number(b.LowerBound), Why: b.Why}
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
