// Package cluster is what the harness needs of a cluster: a REST config, its
// nodes, and the node-level actions faults use. Providers (its subpackages)
// implement it; optional actions are separate interfaces, so a fault asks
// for exactly the capability it needs and a provider without it gives a
// clear error instead of a no-op.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/packetfilter"
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
// Start boots a node a reboot cut short left stopped (and does nothing to
// a running one): the undo of an interrupted reboot.
type Rebooter interface {
	Reboot(ctx context.Context, node Node) error
	Start(ctx context.Context, node Node) error
}

// Stopper powers a node off and on again: every process on it stops and,
// once started, boots again. Running says whether it is on now.
type Stopper interface {
	Stop(ctx context.Context, node Node) error
	Start(ctx context.Context, node Node) error
	Running(ctx context.Context, node Node) (bool, error)
}

// NetworkMap lists what is on the cluster's network, so a fault can cut
// some nodes off from the rest.
type NetworkMap interface {
	Endpoints(ctx context.Context) ([]Endpoint, error)
}

// Endpoint is one thing on the cluster's network: a node (Role set) or a
// load balancer (Role empty), with every address and prefix that reaches
// it: its IPv4 and IPv6 addresses and, for a node, its pods' ranges.
type Endpoint struct {
	Name, Role, Zone string
	Addresses        []string
}

// Attacher is a Provider that can act on the nodes of a cluster by its
// name alone, without its API or kubeconfig: `firedrill clean` undoes
// what a dead run left through it.
type Attacher interface {
	// Attach returns the cluster of that name (ErrNotFound when there is
	// none).
	Attach(ctx context.Context, name string) (Cluster, error)
	// All lists every cluster the provider sees, made by this tool or not.
	All(ctx context.Context) ([]string, error)
}

// ErrNotFound is a cluster that does not exist.
var ErrNotFound = errors.New("cluster not found")

// BootIdentifier names a node's current boot, so that a reboot can be
// proven: the identifier changes when, and only when, the node boots
// again (the kernel's boot_id on a machine; on kind, whose nodes share the
// host's kernel, the node container's start time).
type BootIdentifier interface {
	BootID(ctx context.Context, node Node) (string, error)
}

// Pauser freezes every process of a node and thaws it again; Paused says
// whether the node is frozen now.
type Pauser interface {
	Pause(ctx context.Context, node Node) error
	Unpause(ctx context.Context, node Node) error
	Paused(ctx context.Context, node Node) (bool, error)
}

// Isolation shapes: how a cut-off client sees the API.
const (
	IsolateReset = packetfilter.Reset
	IsolateDrop  = packetfilter.Drop
)

// FilterRun runs the packet filter's commands (argv, no shell) on node n:
// how clean and the journal's undo list and remove firedrill's rules.
func FilterRun(x NodeExec, n Node) packetfilter.Run {
	return func(ctx context.Context, argv ...string) ([]byte, error) { return x.Exec(ctx, n, argv[0], argv[1:]...) }
}

// StampedRule inserts (-I) or deletes (-D) an iptables rule on a node and
// returns the node's own clock right after iptables returned: the moment
// the change took effect there, apart from the command's way back and
// from the probes.
func StampedRule(ctx context.Context, x NodeExec, n Node, op string, rule packetfilter.Rule) (time.Time, error) {
	out, err := x.Exec(ctx, n, "sh", "-c", packetfilter.Command("iptables", op, rule)+" && "+NodeClockCommand)
	if err != nil {
		return time.Time{}, err
	}
	at, perr := ParseNodeClock(strings.TrimSpace(string(out)))
	if perr != nil {
		return time.Time{}, fmt.Errorf("node %s: clock stamp after iptables %s: %w", n.Name, op, perr)
	}
	return at, nil
}

