// Package cluster is what the harness needs of a cluster: a REST config, its
// nodes, and the node-level actions faults use. Providers (kind now; ssh and
// aws later) implement it; optional actions are separate interfaces, so a
// fault asks for exactly the capability it needs and a provider without it
// gives a clear error instead of a no-op.
package cluster

import (
	"context"
	"fmt"

	"k8s.io/client-go/rest"
)

// Node roles.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
)

// ZoneLabel is the node label zones are read from and written to.
const ZoneLabel = "topology.kubernetes.io/zone"

// ProfileLabel marks nodes of clusters the harness created; it only ever
// reuses or deletes clusters that carry it for the expected profile.
const ProfileLabel = "firedrill.io/profile"

// Node is one machine of a cluster.
type Node struct {
	Name    string // Kubernetes node name (the container name on kind)
	Role    string // RoleControlPlane or RoleWorker
	Zone    string
	Address string // IPv4 address reachable from the harness
}

func (n Node) String() string {
	return fmt.Sprintf("%s (%s, %s, %s)", n.Name, n.Role, n.Zone, n.Address)
}

// Cluster is a running cluster the run may break.
type Cluster interface {
	// Name is the provider's name of the cluster.
	Name() string
	// RESTConfig reaches the API the way clients do (the load balancer on HA).
	RESTConfig() *rest.Config
	// KubeconfigPath is a kubeconfig file for this cluster, for humans.
	KubeconfigPath() string
	// Nodes lists the nodes as the provider sees them now (addresses can
	// change across a reboot).
	Nodes(ctx context.Context) ([]Node, error)
}

// Rebooter restarts a node for real: its processes die and boot again.
type Rebooter interface {
	Reboot(ctx context.Context, node Node) error
}

// Pauser freezes every process of a node and thaws it again.
type Pauser interface {
	Pause(ctx context.Context, node Node) error
	Unpause(ctx context.Context, node Node) error
}

// APIIsolator cuts clients outside the cluster (the harness among them) off
// from a node's API server and restores the path. Inside the cluster nothing
// changes: the API server, etcd and the kubelets keep running, so the outage
// clients see starts and ends exactly with the cut.
type APIIsolator interface {
	IsolateAPI(ctx context.Context, node Node) error
	RestoreAPI(ctx context.Context, node Node) error
}

// NodeExec runs a command on a node (inside the node container on kind, over
// SSH on machines) and returns its standard output; the error carries the
// command's output.
type NodeExec interface {
	Exec(ctx context.Context, node Node, command string, args ...string) ([]byte, error)
}
