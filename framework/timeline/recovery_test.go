package timeline

import (
	"strings"
	"testing"
)

func TestRecoveryAll(t *testing.T) {
	const a, b = "cp1_4b0f8d8e", "cp1_9c2e77a1"
	// Fault at 10s. API back at 25.01s (15.01), scheduler Lease acquired
	// by a new holder at 40s (30), controller-manager undisturbed (0), node
	// heartbeat back at 34.2s (24.2), API server pod Ready at 26s (16).
	healed := Timeline{
		Start: at(0), End: at(60), Events: []Event{inject(10, 12)},
		Samples: probe(apiNew, 0, 60, 0.5, refusedDuring([2]float64{10, 25})),
		Leases: concat(
			renewals("kube-system", "kube-scheduler", a, -100, 1, 0, 2, 4, 6, 8),
			renewals("kube-system", "kube-scheduler", b, 40, 2, every(40, 58, 2)...),
			renewals("kube-system", "kube-controller-manager", a, -100, 1, every(0, 58, 2)...),
			heartbeat("cp1", -20, -10, 0, 34.2, 44.2),
		),
		Pods: []PodObservation{pod("kube-apiserver", "cp1", 26.5, true, 26)},
	}
	stuck := healed
	stuck.Samples = concat(healed.Samples, probe(SeriesWorkload, 0, 60, 0.5, refusedDuring([2]float64{10, 99})))
	// etcd on cp1 unreachable from the fault, ready again at 45.2s (35.2);
	// the API server on cp1, reached directly, back at 26.01s (16.01).
	etcdSlowest := healed
	etcdSlowest.Samples = concat(healed.Samples,
		probe(APISeries("cp1", "new", "etcd"), 0, 60, 0.5, refusedDuring([2]float64{10, 26})))
	etcdSlowest.Etcd = concat(
		member("cp1", 0.2, 10, 1, true, true),
		unreachable("cp1", 10.2, 45, 1, "connect: connection refused"),
		member("cp1", 45.2, 60, 1, true, true),
	)
	// The API server on cp1, reached directly, back at 48.01s (38.01).
	directSlowest := healed
	directSlowest.Samples = concat(healed.Samples,
		probe(APISeries("cp1", "new", "etcd"), 0, 60, 0.5, refusedDuring([2]float64{10, 48})))

	tests := []struct {
		name string
		tl   Timeline
		want want
	}{
		{
			name: "the slowest component, skipping those without data",
			tl:   healed,
			want: want{values: map[string]float64{
				APIRecovery: 15.01, LeaseSchedulerRecovery: 30, LeaseControllerManagerRecovery: 0,
				PodAPIServerRecovery: 16, NodeRecovery: 24.2, RecoveryAll: 30,
			}},
		},
		{
			name: "etcd the slowest",
			tl:   etcdSlowest,
			want: want{
				values: map[string]float64{
					APIDirectRecovery: 16.01, EtcdRecovery: 35.2, LeaseSchedulerRecovery: 30, RecoveryAll: 35.2,
				},
				notes: map[string]string{RecoveryAll: "slowest: etcd.recovery"},
			},
		},
		{
			name: "a directly reached API server the slowest",
			tl:   directSlowest,
			want: want{
				values: map[string]float64{APIDirectRecovery: 38.01, RecoveryAll: 38.01},
				notes:  map[string]string{RecoveryAll: "slowest: api.direct.recovery"},
			},
		},
		{
			name: "a component not recovered",
			tl:   stuck,
			want: want{unmeasured: map[string]string{
				RecoveryAll: "not recovered: workload.recovery (workload still down at end of window)",
			}},
		},
		{
			name: "nothing observed",
			tl:   Timeline{Start: at(0), End: at(60), Events: []Event{inject(10, 12)}},
			want: want{unmeasured: map[string]string{
				RecoveryAll: "not probed in this run: api.recovery (no samples of series api/client/*)",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFigures(t, Derive(tt.tl), tt.want)
		})
	}

	t.Run("the note names the slowest and the skipped", func(t *testing.T) {
		var all Figure
		for _, f := range Derive(healed) {
			if f.Name == RecoveryAll {
				all = f
			}
		}
		const note = "slowest: lease.kube-scheduler.recovery; not probed in this run: " +
			"api.direct.recovery (no direct API series), " +
			"etcd.recovery (no etcd member observed), " +
			"pod.etcd.recovery (no etcd pod observed), " +
			"pod.kube-scheduler.recovery (no kube-scheduler pod observed), " +
			"pod.kube-controller-manager.recovery (no kube-controller-manager pod observed), " +
			"workload.recovery (no samples of series workload)"
		if all.Note != note {
			t.Errorf("note = %q\nwant   %q", all.Note, note)
		}
	})
}

// recovery.all is judged on every part the scenario's recovery conditions
// name: the recorded reboot never observed etcd, so a scenario waiting for
// etcd gets no recovery.all from it, unless the provider cannot observe
// etcd at all, and then the note says it was left out.
func TestRecoveryAllOnTheNamedParts(t *testing.T) {
	tl := loadTimeline(t, "testdata/reboot.json")
	figure := func(tl Timeline) Figure {
		for _, f := range Derive(tl) {
			if f.Name == RecoveryAll {
				return f
			}
		}
		t.Fatal("no recovery.all")
		return Figure{}
	}
	before := figure(tl)
	if !before.Measured || !strings.Contains(before.Note, "etcd.recovery (no etcd member observed)") {
		t.Fatalf("the recorded reboot: %+v; want measured, etcd named as not probed", before)
	}

	tl.Conditions = []string{"api", "nodes", "control-plane-pods"}
	if got := figure(tl); got != before {
		t.Errorf("conditions that name only observed parts: %+v, want %+v", got, before)
	}

	tl.Conditions = append(tl.Conditions, "etcd")
	got := figure(tl)
	if got.Measured || got.Note != "never observed in this run: etcd.recovery, named by recovery condition etcd (no etcd member observed)" {
		t.Errorf("a condition naming a part never observed: %+v; want not measured, saying which", got)
	}

	tl.Unobservable = []Unobservable{{Condition: "etcd", Why: "no access to the control-plane nodes"}}
	got = figure(tl)
	if !got.Measured || got.Value != before.Value ||
		!strings.Contains(got.Note, "left out, the provider cannot observe it: etcd.recovery (no access to the control-plane nodes)") {
		t.Errorf("a part the provider cannot observe: %+v; want measured as before, with a note", got)
	}
}
