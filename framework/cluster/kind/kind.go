// Package kind gets clusters from kind through its Go library
// (sigs.k8s.io/kind/pkg/cluster), never the CLI, and implements the node
// actions faults need with the node container runtime (docker).
package kind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	kindexec "sigs.k8s.io/kind/pkg/exec"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/health"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/overhead"
	"github.com/firedrill/firedrill/framework/packetfilter"
	"github.com/firedrill/firedrill/framework/shell"
	"github.com/firedrill/firedrill/framework/waitfor"
)

// Provider creates, reuses and deletes kind clusters (cluster.Provider).
type Provider struct {
	kind *kindcluster.Provider
	out  io.Writer

	mu sync.Mutex
	// kubeconfigs are the files Up wrote, by cluster, so Delete removes
	// the cluster's entry from that file and never from ~/.kube/config.
	kubeconfigs map[string]string
}

var _ cluster.Provider = (*Provider)(nil)

// NewProvider returns a provider on docker that logs to out.
func NewProvider(out io.Writer) *Provider {
	return &Provider{
		kind:        kindcluster.NewProvider(kindcluster.ProviderWithDocker(), kindcluster.ProviderWithLogger(logger{out})),
		out:         out,
		kubeconfigs: map[string]string{},
	}
}

// Cluster is a kind cluster.
type Cluster struct {
	name, kubeconfig string
	config           *rest.Config
	kind             *kindcluster.Provider
	zones            map[string]string // node name -> zone, from the node labels
	// attached: acted on by node names only (Attach), so its zones are
	// not read; its API may be down, which is why it is being cleaned.
	attached bool
	// network is the cluster's own docker network, on which a reboot keeps
	// a node's address (network.go); empty on kind's shared network.
	network string

	// handles are kind's node handles by name. Node containers keep their
	// names across restarts, so one docker listing serves every Exec, not
	// one per command in the recovery checks' poll loop.
	mu      sync.Mutex
	handles map[string]nodes.Node
	// lost are the nodes Lose removed, as docker ran them (replace.go).
	lost map[string]container
	// apiShells are the shells kept open in the nodes whose API is cut,
	// by node name (apishell.go).
	apiShells map[string]*shell.Session
}

var (
	_ cluster.Cluster     = (*Cluster)(nil)
	_ cluster.Rebooter    = (*Cluster)(nil)
	_ cluster.Stopper     = (*Cluster)(nil)
	_ cluster.NetworkMap  = (*Cluster)(nil)
	_ cluster.Pauser      = (*Cluster)(nil)
	_ cluster.APIIsolator = (*Cluster)(nil)
	_ cluster.Replacer    = (*Cluster)(nil)
	_ cluster.FileCopier  = (*Cluster)(nil)
	_ cluster.NodeExec    = (*Cluster)(nil)
	_ cluster.Attacher    = (*Provider)(nil)
)

// Exists says whether a kind cluster of that name exists.
func (p *Provider) Exists(name string) (bool, error) {
	names, err := p.kind.List()
	if err != nil {
		return false, fmt.Errorf("list kind clusters: %w", err)
	}
	for _, n := range names {
		if n == name {
			return true, nil
		}
	}
	return false, nil
}