// APIIsolator cuts clients outside the cluster (the harness among them) off
// from a node's API server and restores the path, in one of the isolation
// shapes. Inside the cluster nothing changes: the API server, etcd and the
// kubelets keep running, so the outage clients see starts and ends exactly
// with the cut. IsolateAPI and RestoreAPI return when the change took
// effect, stamped on the node right after it; APIIsolated says whether the
// cut is in place now.
type APIIsolator interface {
	IsolateAPI(ctx context.Context, node Node, shape string) (time.Time, error)
	RestoreAPI(ctx context.Context, node Node, shape string) (time.Time, error)
	APIIsolated(ctx context.Context, node Node, shape string) (bool, error)
}

// NodeExec runs a command on a node (inside the node container on kind, over
// SSH on machines) and returns its standard output; the error carries the
// command's output.
type NodeExec interface {
	Exec(ctx context.Context, node Node, command string, args ...string) ([]byte, error)
}

// NodeClockCommand prints a node's clock in the form ParseNodeClock reads;
// appended to a command (cmd && date ...), it stamps the moment the command
// took effect on the node's own clock, apart from the harness's.
const NodeClockCommand = "date +%s.%N"

// ParseNodeClock reads the output of NodeClockCommand.
func ParseNodeClock(s string) (time.Time, error) {
	sec, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 9 {
		return time.Time{}, fmt.Errorf("not seconds.nanoseconds: %q", s)
	}
	si, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	ni, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(si, ni), nil
}

// FileCopier copies files between the harness's machine and a node: a
// backup kept outside the cluster goes back onto the node a restore runs
// on.
// CopyCommand is each copy as an operator types it (a runbook's line).
type FileCopier interface {
	CopyFrom(ctx context.Context, node Node, nodePath, localPath string) error
	CopyTo(ctx context.Context, node Node, localPath, nodePath string) error
	CopyCommand(from, to string) string
}

// Replacer destroys a node for good and puts a fresh one in its place: the
// same name, role and address, nothing on its disk but the machine image.
// Lose removes the node; Replace makes the new one (and does nothing when
// it exists already).
// ReplaceCommand is what Replace runs, as an operator types it.
type Replacer interface {
	Lose(ctx context.Context, node Node) error
	Replace(ctx context.Context, node Node) error
	ReplaceCommand(node Node) string
}

// KubeadmConfigured says where, on a control-plane node, the kubeadm
// configuration it was built with is kept: a rebuild of the node needs it.
type KubeadmConfigured interface {
	KubeadmConfigPath() string
}

// UndoArmer leaves on a node an undo that runs by itself after a deadline
// unless it is disarmed first: packet filter rules a fault put there are
// lifted even when the harness cannot (killed, its machine gone, or cut
// off by its own fault). The node keeps the undo as a record until it ran
// or was disarmed. Providers whose nodes the harness's own journal always
// reaches (kind: the local docker) need not offer it.
type UndoArmer interface {
	// ArmUndo leaves script (run with sh) on the node under id, to run
	// after the given time.
	ArmUndo(ctx context.Context, node Node, id, script string, after time.Duration) error
	// DisarmUndo cancels it and removes its record; an id that is not
	// armed (it ran already) is no error.
	DisarmUndo(ctx context.Context, node Node, id string) error
}

// ZonePartitioner cuts a whole zone off from the cluster's other zones at
// the cloud's network rather than inside each node (on EC2: a network ACL
// on the zone's subnet). The nodes of the zone keep running and keep
// talking among themselves, as when a zone's network fails. Every call
// finds what it acts on from the cloud itself, not from memory, so a run
// that died mid-fault can be healed by another process.
type ZonePartitioner interface {
	// PartitionZone cuts zone off, both ways, and returns once the cloud
	// applied it.
	PartitionZone(ctx context.Context, zone string) error
	// HealZone undoes PartitionZone; a zone that is not cut off is no
	// error. An empty zone heals every zone of the cluster (an undo that
	// knows the node, not its zone).
	HealZone(ctx context.Context, zone string) error
	// ZonePartitioned says whether zone is cut off now.
	ZonePartitioned(ctx context.Context, zone string) (bool, error)
	// ZonePartitionDesc says how the cut is made, for the fault's
	// description (a runbook reader must know what to look for).
	ZonePartitionDesc() string
}
