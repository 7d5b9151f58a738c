package probe

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/overhead"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Watch runs informers on the leader Leases, the node heartbeat Leases, the
// control-plane static pods and the nodes, recording every state they see
// until ctx ends. While the API is down the informers back off (up to 30 s
// in client-go), so the figures rely on the objects' own timestamps
// (acquire, renew, transition times), not on when the harness saw them;
// Poll covers the time an informer is still backing off after the API is
// back.
func Watch(ctx context.Context, cs kubernetes.Interface, rec *Recorder) error {
	leases := informers.NewSharedInformerFactory(cs, 0)
	pods := informers.NewSharedInformerFactoryWithOptions(cs, 0,
		informers.WithNamespace(metav1.NamespaceSystem),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = "tier=control-plane" }))

	handlers := []struct {
		informer cache.SharedIndexInformer
		record   func(obj any, deleted bool)
	}{
		{leases.Coordination().V1().Leases().Informer(), func(obj any, _ bool) {
			if l, ok := obj.(*coordinationv1.Lease); ok && watchedLease(l) {
				rec.Lease(LeaseObservation(l, time.Now()))
			}
		}},
		{pods.Core().V1().Pods().Informer(), func(obj any, deleted bool) {
			if p, ok := obj.(*corev1.Pod); ok {
				o := PodObservation(p, time.Now())
				o.Deleted = deleted
				rec.Pod(o)
			}
		}},
		{leases.Core().V1().Nodes().Informer(), func(obj any, _ bool) {
			if n, ok := obj.(*corev1.Node); ok {
				rec.Node(NodeObservation(n, time.Now()))
			}
		}},
	}
	for _, h := range handlers {
		record := h.record
		_, err := h.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { record(obj, false) },
			UpdateFunc: func(_, obj any) { record(obj, false) },
			DeleteFunc: func(obj any) {
				if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
					obj = d.Obj
				}
				record(obj, true)
			},
		})
		if err != nil {
			return fmt.Errorf("watch: %w", err)
		}
	}
	replicas := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = "app=" + WorkloadName }))
	if err := watchReplicas(ctx, cs, replicas, rec); err != nil {
		return err
	}
	leases.Start(ctx.Done())
	pods.Start(ctx.Done())
	replicas.Start(ctx.Done())
	for _, f := range []informers.SharedInformerFactory{leases, pods, replicas} {
		for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
			if !ok {
				return fmt.Errorf("watch: %v informer did not sync", typ)
			}
		}
	}
	return nil
}

// watchReplicas records, on every change of the probe Deployment's pods,
// how many are not terminating against how many it wants: more than wanted
// means two controllers acted at once.
func watchReplicas(ctx context.Context, cs kubernetes.Interface, f informers.SharedInformerFactory, rec *Recorder) error {
	d, err := cs.AppsV1().Deployments(Namespace).Get(ctx, WorkloadName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("watch replicas: %w", err)
	}
	desired := int32(1)
	if d.Spec.Replicas != nil {
		desired = *d.Spec.Replicas
	}
	informer := f.Core().V1().Pods().Informer()
	count := func() {
		var live int32
		for _, obj := range informer.GetStore().List() {
			if p, ok := obj.(*corev1.Pod); ok && p.DeletionTimestamp == nil &&
				p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
				live++
			}
		}
		rec.Replicas(timeline.ReplicaObservation{ObservedAt: time.Now(), Desired: desired, Pods: live})
	}
	_, err = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { count() },
		UpdateFunc: func(_, _ any) { count() },
		DeleteFunc: func(any) { count() },
	})
	return err
}

func watchedLease(l *coordinationv1.Lease) bool {
	return l.Namespace == kubeadm.NodeLeaseNamespace ||
		(l.Namespace == kubeadm.SystemNamespace && slices.Contains(kubeadm.LeaderLeases, l.Name))
}

// LeaseObservation converts a Lease.
func LeaseObservation(l *coordinationv1.Lease, at time.Time) timeline.LeaseObservation {
	o := timeline.LeaseObservation{ObservedAt: at, Namespace: l.Namespace, Name: l.Name}
	s := l.Spec
	if s.HolderIdentity != nil {
		o.Holder = *s.HolderIdentity
	}
	if s.LeaseTransitions != nil {
		o.Transitions = *s.LeaseTransitions
	}
	if s.LeaseDurationSeconds != nil {
		o.DurationSeconds = *s.LeaseDurationSeconds
	}
	if s.AcquireTime != nil {
		o.AcquireTime = s.AcquireTime.Time
	}
	if s.RenewTime != nil {
		o.RenewTime = s.RenewTime.Time
	}
	return o
}

// PodObservation converts a control-plane static (mirror) pod.
func PodObservation(p *corev1.Pod, at time.Time) timeline.PodObservation {
	o := timeline.PodObservation{ObservedAt: at, Name: p.Name, Component: p.Labels[kubeadm.ComponentLabel], Node: p.Spec.NodeName}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			o.Ready = c.Status == corev1.ConditionTrue
			o.ReadySince = c.LastTransitionTime.Time
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		o.Restarts += cs.RestartCount
	}
	return o
}

