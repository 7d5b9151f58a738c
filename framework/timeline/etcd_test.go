package timeline

import (
	"slices"
	"testing"
)

// member is what etcd on node said of itself every `every` seconds in
// [from, to).
func member(node string, from, to, every float64, ready, leader bool) []EtcdObservation {
	var out []EtcdObservation
	for k := 0; ; k++ {
		observed := from + float64(k)*every
		if observed >= to-1e-9 {
			return out
		}
		out = append(out, EtcdObservation{ObservedAt: at(observed), Node: node, Ready: ready, Leader: leader})
	}
}

// unreachable is a member whose status could not be read.
func unreachable(node string, from, to, every float64, err string) []EtcdObservation {
	out := member(node, from, to, every, false, false)
	for i := range out {
		out[i].Error = err
	}
	return out
}

func TestEtcdFigures(t *testing.T) {
	const refused = "dial tcp 172.18.0.3:2379: connect: connection refused"
	// Fault at 10s. cp2, a follower, is restarted: unreachable, then
	// catching up (not ready), ready again at 16.4.
	followerRestarted := concat(
		member("cp1", 0.2, 40, 1, true, true),
		member("cp2", 0.4, 11, 1, true, false),
		unreachable("cp2", 11.4, 13, 1, refused),
		member("cp2", 13.4, 16, 1, false, false),
		member("cp2", 16.4, 40, 1, true, false),
	)
	tests := []struct {
		name   string
		events []Event
		etcd   []EtcdObservation
		want   want
	}{
		{
			name:   "follower restarted",
			events: []Event{inject(10, 10.5)},
			etcd:   followerRestarted,
			want: want{
				values: map[string]float64{EtcdRecovery: 6.4, EtcdLeaderChanges: 0, RecoveryAll: 6.4},
				notes:  map[string]string{EtcdRecovery: "etcd member on cp2 seen ready again"},
			},
		},
		{
			name:   "observations in any order",
			events: []Event{inject(10, 10.5)},
			etcd:   reversedEtcd(followerRestarted),
			want:   want{values: map[string]float64{EtcdRecovery: 6.4, EtcdLeaderChanges: 0}},
		},
		{
			// cp2 leads from 13.4 and is seen leading 27 times: one change.
			// cp1 rejoins as a follower at 20.2.
			name:   "leader restarted: one change, the new leader seen many times",
			events: []Event{inject(10, 10.5)},
			etcd: concat(
				member("cp1", 0.2, 10, 1, true, true),
				unreachable("cp1", 10.2, 20, 1, refused),
				member("cp1", 20.2, 40, 1, true, false),
				member("cp2", 0.4, 13, 1, true, false),
				member("cp2", 13.4, 40, 1, true, true),
				member("cp3", 0.6, 40, 1, true, false),
			),
			want: want{
				values: map[string]float64{EtcdRecovery: 10.2, EtcdLeaderChanges: 1},
				notes:  map[string]string{EtcdLeaderChanges: "last leader: cp2"},
			},
		},
		{
			name:   "leadership back to the first member counts twice",
			events: []Event{inject(10, 10.5)},
			etcd: concat(
				member("cp1", 0.2, 10, 1, true, true),
				member("cp1", 10.2, 20, 1, true, false),
				member("cp1", 20.2, 40, 1, true, true),
				member("cp2", 0.4, 10, 1, true, false),
				member("cp2", 10.4, 20, 1, true, true),
				member("cp2", 20.4, 40, 1, true, false),
				member("cp3", 0.6, 40, 1, true, false),
			),
			want: want{values: map[string]float64{EtcdRecovery: 0, EtcdLeaderChanges: 2}},
		},
		{
			name:   "member not ready at the end",
			events: []Event{inject(10, 10.5)},
			etcd: concat(
				member("cp1", 0.2, 40, 1, true, true),
				member("cp3", 0.6, 10, 1, true, false),
				unreachable("cp3", 10.6, 40, 1, "context deadline exceeded"),
			),
			want: want{
				values: map[string]float64{EtcdLeaderChanges: 0},
				unmeasured: map[string]string{
					EtcdRecovery: "etcd member on cp3 not ready at end of window: context deadline exceeded",
					RecoveryAll:  "not recovered: etcd.recovery (etcd member on cp3 not ready at end of window",
				},
			},
		},
		{
			name:   "not ready before the fault only",
			events: []Event{inject(10, 10.5)},
			etcd: concat(
				member("cp1", 0.2, 40, 1, true, true),
				member("cp2", 0.4, 3, 1, true, false),
				member("cp2", 3.4, 6, 1, false, false),
				member("cp2", 6.4, 40, 1, true, false),
			),
			want: want{values: map[string]float64{EtcdRecovery: 0}},
		},
		{
			// /readyz said ready, but the status came with an error.
			name:   "an observation with an error is not ready",
			events: []Event{inject(10, 10.5)},
			etcd: []EtcdObservation{
				{ObservedAt: at(5), Node: "cp1", Ready: true, Leader: true},
				{ObservedAt: at(12), Node: "cp1", Ready: true, Error: "leader status: context deadline exceeded"},
				{ObservedAt: at(13.5), Node: "cp1", Ready: true, Leader: true},
			},
			want: want{values: map[string]float64{EtcdRecovery: 3.5, EtcdLeaderChanges: 0}},
		},
		{
			name:   "no member reported itself leader",
			events: []Event{inject(10, 10.5)},
			etcd:   member("cp1", 0.2, 40, 1, true, false),
			want: want{
				values:     map[string]float64{EtcdRecovery: 0},
				unmeasured: map[string]string{EtcdLeaderChanges: "no etcd member reported itself leader"},
			},
		},
		{
			name:   "no inject event",
			etcd:   followerRestarted,
			events: []Event{undo(30, 30.5)},
			want: want{
				values:     map[string]float64{EtcdLeaderChanges: 0},
				unmeasured: map[string]string{EtcdRecovery: noFault},
			},
		},
		{
			name:   "no observations",
			events: []Event{inject(10, 10.5)},
			want: want{unmeasured: map[string]string{
				EtcdRecovery:      "no etcd member observed",
				EtcdLeaderChanges: "no etcd member observed",
				RecoveryAll:       "etcd.recovery (no etcd member observed)",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Start: at(0), End: at(40), Events: tt.events, Etcd: tt.etcd}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
}

func reversedEtcd(obs []EtcdObservation) []EtcdObservation {
	r := slices.Clone(obs)
	slices.Reverse(r)
	return r
}
