package timeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

const noEtcdMember = "no etcd member observed"

// etcdFigures derives the etcd figures from each member's own status.
func etcdFigures(tl Timeline, f fault, st endpointStalls) []result {
	recovery := unknown(EtcdRecovery, noEtcdMember)
	recovery.notProbed = true
	switch {
	case len(st.members) > 0:
		// The members' own series, sampled from outside, see a restart of
		// a second or two that the recovery checks' rounds can miss. A
		// stall of the machine after a member came back is no relapse.
		members := withoutStalls(st.members, st.etcd)
		recovery = lastBack(tl, members, f, EtcdRecovery, "etcd member on", "no etcd member down after the fault")
	case len(tl.Etcd) > 0:
		recovery = etcdRecovery(tl.Etcd, f)
	}
	leader := unknown(EtcdLeaderChanges, noEtcdMember)
	if len(tl.Etcd) > 0 {
		leader = etcdLeaderChanges(tl.Etcd)
	}
	return []result{recovery, leader}
}

// etcdMemberOutages is what each member's series ("etcd/<node>") says.
func etcdMemberOutages(tl Timeline) map[string]outage {
	outs := map[string]outage{}
	for _, s := range tl.Samples {
		if node, ok := strings.CutPrefix(s.Series, SeriesEtcdPrefix); ok && node != "" {
			if _, seen := outs[node]; !seen {
				series := s.Series
				outs[node] = downOf(tl, func(name string) bool { return name == series })
			}
		}
	}
	return outs
}

// etcdRecovery is when the last disturbed member was ready again: etcd
// counts as healed only when every member serves again, as a member that
// is down leaves the cluster one failure away from losing quorum.
func etcdRecovery(all []EtcdObservation, f fault) result {
	if !f.injected {
		return unknown(EtcdRecovery, noFault)
	}
	byNode := map[string][]EtcdObservation{}
	for _, o := range all {
		byNode[o.Node] = append(byNode[o.Node], o)
	}
	var parts []healing
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		parts = append(parts, memberRecovery(node, sortedEtcd(byNode[node]), f.at))
	}
	return slowest(parts).figure(EtcdRecovery, f.at)
}

// memberRecovery is when one member was seen ready for the last time after
// the fault. /readyz has no transition time of its own, so when the harness
// saw it is all there is.
func memberRecovery(node string, obs []EtcdObservation, inject time.Time) healing {
	what := "etcd member on " + node
	if !obs[len(obs)-1].ObservedAt.After(inject) {
		return noData(what + " not observed after the fault")
	}
	if last := obs[len(obs)-1]; !memberReady(last) {
		note := what + " not ready at end of window"
		if last.Error != "" {
			note += ": " + last.Error
		}
		return notHealed(note)
	}
	lastDown := -1
	for i, o := range obs {
		if o.ObservedAt.After(inject) && !memberReady(o) {
			lastDown = i
		}
	}
	if lastDown < 0 {
		return undisturbed(what + " undisturbed")
	}
	// The last observation is ready, so there is one after lastDown.
	return healedAt(obs[lastDown+1].ObservedAt, what+" seen ready again")
}

// memberReady is whether an observation proves the member ready: a status
// that came with an error proves nothing, whatever its Ready says.
func memberReady(o EtcdObservation) bool { return o.Ready && o.Error == "" }

// etcdLeaderChanges counts how often the leader the members reported moved
// to another member. Observations that name no leader (followers, members
// that did not answer) are skipped, so a leader seen many times counts once
// and an election with no leader in between still counts as one change.
func etcdLeaderChanges(all []EtcdObservation) result {
	if r, ok := electionsSeen(all); ok {
		return r
	}
	changes := 0
	leader := ""
	for _, o := range sortedEtcd(all) {
		if !o.Leader {
			continue
		}
		if leader != "" && o.Node != leader {
			changes++
		}
		leader = o.Node
	}
	if leader == "" {
		return unknown(EtcdLeaderChanges, "no etcd member reported itself leader")
	}
	return measured(EtcdLeaderChanges, float64(changes), "last leader: "+leader)
}