// Up implements cluster.Provider: the cluster of in.Spec, created unless a
// healthy one made by the harness for this profile exists and reuse is
// allowed.
func (p *Provider) Up(ctx context.Context, in cluster.UpInput) (c cluster.Cluster, created bool, err error) {
	spec := in.Spec
	name := spec.Name
	kubeconfig := filepath.Join(in.KubeconfigDir, name+".kubeconfig")
	p.mu.Lock()
	p.kubeconfigs[name] = kubeconfig
	p.mu.Unlock()
	// Made or reused, the cluster's kubeconfig is written there; it is a
	// credential, readable by its owner only.
	if err := os.MkdirAll(in.KubeconfigDir, 0o700); err != nil {
		return nil, false, err
	}
	exists, err := p.Exists(name)
	if err != nil {
		return nil, false, err
	}
	if exists {
		c, err := p.adopt(ctx, in, kubeconfig)
		if err != nil || c != nil {
			return c, false, err
		}
		// An unhealthy cluster firedrill made was deleted: create anew.
	}
	settings := settingsOf(spec)
	image := settings.Image
	if image == "" {
		return nil, false, fmt.Errorf("profile %s: no node image: set kindCluster.nodeImage in its profile or KIND_NODE_IMAGE", spec.Profile)
	}
	start := time.Now()
	// The record comes first: a Ctrl-C during kind's create must still
	// find the half-made cluster to be firedrill's.
	rec := ownership{Cluster: name, Profile: spec.Profile, Created: start}
	if settings.Network != nil {
		// Recorded before it is made, so a creation cut short still
		// removes it; removeNetwork checks the label anyway.
		rec.Network = settings.Network.Name
	}
	if err := writeRecord(rec); err != nil {
		return nil, false, err
	}
	network := ""
	if n := settings.Network; n != nil {
		network = n.Name
		if _, err := ensureNetwork(ctx, *n, name); err != nil {
			forget(name) // nothing was made
			return nil, false, err
		}
		fmt.Fprintf(p.out, "docker network %s (%s, %s) for kind cluster %s: a reboot keeps each node's address\n", network, n.Subnet, n.SubnetV6, name)
	}
	fmt.Fprintf(p.out, "creating kind cluster %s (profile %s, %d nodes, image %s)\n", name, spec.Profile, len(spec.Nodes), image)
	err = withNetwork(network, func() error {
		return p.kind.Create(name,
			kindcluster.CreateWithV1Alpha4Config(kindConfig(spec)),
			kindcluster.CreateWithNodeImage(image),
			kindcluster.CreateWithWaitForReady(spec.WaitForReady),
			kindcluster.CreateWithKubeconfigPath(kubeconfig),
			kindcluster.CreateWithDisplayUsage(false),
			kindcluster.CreateWithDisplaySalutation(false),
		)
	})
	if err != nil {
		// kind deletes what it listed unless told to retain; what the
		// daemon was still making goes too, then the record.
		removeStragglers(ctx, p.out, rec)
		forgetIfGone(ctx, rec)
		return nil, true, fmt.Errorf("create kind cluster %s: %w", name, withOutput(err))
	}
	if err := recordContainers(ctx, rec); err != nil {
		return nil, true, err
	}
	kc, err := p.open(name, kubeconfig, network)
	if err != nil {
		return nil, true, err
	}
	// CreateWithWaitForReady only waits for the control plane and does not
	// fail when it times out: check every node and system pod ourselves.
	err = waitfor.Until(ctx, waitfor.Input{
		What: "cluster " + name + " ready (all nodes and kube-system pods)", Timeout: spec.WaitForReady,
		Poll: time.Second, Out: p.out, Since: start,
		Check: func(ctx context.Context) error { return kc.healthy(ctx, len(spec.Nodes)) },
	})
	if err != nil {
		return kc, true, err
	}
	fmt.Fprintf(p.out, "kind cluster %s created in %s; kubeconfig %s\n", name, time.Since(start).Round(time.Second), kubeconfig)
	return kc, true, nil
}

// adopt decides about a cluster that exists under the profile's name
// before the run touches it: a cluster firedrill did not create, or one not
// marked for this profile, is refused and left exactly as it was; reuse
// needs in.Reuse; an unhealthy cluster is recreated only if firedrill
// created it. It returns the cluster to reuse, or nil (and no error) when
// it deleted an unhealthy cluster of its own to create anew.
func (p *Provider) adopt(ctx context.Context, in cluster.UpInput, kubeconfig string) (*Cluster, error) {
	name, profile := in.Spec.Name, in.Spec.Profile
	owned, why, err := owns(ctx, name)
	if err != nil {
		return nil, err
	}
	if !in.Reuse {
		if owned {
			return nil, fmt.Errorf("kind cluster %q (profile %s) already exists, created by firedrill; set REUSE_CLUSTER=1 to reuse it, "+
				"or delete it with `kind delete cluster --name %s`", name, profile, name)
		}
		return nil, fmt.Errorf("kind cluster %q exists and firedrill did not create it (%s): it is left as it is; "+
			"give the profile another kindCluster.clusterName, or, to let firedrill break it, opt it in with "+
			"`kubectl --context kind-%s label nodes --all %s=%s` and run again with REUSE_CLUSTER=1", name, why, name, cluster.ProfileLabel, profile)
	}
	network := ""
	if n := settingsOf(in.Spec).Network; n != nil {
		network = n.Name
	}
	c, err := p.open(name, kubeconfig, network)
	if err != nil {
		return nil, err
	}
	if err := c.ownedBy(ctx, profile); err != nil {
		return nil, fmt.Errorf("refusing to reuse kind cluster %q, left as it is: %w; to let firedrill break it, opt it in with "+
			"`kubectl --context kind-%s label nodes --all %s=%s` and run again with REUSE_CLUSTER=1", name, err, name, cluster.ProfileLabel, profile)
	}
	if err := c.healthy(ctx, len(in.Spec.Nodes)); err != nil {
		if !owned {
			return nil, fmt.Errorf("kind cluster %q is unhealthy (%v) and firedrill did not create it (%s): left as it is", name, err, why)
		}
		fmt.Fprintf(p.out, "kind cluster %s exists but is unhealthy (%v): recreating it\n", name, err)
		if err := p.Delete(ctx, name); err != nil {
			return nil, err
		}
		return nil, nil
	}
	fmt.Fprintf(p.out, "reusing healthy kind cluster %s\n", name)
	return c, nil
}

