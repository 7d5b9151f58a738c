package fault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/procedure"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/shell"
	"github.com/firedrill/firedrill/framework/timeline"
	"github.com/firedrill/firedrill/framework/waitfor"
)

// ActionFillEtcd fills etcd through the API until it runs out of space:
// big ConfigMaps in a namespace of the drill's own, written until the API
// answers etcd's "database space exceeded" (etcd raised its NOSPACE
// alarm, and refuses every write cluster-wide, reads and deletes still
// pass), or a cap. Meant for a profile whose etcd has a small
// --quota-backend-bytes (kind-ha-small-quota): against etcd's default
// 2 GiB the cap ends the fill first, and the fault is not proven. Only
// the defrag-etcd procedure undoes it, as an operator would.
const ActionFillEtcd = "fill-etcd"

// UndoFreeEtcd frees an etcd a fill left out of space (delete the filler,
// compact, defragment each member, disarm) and removes the namespace.
const UndoFreeEtcd = "free-etcd"

// The fill's shape.
const (
	// fillObjectBytes is each ConfigMap's data: under the API's 1 MiB
	// limit on a ConfigMap and etcd's 1.5 MiB on a request.
	fillObjectBytes = 1000 << 10
	// fillCap bounds the fill: 300 objects are ~290 MiB, above any small
	// quota a profile sets (64-128 MiB) and far below etcd's default 2 GiB.
	fillCap = 300
	// fillWriters write at once: the API server and etcd, not the harness,
	// should be the bottleneck.
	fillWriters = 4
	// fillTimeout bounds the fill, and fillErrors the failures in a row
	// other than out of space (a busy API server times out) it outlasts.
	fillTimeout = 5 * time.Minute
	fillErrors  = 20
	// FillLabel marks each filler object, with the namespace as value:
	// the procedure deletes exactly those.
	FillLabel = "firedrill.io/fill"
	// fillPrefix begins every filler namespace's name.
	fillPrefix = "firedrill-fill-"
)

// noSpace is how the API server passes on etcd's ErrNoSpace.
const noSpace = "database space exceeded"

// IsNoSpace says whether err is etcd's out of space, as the API answers it.
func IsNoSpace(err error) bool { return err != nil && strings.Contains(err.Error(), noSpace) }

func init() {
	register(action{
		name: ActionFillEtcd,
		// component: etcd is what runs out of space; the targets are the
		// members whose alarm list proves it (the alarm is the cluster's).
		needs:    scenario.FaultAction{NeedsComponent: true, Component: scenario.ComponentEtcd, Procedure: scenario.ProcedureDefragEtcd},
		evidence: says("etcd alarm list names " + procedure.NoSpaceAlarm),
		build: func(b Build) (Fault, error) {
			return &fillEtcd{evidence: b.Evidence, book: b.Book, undo: b.Undo,
				ns: fmt.Sprintf("%s%d", fillPrefix, time.Now().UnixNano())}, nil
		},
		undo: &JournalUndo{Kind: UndoFreeEtcd, Do: func(ctx context.Context, c cluster.Cluster, _ cluster.Node, shape string) error {
			if !strings.HasPrefix(shape, fillPrefix) {
				return fmt.Errorf("%q is not a filler namespace's name", shape)
			}
			return freeEtcd(ctx, c, shape)
		}},
	})
}

// newClientset reaches the cluster's API as clients do; tests replace it.
var newClientset = func(c cluster.Cluster) (kubernetes.Interface, error) {
	cfg := rest.CopyConfig(c.RESTConfig())
	// Not client-go's 5 per second: the fill is the load.
	cfg.QPS, cfg.Burst, cfg.Timeout = 50, 100, 30*time.Second
	return kubernetes.NewForConfig(cfg)
}

// fillEtcd is the fault; the drill reads its namespace (Filler) for the
// procedure.
type fillEtcd struct {
	evidence, undo, ns string
	book               *journal.Book

	once    sync.Once
	fillErr error
	filled  fillResult

	mu    sync.Mutex
	entry *journal.Open
}

// Filler is a fault that filled etcd: what the defrag-etcd procedure
// deletes, and how.
type Filler interface {
	// FillerNamespace is the namespace the fill wrote in (and made).
	FillerNamespace() string
	// DeleteFiller deletes the filler objects (allowed under the NOSPACE
	// alarm); DeleteNamespace deletes the namespace (not allowed under it).
	DeleteFiller(ctx context.Context, c cluster.Cluster) error
	DeleteNamespace(ctx context.Context, c cluster.Cluster) error
}

var _ Filler = (*fillEtcd)(nil)

func (f *fillEtcd) FillerNamespace() string { return f.ns }