// electionsSeen counts elections with the members' own counters: a killed
// leader that restarts within a second can win the next election again, so
// the leader's node does not always change. The counter is the raft term,
// which each election advances, or, in timelines recorded before the term
// was read, etcd_server_leader_changes_seen_total. Per member, the
// increments of its counter: a drop is a restore or a restart that reset
// it, and (for the term) the rise right after it the member catching up,
// neither an election. The figure is the most any member saw. ok is false
// when no observation carries a counter.
func electionsSeen(all []EtcdObservation) (result, bool) {
	counter, what := electionCounter(all)
	// Only a term is taken from the leader after a drop; a restarted
	// member's leader-changes metric counts up from zero by itself.
	adopts := what == termCounter
	if counter == nil {
		return result{}, false
	}
	byNode := map[string][]int64{}
	for _, o := range sortedEtcd(all) {
		if v := counter(o); v > 0 {
			byNode[o.Node] = append(byNode[o.Node], v)
		}
	}
	most, who := int64(0), ""
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		var seen int64
		vs := byNode[node]
		caughtUp := true
		for i := 1; i < len(vs); i++ {
			switch d := vs[i] - vs[i-1]; {
			case d < 0:
				caughtUp = false
			case d > 0 && !caughtUp && adopts:
				// The first rise after a drop is the member taking the
				// cluster's term from its leader, not elections.
				caughtUp = true
			case d > 0:
				seen += d
			}
		}
		if seen > most || who == "" {
			most, who = seen, node
		}
	}
	return measured(EtcdLeaderChanges, float64(most), fmt.Sprintf("elections seen by the member on %s (%s)", who, what)), true
}

const termCounter = "raft term"

// electionCounter picks the counter of elections a timeline carries: the
// raft term when any observation has it, else the leader-changes metric of
// older timelines; nil when neither.
func electionCounter(all []EtcdObservation) (func(EtcdObservation) int64, string) {
	if slices.ContainsFunc(all, func(o EtcdObservation) bool { return o.RaftTerm > 0 }) {
		return func(o EtcdObservation) int64 { return o.RaftTerm }, termCounter
	}
	if slices.ContainsFunc(all, func(o EtcdObservation) bool { return o.LeaderChangesSeen > 0 }) {
		return func(o EtcdObservation) int64 { return o.LeaderChangesSeen }, "etcd_server_leader_changes_seen_total"
	}
	return nil, ""
}

func sortedEtcd(obs []EtcdObservation) []EtcdObservation {
	sorted := slices.Clone(obs)
	slices.SortStableFunc(sorted, func(a, b EtcdObservation) int { return a.ObservedAt.Compare(b.ObservedAt) })
	return sorted
}

// dbSizeFigures are the largest member's database size when the
// procedure began (its first step past a snapshot; the fault, without
// one) and at the end of the window: what filled etcd, and what
// compaction and defragmentation gave back. Each member's last answer
// with a size counts.
func dbSizeFigures(tl Timeline, f fault) []result {
	if !f.injected {
		return []result{unknown(EtcdDBSizeBefore, noFault), unknown(EtcdDBSizeAfter, noFault)}
	}
	at, what := f.at, "at the fault"
	if start, ok := restoreStart(tl); ok {
		at, what = start, "when the procedure began"
	}
	before, beforeNode := largestDB(tl.Etcd, func(o EtcdObservation) bool { return !o.ObservedAt.After(at) })
	after, afterNode := largestDB(tl.Etcd, func(o EtcdObservation) bool { return o.ObservedAt.After(at) })
	out := []result{unknown(EtcdDBSizeBefore, "no etcd member told its database size "+what),
		unknown(EtcdDBSizeAfter, "no etcd member told its database size after "+strings.TrimPrefix(what, "when "))}
	if beforeNode != "" {
		out[0] = measured(EtcdDBSizeBefore, float64(before), fmt.Sprintf("%s, %s (%.1f MiB)", beforeNode, what, float64(before)/(1<<20)))
	}
	if afterNode != "" {
		out[1] = measured(EtcdDBSizeAfter, float64(after), fmt.Sprintf("%s, at the end of the window (%.1f MiB)", afterNode, float64(after)/(1<<20)))
	}
	return out
}

// largestDB is the largest of each member's last size among the
// observations keep takes, and its member's node ("" when none told one).
func largestDB(all []EtcdObservation, keep func(EtcdObservation) bool) (int64, string) {
	last := map[string]int64{}
	for _, o := range sortedEtcd(all) {
		if o.DBSize > 0 && keep(o) {
			last[o.Node] = o.DBSize
		}
	}
	var size int64
	node := ""
	for _, n := range slices.Sorted(maps.Keys(last)) {
		if last[n] > size {
			size, node = last[n], n
		}
	}
	return size, node
}