// Delete implements cluster.Provider: it deletes the kind cluster of that
// name only if firedrill created it (its ownership record names the
// cluster's containers), never because of its name.
func (p *Provider) Delete(ctx context.Context, name string) error {
	p.mu.Lock()
	kubeconfig, ok := p.kubeconfigs[name]
	p.mu.Unlock()
	if !ok {
		// kind edits the kubeconfig it is given; never the user's.
		kubeconfig = filepath.Join(os.TempDir(), "firedrill-"+name+".kubeconfig")
	}
	owned, why, err := owns(ctx, name)
	if err != nil {
		return fmt.Errorf("not deleting kind cluster %s: %w", name, err)
	}
	if !owned {
		return fmt.Errorf("not deleting kind cluster %s: %s", name, why)
	}
	rec, _, err := readRecord(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.out, "deleting kind cluster %s\n", name)
	if err := p.kind.Delete(name, kubeconfig); err != nil {
		return fmt.Errorf("delete kind cluster %s: %w", name, withOutput(err))
	}
	if len(rec.Containers) == 0 {
		// Its creation never completed: a container may still appear.
		removeStragglers(ctx, p.out, rec)
	}
	_ = os.Remove(kubeconfig)
	if rec.Network != "" {
		// The record stays until its network is gone, so clean finds it.
		if err := removeNetwork(ctx, rec.Network, name); err != nil {
			return err
		}
	}
	forget(name)
	return nil
}

func (p *Provider) open(name, kubeconfig, network string) (*Cluster, error) {
	raw, cfg, err := p.kubeconfig(name)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(kubeconfig, raw, 0o600); err != nil {
		return nil, err
	}
	return &Cluster{name: name, kubeconfig: kubeconfig, config: cfg, kind: p.kind, zones: map[string]string{}, network: network}, nil
}

// kubeconfig is kind's kubeconfig of a cluster and its REST config.
func (p *Provider) kubeconfig(name string) ([]byte, *rest.Config, error) {
	raw, err := p.kind.KubeConfig(name, false)
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig of kind cluster %s: %w", name, withOutput(err))
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig of kind cluster %s: %w", name, err)
	}
	return []byte(raw), cfg, nil
}

// Attach implements cluster.Attacher: a kind cluster by name, for acting
// on its nodes; its API config is kind's, when kind can give it.
func (p *Provider) Attach(_ context.Context, name string) (cluster.Cluster, error) {
	exists, err := p.Exists(name)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("no kind cluster %s: %w", name, cluster.ErrNotFound)
	}
	cfg := &rest.Config{}
	if _, c, err := p.kubeconfig(name); err == nil {
		cfg = c
	}
	return &Cluster{name: name, config: cfg, kind: p.kind, zones: map[string]string{}, attached: true}, nil
}

// All implements cluster.Attacher: every kind cluster on this docker.
func (p *Provider) All(context.Context) ([]string, error) {
	names, err := p.kind.List()
	if err != nil {
		return nil, fmt.Errorf("list kind clusters: %w", err)
	}
	return names, nil
}

