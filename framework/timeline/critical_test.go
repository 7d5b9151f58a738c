package timeline

import (
	"slices"
	"strings"
	"testing"
)

func fig(name string, v float64) Figure {
	return Figure{Name: name, Value: v, Unit: FigureUnits[name], Measured: true}
}

// A single master rebooted: the controller-manager comes back with a new
// identity once the API serves, and must wait out the old holder's Lease.
// The bound is the API's return plus the Lease's duration, as observed.
func TestCriticalPathNewLeaderWaitsOutTheLease(t *testing.T) {
	tl := Timeline{Start: at(-10), End: at(60), Events: []Event{inject(0, 9.5)}, Leases: []LeaseObservation{
		{ObservedAt: at(-2), Namespace: "kube-system", Name: "kube-controller-manager", Holder: "cp1_old", DurationSeconds: 15, RenewTime: at(-1)},
		{ObservedAt: at(34), Namespace: "kube-system", Name: "kube-controller-manager", Holder: "cp1_new", DurationSeconds: 15, AcquireTime: at(33.9), RenewTime: at(33.9)},
	}}
	figs := []Figure{fig(APIRecovery, 16.8), fig(EtcdRecovery, 12), fig(LeaseControllerManagerRecovery, 33.9),
		fig(LeaseSchedulerRecovery, 30), fig(NodeRecovery, 20), fig(RecoveryAll, 33.9)}
	cp := CriticalPathOf(tl, figs)
	if cp.Figure != LeaseControllerManagerRecovery || cp.Component != "kube-controller-manager (leader)" {
		t.Fatalf("bounded by %s (%s), want the controller-manager Lease", cp.Figure, cp.Component)
	}
	if cp.Bound == nil || !approx(*cp.Bound, 31.8) {
		t.Fatalf("bound %v, want 16.8 s API back + 15 s lease duration = 31.8 s", cp.Bound)
	}
	want := "kube-controller-manager (leader): API back at 16.8 s + 15.0 s lease duration = 31.8 s of 33.9 s (2.1 s its own start-up and retries)"
	if cp.Text != want {
		t.Errorf("text\n got %s\nwant %s", cp.Text, want)
	}
}

// In HA a surviving candidate has watched the Lease all along: it can take
// it a Lease duration after the dead leader's last renewal, with the API
// up throughout.
func TestCriticalPathSurvivorTakesOverAfterLastRenewal(t *testing.T) {
	tl := Timeline{Start: at(-10), End: at(60), Events: []Event{inject(0, 0.3)}, Leases: []LeaseObservation{
		{ObservedAt: at(-0.5), Namespace: "kube-system", Name: "kube-scheduler", Holder: "cp1_a", DurationSeconds: 15, RenewTime: at(-1.2)},
		{ObservedAt: at(16.2), Namespace: "kube-system", Name: "kube-scheduler", Holder: "cp2_b", DurationSeconds: 15, AcquireTime: at(16.1)},
	}}
	figs := []Figure{fig(APIRecovery, 0), fig(LeaseSchedulerRecovery, 16.1), fig(PodSchedulerRecovery, 8), fig(RecoveryAll, 16.1)}
	cp := CriticalPathOf(tl, figs)
	if cp.Bound == nil || !approx(*cp.Bound, 13.8) {
		t.Fatalf("bound %v, want -1.2 s + 15 s = 13.8 s", cp.Bound)
	}
	if !strings.Contains(cp.Text, "last renewal before the fault at -1.2 s + 15.0 s lease duration = 13.8 s of 16.1 s") {
		t.Errorf("text %q", cp.Text)
	}
}

// A leader that kept the Lease only waited for the API: no Lease duration
// belongs in its bound.
func TestCriticalPathSameHolderOnlyWaitsForTheAPI(t *testing.T) {
	tl := Timeline{Start: at(-10), End: at(60), Events: []Event{inject(0, 1)}, Leases: []LeaseObservation{
		{ObservedAt: at(-1), Namespace: "kube-system", Name: "kube-scheduler", Holder: "cp1_a", DurationSeconds: 15, RenewTime: at(-1)},
		{ObservedAt: at(21), Namespace: "kube-system", Name: "kube-scheduler", Holder: "cp1_a", DurationSeconds: 15, RenewTime: at(20.5)},
	}}
	figs := []Figure{fig(APIRecovery, 20), fig(LeaseSchedulerRecovery, 20.5), fig(RecoveryAll, 20.5)}
	cp := CriticalPathOf(tl, figs)
	if len(cp.Links) != 1 || cp.Links[0].What != "API back" || !approx(*cp.Bound, 20) {
		t.Errorf("links %+v, want the API's return alone", cp.Links)
	}
}

