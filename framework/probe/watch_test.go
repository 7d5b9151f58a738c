package probe

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/firedrill/firedrill/framework/kubeadm"
)

// The Poller sees a node's heartbeat Lease within an interval of the API
// answering again, whatever the informers' back-off, and records it once
// per change, not once per list.
func TestPollerSeesLeasesWhenTheAPIIsBack(t *testing.T) {
	renewed := func(rv string, at time.Time) *coordinationv1.Lease {
		holder, d := "n1", int32(40)
		return &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: "n1", Namespace: kubeadm.NodeLeaseNamespace, UID: "u1", ResourceVersion: rv},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &d, RenewTime: &metav1.MicroTime{Time: at}},
		}
	}
	t0 := time.Now().Add(-time.Minute).Truncate(time.Microsecond)
	cs := fake.NewClientset(renewed("1", t0))
	var down atomic.Bool
	down.Store(true)
	cs.PrependReactor("list", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
		if down.Load() {
			return true, nil, errors.New("connection refused")
		}
		return false, nil, nil
	})
	rec := NewRecorder(time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	p := &Poller{CS: cs, Rec: rec, Interval: 20 * time.Millisecond, Timeout: time.Second}
	p.Start(ctx)
	defer func() { cancel(); p.Wait() }()

	leases := func() []time.Time {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		var renews []time.Time
		for _, l := range rec.tl.Leases {
			if l.Namespace == kubeadm.NodeLeaseNamespace {
				renews = append(renews, l.RenewTime)
			}
		}
		return renews
	}
	within := func(d time.Duration, cond func() bool) bool {
		for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if cond() {
				return true
			}
		}
		return cond()
	}

	time.Sleep(100 * time.Millisecond)
	if got := leases(); len(got) != 0 {
		t.Fatalf("observations while the API was down: %v", got)
	}
	back := time.Now()
	down.Store(false)
	if !within(time.Second, func() bool { return len(leases()) > 0 }) {
		t.Fatal("no Lease observation within a second of the API answering")
	}
	if d := time.Since(back); d > 200*time.Millisecond {
		t.Errorf("first observation %s after the API was back; want within a few 20 ms intervals", d)
	}
	time.Sleep(100 * time.Millisecond)
	if got := leases(); len(got) != 1 || !got[0].Equal(t0) {
		t.Fatalf("unchanged Lease recorded %d times (%v); want once, renewed at %v", len(got), got, t0)
	}
	t1 := t0.Add(10 * time.Second)
	if _, err := cs.CoordinationV1().Leases(kubeadm.NodeLeaseNamespace).Update(ctx, renewed("2", t1), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if !within(time.Second, func() bool { got := leases(); return len(got) == 2 && got[1].Equal(t1) }) {
		t.Fatalf("renewal at %v not recorded once: %v", t1, leases())
	}
	// A failed list makes the next good one record everything again, as
	// an informer's relist does.
	down.Store(true)
	time.Sleep(60 * time.Millisecond)
	down.Store(false)
	if !within(time.Second, func() bool { return len(leases()) == 3 }) {
		t.Fatalf("after a failed list the Lease was not recorded again: %v", leases())
	}
}
