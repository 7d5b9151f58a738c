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

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// ActionAPIFlood floods the API server, for the fault's duration, with
// expensive LISTs (every pod and ConfigMap of the cluster, no limit) as an
// unprivileged user: a ServiceAccount the drill makes, with a token from
// the TokenRequest API. API Priority and Fairness must keep the probes
// (the admin user) and the components' Leases healthy. The flood counts
// its own requests and rejections (timeline.Flood), stops by itself at
// its duration, and sends only to the API endpoint the probes use.
const ActionAPIFlood = "api-flood"

// UndoRemoveFloodIdentity deletes what the flood made in the cluster: its
// namespace (the ServiceAccount, the objects it seeded) and its
// ClusterRole and ClusterRoleBinding, each only if firedrill's.
const UndoRemoveFloodIdentity = "remove-flood-identity"

// The flood's shape: fixed, so that the drill is the same from run to run.
const (
	floodWorkers = 32  // requests in flight at most
	floodSeed    = 200 // ConfigMaps seeded for the LISTs to carry
	floodSeedKiB = 10  // each this large: ~2 MiB per LIST of ConfigMaps
	floodTimeout = 30 * time.Second
	floodQPS     = 1000 // client-go's limiter, far above what the workers send
)

// The flood's objects, each labelled as firedrill's.
const (
	floodNamespace = "firedrill-flood"
	floodUser      = "flood"
	floodRole      = "firedrill-flood"
)

// floodPaths are the LISTs it sends in turn: cluster-wide, no limit.
var floodPaths = []string{"/api/v1/configmaps", "/api/v1/pods"}

var removeFloodIdentity = &JournalUndo{Kind: UndoRemoveFloodIdentity,
	Do: func(ctx context.Context, c cluster.Cluster, _ cluster.Node, _ string) error {
		cs, err := kubernetes.NewForConfig(c.RESTConfig())
		if err != nil {
			return err
		}
		return removeFlood(ctx, cs)
	}}

func init() {
	register(action{
		name:     ActionAPIFlood,
		needs:    scenario.FaultAction{NeedsDuration: true, Floods: true},
		evidence: says("the API server answers the flood's requests"),
		undo:     removeFloodIdentity,
		build: func(b Build) (Fault, error) {
			return &apiFlood{duration: b.Spec.Duration, book: b.Book, undo: b.Undo, evidence: b.Evidence,
				admin: func(cfg *rest.Config) (kubernetes.Interface, error) { return kubernetes.NewForConfig(cfg) }}, nil
		},
	})
}

// apiFlood is the fault: Inject makes the identity and starts the flood,
// which runs in the background until its duration or Recover; Recover
// waits for it, records its counts and removes the identity.
type apiFlood struct {
	duration       time.Duration
	book           *journal.Book
	undo, evidence string
	admin          func(*rest.Config) (kubernetes.Interface, error)

	mu     sync.Mutex
	entry  *journal.Open
	cs     kubernetes.Interface
	cancel context.CancelFunc
	done   chan timeline.Flood
}

func (f *apiFlood) Desc() string {
	return fmt.Sprintf("flood the API server with %d LISTs at a time of every pod and ConfigMap, as a ServiceAccount, for %s", floodWorkers, f.duration)
}

func (f *apiFlood) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	if len(targets) == 0 {
		return fmt.Errorf("no target to stamp the flood on")
	}
	cfg := c.RESTConfig()
	if cfg == nil || cfg.Host == "" {
		return fmt.Errorf("cluster %s has no API endpoint", c.Name())
	}
	// The flood's events and evidence are stamped on one target: it goes
	// through the cluster's endpoint, the probes' own, not to a node.
	return onEach(ctx, targets[:1], ev, timeline.EventInject, ActionAPIFlood, func(ctx context.Context, n cluster.Node) (time.Time, error) {
		entry, err := f.book.Begin(n.Name, ActionAPIFlood, f.undo, "")
		if err != nil {
			return time.Time{}, err
		}
		cs, err := f.admin(cfg)
		if err != nil {
			return time.Time{}, err
		}
		f.mu.Lock()
		f.entry, f.cs = entry, cs
		f.mu.Unlock()
		token, err := makeFlood(ctx, cs, f.duration)
		if err != nil {
			return time.Time{}, fmt.Errorf("make the flood's identity: %w", err)
		}
		fcfg := floodConfig(cfg, token)
		// The flood's own deadline: it stops at its duration whatever
		// happens to the harness's calls (Recover stops it sooner).
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.duration)
		first := make(chan struct{})
		done := make(chan timeline.Flood, 1)
		f.mu.Lock()
		f.cancel, f.done = cancel, done
		f.mu.Unlock()
		at := time.Now()
		go func() { done <- runFlood(fctx, fcfg, floodWorkers, floodPaths, first) }()
		e := timeline.Evidence{Target: n.Name, Action: ActionAPIFlood, What: f.evidence, Before: "no flood",
			After: fmt.Sprintf("%d workers as %s to %s", floodWorkers, floodIdentity(), cfg.Host)}
		select {
		case <-first:
			e.Proven = true
		case <-time.After(10 * time.Second):
			e.Error = "no answer to the flood within 10 s"
		case <-ctx.Done():
			e.Error = context.Cause(ctx).Error()
		}
		e.At = time.Now()
		ev.Evidence(e)
		return at, nil
	})
}

