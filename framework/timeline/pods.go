package timeline

import (
	"maps"
	"slices"
	"time"
)

// podFigure is when the last disturbed pod of a control-plane component was
// Ready again: a component counts as healed only when every replica is.
func podFigure(tl Timeline, f fault, component, name string) result {
	byPod := map[string][]PodObservation{}
	for _, p := range tl.Pods {
		if p.Component == component {
			byPod[p.Name] = append(byPod[p.Name], p)
		}
	}
	if len(byPod) == 0 {
		r := unknown(name, "no "+component+" pod observed")
		r.notProbed = true
		return r
	}
	if !f.injected {
		return unknown(name, noFault)
	}
	var parts []healing
	for _, pod := range slices.Sorted(maps.Keys(byPod)) {
		obs := byPod[pod]
		slices.SortStableFunc(obs, func(a, b PodObservation) int { return a.ObservedAt.Compare(b.ObservedAt) })
		parts = append(parts, podRecovery(pod, obs, f.at))
	}
	return slowest(parts).figure(name, f.at)
}

// podRecovery is when one pod became Ready for the last time after the
// fault.
func podRecovery(pod string, obs []PodObservation, inject time.Time) healing {
	last := obs[len(obs)-1]
	if !last.ObservedAt.After(inject) {
		return noData("pod " + pod + " not observed after the fault")
	}
	if last.Deleted {
		return notHealed("pod " + pod + " deleted at end of window")
	}
	if !last.Ready {
		return notHealed("pod " + pod + " not Ready at end of window")
	}
	// ReadySince is truncated to the second: a transition stamped in the
	// second of the fault may have happened after it.
	if last.ReadySince.Add(time.Second).After(inject) {
		return healedAt(later(last.ReadySince, inject), "pod "+pod+" Ready again")
	}
	lastDown := -1
	for i, o := range obs {
		if o.ObservedAt.After(inject) && (!o.Ready || o.Deleted) && !statusNotWritten(o, obs[i+1:]) {
			lastDown = i
		}
	}
	if lastDown < 0 {
		return undisturbed("pod " + pod + " undisturbed")
	}
	// The last observation is Ready, so there is one after lastDown.
	return healedAt(obs[lastDown+1].ObservedAt, "pod "+pod+" seen Ready again")
}

// statusNotWritten is whether a not-Ready observation only saw the pod
// object, not the pod: a mirror pod the kubelet deleted and recreated
// (its static pod's containers kept running), first seen with no status
// (no Ready condition) — while the pod's next Ready condition says Ready
// since before that observation. The kubelet keeps the condition's
// transition time while the containers stay Ready, so the pod never
// stopped being Ready; a real restart carries a later transition.
func statusNotWritten(o PodObservation, after []PodObservation) bool {
	if !o.Deleted && (o.Ready || !o.ReadySince.IsZero()) {
		return false
	}
	for _, next := range after {
		if next.Deleted || next.ReadySince.IsZero() {
			continue
		}
		return next.Ready && next.ReadySince.Before(o.ObservedAt)
	}
	return false
}
