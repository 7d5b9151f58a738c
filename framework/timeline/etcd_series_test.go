package timeline

import "testing"

// The members' own series take precedence over the recovery checks'
// observations, which can miss a restart shorter than one check round.
func TestEtcdRecoveryFromMemberSeries(t *testing.T) {
	// cp2's member refused from 10.0 to 12.3 (killed, restarted, caught
	// up); the checks only ever saw it ready.
	missedByChecks := []EtcdObservation{
		{ObservedAt: at(9), Node: "cp1", Leader: true, Ready: true},
		{ObservedAt: at(9), Node: "cp2", Ready: true},
		{ObservedAt: at(13), Node: "cp1", Leader: true, Ready: true},
		{ObservedAt: at(13), Node: "cp2", Ready: true},
	}
	tests := []struct {
		name    string
		samples []Sample
		etcd    []EtcdObservation
		want    want
	}{
		{
			name: "a short restart seen by the series",
			samples: concat(
				probe("etcd/cp1", 0, 30, 0.2, refusedDuring()),
				probe("etcd/cp2", 0, 30, 0.2, refusedDuring([2]float64{10, 12.3})),
			),
			etcd: missedByChecks,
			want: want{
				values: map[string]float64{EtcdRecovery: 2.41, EtcdLeaderChanges: 0},
				notes:  map[string]string{EtcdRecovery: "slowest: etcd member on cp2"},
			},
		},
		{
			name: "a member still down at the end",
			samples: concat(
				probe("etcd/cp1", 0, 30, 0.2, refusedDuring()),
				probe("etcd/cp2", 0, 30, 0.2, refusedDuring([2]float64{10, 40})),
			),
			want: want{
				unmeasured: map[string]string{EtcdRecovery: "etcd member on cp2 still down at end of window", RecoveryAll: "not recovered"},
			},
		},
		{
			name:    "no member down",
			samples: probe("etcd/cp1", 0, 30, 0.2, refusedDuring()),
			want: want{
				values:     map[string]float64{EtcdRecovery: 0},
				unmeasured: map[string]string{EtcdLeaderChanges: "no etcd member observed"},
			},
		},
		{
			name: "without series, the checks' observations",
			etcd: missedByChecks,
			want: want{values: map[string]float64{EtcdRecovery: 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Start: at(0), End: at(30), Events: []Event{inject(10, 10.1)}, Samples: tt.samples, Etcd: tt.etcd}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
}

// A killed leader that restarts at once can win again: the leader's node
// does not change, etcd's own counter does.
func TestEtcdLeaderChangesFromTheCounter(t *testing.T) {
	obs := []EtcdObservation{
		{ObservedAt: at(5), Node: "cp1", Leader: true, Ready: true, LeaderChangesSeen: 1},
		{ObservedAt: at(5), Node: "cp2", Ready: true, LeaderChangesSeen: 1},
		// cp1 was killed and restarted: its counter starts again.
		{ObservedAt: at(14), Node: "cp1", Leader: true, Ready: true, LeaderChangesSeen: 1},
		{ObservedAt: at(14), Node: "cp2", Ready: true, LeaderChangesSeen: 2},
		{ObservedAt: at(20), Node: "cp2", Ready: true, LeaderChangesSeen: 2},
	}
	tl := Timeline{Start: at(0), End: at(30), Events: []Event{inject(10, 10.1)}, Etcd: obs}
	checkFigures(t, Derive(tl), want{
		values: map[string]float64{EtcdLeaderChanges: 1},
		notes:  map[string]string{EtcdLeaderChanges: "elections seen by the member on cp2"},
	})
}

// The raft term counts elections as the counter did, and survives a
// restart: a killed leader that wins again moves every member's term by
// one; a restored member whose term starts low is no election.
func TestEtcdLeaderChangesFromTheRaftTerm(t *testing.T) {
	obs := []EtcdObservation{
		{ObservedAt: at(5), Node: "cp1", Leader: true, Ready: true, RaftTerm: 4},
		{ObservedAt: at(5), Node: "cp2", Ready: true, RaftTerm: 4},
		{ObservedAt: at(5), Node: "cp3", Ready: true, RaftTerm: 4},
		// cp1 was killed, restarted and won the next election.
		{ObservedAt: at(14), Node: "cp1", Leader: true, Ready: true, RaftTerm: 5},
		{ObservedAt: at(14), Node: "cp2", Ready: true, RaftTerm: 5},
		// cp3 was restored from a snapshot: its term starts again, then
		// takes the leader's.
		{ObservedAt: at(14), Node: "cp3", Ready: true, RaftTerm: 2},
		{ObservedAt: at(20), Node: "cp3", Ready: true, RaftTerm: 5},
		// An older counter in the same timeline is not read.
		{ObservedAt: at(20), Node: "cp2", Ready: true, RaftTerm: 5, LeaderChangesSeen: 9},
	}
	tl := Timeline{Start: at(0), End: at(30), Events: []Event{inject(10, 10.1)}, Etcd: obs}
	checkFigures(t, Derive(tl), want{
		values: map[string]float64{EtcdLeaderChanges: 1},
		notes:  map[string]string{EtcdLeaderChanges: "elections seen by the member on cp1 (raft term)"},
	})
}
