package timeline

import (
	"maps"
	"slices"
	"strings"
	"time"
)

const noDirectSeries = "no direct API series"

// directFigures derives the figures of the API servers reached directly
// (series "api/<node>/..."), each endpoint on its own: behind a load
// balancer the client endpoint can stay up while one server is down, and
// that server's outage is what these figures show.
func directFigures(tl Timeline, f fault, st endpointStalls) []result {
	names := []string{APIDirectDowntimeMax, APIDirectRecovery}
	outs := st.servers
	if len(outs) == 0 {
		rs := allUnknown(names, noDirectSeries)
		for i := range rs {
			rs[i].notProbed = true
		}
		return rs
	}
	if !tl.End.After(tl.Start) {
		return allUnknown(names, emptyWindowNote)
	}
	return []result{directDowntimeMax(tl, outs), directRecovery(tl, withoutStalls(outs, st.direct), f)}
}

// EndpointsDown is, for each API server reached directly, when it was down:
// the union of its series' down intervals (down whenever any request style
// failed), clipped to the observation window. Every endpoint probed has an
// entry, empty if it was never down; the client endpoint has none.
func EndpointsDown(tl Timeline) map[string][]Interval {
	down := map[string][]Interval{}
	for ep, o := range endpointOutages(tl) {
		from, to := o.window(tl)
		down[ep] = Clip(o.intervals, from, to)
	}
	return down
}

// endpointOutages is what the series of each direct endpoint say.
func endpointOutages(tl Timeline) map[string]outage {
	outs := map[string]outage{}
	for _, ep := range directEndpoints(tl) {
		prefix := SeriesAPIPrefix + ep + "/"
		outs[ep] = downOf(tl, func(s string) bool { return strings.HasPrefix(s, prefix) })
	}
	return outs
}

// directEndpoints are the endpoints of the API series other than the
// client's, sorted.
func directEndpoints(tl Timeline) []string {
	var eps []string
	for _, s := range tl.Samples {
		if ep, ok := directEndpoint(s.Series); ok {
			eps = append(eps, ep)
		}
	}
	slices.Sort(eps)
	return slices.Compact(eps)
}

// directEndpoint is the endpoint of a series "api/<endpoint>/...", unless
// the series is not an API series or the endpoint is the client's.
func directEndpoint(series string) (string, bool) {
	rest, ok := strings.CutPrefix(series, SeriesAPIPrefix)
	if !ok {
		return "", false
	}
	ep, _, ok := strings.Cut(rest, "/")
	if !ok || ep == "" || ep == EndpointClient {
		return "", false
	}
	return ep, true
}

// directDowntimeMax is the total downtime of the worst endpoint.
func directDowntimeMax(tl Timeline, outs map[string]outage) result {
	var worst string
	var most time.Duration
	for _, ep := range slices.Sorted(maps.Keys(outs)) {
		o := outs[ep]
		if pf := o.probeFailure(); pf != "" {
			return unknown(APIDirectDowntimeMax, "API server "+ep+": "+pf)
		}
		d := windowDowntime(APIDirectDowntimeMax, tl, o)
		if !d.Measured {
			return unknown(APIDirectDowntimeMax, "API server "+ep+": "+d.Note)
		}
		if v := time.Duration(d.Value * float64(time.Second)); v > most {
			worst, most = ep, v
		}
	}
	if worst == "" {
		return measured(APIDirectDowntimeMax, 0, "no API server down")
	}
	return measured(APIDirectDowntimeMax, most.Seconds(), "worst: API server "+worst)
}

// directRecovery is when the last API server to come back served again:
// the end of the latest outage that reached past the fault, over all
// endpoints. An endpoint still down at the window end has not come back;
// outs come without the machine's stalls.
func directRecovery(tl Timeline, outs map[string]outage, f fault) result {
	return lastBack(tl, outs, f, APIDirectRecovery, "API server", "no API server down after the fault")
}

// lastBack is when the last of several endpoints (API servers, etcd
// members) served again after the fault, each judged by its own series:
// the moment after which every one of them held up until the end. One
// still down at the window end has not come back; one whose probe failed,
// or that has no sample after the fault, leaves the figure unmeasured.
func lastBack(tl Timeline, outs map[string]outage, f fault, figure, what, none string) result {
	if !f.injected {
		return unknown(figure, noFault)
	}
	var stuckNotes, missing []string
	var last time.Time
	var slowestEP string
	for _, ep := range slices.Sorted(maps.Keys(outs)) {
		o := outs[ep]
		from, to := o.window(tl)
		switch {
		case o.probeFailure() != "":
			missing = append(missing, what+" "+ep+": "+o.probeFailure())
			continue
		case !o.last.After(f.at):
			missing = append(missing, what+" "+ep+": no sample after the fault")
			continue
		case from.After(f.at):
			missing = append(missing, what+" "+ep+": first probed after the fault")
			continue
		case o.stillDown:
			stuckNotes = append(stuckNotes, what+" "+ep+" still down at end of window")
			continue
		}
		for _, iv := range Clip(o.intervals, from, to) {
			if iv.To.After(f.at) && iv.To.After(last) {
				last, slowestEP = iv.To, ep
			}
		}
	}
	switch {
	case len(stuckNotes) > 0:
		return unrecovered(figure, strings.Join(stuckNotes, "; "))
	case len(missing) > 0:
		return unknown(figure, strings.Join(missing, "; "))
	case last.IsZero():
		return measured(figure, 0, none)
	}
	return measured(figure, last.Sub(f.at).Seconds(), "slowest: "+what+" "+slowestEP)
}