// kindConfig turns a profile into kind's config: zones and the ownership
// mark become node labels.
func kindConfig(spec cluster.Spec) *v1alpha4.Cluster {
	cfg := &v1alpha4.Cluster{TypeMeta: v1alpha4.TypeMeta{Kind: "Cluster", APIVersion: "kind.x-k8s.io/v1alpha4"}}
	for _, n := range spec.Nodes {
		role := v1alpha4.WorkerRole
		if n.Role == cluster.RoleControlPlane {
			role = v1alpha4.ControlPlaneRole
		}
		cfg.Nodes = append(cfg.Nodes, v1alpha4.Node{
			Role:   role,
			Labels: map[string]string{cluster.ZoneLabel: n.Zone, cluster.ProfileLabel: spec.Profile},
		})
	}
	if q := settingsOf(spec).EtcdQuotaBackendBytes; q > 0 {
		cfg.KubeadmConfigPatches = append(cfg.KubeadmConfigPatches, etcdQuotaPatches(q)...)
	}
	return cfg
}

// etcdQuotaPatches set etcd's quota in kubeadm's ClusterConfiguration,
// which every control-plane node's etcd manifest is made from (the
// joining ones' too). kind writes v1beta3 (extraArgs a map) or v1beta4
// (a list of name and value) depending on the Kubernetes version, and
// applies a patch only to the document of its apiVersion: one of each.
// kind v0.33 writes v1beta3 for v1.34, which refused a list (kubeadm init:
// "cannot unmarshal array into ... extraArgs of type map[string]string").
func etcdQuotaPatches(bytes int64) []string {
	return []string{
		fmt.Sprintf(`apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
etcd:
  local:
    extraArgs:
      quota-backend-bytes: "%d"
`, bytes),
		fmt.Sprintf(`apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
etcd:
  local:
    extraArgs:
      - name: quota-backend-bytes
        value: "%d"
`, bytes),
	}
}

// Name implements cluster.Cluster.
func (c *Cluster) Name() string { return c.name }

// RESTConfig implements cluster.Cluster.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.config) }

// KubeconfigPath implements cluster.Cluster.
func (c *Cluster) KubeconfigPath() string { return c.kubeconfig }

// Nodes implements cluster.Cluster from kind's node containers; zones come
// from the Kubernetes node labels (read once, they do not change).
func (c *Cluster) Nodes(ctx context.Context) ([]cluster.Node, error) {
	kn, err := c.kind.ListNodes(c.name)
	if err != nil {
		return nil, fmt.Errorf("list nodes of kind cluster %s: %w", c.name, withOutput(err))
	}
	if len(c.zones) == 0 && !c.attached {
		if err := c.readZones(ctx); err != nil {
			return nil, err
		}
	}
	var out []cluster.Node
	for _, n := range kn {
		role, err := n.Role()
		if err != nil {
			return nil, err
		}
		if role == "external-load-balancer" {
			continue
		}
		ip, _, err := n.IP()
		if err != nil {
			return nil, fmt.Errorf("address of node %s: %w", n, withOutput(err))
		}
		out = append(out, cluster.Node{Name: n.String(), Role: role, Zone: c.zones[n.String()], Address: ip})
	}
	return out, nil
}

