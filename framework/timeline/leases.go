package timeline

import (
	"fmt"
	"slices"
	"time"

	"github.com/firedrill/firedrill/framework/kubeadm"
)

// leaderFigures derives the recovery and transition figures of one leader
// election Lease in kube-system.
func leaderFigures(tl Timeline, f fault, lease, recoveryName, transitionsName string) []result {
	obs := leaseObservations(tl.Leases, kubeadm.SystemNamespace, lease)
	if len(obs) == 0 {
		note := "no observation of lease " + kubeadm.SystemNamespace + "/" + lease
		rs := []result{unknown(recoveryName, note), unknown(transitionsName, note)}
		rs[0].notProbed = true
		return rs
	}
	transitions := measured(transitionsName, float64(transitionSpread(obs)), "")
	if !f.injected {
		return []result{unknown(recoveryName, noFault), transitions}
	}
	recovery := leaderRecovery(obs, f.at, tl.End)
	if r, ok := release(obs, f.at); ok && recovery.verdict == healed {
		recovery.note = joinNotes([]string{recovery.note, fmt.Sprintf(
			"released by %s %.2fs after the fault, so its successor need not wait the lease duration",
			r.holder, r.at.Sub(f.at).Seconds())})
	}
	return []result{recovery.figure(recoveryName, f.at), transitions}
}

// released is a holder giving its Lease up.
type released struct {
	holder string
	at     time.Time
}

// release finds the first Lease release after the fault. A leader that is
// stopped gracefully may hand its Lease back (client-go's ReleaseOnCancel:
// holder emptied, duration 1 s; kube-scheduler does so on SIGTERM,
// kube-controller-manager does not), and then the next leader starts at
// once instead of after the lease duration. A reboot's shutdown sends that
// SIGTERM; whether the release reaches etcd before etcd stops is a race, so
// the report must say which way it went.
func release(obs []LeaseObservation, inject time.Time) (released, bool) {
	holder := ""
	for _, o := range obs {
		if o.Holder == "" && holder != "" && o.ObservedAt.After(inject) && !o.RenewTime.Before(inject) {
			return released{holder: holder, at: o.RenewTime}, true
		}
		holder = o.Holder
	}
	return released{}, false
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

// leaderRecovery is when the Lease had a working leader again for the last
// time: the moment after which it was held and renewed until the end. A
// cascade (a new holder that loses the Lease again, renewals that resume,
// stop and resume) counts from its last return. A new holder's own
// acquireTime is the precise instant of its return; a holder that survived
// is only seen renewing again after a gap.
func leaderRecovery(obs []LeaseObservation, inject, end time.Time) healing {
	renewal := renewalRecovery(obs, inject, end)
	if renewal.verdict != healed {
		return renewal
	}
	if h, ok := lastNewHolder(obs, inject); ok && h.at.After(renewal.at) {
		return h
	}
	return renewal
}

// lastNewHolder is the latest acquisition, after the fault, by a holder
// other than the one before it.
func lastNewHolder(obs []LeaseObservation, inject time.Time) (healing, bool) {
	holder := ""
	var last healing
	found := false
	for _, o := range obs {
		if !o.ObservedAt.After(inject) {
			holder = o.Holder
			continue
		}
		if o.Holder != "" && o.Holder != holder && !o.AcquireTime.Before(inject) && (!found || o.AcquireTime.After(last.at)) {
			last, found = healedAt(o.AcquireTime, "acquired by "+o.Holder), true
		}
		holder = o.Holder
	}
	return last, found
}

// renewalRecovery finds the end of the last renewal gap after the fault. A
// gap is judged against the Lease's own renewal rhythm before the fault, so
// that the harness's observation cadence and the component's retry period
// need not be known. A Lease not renewed for its whole duration before the
// window end had no leader at the end: not healed, whatever came before.
// With no observation after the fault there is nothing to say.
func renewalRecovery(obs []LeaseObservation, inject, end time.Time) healing {
	if !slices.ContainsFunc(obs, func(o LeaseObservation) bool { return o.ObservedAt.After(inject) }) {
		return noData("no observation of the lease after the fault")
	}
	renews := distinctRenewals(obs)
	if len(renews) == 0 || !renews[len(renews)-1].After(inject) {
		return notHealed("lease not renewed since the fault")
	}
	lastRenew := renews[len(renews)-1]
	if d := time.Duration(leaseDuration(obs)) * time.Second; d > 0 && !end.IsZero() && end.Sub(lastRenew) > d {
		return notHealed(fmt.Sprintf("lease expired before the end of the window: last renewed %.1fs before it (duration %s)",
			end.Sub(lastRenew).Seconds(), d))
	}
	threshold := gapThreshold(renews, obs, inject)
	var gapEnd time.Time
	var note string
	for i := 1; i < len(renews); i++ {
		prev, next := renews[i-1], renews[i]
		if gap := next.Sub(prev); next.After(inject) && gap > threshold {
			gapEnd = next
			note = fmt.Sprintf("renewal gap of %.1fs (threshold %.1fs)", gap.Seconds(), threshold.Seconds())
		}
	}
	if gapEnd.IsZero() {
		return undisturbed("renewals never stopped")
	}
	return healedAt(gapEnd, note)
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
