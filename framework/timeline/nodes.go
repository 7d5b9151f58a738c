package timeline

import (
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/kubeadm"
)

// nodeFigure is when the last disturbed node was heartbeating and Ready
// again. A node is known from its Ready condition or from its heartbeat
// Lease, whichever the harness saw.
func nodeFigure(tl Timeline, f fault) result {
	names := nodeNames(tl)
	if len(names) == 0 {
		r := unknown(NodeRecovery, "no node observed")
		r.notProbed = true
		return r
	}
	if !f.injected {
		return unknown(NodeRecovery, noFault)
	}
	var parts []healing
	for _, name := range names {
		parts = append(parts, nodeRecovery(tl, name, f.at))
	}
	return slowest(parts).figure(NodeRecovery, f.at)
}

// nodeDetect is when the cluster first reported a node not Ready after the
// fault, as the harness saw it (the watch delivers the change within a
// moment; the condition's own transition time is not recorded for
// NotReady).
func nodeDetect(tl Timeline, f fault) result {
	if len(tl.Nodes) == 0 {
		r := unknown(NodeDetect, "no node observed")
		r.notProbed = true
		return r
	}
	if !f.injected {
		return unknown(NodeDetect, noFault)
	}
	first, name, ok := firstNotReady(tl, f.at)
	if !ok {
		return unknown(NodeDetect, "no node was marked not Ready after the fault")
	}
	return measured(NodeDetect, first.Sub(f.at).Seconds(), "node "+name+" not Ready")
}

// firstNotReady is the first observation of a node not Ready after the
// fault, and the node.
func firstNotReady(tl Timeline, inject time.Time) (time.Time, string, bool) {
	first, name := time.Time{}, ""
	for _, o := range tl.Nodes {
		if o.ObservedAt.After(inject) && !o.Ready && (first.IsZero() || o.ObservedAt.Before(first)) {
			first, name = o.ObservedAt, o.Name
		}
	}
	return first, name, !first.IsZero()
}

// readdressed counts the checked nodes whose address after the fault
// differs from before. A check that could not read the address after
// counts as neither: with none readable the figure is not measured.
func readdressed(tl Timeline) result {
	if len(tl.Addresses) == 0 {
		r := unknown(NodesReaddressed, "no node's address checked across the fault")
		r.notProbed = true
		return r
	}
	changed, read := 0, 0
	for _, a := range tl.Addresses {
		if a.Error != "" || a.After == "" {
			continue
		}
		if a.After != a.Before {
			changed++
		}
		read++
	}
	note := DescribeAddresses(tl.Addresses)
	if read == 0 {
		return unknown(NodesReaddressed, note)
	}
	return measured(NodesReaddressed, float64(changed), note)
}

// DescribeAddresses says, per checked node, whether it kept its address
// across the fault, for the figure's note and the report's notes.
func DescribeAddresses(checks []AddressCheck) string {
	var notes []string
	for _, a := range checks {
		switch {
		case a.Error != "" || a.After == "":
			notes = append(notes, a.Node+" "+a.Before+" -> unknown ("+a.Error+")")
		case a.After != a.Before:
			notes = append(notes, a.Node+" "+a.Before+" -> "+a.After)
		default:
			notes = append(notes, a.Node+" "+a.Before+" kept")
		}
	}
	return strings.Join(notes, "; ")
}

func nodeNames(tl Timeline) []string {
	var names []string
	for _, n := range tl.Nodes {
		names = append(names, n.Name)
	}
	for _, l := range tl.Leases {
		if l.Namespace == kubeadm.NodeLeaseNamespace {
			names = append(names, l.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func nodeRecovery(tl Timeline, name string, inject time.Time) healing {
	lease := notRecorded("no heartbeat lease observed")
	if obs := leaseObservations(tl.Leases, kubeadm.NodeLeaseNamespace, name); len(obs) > 0 {
		// A node Lease has one holder for life, the kubelet: only its
		// renewals tell.
		lease = renewalRecovery(obs, inject, tl.End)
	}
	ready := notRecorded("no Ready condition observed")
	if obs := nodeObservations(tl.Nodes, name); len(obs) > 0 {
		ready = nodeReady(obs, inject)
	}
	h := slowest([]healing{lease, ready})
	h.note = "node " + name + ": " + h.note
	return h
}

func nodeObservations(all []NodeObservation, name string) []NodeObservation {
	var obs []NodeObservation
	for _, o := range all {
		if o.Name == name {
			obs = append(obs, o)
		}
	}
	slices.SortStableFunc(obs, func(a, b NodeObservation) int { return a.ObservedAt.Compare(b.ObservedAt) })
	return obs
}

// nodeReady is when the node became Ready for the last time after the
// fault. The condition's own transition time is preferred over when the
// harness saw it, which lags by the watch or poll delay.
func nodeReady(obs []NodeObservation, inject time.Time) healing {
	if !obs[len(obs)-1].ObservedAt.After(inject) {
		return noData("Ready condition not observed after the fault")
	}
	if !obs[len(obs)-1].Ready {
		return notHealed("not Ready at end of window")
	}
	for _, o := range slices.Backward(obs) {
		if !o.ObservedAt.After(inject) {
			break
		}
		if o.Ready && o.ReadySince.After(inject) {
			return healedAt(o.ReadySince, "Ready again")
		}
	}
	lastNotReady := -1
	for i, o := range obs {
		if o.ObservedAt.After(inject) && !o.Ready {
			lastNotReady = i
		}
	}
	if lastNotReady < 0 {
		return undisturbed("undisturbed")
	}
	// The last observation is Ready, so there is one after lastNotReady.
	back := obs[lastNotReady+1]
	return healedAt(later(back.ObservedAt, back.ReadySince), "seen Ready again")
}
