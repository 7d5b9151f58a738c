package timeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// A recovery is the last one, so a failure after a component came back
// moves its recovery: a relapse. On a busy machine one probe of a healthy
// member can time out too, and so can probes of components the drill
// never touched, at the same moment: that is the machine stalling, not
// the component relapsing. In a drill that killed etcd's leader on kind-ha
// the member served again 2.9 s after the kill; one 0.19 s readyz timeout
// 97 s later made etcd.recovery 100.9 s and failed a 67 s budget.
//
// The rule, per endpoint of a group (etcd members, API servers reached
// directly): once it has come back from its first outage after the fault,
// a later outage is a stall when every failed probe in it timed out (a
// crashed process refuses at once) and it overlaps a timed-out probe of a
// component on a node no fault touched (other than the endpoint's own
// node, whose components share its fate), or of the harness's own control
// series. Stalls are kept out of the recovery and reported in
// recovery.stalled. A failure of the faulted component alone, or one that
// was refused, still moves its recovery.

// timedOut is whether a failed sample's error is a deadline, not an
// answer. A request the harness held back (HeldBack) got no answer either:
// it was not sent.
func timedOut(s Sample) bool {
	for _, marker := range []string{"deadline exceeded", "Timeout exceeded", "i/o timeout", "timeout awaiting", HeldBack} {
		if strings.Contains(s.Error, marker) {
			return true
		}
	}
	return false
}

// faultTargets are the nodes the drill's fault actions acted on.
func faultTargets(tl Timeline) map[string]bool {
	out := map[string]bool{}
	for _, e := range tl.Events {
		if e.Kind == EventInject && e.Target != "" {
			out[e.Target] = true
		}
	}
	return out
}

// seriesNode is the node a series probes a component on ("etcd/<node>",
// "api/<node>/..."), "" for series of no one node (the client endpoint,
// the workload, the writer, the harness's control series).
func seriesNode(series string) string {
	if node, ok := strings.CutPrefix(series, SeriesEtcdPrefix); ok {
		return node
	}
	if ep, ok := directEndpoint(series); ok {
		return ep
	}
	return ""
}

// stallWitness is one timed-out probe that can prove a stall: on a node
// no fault touched, or of the harness's control series.
type stallWitness struct {
	node string // "" for the control series
	span Interval
}

func stallWitnesses(tl Timeline, targets map[string]bool) []stallWitness {
	var out []stallWitness
	for _, s := range tl.Samples {
		if answered(s) || !timedOut(s) {
			continue
		}
		node := seriesNode(s.Series)
		switch {
		case s.Series == SeriesControl:
		case node == "" || targets[node]:
			continue
		}
		out = append(out, stallWitness{node: node, span: Interval{From: s.Start, To: s.End}})
	}
	return out
}

// relapseStalls splits each endpoint's outages: the ones that count, and
// the stalls kept out (nil when there are none). samples are each
// endpoint's own samples.
func relapseStalls(tl Timeline, outs map[string]outage, samples map[string][]Sample, f fault) map[string][]Interval {
	if !f.injected {
		return nil
	}
	targets := faultTargets(tl)
	witnesses := stallWitnesses(tl, targets)
	if len(witnesses) == 0 {
		return nil
	}
	stalls := map[string][]Interval{}
	for _, ep := range slices.Sorted(maps.Keys(outs)) {
		back := false // the endpoint came back from its first outage after the fault
		for _, iv := range outs[ep].intervals {
			if !iv.To.After(f.at) {
				continue
			}
			if !back {
				back = true
				continue
			}
			if iv.To.Equal(tl.End) {
				continue // still down at the end: not a passing stall
			}
			if onlyTimeouts(samples[ep], iv) && witnessed(witnesses, ep, iv) {
				stalls[ep] = append(stalls[ep], iv)
			}
		}
	}
	if len(stalls) == 0 {
		return nil
	}
	return stalls
}

// onlyTimeouts is whether every failed sample within iv timed out.
func onlyTimeouts(samples []Sample, iv Interval) bool {
	failed := false
	for _, s := range samples {
		if answered(s) || !s.Start.Before(iv.To) || s.End.Before(iv.From) {
			continue
		}
		if !timedOut(s) {
			return false
		}
		failed = true
	}
	return failed
}

// witnessed is whether a timed-out probe elsewhere (not on ep's own node)
// overlaps iv.
func witnessed(ws []stallWitness, ep string, iv Interval) bool {
	return slices.ContainsFunc(ws, func(w stallWitness) bool {
		return w.node != ep && w.span.From.Before(iv.To) && iv.From.Before(w.span.To)
	})
}

// withoutStalls is outs with each endpoint's stalls taken out.
func withoutStalls(outs map[string]outage, stalls map[string][]Interval) map[string]outage {
	if len(stalls) == 0 {
		return outs
	}
	out := maps.Clone(outs)
	for ep, ivs := range stalls {
		o := out[ep]
		o.intervals = Subtract(o.intervals, ivs)
		out[ep] = o
	}
	return out
}

// seriesSamples groups samples by the endpoint key gives their series,
// leaving out the series it refuses.
func seriesSamples(tl Timeline, key func(series string) (string, bool)) map[string][]Sample {
	out := map[string][]Sample{}
	for _, s := range tl.Samples {
		if k, ok := key(s.Series); ok {
			out[k] = append(out[k], s)
		}
	}
	return out
}

// endpointStalls are what the etcd members' and the API servers' own
// series say (series "etcd/<node>", "api/<node>/..."), with each group's
// outages that were stalls of the machine (relapseStalls): Derive finds
// them once for etcd.recovery, api.direct.* and recovery.stalled.
type endpointStalls struct {
	members, servers map[string]outage
	etcd, direct     map[string][]Interval
}

func findEndpointStalls(tl Timeline, f fault) endpointStalls {
	st := endpointStalls{members: etcdMemberOutages(tl), servers: endpointOutages(tl)}
	st.etcd = relapseStalls(tl, st.members, seriesSamples(tl, func(series string) (string, bool) {
		node, ok := strings.CutPrefix(series, SeriesEtcdPrefix)
		return node, ok && node != ""
	}), f)
	st.direct = relapseStalls(tl, st.servers, seriesSamples(tl, directEndpoint), f)
	return st
}

// recoveryStalled is the recovery.stalled figure: the outages after a
// recovery that were stalls of the machine, over the etcd members and the
// API servers reached directly, with when (after the fault) and where.
func recoveryStalled(f fault, st endpointStalls) result {
	if len(st.members) == 0 && len(st.servers) == 0 {
		r := unknown(RecoveryStalled, "no etcd member or API server probed directly")
		r.notProbed = true
		return r
	}
	if !f.injected {
		return unknown(RecoveryStalled, noFault)
	}
	var all []Interval
	var where []string
	for _, g := range []struct {
		what   string
		stalls map[string][]Interval
	}{{"etcd member on", st.etcd}, {"API server", st.direct}} {
		for _, ep := range slices.Sorted(maps.Keys(g.stalls)) {
			for _, iv := range g.stalls[ep] {
				all = append(all, iv)
				where = append(where, fmt.Sprintf("%s %s %.2fs after the fault, for %.2fs", g.what, ep, iv.From.Sub(f.at).Seconds(), iv.Duration().Seconds()))
			}
		}
	}
	if len(all) == 0 {
		return measured(RecoveryStalled, 0, "")
	}
	return measured(RecoveryStalled, total(Union(all)).Seconds(), "kept out of recoveries: "+strings.Join(where, "; "))
}