// Endpoints implements cluster.NetworkMap: every container of the cluster
// (nodes and the load balancer) with its IPv4 and IPv6 addresses, and each
// node's pod ranges from its Kubernetes spec.
func (c *Cluster) Endpoints(ctx context.Context) ([]cluster.Endpoint, error) {
	kn, err := c.kind.ListNodes(c.name)
	if err != nil {
		return nil, fmt.Errorf("list nodes of kind cluster %s: %w", c.name, withOutput(err))
	}
	cs, err := kubernetes.NewForConfig(c.config)
	if err != nil {
		return nil, err
	}
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("read pod ranges of the nodes: %w", err)
	}
	podCIDRs, zones := map[string][]string{}, map[string]string{}
	for _, n := range list.Items {
		podCIDRs[n.Name], zones[n.Name] = n.Spec.PodCIDRs, n.Labels[cluster.ZoneLabel]
	}
	var out []cluster.Endpoint
	for _, n := range kn {
		role, err := n.Role()
		if err != nil {
			return nil, err
		}
		v4, v6, err := n.IP()
		if err != nil {
			return nil, fmt.Errorf("address of %s: %w", n, withOutput(err))
		}
		e := cluster.Endpoint{Name: n.String()}
		if role != "external-load-balancer" {
			e.Role, e.Zone = role, zones[n.String()]
			e.Addresses = append(e.Addresses, podCIDRs[n.String()]...)
		}
		for _, a := range []string{v4, v6} {
			if a != "" {
				e.Addresses = append(e.Addresses, a)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (c *Cluster) readZones(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(c.config)
	if err != nil {
		return err
	}
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("read node zones: %w", err)
	}
	for _, n := range list.Items {
		c.zones[n.Name] = n.Labels[cluster.ZoneLabel]
	}
	return nil
}

// ownedBy checks the mark the harness puts on the nodes it creates, so a
// drill never breaks a cluster someone else made under the same name.
func (c *Cluster) ownedBy(ctx context.Context, profile string) error {
	cs, err := kubernetes.NewForConfig(c.config)
	if err != nil {
		return err
	}
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("cannot read its nodes to check it was made by firedrill: %w", err)
	}
	for _, n := range list.Items {
		if got := n.Labels[cluster.ProfileLabel]; got != profile {
			return fmt.Errorf("node %s has %s=%q, want %q: it was not created by firedrill for this profile", n.Name, cluster.ProfileLabel, got, profile)
		}
	}
	return nil
}

func (c *Cluster) healthy(ctx context.Context, nodes int) error {
	return health.ClusterReadyAt(ctx, c.config, nodes)
}

// Reboot implements cluster.Rebooter: a stop and a start of the node
// container (docker restart) is a real reboot of the node's systemd and
// everything under it. On the cluster's own network the node is connected
// again in between with the addresses it had, so it keeps them
// (network.go); on kind's shared network docker may give it another.
func (c *Cluster) Reboot(ctx context.Context, n cluster.Node) error {
	if c.network == "" {
		return docker(ctx, "restart", n.Name)
	}
	if err := c.Stop(ctx, n); err != nil {
		// Boot it anyway: a node left stopped is worse.
		return errors.Join(err, c.Start(ctx, n))
	}
	return c.Start(ctx, n)
}

// Stop implements cluster.Stopper: docker stop, which stops the node's
// systemd and everything under it (docker's 10 s timeout, then SIGKILL).
// On the cluster's own network the stopped node is connected again with
// the addresses it had, so the next start keeps them.
//
// A stop is never cut short, not even by Ctrl-C: docker goes on stopping a
// container after its CLI is killed or gets the terminal's SIGINT, and a
// start issued meanwhile (the undo of an interrupted reboot) finds the node
// still running, does nothing, and the node ends stopped. So the stop runs
// until docker says the node is down and the pin to its end, within
// stopLimit, and the undo then starts a node that is down.
func (c *Cluster) Stop(ctx context.Context, n cluster.Node) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopLimit)
	defer cancel()
	if c.network == "" {
		return c.stop(ctx, n)
	}
	e, ok, err := endpointOf(ctx, n.Name, c.network)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("node %s is not on the cluster's network %s", n.Name, c.network)
	}
	if err := c.stop(ctx, n); err != nil {
		return err
	}
	if e.pinned() || e.IPAddress == "" {
		return nil // pinned already, or stopped before: nothing to keep
	}
	return pin(ctx, n.Name, c.network, e)
}

// stop is docker stop, and when the CLI failed (a signal), a wait until
// the daemon, which goes on stopping, says the node is down.
func (c *Cluster) stop(ctx context.Context, n cluster.Node) error {
	err := docker(ctx, "stop", n.Name)
	if err == nil {
		return nil
	}
	werr := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		running, rerr := c.Running(ctx, n)
		return rerr == nil && !running, nil
	})
	if werr != nil {
		return fmt.Errorf("%w; and node %s still runs: %w", err, n.Name, werr)
	}
	return nil
}

// stopLimit bounds a node's stop: docker's own 10 s before it kills, and
// the network pin.
const stopLimit = time.Minute

// Running implements cluster.Stopper: docker's own state of the container.
func (c *Cluster) Running(ctx context.Context, n cluster.Node) (bool, error) {
	out, err := dockerOutput(ctx, "inspect", "--format", "{{.State.Running}}", n.Name)
	return strings.TrimSpace(out) == "true", err
}