func (f *fillEtcd) Desc() string {
	return fmt.Sprintf("write %d KiB ConfigMaps into namespace %s until etcd refuses them (NOSPACE alarm), at most %d", fillObjectBytes>>10, f.ns, fillCap)
}

// DeleteFillerCommand and DeleteNamespaceCommand are the two as an
// operator types them.
func DeleteFillerCommand(ns string) string {
	return "kubectl delete configmaps -n " + shell.Quote(ns) + " -l " + FillLabel
}

func DeleteNamespaceCommand(ns string) string { return "kubectl delete namespace " + shell.Quote(ns) }

type fillResult struct {
	objects int
	stop    string // why the fill stopped
	full    bool   // it stopped at the API's out of space
}

func (r fillResult) String() string {
	return fmt.Sprintf("%d objects (%.0f MiB) written, then %s", r.objects, float64(r.objects*fillObjectBytes)/(1<<20), r.stop)
}

func (f *fillEtcd) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	if len(targets) == 0 {
		return fmt.Errorf("no target")
	}
	members, err := procedure.ReadMembers(ctx, x, targets)
	if err != nil {
		return err
	}
	return onEach(ctx, targets, ev, timeline.EventInject, ActionFillEtcd, func(ctx context.Context, n cluster.Node) (time.Time, error) {
		m := members[slices.IndexFunc(targets, func(t cluster.Node) bool { return t.Name == n.Name })]
		before, berr := x.Exec(ctx, n, "sh", "-c", procedure.AlarmList(m))
		f.once.Do(func() { f.filled, f.fillErr = f.fill(ctx, c, targets[0]) })
		if f.fillErr != nil {
			return time.Time{}, f.fillErr
		}
		after, aerr := x.Exec(ctx, n, "sh", "-c", procedure.AlarmList(m))
		e := timeline.Evidence{At: time.Now(), Target: n.Name, Action: ActionFillEtcd, What: f.evidence,
			Before: alarms(before), After: alarms(after) + "; " + f.filled.String()}
		if err := errors.Join(berr, aerr); err != nil {
			e.Error = err.Error()
		}
		e.Proven = berr == nil && aerr == nil && !procedure.HasAlarm(string(before), procedure.NoSpaceAlarm) &&
			procedure.HasAlarm(string(after), procedure.NoSpaceAlarm)
		ev.Evidence(e)
		return time.Time{}, nil
	})
}

// alarms is an alarm list for the evidence.
func alarms(out []byte) string {
	if s := strings.Join(strings.Fields(string(out)), " "); s != "" {
		return "alarms: " + s
	}
	return "no alarm"
}

