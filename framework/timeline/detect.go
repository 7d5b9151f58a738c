package timeline

import (
	"fmt"
	"slices"
	"time"

	"github.com/firedrill/firedrill/framework/kubeadm"
)

// clusterDetect is when the cluster itself first noticed the fault, from
// the first inject: the earliest of
//   - a node marked not Ready (node.detect: the node controller, after its
//     grace period);
//   - a leader election Lease expired: its last renewal before a gap plus
//     its duration, when the gap outlasted the duration (other candidates
//     may take over from then on);
//   - an etcd election: a member's leader-change counter went up, or
//     another member leads (seen when the harness read the members, so a
//     late bound on the moment).
//
// Beside api.detect (when clients noticed) it says how long the control
// plane took to notice. Not measured when none of these happened.
func clusterDetect(tl Timeline, f fault) result {
	if !f.injected {
		return unknown(ClusterDetect, noFault)
	}
	type signal struct {
		at   time.Time
		what string
	}
	var signals []signal
	if at, name, ok := firstNotReady(tl, f.at); ok {
		signals = append(signals, signal{at, "node " + name + " marked not Ready"})
	}
	for _, lease := range kubeadm.LeaderLeases {
		obs := leaseObservations(tl.Leases, kubeadm.SystemNamespace, lease)
		d := time.Duration(leaseDuration(obs)) * time.Second
		if d <= 0 {
			continue
		}
		renews := distinctRenewals(obs)
		for i, r := range renews {
			expiry := r.Add(d)
			if !expiry.After(f.at) {
				continue
			}
			// Expired when no renewal came before the duration ran out
			// (and the harness saw past it).
			if (i+1 < len(renews) && renews[i+1].After(expiry)) || (i+1 == len(renews) && tl.End.After(expiry)) {
				signals = append(signals, signal{expiry, fmt.Sprintf("lease %s expired (not renewed for its %s duration)", lease, d)})
				break
			}
		}
	}
	if at, what, ok := etcdElection(tl.Etcd, f.at); ok {
		signals = append(signals, signal{at, what})
	}
	if len(signals) == 0 {
		return unknown(ClusterDetect, "the cluster never noticed: no node marked not Ready, no leader Lease expired, no etcd election")
	}
	first := slices.MinFunc(signals, func(a, b signal) int { return a.at.Compare(b.at) })
	return measured(ClusterDetect, max(first.at.Sub(f.at).Seconds(), 0), first.what)
}

// etcdElection is the first observation after the fault showing an
// election: a member's election counter (electionCounter) higher than its
// last before the fault (a drop is a restore or a restart, not an
// election), or a member other than the last leader before the fault
// reporting itself leader.
func etcdElection(all []EtcdObservation, inject time.Time) (time.Time, string, bool) {
	counterOf, _ := electionCounter(all)
	counter := map[string]int64{}
	leader := ""
	for _, o := range sortedEtcd(all) {
		var v int64
		if counterOf != nil {
			v = counterOf(o)
		}
		if !o.ObservedAt.After(inject) {
			if v > 0 {
				counter[o.Node] = v
			}
			if o.Leader {
				leader = o.Node
			}
			continue
		}
		if before, ok := counter[o.Node]; ok && v > before {
			return o.ObservedAt, "etcd election seen by the member on " + o.Node, true
		}
		if o.Leader && leader != "" && o.Node != leader {
			return o.ObservedAt, "etcd leader moved from " + leader + " to " + o.Node, true
		}
	}
	return time.Time{}, "", false
}
