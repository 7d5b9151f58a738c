package fault

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/health"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/scenario"
)

// LookupFacts reads from the cluster what Select needs for this target.
func LookupFacts(ctx context.Context, c cluster.Cluster, cs kubernetes.Interface, nodes []cluster.Node, t scenario.Target) (Facts, error) {
	f := Facts{LastRestart: map[string]time.Time{}}
	if t.Component == "" {
		return f, nil
	}
	pods, err := health.ControlPlanePods(ctx, cs)
	if err != nil {
		return f, err
	}
	for _, p := range pods {
		if p.Labels[kubeadm.ComponentLabel] != t.Component {
			continue
		}
		for _, st := range p.Status.ContainerStatuses {
			if term := st.LastTerminationState.Terminated; term != nil && term.FinishedAt.After(f.LastRestart[p.Spec.NodeName]) {
				f.LastRestart[p.Spec.NodeName] = term.FinishedAt.Time
			}
		}
	}
	if t.Leadership == "" {
		return f, nil
	}
	switch t.Component {
	case scenario.ComponentScheduler, scenario.ComponentControllerManager:
		f.Leader, err = leaseLeader(ctx, cs, t.Component)
	case scenario.ComponentEtcd:
		f.Leader, err = etcdLeader(ctx, c, nodes)
	default:
		err = fmt.Errorf("%s has no leader", t.Component)
	}
	return f, err
}

// leaseLeader is the node of the Lease holder; leader election identities
// are "<hostname>_<uuid>", and kubeadm's hostnames are the node names.
func leaseLeader(ctx context.Context, cs kubernetes.Interface, name string) (string, error) {
	l, err := cs.CoordinationV1().Leases(metav1.NamespaceSystem).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("lease %s: %w", name, err)
	}
	if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
		return "", fmt.Errorf("lease %s has no holder", name)
	}
	node, _, _ := strings.Cut(*l.Spec.HolderIdentity, "_")
	return node, nil
}

func etcdLeader(ctx context.Context, c cluster.Cluster, nodes []cluster.Node) (string, error) {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return "", fmt.Errorf("cluster %s cannot run commands on nodes to ask etcd who leads", c.Name())
	}
	var cps []cluster.Node
	for _, n := range nodes {
		if n.Role == cluster.RoleControlPlane {
			cps = append(cps, n)
		}
	}
	for _, m := range health.EtcdMembers(ctx, x, cps) {
		if m.Leader {
			return m.Node, nil
		}
	}
	return "", fmt.Errorf("no etcd member says it leads")
}