// BootID implements cluster.BootIdentifier. kind nodes share the host's
// kernel, so /proc/sys/kernel/random/boot_id never changes; the node
// container's start time changes with every restart and only then.
func (c *Cluster) BootID(ctx context.Context, n cluster.Node) (string, error) {
	out, err := dockerOutput(ctx, "inspect", "--format", "{{.State.StartedAt}}", n.Name)
	return strings.TrimSpace(out), err
}

// Start implements cluster.Rebooter: docker start, which does nothing to a
// running container. A reboot cut short between the two halves of its
// pin leaves the node off the cluster's network: it is connected first.
func (c *Cluster) Start(ctx context.Context, n cluster.Node) error {
	if c.network != "" {
		if _, ok, err := endpointOf(ctx, n.Name, c.network); err == nil && !ok {
			if err := docker(ctx, "network", "connect", c.network, n.Name); err != nil {
				return err
			}
		}
	}
	return docker(ctx, "start", n.Name)
}

// Pause implements cluster.Pauser with docker pause (cgroup freezer).
func (c *Cluster) Pause(ctx context.Context, n cluster.Node) error {
	return docker(ctx, "pause", n.Name)
}

// Unpause implements cluster.Pauser.
func (c *Cluster) Unpause(ctx context.Context, n cluster.Node) error {
	return docker(ctx, "unpause", n.Name)
}

// Paused implements cluster.Pauser: docker's own state of the container.
func (c *Cluster) Paused(ctx context.Context, n cluster.Node) (bool, error) {
	out, err := dockerOutput(ctx, "inspect", "--format", "{{.State.Paused}}", n.Name)
	return strings.TrimSpace(out) == "true", err
}

// Exec implements cluster.NodeExec with docker exec (kind's node Cmder).
func (c *Cluster) Exec(ctx context.Context, n cluster.Node, command string, args ...string) ([]byte, error) {
	node, err := c.kindNode(n.Name)
	if err != nil {
		return nil, err
	}
	overhead.NodeCommand(n.Name)
	out, err := kindexec.Output(node.CommandContext(ctx, command, args...))
	return out, withOutput(err)
}

// CopyFrom implements cluster.FileCopier with docker cp.
func (c *Cluster) CopyFrom(ctx context.Context, n cluster.Node, nodePath, localPath string) error {
	return docker(ctx, "cp", n.Name+":"+nodePath, localPath)
}

// CopyTo implements cluster.FileCopier with docker cp.
func (c *Cluster) CopyTo(ctx context.Context, n cluster.Node, localPath, nodePath string) error {
	return docker(ctx, "cp", localPath, n.Name+":"+nodePath)
}

// CopyCommand implements cluster.FileCopier; a node path is
// "<node>:<path>".
func (c *Cluster) CopyCommand(from, to string) string { return "docker cp " + from + " " + to }

// IsolateAPI implements cluster.APIIsolator: inside the node, connections to
// the API server port that come from the docker network's gateway (docker's
// port mapping to the host, the harness's only path) are answered with a TCP
// reset (shape reset: clients fail at once and see the end at once) or
// dropped (shape drop: clients hang until their deadline). The cut is made
// through a shell kept open in the node until RestoreAPI (apishell.go).
func (c *Cluster) IsolateAPI(ctx context.Context, n cluster.Node, shape string) (time.Time, error) {
	x, err := c.openAPIShell(ctx, n)
	if err != nil {
		return time.Time{}, err
	}
	return c.apiRule(ctx, x, n, "-I", shape)
}

// RestoreAPI implements cluster.APIIsolator, through the shell IsolateAPI
// left open when there is one (else a docker exec: an undo in a later run),
// which it then closes whatever came of the lift: a retry goes through
// docker exec.
func (c *Cluster) RestoreAPI(ctx context.Context, n cluster.Node, shape string) (time.Time, error) {
	x, kept := c.apiShell(n)
	at, err := c.apiRule(ctx, x, n, "-D", shape)
	if kept {
		c.closeAPIShell(n)
	}
	return at, err
}

