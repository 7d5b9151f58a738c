package timeline

import (
	"fmt"
	"slices"
	"time"
)

const (
	leaderNamespace = "kube-system"
	nodeNamespace   = "kube-node-lease"
)

// leaderFigures derives the recovery and transition figures of one leader
// election Lease in kube-system.
func leaderFigures(tl Timeline, f fault, lease, recoveryName, transitionsName string) []result {
	obs := leaseObservations(tl.Leases, leaderNamespace, lease)
	if len(obs) == 0 {
		note := "no observation of lease " + leaderNamespace + "/" + lease
		return []result{unknown(recoveryName, note), unknown(transitionsName, note)}
	}
	transitions := measured(transitionsName, float64(transitionSpread(obs)), "")
	if !f.injected {
		return []result{unknown(recoveryName, noFault), transitions}
	}
	return []result{leaderRecovery(obs, f.at).figure(recoveryName, f.at), transitions}
}

// leaseObservations are one Lease's observations in the order the harness
// learnt of them.
func leaseObservations(all []LeaseObservation, namespace, name string) []LeaseObservation {
	var obs []LeaseObservation
	for _, o := range all {
		if o.Namespace == namespace && o.Name == name {
			obs = append(obs, o)
		}
	}
	slices.SortStableFunc(obs, func(a, b LeaseObservation) int { return a.ObservedAt.Compare(b.ObservedAt) })
	return obs
}

func transitionSpread(obs []LeaseObservation) int32 {
	lo, hi := obs[0].Transitions, obs[0].Transitions
	for _, o := range obs[1:] {
		lo, hi = min(lo, o.Transitions), max(hi, o.Transitions)
	}
	return hi - lo
}

// leaderRecovery is when the Lease had a working leader again. A new holder
// is the precise answer (its own acquireTime); a holder that survived is
// only seen renewing again.
func leaderRecovery(obs []LeaseObservation, inject time.Time) healing {
	if h, ok := newHolder(obs, inject); ok {
		return h
	}
	return renewalRecovery(obs, inject)
}

func newHolder(obs []LeaseObservation, inject time.Time) (healing, bool) {
	before := ""
	for _, o := range obs {
		if !o.ObservedAt.After(inject) {
			before = o.Holder
		}
	}
	for _, o := range obs {
		if o.ObservedAt.After(inject) && o.Holder != "" && o.Holder != before && !o.AcquireTime.Before(inject) {
			return healedAt(o.AcquireTime, "acquired by "+o.Holder), true
		}
	}
	return healing{}, false
}

// renewalRecovery finds the end of the first renewal gap after the fault. A
// gap is judged against the Lease's own renewal rhythm before the fault, so
// that the harness's observation cadence and the component's retry period
// need not be known.
func renewalRecovery(obs []LeaseObservation, inject time.Time) healing {
	renews := distinctRenewals(obs)
	threshold := gapThreshold(renews, obs, inject)
	for i := 1; i < len(renews); i++ {
		prev, next := renews[i-1], renews[i]
		if gap := next.Sub(prev); next.After(inject) && gap > threshold {
			return healedAt(next, fmt.Sprintf("renewal gap of %.1fs (threshold %.1fs)", gap.Seconds(), threshold.Seconds()))
		}
	}
	if len(renews) > 0 && renews[len(renews)-1].After(inject) {
		return undisturbed("renewals never stopped")
	}
	return notHealed("lease not renewed since the fault")
}

func distinctRenewals(obs []LeaseObservation) []time.Time {
	var renews []time.Time
	for _, o := range obs {
		if !o.RenewTime.IsZero() {
			renews = append(renews, o.RenewTime)
		}
	}
	slices.SortFunc(renews, time.Time.Compare)
	return slices.CompactFunc(renews, time.Time.Equal)
}

// gapThreshold is what counts as a renewal gap: half again the usual
// interval. With too few renewals seen before the fault, the usual interval
// is taken as a quarter of the lease duration (kubelet renews node Leases at
// that rate); the floor keeps microsecond jitter from counting.
func gapThreshold(renews []time.Time, obs []LeaseObservation, inject time.Time) time.Duration {
	var intervals []time.Duration
	for i := 1; i < len(renews) && renews[i].Before(inject); i++ {
		intervals = append(intervals, renews[i].Sub(renews[i-1]))
	}
	usual := time.Duration(leaseDuration(obs)) * time.Second / 4
	if len(intervals) >= 2 {
		usual = median(intervals)
	}
	return max(usual*3/2, time.Second)
}

// leaseDuration is the last duration the Lease announced.
func leaseDuration(obs []LeaseObservation) int32 {
	for _, o := range slices.Backward(obs) {
		if o.DurationSeconds > 0 {
			return o.DurationSeconds
		}
	}
	return 0
}

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