func (f *apiFlood) Recover(ctx context.Context, _ cluster.Cluster, targets []cluster.Node, ev Events) error {
	f.mu.Lock()
	entry, cs, cancel, done := f.entry, f.cs, f.cancel, f.done
	f.entry, f.cancel, f.done = nil, nil, nil
	f.mu.Unlock()
	if entry == nil {
		return nil
	}
	target := ""
	if len(targets) > 0 {
		target = targets[0].Name
	}
	e := timeline.Event{Kind: timeline.EventRecover, Action: UndoRemoveFloodIdentity, Target: target, At: time.Now()}
	if cancel != nil {
		cancel()
		counts := <-done
		if r, ok := ev.(interface{ Flood(timeline.Flood) }); ok {
			r.Flood(counts)
		}
	}
	err := removeFlood(ctx, cs)
	if err == nil {
		err = entry.Close()
	}
	e.Done = time.Now()
	if err != nil {
		e.Error = err.Error()
	}
	ev.Event(e)
	return err
}

func floodIdentity() string {
	return "system:serviceaccount:" + floodNamespace + ":" + floodUser
}

// floodConfig is the flood's client: the probes' endpoint and CA, none of
// the admin's credentials, the ServiceAccount's token, no client-side
// limiter.
func floodConfig(admin *rest.Config, token string) *rest.Config {
	cfg := rest.AnonymousClientConfig(admin)
	cfg.BearerToken = token
	cfg.QPS, cfg.Burst = floodQPS, floodQPS
	// No client-side wait at all: the workers are the bound, and a
	// limiter's refusal near the deadline would count as the server's.
	cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
	cfg.Timeout = floodTimeout
	cfg.UserAgent = "firedrill-flood"
	return cfg
}

func floodLabels() map[string]string {
	return map[string]string{"app.kubernetes.io/managed-by": "firedrill", "app.kubernetes.io/component": "api-flood"}
}

// makeFlood makes the namespace, the ServiceAccount allowed to list pods
// and ConfigMaps (nothing else), the ConfigMaps its LISTs carry, and a
// token that outlives the flood by little.
func makeFlood(ctx context.Context, cs kubernetes.Interface, d time.Duration) (string, error) {
	meta := func(name, ns string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: floodLabels()}
	}
	// What an earlier flood left (its namespace still terminating) goes
	// first; something of the same name that is not firedrill's stops it.
	if err := removeFlood(ctx, cs); err != nil {
		return "", err
	}
	if err := wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().Namespaces().Get(ctx, floodNamespace, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		return "", fmt.Errorf("namespace %s of an earlier flood is still there: %w", floodNamespace, err)
	}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: meta(floodNamespace, "")}, metav1.CreateOptions{}); err != nil {
		return "", fmt.Errorf("namespace %s: %w", floodNamespace, err)
	}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: meta(floodRole, ""),
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods", "configmaps"}, Verbs: []string{"list"}}}},
		metav1.CreateOptions{}); err != nil {
		return "", fmt.Errorf("cluster role %s: %w", floodRole, err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: meta(floodRole, ""),
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: floodRole},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: floodUser, Namespace: floodNamespace}}},
		metav1.CreateOptions{}); err != nil {
		return "", fmt.Errorf("cluster role binding %s: %w", floodRole, err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(floodNamespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: meta(floodUser, floodNamespace)}, metav1.CreateOptions{}); err != nil {
		return "", fmt.Errorf("service account %s: %w", floodUser, err)
	}
	blob := strings.Repeat("x", floodSeedKiB*1024)
	for i := range floodSeed {
		cm := &corev1.ConfigMap{ObjectMeta: meta(fmt.Sprintf("seed-%03d", i), floodNamespace), Data: map[string]string{"blob": blob}}
		if _, err := cs.CoreV1().ConfigMaps(floodNamespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			return "", fmt.Errorf("seed ConfigMap %d: %w", i, err)
		}
	}
	// The token API's shortest is 10 min; deleting the ServiceAccount at
	// the end invalidates it sooner.
	secs := int64(max(10*time.Minute, d+2*time.Minute) / time.Second)
	tr, err := cs.CoreV1().ServiceAccounts(floodNamespace).CreateToken(ctx, floodUser,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &secs}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token for %s: %w", floodUser, err)
	}
	return tr.Status.Token, nil
}

