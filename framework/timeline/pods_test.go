package timeline

import "testing"

// pod is one observation: seen at observed, Ready or not since readySince.
func pod(component, node string, observed float64, ready bool, readySince float64) PodObservation {
	return PodObservation{
		ObservedAt: at(observed), Name: component + "-" + node, Component: component, Node: node,
		Ready: ready, ReadySince: at(readySince),
	}
}

func deleted(p PodObservation) PodObservation {
	p.Deleted, p.Ready = true, false
	return p
}

func TestPodFigures(t *testing.T) {
	const longAgo = -3600
	tests := []struct {
		name string
		at   float64 // inject
		pods []PodObservation
		want want
	}{
		{
			name: "restarted: Ready since after the fault",
			at:   10,
			pods: []PodObservation{
				pod("kube-apiserver", "cp1", 0, true, longAgo),
				pod("kube-apiserver", "cp1", 12.3, false, 12),
				pod("kube-apiserver", "cp1", 31.4, true, 31),
			},
			want: want{values: map[string]float64{PodAPIServerRecovery: 21}},
		},
		{
			// Ready since 10s (truncated), fault at 9.6s: the restart may
			// have finished anywhere in [10, 11).
			name: "ReadySince in the second after the fault",
			at:   9.6,
			pods: []PodObservation{
				pod("etcd", "cp1", 0, true, longAgo),
				pod("etcd", "cp1", 10.8, true, 10),
			},
			want: want{values: map[string]float64{PodEtcdRecovery: 0.4}},
		},
		{
			// Ready since 9s, fault at 9.6s: the transition may be after the
			// fault, and is counted from the fault.
			name: "ReadySince truncated to the second of the fault",
			at:   9.6,
			pods: []PodObservation{
				pod("etcd", "cp1", 0, true, longAgo),
				pod("etcd", "cp1", 9.9, false, 9),
				pod("etcd", "cp1", 10.8, true, 9),
			},
			want: want{values: map[string]float64{PodEtcdRecovery: 0}},
		},
		{
			name: "still not Ready at the end",
			at:   10,
			pods: []PodObservation{
				pod("kube-scheduler", "cp1", 0, true, longAgo),
				pod("kube-scheduler", "cp1", 12.3, false, 12),
			},
			want: want{unmeasured: map[string]string{
				PodSchedulerRecovery: "pod kube-scheduler-cp1 not Ready at end of window",
				RecoveryAll:          "pod.kube-scheduler.recovery (pod kube-scheduler-cp1 not Ready at end of window)",
			}},
		},
		{
			name: "deleted at the end",
			at:   10,
			pods: []PodObservation{
				pod("kube-scheduler", "cp1", 0, true, longAgo),
				deleted(pod("kube-scheduler", "cp1", 12.3, false, 12)),
			},
			want: want{unmeasured: map[string]string{
				PodSchedulerRecovery: "pod kube-scheduler-cp1 deleted at end of window",
			}},
		},
		{
			// The condition kept its old transition time (the mirror pod was
			// recreated Ready), so only when it was seen Ready again tells.
			name: "seen not Ready, Ready again with an old ReadySince",
			at:   10,
			pods: []PodObservation{
				pod("kube-controller-manager", "cp1", 0, true, longAgo),
				deleted(pod("kube-controller-manager", "cp1", 12, false, longAgo)),
				pod("kube-controller-manager", "cp1", 13, false, longAgo),
				pod("kube-controller-manager", "cp1", 14.2, true, longAgo),
				pod("kube-controller-manager", "cp1", 20, true, longAgo),
			},
			want: want{values: map[string]float64{PodControllerManagerRecovery: 4.2}},
		},
		{
			name: "undisturbed",
			at:   10,
			pods: []PodObservation{
				pod("kube-apiserver", "cp1", 0, true, longAgo),
				pod("kube-apiserver", "cp1", 20, true, longAgo),
			},
			want: want{values: map[string]float64{PodAPIServerRecovery: 0}},
		},
		{
			name: "HA: the slowest replica",
			at:   10,
			pods: []PodObservation{
				pod("kube-apiserver", "cp1", 0, true, longAgo),
				pod("kube-apiserver", "cp2", 0, true, longAgo),
				pod("kube-apiserver", "cp3", 0, true, longAgo),
				pod("kube-apiserver", "cp1", 31.4, true, 31),
				pod("kube-apiserver", "cp3", 25.2, true, 25),
				pod("kube-apiserver", "cp2", 32, true, longAgo), // seen by the recovery checks
			},
			want: want{values: map[string]float64{PodAPIServerRecovery: 21}},
		},
		{
			// cp2 was last seen before the fault: the component's figure
			// must not read it as undisturbed.
			name: "HA: one replica not observed after the fault",
			at:   10,
			pods: []PodObservation{
				pod("kube-apiserver", "cp1", 0, true, longAgo),
				pod("kube-apiserver", "cp2", 0, true, longAgo),
				pod("kube-apiserver", "cp1", 31.4, true, 31),
			},
			want: want{unmeasured: map[string]string{
				PodAPIServerRecovery: "pod kube-apiserver-cp2 not observed after the fault",
			}},
		},
		{
			name: "HA: one replica not Ready",
			at:   10,
			pods: []PodObservation{
				pod("kube-apiserver", "cp1", 31.4, true, 31),
				pod("kube-apiserver", "cp2", 0, true, longAgo),
				pod("kube-apiserver", "cp2", 12, false, 12),
			},
			want: want{unmeasured: map[string]string{
				PodAPIServerRecovery: "pod kube-apiserver-cp2 not Ready at end of window",
			}},
		},
		{
			name: "component not observed",
			at:   10,
			pods: []PodObservation{pod("etcd", "cp1", 0, true, longAgo)},
			want: want{
				unmeasured: map[string]string{
					// Seen before the fault only: no data, not "undisturbed".
					PodEtcdRecovery:              "pod etcd-cp1 not observed after the fault",
					PodAPIServerRecovery:         "no kube-apiserver pod observed",
					PodSchedulerRecovery:         "no kube-scheduler pod observed",
					PodControllerManagerRecovery: "no kube-controller-manager pod observed",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Start: at(0), End: at(40), Events: []Event{inject(tt.at, tt.at+0.5)}, Pods: tt.pods}
			checkFigures(t, Derive(tl), tt.want)
		})
	}
	t.Run("no inject event", func(t *testing.T) {
		tl := Timeline{Start: at(0), End: at(40), Pods: []PodObservation{pod("etcd", "cp1", 0, true, longAgo)}}
		checkFigures(t, Derive(tl), want{unmeasured: map[string]string{PodEtcdRecovery: noFault}})
	})
}