// A restore: etcd is ready only after the procedure the harness ran.
func TestCriticalPathProcedure(t *testing.T) {
	tl := Timeline{Start: at(-10), End: at(90), Events: []Event{{Kind: EventInject, Action: "wipe-etcd", At: at(0), Done: at(0.5)}},
		Steps: []Step{{Name: "snapshot", Start: at(-20), End: at(-19)}, {Name: "restore", Start: at(5), End: at(24)},
			// A verification that waits for the components ends after
			// them: it bounds nothing.
			{Name: "verify-controllers", Start: at(24), End: at(40)}}}
	figs := []Figure{fig(APIRecovery, 29), fig(EtcdRecovery, 31), fig(RecoveryAll, 31)}
	cp := CriticalPathOf(tl, figs)
	if cp.Figure != EtcdRecovery || !strings.Contains(cp.Text, "procedure step restore done at 24.0 s = 24.0 s of 31.0 s") {
		t.Errorf("critical path %+v", cp)
	}
}

// No recovery.all, no critical path: said, not made up.
func TestCriticalPathNotMeasured(t *testing.T) {
	cp := CriticalPathOf(Timeline{}, []Figure{{Name: RecoveryAll, Note: "not recovered: node.recovery"}})
	if cp.Figure != "" || cp.Bound != nil || cp.Text != "no critical path: recovery.all not measured" || cp.Note != "not recovered: node.recovery" {
		t.Errorf("critical path %+v", cp)
	}
}

func approx(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

// A killed static pod comes back no sooner than kubeadm's startup probe
// delay after its kill.
func TestCriticalPathStaticPodStartupDelay(t *testing.T) {
	tl := Timeline{Start: at(-10), End: at(60), Events: []Event{{Kind: EventInject, Action: "kill", At: at(0), Done: at(0.4)}}}
	figs := []Figure{fig(APIRecovery, 0), fig(PodSchedulerRecovery, 17.2), fig(LeaseSchedulerRecovery, 14), fig(RecoveryAll, 17.2)}
	cp := CriticalPathOf(tl, figs)
	if !strings.HasPrefix(cp.Text, "kube-scheduler (pod): kill returned at 0.4 s + 10.0 s kubeadm's startup probe delay = 10.4 s of 17.2 s") {
		t.Errorf("text %q", cp.Text)
	}
}

// A held fault's nodes wait for the harness to lift it.
func TestCriticalPathHeldFaultLifted(t *testing.T) {
	tl := Timeline{Start: at(-10), End: at(100), Events: []Event{
		{Kind: EventInject, Action: "isolate-node", At: at(0), Done: at(0.2)}, undo(75, 75.3)}}
	figs := []Figure{fig(APIRecovery, 0), fig(NodeRecovery, 79.3), fig(RecoveryAll, 79.3)}
	cp := CriticalPathOf(tl, figs)
	if !strings.HasPrefix(cp.Text, "nodes: unpause lifted at 75.3 s = 75.3 s of 79.3 s (4.0 s its own") {
		t.Errorf("text %q", cp.Text)
	}
}

// After a whole-cluster outage the order the components came back in is
// what an operator asks first: every measured recovery, earliest first,
// and whether a human's procedure was needed.
func TestRecoveryOrder(t *testing.T) {
	tl := Timeline{Start: at(-10), End: at(90), Events: []Event{{Kind: EventInject, Action: "reboot", At: at(0), Done: at(11)}}}
	figs := []Figure{fig(APIRecovery, 29.4), fig(EtcdRecovery, 25), fig(NodeRecovery, 30.8), fig(LeaseSchedulerRecovery, 45.5),
		fig(LeaseControllerManagerRecovery, 51.8), fig(WorkloadRecovery, 33.1), {Name: PodEtcdRecovery}, fig(RecoveryAll, 51.8)}
	cp := CriticalPathOf(tl, figs)
	var got []string
	for _, l := range cp.Order {
		got = append(got, l.From)
	}
	want := []string{EtcdRecovery, APIRecovery, NodeRecovery, WorkloadRecovery, LeaseSchedulerRecovery, LeaseControllerManagerRecovery}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if !strings.HasPrefix(cp.OrderText, "back in this order: etcd members 25.0 s, API (clients) 29.4 s") || !strings.HasSuffix(cp.OrderText, "; no human step") {
		t.Errorf("order text %q", cp.OrderText)
	}
	tl.Steps = []Step{{Name: "restore", Start: at(5), End: at(24)}}
	if cp := CriticalPathOf(tl, figs); !strings.HasSuffix(cp.OrderText, "; after a recovery procedure of 1 steps") {
		t.Errorf("with a procedure: %q", cp.OrderText)
	}
}
