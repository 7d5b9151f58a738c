// Package kubeconfig is a cluster reached through a kubeconfig context and
// nothing else: no node actions, so no fault can touch it. Observe mode
// uses it to measure a cluster that someone else is changing.
package kubeconfig

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/firedrill/firedrill/framework/cluster"
)

// Cluster is the cluster of one kubeconfig context.
type Cluster struct {
	context, path string
	config        *rest.Config
}

var _ cluster.Cluster = (*Cluster)(nil)

// Open loads the context (empty: the current one) from path (empty: the
// usual KUBECONFIG / ~/.kube/config rules).
func Open(path, context string) (*Cluster, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = path
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context})
	raw, err := loader.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	if context == "" {
		context = raw.CurrentContext
	}
	if _, ok := raw.Contexts[context]; !ok {
		return nil, fmt.Errorf("kubeconfig has no context %q", context)
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig context %s: %w", context, err)
	}
	return &Cluster{context: context, path: rules.GetDefaultFilename(), config: cfg}, nil
}

// Name implements cluster.Cluster: the context's name.
func (c *Cluster) Name() string { return c.context }

// RESTConfig implements cluster.Cluster.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.config) }

// KubeconfigPath implements cluster.Cluster.
func (c *Cluster) KubeconfigPath() string { return c.path }

// Nodes implements cluster.Cluster from the API: the role from kubeadm's
// control-plane label, the zone label, the InternalIP.
func (c *Cluster) Nodes(ctx context.Context) ([]cluster.Node, error) {
	cs, err := kubernetes.NewForConfig(c.config)
	if err != nil {
		return nil, err
	}
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	out := make([]cluster.Node, 0, len(list.Items))
	for _, n := range list.Items {
		node := cluster.Node{Name: n.Name, Role: cluster.RoleWorker, Zone: n.Labels[cluster.ZoneLabel]}
		if _, ok := n.Labels["node-role.kubernetes.io/control-plane"]; ok {
			node.Role = cluster.RoleControlPlane
		}
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP && node.Address == "" {
				node.Address = a.Address
			}
		}
		out = append(out, node)
	}
	return out, nil
}
