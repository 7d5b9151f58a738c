package fault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/procedure"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// etcdFake is a three-member etcd behind a fake API: it takes quota
// bytes of ConfigMaps, then answers as the API server does for etcd's
// NOSPACE, and raises the alarm its members' alarm list prints; the
// defrag steps free it (disarm clears the alarm once the filler is gone
// and each member was defragmented).
type etcdFake struct {
	*fakes.Cluster
	cs *k8sfake.Clientset

	mu                sync.Mutex
	quota, used       int
	alarm             bool
	defragged         []string
	scripts           []string
	disarmedWithFull  bool
	fillerInNamespace func() int
}

func newEtcdFake(t *testing.T, quotaObjects int) *etcdFake {
	t.Helper()
	var nodes []cluster.Node
	for i := 1; i <= 3; i++ {
		nodes = append(nodes, cluster.Node{Name: fmt.Sprintf("cp%d", i), Role: cluster.RoleControlPlane, Address: fmt.Sprintf("10.0.0.%d", i)})
	}
	f := &etcdFake{Cluster: fakes.NewCluster("fake", nodes...), cs: k8sfake.NewClientset(), quota: quotaObjects}
	f.cs.PrependReactor("create", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.alarm || f.used >= f.quota {
			f.alarm = true
			return true, nil, apierrors.NewInternalError(errors.New("etcdserver: mvcc: database space exceeded"))
		}
		f.used++
		return false, nil, nil
	})
	// Deleting a namespace writes its Terminating phase first: refused
	// under the alarm, as etcd refuses every put.
	f.cs.PrependReactor("delete", "namespaces", func(k8stesting.Action) (bool, runtime.Object, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.alarm {
			return true, nil, apierrors.NewInternalError(errors.New("etcdserver: mvcc: database space exceeded"))
		}
		return false, nil, nil
	})
	// client-go's fake has no delete-collection of its own.
	f.cs.PrependReactor("delete-collection", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		dc := a.(k8stesting.DeleteCollectionAction)
		gvr := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
		// The tracker, not the clientset: a reactor runs under the fake's lock.
		obj, err := f.cs.Tracker().List(gvr, schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, dc.GetNamespace())
		if err != nil {
			return true, nil, err
		}
		for _, cm := range obj.(*corev1.ConfigMapList).Items {
			if dc.GetListRestrictions().Labels.Matches(labels.Set(cm.Labels)) {
				if err := f.cs.Tracker().Delete(gvr, cm.Namespace, cm.Name); err != nil {
					return true, nil, err
				}
			}
		}
		return true, nil, nil
	})
	f.Commands = func(_ context.Context, n cluster.Node, argv []string) ([]byte, error) {
		script := argv[len(argv)-1]
		f.mu.Lock()
		defer f.mu.Unlock()
		f.scripts = append(f.scripts, n.Name+": "+script)
		switch {
		case strings.HasPrefix(script, "cat "+procedure.ManifestDir+"/etcd.yaml"):
			return []byte(etcdManifest(n)), nil
		case strings.Contains(script, " defrag"):
			f.defragged = append(f.defragged, n.Name)
		case strings.Contains(script, "alarm disarm"):
			if f.fillerInNamespace() > 0 || len(f.defragged) < 3 {
				f.disarmedWithFull = true
			}
			f.alarm, f.used = false, 0
		case strings.Contains(script, "alarm list"):
			if f.alarm {
				return []byte("memberID:10276657743932975437 alarm:NOSPACE\n"), nil
			}
		}
		return nil, nil
	}
	f.fillerInNamespace = func() int {
		list, err := f.cs.CoreV1().ConfigMaps("").List(context.Background(), metav1.ListOptions{LabelSelector: FillLabel})
		if err != nil {
			return -1
		}
		return len(list.Items)
	}
	prev := newClientset
	newClientset = func(cluster.Cluster) (kubernetes.Interface, error) { return f.cs, nil }
	t.Cleanup(func() { newClientset = prev })
	return f
}

func etcdManifest(n cluster.Node) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
spec:
  containers:
  - command:
    - etcd
    - --name=%[1]s
    - --initial-advertise-peer-urls=https://%[2]s:2380
    image: registry.k8s.io/etcd:3.6.5-0