// Recorded in api-flood on kind-ha (2026-12-06): the kubelet recreated the
// mirror pod of etcd on firedrill-ha-control-plane2 (seen deleted, then
// with no status, no Ready condition), then Ready since 18:00:15 again, minutes
// before the fault. The pod was Ready throughout: pod.etcd.recovery read
// 56.97 s and failed the drill's recovery.all. A not-Ready observation with
// a condition of its own, or one followed by a Ready since after it, still
// counts.
func TestPodStatusNotWrittenIsNoOutage(t *testing.T) {
	const before, faultAt = -240.0, 10.0
	noStatus := func(observed float64) PodObservation {
		p := pod("etcd", "cp2", observed, false, 0)
		p.ReadySince = PodObservation{}.ReadySince
		return p
	}
	for _, tc := range []struct {
		name string
		obs  []PodObservation
		want want
	}{
		{"a recreated mirror pod, Ready since before it", []PodObservation{
			pod("etcd", "cp2", 0, true, before), deleted(pod("etcd", "cp2", 56.9, true, before)), noStatus(56.9), noStatus(57.4),
			pod("etcd", "cp2", 67, true, before),
		}, want{values: map[string]float64{PodEtcdRecovery: 0}}},
		{"a deleted pod whose successor was Ready since after", []PodObservation{
			pod("etcd", "cp2", 0, true, before), deleted(pod("etcd", "cp2", 56.9, true, before)), pod("etcd", "cp2", 67, true, 66),
		}, want{values: map[string]float64{PodEtcdRecovery: 56}}},
		{"no status, then Ready since after it", []PodObservation{
			pod("etcd", "cp2", 0, true, before), noStatus(56.9), pod("etcd", "cp2", 67, true, 66),
		}, want{values: map[string]float64{PodEtcdRecovery: 56}}},
		{"not Ready with a condition of its own", []PodObservation{
			pod("etcd", "cp2", 0, true, before), pod("etcd", "cp2", 56.9, false, 56), pod("etcd", "cp2", 67, true, before),
		}, want{values: map[string]float64{PodEtcdRecovery: 57}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := Timeline{Start: at(0), End: at(90), Events: []Event{inject(faultAt, faultAt+0.1)}, Pods: tc.obs}
			checkFigures(t, Derive(tl), tc.want)
		})
	}
}