// fill makes the namespace (journaled first, on node) and writes into it
// until etcd refuses, the cap, the time limit or fillErrors failures in a
// row.
func (f *fillEtcd) fill(ctx context.Context, c cluster.Cluster, node cluster.Node) (fillResult, error) {
	cs, err := newClientset(c)
	if err != nil {
		return fillResult{}, err
	}
	entry, err := f.book.Begin(node.Name, ActionFillEtcd, f.undo, f.ns)
	if err != nil {
		return fillResult{}, err
	}
	f.mu.Lock()
	f.entry = entry
	f.mu.Unlock()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns, Labels: map[string]string{probe.OwnerLabel: "firedrill", FillLabel: f.ns}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fillResult{}, fmt.Errorf("create namespace %s: %w", f.ns, err)
	}
	ctx, cancel := context.WithTimeout(ctx, fillTimeout)
	defer cancel()
	data := strings.Repeat("f", fillObjectBytes)
	var (
		mu     sync.Mutex
		next   int
		res    fillResult
		failed int
		wg     sync.WaitGroup
	)
	// take hands out the next object's number, or -1 once the fill stops.
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if res.stop != "" {
			return -1
		}
		if next >= fillCap {
			res.stop = fmt.Sprintf("the cap of %d objects: etcd never ran out of space (is its --quota-backend-bytes small?)", fillCap)
			return -1
		}
		next++
		return next - 1
	}
	for range fillWriters {
		wg.Go(func() {
			for i := take(); i >= 0; i = take() {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("fill-%04d", i), Namespace: f.ns,
					Labels: map[string]string{FillLabel: f.ns}}, Data: map[string]string{"fill": data}}
				_, err := cs.CoreV1().ConfigMaps(f.ns).Create(ctx, cm, metav1.CreateOptions{})
				mu.Lock()
				switch {
				case err == nil:
					res.objects++
					failed = 0
				case IsNoSpace(err):
					if res.stop == "" {
						res.stop, res.full = "the API answered: "+err.Error(), true
					}
				case ctx.Err() != nil:
					if res.stop == "" {
						res.stop = "the fill's time ran out (" + fillTimeout.String() + ") or it was interrupted: " + err.Error()
					}
				default:
					if failed++; failed >= fillErrors && res.stop == "" {
						res.stop = fmt.Sprintf("%d failures in a row, the last: %v", failed, err)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return res, nil
}

// Recover frees what the fill left once the procedure is done, or after
// an interruption: a raised alarm is freed (the procedure, run here), and
// the namespace goes. The journal's entry is closed once both are done.
func (f *fillEtcd) Recover(ctx context.Context, c cluster.Cluster, _ []cluster.Node, _ Events) error {
	f.mu.Lock()
	entry := f.entry
	f.mu.Unlock()
	if entry == nil {
		return nil
	}
	if err := freeEtcd(ctx, c, f.ns); err != nil {
		return err
	}
	f.mu.Lock()
	f.entry = nil
	f.mu.Unlock()
	return entry.Close()
}

func (f *fillEtcd) DeleteFiller(ctx context.Context, c cluster.Cluster) error {
	cs, err := newClientset(c)
	if err != nil {
		return err
	}
	return deleteFiller(ctx, cs, f.ns)
}

func (f *fillEtcd) DeleteNamespace(ctx context.Context, c cluster.Cluster) error {
	cs, err := newClientset(c)
	if err != nil {
		return err
	}
	_, err = deleteFillNamespace(ctx, cs, f.ns)
	return err
}

// deleteFiller deletes the filler objects of namespace ns, and nothing
// else: a namespace firedrill did not make is left.
func deleteFiller(ctx context.Context, cs kubernetes.Interface, ns string) error {
	got, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return err
	case !ownedFill(got):
		return fmt.Errorf("namespace %s is not a filler firedrill made: left as it is", ns)
	}
	return cs.CoreV1().ConfigMaps(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: FillLabel + "=" + ns})
}

// deleteFillNamespace deletes the filler namespace firedrill made (its
// UID as precondition); gone says it is no more.
func deleteFillNamespace(ctx context.Context, cs kubernetes.Interface, ns string) (gone bool, err error) {
	got, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, err
	case !ownedFill(got):
		return false, fmt.Errorf("namespace %s is not a filler firedrill made: left as it is", ns)
	case got.DeletionTimestamp != nil:
		return false, nil
	}
	uid := got.UID
	err = cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return false, err
}

func ownedFill(ns *corev1.Namespace) bool {
	return probe.Owned(ns) && ns.Labels[FillLabel] == ns.Name && strings.HasPrefix(ns.Name, fillPrefix)
}

// freeWait bounds the namespace's removal.
const freeWait = 2 * time.Minute

// freeEtcd undoes a fill: when etcd still has its NOSPACE alarm, the
// defrag-etcd procedure runs (delete the filler, compact, defragment each
// member, disarm); then the namespace is deleted and awaited.
func freeEtcd(ctx context.Context, c cluster.Cluster, ns string) error {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	cs, err := newClientset(c)
	if err != nil {
		return err
	}
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return err
	}
	var cps []cluster.Node
	for _, n := range nodes {
		if n.Role == cluster.RoleControlPlane {
			cps = append(cps, n)
		}
	}
	members, err := procedure.ReadMembers(ctx, x, cps)
	if err != nil {
		return err
	}
	if len(members) == 0 {
		return fmt.Errorf("no etcd member on cluster %s", c.Name())
	}
	out, err := x.Exec(ctx, members[0].Node, "sh", "-c", procedure.AlarmList(members[0]))
	if err != nil {
		return fmt.Errorf("etcd alarm list: %w", err)
	}
	if procedure.HasAlarm(string(out), procedure.NoSpaceAlarm) {
		steps := procedure.DefragEtcd(procedure.DefragPlan{Members: members,
			DeleteFiller: func(ctx context.Context) error { return deleteFiller(ctx, cs, ns) }, DeleteCommand: DeleteFillerCommand(ns)})
		if err := procedure.Run(ctx, procedure.Input{Cluster: c, Name: "free-etcd", Out: io.Discard, Record: func(timeline.Step) {}}, steps); err != nil {
			return fmt.Errorf("free etcd of %s: %w", ns, err)
		}
	}
	return waitfor.Until(ctx, waitfor.Input{What: "namespace " + ns + " gone", Timeout: freeWait, Poll: time.Second, Out: io.Discard,
		Check: func(ctx context.Context) error {
			gone, err := deleteFillNamespace(ctx, cs, ns)
			if err == nil && !gone {
				err = fmt.Errorf("terminating")
			}
			return err
		}})
}