// APIIsolated implements cluster.APIIsolator with iptables -C, which
// succeeds only when the very rule is in place.
func (c *Cluster) APIIsolated(ctx context.Context, n cluster.Node, shape string) (bool, error) {
	x, _ := c.apiShell(n)
	rule, err := c.isolationRule(ctx, x, n, shape)
	if err != nil {
		return false, err
	}
	_, err = x.Exec(ctx, n, "iptables", append([]string{"-C"}, rule...)...)
	var re *kindexec.RunError
	var ee *shell.ExitError
	if errors.As(err, &re) || errors.As(err, &ee) {
		return false, nil // iptables -C exits 1: no such rule
	}
	return err == nil, err
}

// apiRule inserts or deletes the isolation rule and returns the node's own
// clock right after iptables returned: the moment the cut took effect, apart
// from docker exec's return and from the probes. kind nodes share the host's
// clock, so the stamp compares with the harness's.
func (c *Cluster) apiRule(ctx context.Context, x cluster.NodeExec, n cluster.Node, op, shape string) (time.Time, error) {
	rule, err := c.isolationRule(ctx, x, n, shape)
	if err != nil {
		return time.Time{}, err
	}
	return cluster.StampedRule(ctx, x, n, op, rule)
}

func (c *Cluster) isolationRule(ctx context.Context, x cluster.NodeExec, n cluster.Node, shape string) (packetfilter.Rule, error) {
	// The gateway is the node's default route (docker's bridge address).
	route, err := x.Exec(ctx, n, "ip", "-4", "route", "show", "default")
	if err != nil {
		return nil, fmt.Errorf("default route of node %s: %w", n.Name, err)
	}
	fields := strings.Fields(string(route))
	if len(fields) < 3 || fields[0] != "default" || fields[1] != "via" {
		return nil, fmt.Errorf("default route of node %s: unexpected %q", n.Name, route)
	}
	// The comment marks the rule as firedrill's, so `firedrill clean` finds
	// one a dead run left behind.
	return packetfilter.APIIsolation(fields[2], apiServerPort, shape)
}

// apiServerPort is where kubeadm's API server listens inside a kind node.
const apiServerPort = kubeadm.APIServerPort

func (c *Cluster) kindNode(name string) (nodes.Node, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.handles[name]; ok {
		return n, nil
	}
	list, err := c.kind.ListNodes(c.name)
	if err != nil {
		return nil, fmt.Errorf("list nodes of kind cluster %s: %w", c.name, withOutput(err))
	}
	c.handles = map[string]nodes.Node{}
	for _, n := range list {
		c.handles[n.String()] = n
	}
	if n, ok := c.handles[name]; ok {
		return n, nil
	}
	return nil, fmt.Errorf("kind cluster %s has no node %s", c.name, name)
}

// docker runs the docker CLI on the host, counted as a command of the
// harness's (overhead.NodeCommand) under no node: it may name several,
// or none.
func docker(ctx context.Context, args ...string) error {
	overhead.NodeCommand("")
	return withOutput(kindexec.CommandContext(ctx, "docker", args...).Run())
}

func dockerOutput(ctx context.Context, args ...string) (string, error) {
	overhead.NodeCommand("")
	out, err := kindexec.Output(kindexec.CommandContext(ctx, "docker", args...))
	return string(out), withOutput(err)
}

// withOutput puts a failed command's output into the error text: kind's
// RunError keeps it aside, where nobody reads it. It also lets errors.As
// reach how the command ended (its *exec.ExitError), which kind's RunError
// does not unwrap to: a command ended by the Ctrl-C that also stops the
// harness reads as interrupted, not failed (drill.exit).
func withOutput(err error) error {
	var re *kindexec.RunError
	if !errors.As(err, &re) {
		return err
	}
	e := &commandError{err: err, ended: re.Inner}
	if len(re.Output) > 0 {
		e.output = strings.TrimSpace(string(re.Output))
	}
	return e
}

// commandError is a failed command's error (err, a kind RunError or one
// wrapping it), its output, and how it ended.
type commandError struct {
	err, ended error
	output     string
}

func (e *commandError) Error() string {
	if e.output == "" {
		return e.err.Error()
	}
	return e.err.Error() + ": " + e.output
}

func (e *commandError) Unwrap() []error {
	if e.ended == nil {
		return []error{e.err}
	}
	return []error{e.err, e.ended}
}