// removeFlood deletes the flood's objects, each only if it carries
// firedrill's label, and with its UID as a precondition; what is gone is
// no error.
func removeFlood(ctx context.Context, cs kubernetes.Interface) error {
	ours := func(m metav1.Object) bool { return m.GetLabels()["app.kubernetes.io/managed-by"] == "firedrill" }
	del := func(kind string, get func() (metav1.Object, error), remove func(metav1.DeleteOptions) error) error {
		obj, err := get()
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		if !ours(obj) {
			return fmt.Errorf("%s %s is not firedrill's: left alone", kind, obj.GetName())
		}
		uid := obj.GetUID()
		if err := remove(metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s %s: %w", kind, obj.GetName(), err)
		}
		return nil
	}
	rbac, core := cs.RbacV1(), cs.CoreV1()
	return errors.Join(
		del("cluster role binding", func() (metav1.Object, error) {
			return rbac.ClusterRoleBindings().Get(ctx, floodRole, metav1.GetOptions{})
		},
			func(o metav1.DeleteOptions) error { return rbac.ClusterRoleBindings().Delete(ctx, floodRole, o) }),
		del("cluster role", func() (metav1.Object, error) { return rbac.ClusterRoles().Get(ctx, floodRole, metav1.GetOptions{}) },
			func(o metav1.DeleteOptions) error { return rbac.ClusterRoles().Delete(ctx, floodRole, o) }),
		del("namespace", func() (metav1.Object, error) { return core.Namespaces().Get(ctx, floodNamespace, metav1.GetOptions{}) },
			func(o metav1.DeleteOptions) error { return core.Namespaces().Delete(ctx, floodNamespace, o) }),
	)
}

// runFlood sends the LISTs of paths in turn from workers goroutines until
// ctx ends, each request once (no client-side retry, so every 429 is
// counted), its body read and dropped; first is closed at the first
// answer. A request cut by the flood's own end is not counted.
func runFlood(ctx context.Context, cfg *rest.Config, workers int, paths []string, first chan<- struct{}) timeline.Flood {
	out := timeline.Flood{Start: time.Now(), User: floodIdentity(), Host: cfg.Host, Workers: workers, Seeded: floodSeed}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		out.End, out.Error = time.Now(), err.Error()
		return out
	}
	rc := cs.CoreV1().RESTClient()
	var mu sync.Mutex
	var latencies []float64
	var once sync.Once
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; ctx.Err() == nil; i++ {
				start := time.Now()
				err := list(ctx, rc, paths[i%len(paths)])
				took := time.Since(start).Seconds()
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				out.Requests++
				latencies = append(latencies, took)
				switch {
				case err == nil:
					out.OK++
				case apierrors.IsTooManyRequests(err):
					out.Rejected++
				default:
					out.Errors++
					if out.Error == "" {
						out.Error = "first error: " + err.Error()
					}
				}
				mu.Unlock()
				if err == nil || apierrors.IsTooManyRequests(err) {
					once.Do(func() { close(first) })
				}
			}
		})
	}
	wg.Wait()
	out.End = time.Now()
	slices.Sort(latencies)
	out.LatencyP50, out.LatencyP99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
	return out
}

// list sends one LIST and drops its body.
func list(ctx context.Context, rc rest.Interface, path string) error {
	body, err := rc.Get().AbsPath(path).MaxRetries(0).Stream(ctx)
	if err != nil {
		return err
	}
	defer body.Close()
	_, err = io.Copy(io.Discard, body)
	return err
}

// percentile of sorted values (nearest rank); 0 without values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
