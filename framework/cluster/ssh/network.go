package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/packetfilter"
)

// Endpoints implements cluster.NetworkMap: every node with its address
// and its pods' ranges (the node's podCIDRs, which the API knows), and
// the load balancer the profile names as the control-plane endpoint when
// it is no node's: a zone cut off from the rest of the cluster is cut off
// from it too, else its kubelets would still reach the other zones' API
// servers through it.
func (c *Cluster) Endpoints(ctx context.Context) ([]cluster.Endpoint, error) {
	cs, err := kubernetes.NewForConfig(c.config)
	if err != nil {
		return nil, err
	}
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("nodes of cluster %s (their pod ranges): %w", c.name, err)
	}
	podCIDRs := map[string][]string{}
	for _, n := range list.Items {
		podCIDRs[n.Name] = podRanges(n)
	}
	var out []cluster.Endpoint
	for _, n := range c.nodes {
		out = append(out, cluster.Endpoint{Name: n.Name, Role: n.Role, Zone: n.Zone,
			Addresses: append([]string{n.Address}, podCIDRs[n.Name]...)})
	}
	lb, err := c.loadBalancer(ctx)
	if err != nil {
		return nil, err
	}
	if lb != nil {
		out = append(out, *lb)
	}
	return out, nil
}

// loadBalancer is the control-plane endpoint as an endpoint of the
// network, nil when there is none apart from the nodes.
func (c *Cluster) loadBalancer(ctx context.Context) (*cluster.Endpoint, error) {
	if c.endpoint == "" {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(c.endpoint)
	if err != nil {
		host = c.endpoint
	}
	addrs := []string{host}
	if net.ParseIP(host) == nil {
		if addrs, err = net.DefaultResolver.LookupHost(ctx, host); err != nil {
			return nil, fmt.Errorf("the control-plane endpoint %s of cluster %s: %w", c.endpoint, c.name, err)
		}
	}
	var own []string
	for _, a := range addrs {
		if !slices.ContainsFunc(c.nodes, func(n cluster.Node) bool { return n.Address == a }) {
			own = append(own, a)
		}
	}
	if len(own) == 0 {
		return nil, nil
	}
	return &cluster.Endpoint{Name: "control-plane endpoint " + c.endpoint, Addresses: own}, nil
}

func podRanges(n corev1.Node) []string {
	if len(n.Spec.PodCIDRs) > 0 {
		return n.Spec.PodCIDRs
	}
	if n.Spec.PodCIDR != "" {
		return []string{n.Spec.PodCIDR}
	}
	return nil
}

// IsolateAPI implements cluster.APIIsolator: on the node, connections to
// the API server's port from the harness's own address (where this SSH
// session comes from, as the machine sees it) are reset or dropped.
// Everything else, the other nodes and the load balancer among them, still
// reaches it.
func (c *Cluster) IsolateAPI(ctx context.Context, n cluster.Node, shape string) (time.Time, error) {
	return c.apiRule(ctx, n, "-I", shape)
}

// RestoreAPI implements cluster.APIIsolator.
func (c *Cluster) RestoreAPI(ctx context.Context, n cluster.Node, shape string) (time.Time, error) {
	return c.apiRule(ctx, n, "-D", shape)
}

// APIIsolated implements cluster.APIIsolator with iptables -C, which exits
// 1 when the very rule is not in place.
func (c *Cluster) APIIsolated(ctx context.Context, n cluster.Node, shape string) (bool, error) {
	rule, err := c.isolationRule(ctx, n, shape)
	if err != nil {
		return false, err
	}
	_, err = c.Exec(ctx, n, "iptables", append([]string{"-C"}, rule...)...)
	var ee *ExitError
	if errors.As(err, &ee) && ee.Status == 1 {
		return false, nil
	}
	return err == nil, err
}

// apiRule inserts or deletes the rule and returns the node's clock right
// after iptables returned: the moment the cut took effect on the node.
// Machines keep their own clocks: the stamp is as good as their time
// synchronisation (NTP keeps it within milliseconds).
func (c *Cluster) apiRule(ctx context.Context, n cluster.Node, op, shape string) (time.Time, error) {
	rule, err := c.isolationRule(ctx, n, shape)
	if err != nil {
		return time.Time{}, err
	}
	return cluster.StampedRule(ctx, c, n, op, rule)
}

// isolationRule is the rule for the harness's address as the node sees
// it: the client end of this SSH session ($SSH_CLIENT).
func (c *Cluster) isolationRule(ctx context.Context, n cluster.Node, shape string) (packetfilter.Rule, error) {
	out, err := c.Exec(ctx, n, "sh", "-c", `echo "$SSH_CLIENT"`)
	if err != nil {
		return nil, fmt.Errorf("the harness's address as node %s sees it: %w", n.Name, err)
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 || net.ParseIP(fields[0]) == nil || net.ParseIP(fields[0]).To4() == nil {
		return nil, fmt.Errorf("the harness's address as node %s sees it: SSH_CLIENT %q is no IPv4 address", n.Name, strings.TrimSpace(string(out)))
	}
	return packetfilter.APIIsolation(fields[0], kubeadm.APIServerPort, shape)
}
