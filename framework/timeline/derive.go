package timeline

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/kubeadm"
)

// Derive computes every figure of FigureUnits from the timeline, sorted by
// name. A figure the timeline cannot support is returned unmeasured with the
// reason, never as a zero: budgets must be able to tell "no downtime" from
// "nothing probed".
func Derive(tl Timeline) []Figure {
	at, injected := InjectAt(tl)
	f := fault{at: at, injected: injected}

	byName := map[string]result{}
	add := func(rs ...result) {
		for _, r := range rs {
			byName[r.Name] = r
		}
	}
	add(apiFigures(tl, f)...)
	stalls := findEndpointStalls(tl, f)
	add(directFigures(tl, f, stalls)...)
	add(etcdFigures(tl, f, stalls)...)
	add(dbSizeFigures(tl, f)...)
	add(workloadFigures(tl, f)...)
	add(writeFigures(tl, f)...)
	add(leaderFigures(tl, f, kubeadm.Scheduler, LeaseSchedulerRecovery, LeaseSchedulerTransitions)...)
	add(leaderFigures(tl, f, kubeadm.ControllerManager, LeaseControllerManagerRecovery, LeaseControllerManagerTransitions)...)
	add(podFigure(tl, f, kubeadm.APIServer, PodAPIServerRecovery))
	add(podFigure(tl, f, kubeadm.Etcd, PodEtcdRecovery))
	add(podFigure(tl, f, kubeadm.Scheduler, PodSchedulerRecovery))
	add(podFigure(tl, f, kubeadm.ControllerManager, PodControllerManagerRecovery))
	add(nodeFigure(tl, f))
	add(nodeDetect(tl, f))
	add(readdressed(tl))
	add(clusterDetect(tl, f))
	add(schedulingCanary(tl.Canary))
	add(excessPods(tl.Replicas))
	add(recoveryAll(tl, byName, f))
	add(faultFigures(tl, byName[APIDowntimeTotal])...)
	add(readFigures(tl)...)
	add(edgeFigure(tl))
	add(harnessFigures(tl)...)
	add(harnessLoadFigures(tl)...)
	add(recoveryStalled(f, stalls))
	add(connectionStuck(tl))
	add(stepFigures(tl)...)
	add(restoreFigures(tl, f, byName)...)
	add(floodFigures(tl)...)
	return assemble(byName, len(tl.Steps) > 0 || tl.Snapshot != nil, tl.Flood != nil)
}

// fault is when the drill broke the cluster, if it did.
type fault struct {
	at       time.Time
	injected bool
}

const noFault = "no fault injected"

// noDerivation marks a figure declared in FigureUnits that Derive does not
// compute; the tests fail on it.
const noDerivation = "no derivation for this figure"

// result is a figure plus what RecoveryAll must know about it.
type result struct {
	Figure
	// unrecovered: unmeasured because the component was observed and had
	// not healed by the window end (rather than for lack of data).
	unrecovered bool
	// notProbed: unmeasured because this run had no probe of its kind at
	// all (observe mode without node access has no etcd series), as
	// opposed to a probe that ran and saw nothing after the fault.
	notProbed bool
}

func measured(name string, v float64, note string) result {
	return result{Figure: Figure{Name: name, Value: v, Measured: true, Note: note}}
}

func unknown(name, note string) result {
	return result{Figure: Figure{Name: name, Note: note}}
}

func unrecovered(name, note string) result {
	return result{Figure: Figure{Name: name, Note: note}, unrecovered: true}
}

// assemble orders the figures and stamps their units from FigureUnits, the
// one table budgets are validated against.
// A drill that ran no recovery procedure has none of its figures.
func assemble(byName map[string]result, procedure, flood bool) []Figure {
	names := make([]string, 0, len(FigureUnits))
	for _, f := range Figures {
		if (f.Needs != NeedsProcedure || procedure) && (f.Needs != NeedsFlood || flood) {
			names = append(names, f.Name)
		}
	}
	slices.Sort(names)
	slices.Sort(names)
	figs := make([]Figure, 0, len(names))
	for _, name := range names {
		r, ok := byName[name]
		if !ok {
			r = unknown(name, noDerivation)
		}
		r.Unit = FigureUnits[name]
		figs = append(figs, r.Figure)
	}
	return figs
}