`, n.Name, n.Address)
}

func (f *etcdFake) nodes() []cluster.Node {
	ns, _ := f.Nodes(context.Background())
	return ns
}

func (f *etcdFake) namespaces(t *testing.T) []string {
	t.Helper()
	list, err := f.cs.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ns := range list.Items {
		out = append(out, ns.Name)
	}
	return out
}

// The fill writes into a namespace of its own until etcd refuses, proves
// the alarm on every target, and stays in the journal until Recover has
// freed etcd and removed the namespace.
func TestFillEtcd(t *testing.T) {
	c := newEtcdFake(t, 12)
	dir := t.TempDir()
	spec := scenario.Fault{Action: ActionFillEtcd, Target: scenario.Target{Role: scenario.RoleControlPlane, Count: "all", Component: scenario.ComponentEtcd}}
	flt, err := New(spec, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "etcd-nospace"))
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	if err := flt.Inject(context.Background(), c, c.nodes(), ev); err != nil {
		t.Fatal(err)
	}
	filler := flt.(Filler)
	ns := filler.FillerNamespace()
	if !strings.HasPrefix(ns, fillPrefix) || !slices.Contains(c.namespaces(t), ns) {
		t.Fatalf("namespace %s not made: %v", ns, c.namespaces(t))
	}
	cms, _ := c.cs.CoreV1().ConfigMaps(ns).List(context.Background(), metav1.ListOptions{LabelSelector: FillLabel + "=" + ns})
	if len(cms.Items) != 12 {
		t.Errorf("%d filler objects, want the 12 etcd took", len(cms.Items))
	}
	if len(ev.evidence) != 3 {
		t.Fatalf("%d evidence, want one per target", len(ev.evidence))
	}
	for _, e := range ev.evidence {
		if !e.Proven || e.Before != "no alarm" || !strings.Contains(e.After, "alarm:NOSPACE") || !strings.Contains(e.After, "12 objects") ||
			!strings.Contains(e.After, "database space exceeded") {
			t.Errorf("evidence %+v", e)
		}
	}
	if ok, why := timeline.FaultTook(ev.timeline()); !ok {
		t.Errorf("the fault did not take: %s", why)
	}
	if got := pending(t, dir); !slices.Equal(got, []string{"fill-etcd cp1 undo free-etcd"}) {
		t.Fatalf("journal after the fill: %v", got)
	}

	// The procedure, as the drill runs it: the filler deleted under the
	// alarm, the namespace only after the disarm.
	steps := procedure.DefragEtcd(procedure.DefragPlan{Members: mustMembers(t, c),
		DeleteFiller: func(ctx context.Context) error { return filler.DeleteFiller(ctx, c) }, DeleteCommand: DeleteFillerCommand(ns),
		DeleteRest: func(ctx context.Context) error { return filler.DeleteNamespace(ctx, c) }, DeleteRestCommand: DeleteNamespaceCommand(ns)})
	if err := procedure.Run(context.Background(), procedure.Input{Cluster: c, Name: "t", Out: &strings.Builder{}, Record: func(timeline.Step) {}}, steps); err != nil {
		t.Fatal(err)
	}
	if c.disarmedWithFull || !slices.Equal(c.defragged, []string{"cp1", "cp2", "cp3"}) {
		t.Errorf("disarmed before the filler went or every member was defragmented (%v)", c.defragged)
	}
	if slices.Contains(c.namespaces(t), ns) {
		t.Errorf("namespace %s still there after the procedure", ns)
	}
	if got := pending(t, dir); len(got) != 1 {
		t.Errorf("journal closed before Recover: %v", got)
	}
	if err := flt.Recover(context.Background(), c, c.nodes(), ev); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, dir); len(got) > 0 {
		t.Errorf("journal after Recover: %v", got)
	}
	if len(c.defragged) != 3 {
		t.Errorf("Recover defragmented again with no alarm: %v", c.defragged)
	}
}

func mustMembers(t *testing.T, c *etcdFake) []procedure.Member {
	t.Helper()
	ms, err := procedure.ReadMembers(context.Background(), c, c.nodes())
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// Interrupted before the procedure (kill -9): the journal's undo, as
// `firedrill clean` replays it, frees etcd (filler deleted, compacted,
// each member defragmented, disarmed) and removes the namespace; the same
// as Recover does after Ctrl-C.
func TestFillEtcdUndo(t *testing.T) {
	for _, how := range []string{"journal", "recover"} {
		t.Run(how, func(t *testing.T) {
			c := newEtcdFake(t, 5)
			dir := t.TempDir()
			spec := scenario.Fault{Action: ActionFillEtcd, Target: scenario.Target{Role: scenario.RoleControlPlane, Count: "one", Component: scenario.ComponentEtcd}}
			flt, err := New(spec, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "etcd-nospace"))
			if err != nil {
				t.Fatal(err)
			}
			if err := flt.Inject(context.Background(), c, c.nodes()[:1], &events{}); err != nil {
				t.Fatal(err)
			}
			ns := flt.(Filler).FillerNamespace()
			switch how {
			case "journal":
				es, err := journal.Pending(dir)
				if err != nil || len(es) != 1 {
					t.Fatalf("pending %v, %v", es, err)
				}
				if err := Undo(context.Background(), c, es[0]); err != nil {
					t.Fatal(err)
				}
			case "recover":
				if err := flt.Recover(context.Background(), c, c.nodes()[:1], &events{}); err != nil {
					t.Fatal(err)
				}
				if got := pending(t, dir); len(got) > 0 {
					t.Errorf("journal after Recover: %v", got)
				}
			}
			if c.alarm || c.disarmedWithFull || len(c.defragged) != 3 || slices.Contains(c.namespaces(t), ns) {
				t.Errorf("alarm %v, disarmed full %v, defragmented %v, namespaces %v", c.alarm, c.disarmedWithFull, c.defragged, c.namespaces(t))
			}
		})
	}
}

// The undo never deletes a namespace firedrill did not make: one of the
// same name without its labels is left, and the undo says so.
func TestFillEtcdUndoLeavesOthers(t *testing.T) {
	c := newEtcdFake(t, 5)
	ns := fillPrefix + "123"
	if _, err := c.cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.cs.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "theirs", Labels: map[string]string{FillLabel: ns}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.alarm = true
	cctx, cancel := context.WithTimeout(context.Background(), 3e9)
	defer cancel()
	err := Undo(cctx, c, journal.Entry{Node: "cp1", Undo: UndoFreeEtcd, Shape: ns})
	if err == nil || !strings.Contains(err.Error(), "not a filler firedrill made") {
		t.Errorf("undo of a namespace not ours: %v", err)
	}
	if !slices.Contains(c.namespaces(t), ns) || c.fillerInNamespace() != 1 {
		t.Errorf("someone else's namespace or object deleted")
	}
	if err := Undo(cctx, c, journal.Entry{Node: "cp1", Undo: UndoFreeEtcd, Shape: "kube-system"}); err == nil {
		t.Error("an undo of kube-system was attempted")
	}
}
