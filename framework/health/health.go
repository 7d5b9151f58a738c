// Package health holds the checks that say a cluster is healthy: the API
// answers, nodes are Ready, the control-plane static pods are Ready, the
// leader Leases are held and fresh. Cluster creation, the steady-state gate
// and the recovery wait all use these, so "healthy" means one thing.
//
// Each check returns the objects it looked at as well as its verdict, so
// callers can record them on the timeline.
package health

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/kubeadm"
)

// APIReady asks GET /readyz through cs.
func APIReady(ctx context.Context, cs kubernetes.Interface) error {
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Raw()
	if err != nil {
		return fmt.Errorf("API /readyz: %w", err)
	}
	if strings.TrimSpace(string(body)) != "ok" {
		return fmt.Errorf("API /readyz answered %q", body)
	}
	return nil
}

// NodesReady lists nodes and requires exactly want of them, all Ready.
func NodesReady(ctx context.Context, cs kubernetes.Interface, want int) ([]corev1.Node, error) {
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	var notReady []string
	for _, n := range list.Items {
		if !NodeReady(&n) {
			notReady = append(notReady, n.Name)
		}
	}
	switch {
	case len(list.Items) != want:
		return list.Items, fmt.Errorf("%d nodes registered, want %d", len(list.Items), want)
	case len(notReady) > 0:
		return list.Items, fmt.Errorf("nodes not Ready: %s", strings.Join(notReady, ", "))
	}
	return list.Items, nil
}

// NodeReady says whether the node's Ready condition is True.
func NodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// ControlPlanePods lists the control-plane static pods (kubeadm labels them
// tier=control-plane).
func ControlPlanePods(ctx context.Context, cs kubernetes.Interface) ([]corev1.Pod, error) {
	list, err := cs.CoreV1().Pods(metav1.NamespaceSystem).List(ctx, metav1.ListOptions{LabelSelector: "tier=control-plane"})
	if err != nil {
		return nil, fmt.Errorf("list control-plane pods: %w", err)
	}
	return list.Items, nil
}

// ControlPlanePodsReady requires every component of kubeadm.Components
// to be Ready on every node named in controlPlaneNodes.
func ControlPlanePodsReady(ctx context.Context, cs kubernetes.Interface, controlPlaneNodes []string) ([]corev1.Pod, error) {
	pods, err := ControlPlanePods(ctx, cs)
	if err != nil {
		return nil, err
	}
	ready := map[string]bool{}
	for _, p := range pods {
		if PodReady(&p) {
			ready[p.Labels[kubeadm.ComponentLabel]+"@"+p.Spec.NodeName] = true
		}
	}
	var missing []string
	for _, node := range controlPlaneNodes {
		for _, c := range kubeadm.Components {
			if !ready[c+"@"+node] {
				missing = append(missing, c+" on "+node)
			}
		}
	}
	if len(missing) > 0 {
		return pods, fmt.Errorf("not Ready: %s", strings.Join(missing, ", "))
	}
	return pods, nil
}

// PodReady says whether the pod's Ready condition is True.
func PodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// SystemPodsReady requires every pod in kube-system to be Ready (used after
// cluster creation: CoreDNS and the CNI too, not only the control plane).
func SystemPodsReady(ctx context.Context, cs kubernetes.Interface) error {
	list, err := cs.CoreV1().Pods(metav1.NamespaceSystem).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list kube-system pods: %w", err)
	}
	var notReady []string
	for _, p := range list.Items {
		if !PodReady(&p) {
			notReady = append(notReady, p.Name)
		}
	}
	if len(list.Items) == 0 {
		return fmt.Errorf("no pods in kube-system yet")
	}
	if len(notReady) > 0 {
		sort.Strings(notReady)
		return fmt.Errorf("kube-system pods not Ready: %s", strings.Join(notReady, ", "))
	}
	return nil
}

// LeadersFresh requires each leader Lease to have a holder that renewed it
// within half its lease duration, by the harness's clock (kind nodes share
// it; VMs must run NTP). A live leader renews every retry period (2 s); a
// killed one leaves a Lease that looks valid for the whole duration, so the
// full duration would call a dead leader healthy.
func LeadersFresh(ctx context.Context, cs kubernetes.Interface, now time.Time) ([]coordinationv1.Lease, error) {
	var leases []coordinationv1.Lease
	var problems []string
	for _, name := range kubeadm.LeaderLeases {
		l, err := cs.CoordinationV1().Leases(metav1.NamespaceSystem).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			problems = append(problems, fmt.Sprintf("lease %s: %v", name, err))
			continue
		}
		leases = append(leases, *l)
		if why := leaseStale(l, now); why != "" {
			problems = append(problems, "lease "+name+" "+why)
		}
	}
	if len(problems) > 0 {
		return leases, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return leases, nil
}

func leaseStale(l *coordinationv1.Lease, now time.Time) string {
	s := l.Spec
	if s.HolderIdentity == nil || *s.HolderIdentity == "" {
		return "has no holder"
	}
	if s.RenewTime == nil || s.LeaseDurationSeconds == nil {
		return "has no renew time"
	}
	age := now.Sub(s.RenewTime.Time)
	if d := time.Duration(*s.LeaseDurationSeconds) * time.Second; age > d/2 {
		return fmt.Sprintf("last renewed %s ago by %s (lease duration %s)", age.Round(time.Second), *s.HolderIdentity, d)
	}
	return ""
}

// ClusterReadyAt is ClusterReady for the cluster a REST config reaches:
// what every provider checks on its own cluster.
func ClusterReadyAt(ctx context.Context, cfg *rest.Config, nodes int) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	return ClusterReady(ctx, cs, nodes)
}

// ClusterReady is a freshly made cluster ready for drills: the API
// answers, the nodes are Ready and so is every kube-system pod. Providers
// wait on it after creating a cluster and before reusing one.
func ClusterReady(ctx context.Context, cs kubernetes.Interface, nodes int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := APIReady(ctx, cs); err != nil {
		return err
	}
	if _, err := NodesReady(ctx, cs, nodes); err != nil {
		return err
	}
	return SystemPodsReady(ctx, cs)
}