// recoveryParts are the figures RecoveryAll takes the max of.
var recoveryParts = []string{
	APIRecovery, APIDirectRecovery,
	EtcdRecovery,
	LeaseSchedulerRecovery, LeaseControllerManagerRecovery,
	PodAPIServerRecovery, PodEtcdRecovery, PodSchedulerRecovery, PodControllerManagerRecovery,
	NodeRecovery,
	WorkloadRecovery,
}

// ConditionParts are the recovery figures each recovery condition names
// (the check names of the scenario package): what recovery.all may not
// go without when the scenario's recovery waits for that condition.
var ConditionParts = map[string][]string{
	"api":                {APIRecovery},
	"api-servers":        {APIDirectRecovery},
	"etcd":               {EtcdRecovery},
	"leases":             {LeaseSchedulerRecovery, LeaseControllerManagerRecovery},
	"control-plane-pods": {PodAPIServerRecovery, PodEtcdRecovery, PodSchedulerRecovery, PodControllerManagerRecovery},
	"nodes":              {NodeRecovery},
	"workload":           {WorkloadRecovery},
}

// recoveryAll is the max of the component recoveries. A component that did
// not heal fails it; so does one that was probed but has no data after the
// fault (no data is not "recovered at once"), named in the note. A part
// this run had no probe for at all is left out, and named too, unless a
// recovery condition of the scenario names it: the cluster was judged
// recovered on it, so a run that never observed it is not judged on
// enough, unless the provider cannot observe it (Unobservable), which the
// note says.
func recoveryAll(tl Timeline, byName map[string]result, f fault) result {
	if !f.injected {
		return unknown(RecoveryAll, noFault)
	}
	named := map[string]string{} // part: the condition naming it
	for _, c := range tl.Conditions {
		for _, part := range ConditionParts[c] {
			named[part] = c
		}
	}
	cannot := map[string]string{} // condition: why the provider cannot observe it
	for _, u := range tl.Unobservable {
		cannot[u.Condition] = u.Why
	}
	var stuckParts, missing, neverObserved, notProbed, unobservable []string
	var worst result
	for _, name := range recoveryParts {
		r := byName[name]
		cond, isNamed := named[name]
		why, cannotObserve := cannot[cond]
		switch {
		case r.unrecovered:
			stuckParts = append(stuckParts, name+" ("+r.Note+")")
		case r.notProbed && isNamed && cannotObserve:
			unobservable = append(unobservable, name+" ("+why+")")
		case r.notProbed && isNamed:
			neverObserved = append(neverObserved, fmt.Sprintf("%s, named by recovery condition %s (%s)", name, cond, r.Note))
		case r.notProbed:
			notProbed = append(notProbed, name+" ("+r.Note+")")
		case !r.Measured:
			missing = append(missing, name+" ("+r.Note+")")
		case worst.Name == "" || r.Value > worst.Value:
			worst = r
		}
	}
	if len(stuckParts) > 0 {
		return unrecovered(RecoveryAll, "not recovered: "+strings.Join(stuckParts, ", "))
	}
	if len(neverObserved) > 0 {
		return unknown(RecoveryAll, "never observed in this run: "+strings.Join(neverObserved, ", "))
	}
	if len(missing) > 0 {
		return unknown(RecoveryAll, "not measured, no data after the fault: "+strings.Join(missing, ", "))
	}
	var skipped []string
	if len(notProbed) > 0 {
		skipped = append(skipped, "not probed in this run: "+strings.Join(notProbed, ", "))
	}
	if len(unobservable) > 0 {
		skipped = append(skipped, "left out, the provider cannot observe it: "+strings.Join(unobservable, ", "))
	}
	skipNote := joinNotes(skipped)
	if worst.Name == "" {
		return unknown(RecoveryAll, joinNotes([]string{"no recovery figure measured", skipNote}))
	}
	return measured(RecoveryAll, worst.Value, joinNotes([]string{"slowest: " + worst.Name, skipNote}))
}