// NodeObservation converts a node.
func NodeObservation(n *corev1.Node, at time.Time) timeline.NodeObservation {
	o := timeline.NodeObservation{ObservedAt: at, Name: n.Name}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			o.Ready = c.Status == corev1.ConditionTrue
			o.ReadySince = c.LastTransitionTime.Time
		}
	}
	return o
}

// Poller lists, every interval, what Watch follows, and records it the
// same way, until ctx ends; Wait waits for its lists in flight.
//
// Why, beside the informers: after failed lists client-go's reflector
// backs off from 800 ms, doubling up to 30 s, with as much again of
// jitter (tools/cache/reflector.go), so after an API outage of 20 to 30 s
// an informer may not list again for most of a minute. Renewals it never
// saw are lost to the figures read from them: a drill here saw no node
// Lease for 40 s after a 26 s outage, and its node recovery was "not
// measured". A list a second, served from the API server's watch cache
// (resourceVersion 0), costs the API little and sees the objects again
// within a second of the API answering.
type Poller struct {
	CS       kubernetes.Interface
	Rec      *Recorder
	Interval time.Duration
	// Timeout bounds each list: a list that hangs on a dead connection
	// must not hold up the next one.
	Timeout time.Duration

	wg sync.WaitGroup
}

// Start polls until ctx ends.
func (p *Poller) Start(ctx context.Context) {
	withSelector := func(sel string) metav1.ListOptions {
		return metav1.ListOptions{ResourceVersion: "0", LabelSelector: sel}
	}
	loops := []pollLoop{
		// The node Leases and the leader Leases in one list of every
		// namespace's, as the informer watches them: one request a
		// second instead of two (the harness's request budget).
		{list: func(ctx context.Context) ([]metav1.Object, error) {
			l, err := p.CS.CoordinationV1().Leases(metav1.NamespaceAll).List(ctx, withSelector(""))
			return objects(l, err, func(l *coordinationv1.LeaseList) []coordinationv1.Lease { return l.Items })
		}, record: func(o metav1.Object, at time.Time) {
			if l := o.(*coordinationv1.Lease); watchedLease(l) {
				p.Rec.Lease(LeaseObservation(l, at))
			}
		}},
		{list: func(ctx context.Context) ([]metav1.Object, error) {
			l, err := p.CS.CoreV1().Pods(metav1.NamespaceSystem).List(ctx, withSelector("tier=control-plane"))
			return objects(l, err, func(l *corev1.PodList) []corev1.Pod { return l.Items })
		}, record: func(o metav1.Object, at time.Time) { p.Rec.Pod(PodObservation(o.(*corev1.Pod), at)) }},
		{list: func(ctx context.Context) ([]metav1.Object, error) {
			l, err := p.CS.CoreV1().Nodes().List(ctx, withSelector(""))
			return objects(l, err, func(l *corev1.NodeList) []corev1.Node { return l.Items })
		}, record: func(o metav1.Object, at time.Time) { p.Rec.Node(NodeObservation(o.(*corev1.Node), at)) }},
	}
	for _, l := range loops {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.run(ctx, l)
		}()
	}
}

// pollLoop is one list the Poller repeats and how it records an object.
type pollLoop struct {
	list   func(ctx context.Context) ([]metav1.Object, error)
	record func(o metav1.Object, at time.Time)
}

// run repeats one list until ctx ends. It records an object when its
// resourceVersion changed, and every object on the first list that
// succeeds after a failed one (as an informer's relist does), so the
// timeline grows with what changed, not with the polling rate.
func (p *Poller) run(ctx context.Context, l pollLoop) {
	t := time.NewTicker(p.Interval)
	defer t.Stop()
	seen := map[types.UID]string{}
	fresh := true
	for {
		lctx, cancel := context.WithTimeout(overhead.WithKind(ctx, timeline.RequestPoll), p.Timeout)
		items, err := l.list(lctx)
		cancel()
		// An object is observed when its list was answered, not when it
		// was sent.
		at := time.Now()
		if err != nil {
			fresh = true
		} else {
			for _, o := range items {
				if fresh || seen[o.GetUID()] != o.GetResourceVersion() {
					l.record(o, at)
				}
				seen[o.GetUID()] = o.GetResourceVersion()
			}
			fresh = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// objects is a list's items as metav1.Object.
func objects[L any, T any, PT interface {
	*T
	metav1.Object
}](l L, err error, items func(L) []T) ([]metav1.Object, error) {
	if err != nil {
		return nil, err
	}
	list := items(l)
	out := make([]metav1.Object, 0, len(list))
	for i := range list {
		out = append(out, PT(&list[i]))
	}
	return out, nil
}

// Wait blocks until every poll loop has stopped (ctx ended).
func (p *Poller) Wait() { p.wg.Wait() }
