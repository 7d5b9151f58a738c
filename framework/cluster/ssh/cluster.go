package ssh

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/shell"
)

// Cluster is a cluster on machines reached over SSH: every node ability
// runs as a shell command on the node.
type Cluster struct {
	name       string
	nodes      []cluster.Node
	hosts      map[string]Host // by node name
	client     *client
	config     *rest.Config
	kubeconfig string
	out        interface{ Write([]byte) (int, error) }
	// endpoint is the control-plane endpoint (host:port) the profile
	// named, a load balancer in front of the API servers; empty when the
	// first control-plane machine's address is the endpoint.
	endpoint string
}

// Name implements cluster.Cluster.
func (c *Cluster) Name() string { return c.name }

// RESTConfig implements cluster.Cluster.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.config) }

// KubeconfigPath implements cluster.Cluster.
func (c *Cluster) KubeconfigPath() string { return c.kubeconfig }

// Nodes implements cluster.Cluster: machines keep their addresses, so the
// inventory's are the nodes'.
func (c *Cluster) Nodes(context.Context) ([]cluster.Node, error) {
	return append([]cluster.Node(nil), c.nodes...), nil
}

func (c *Cluster) host(n cluster.Node) (Host, error) {
	h, ok := c.hosts[n.Name]
	if !ok {
		return Host{}, fmt.Errorf("node %s is not a machine of cluster %s", n.Name, c.name)
	}
	return h, nil
}

// Exec implements cluster.NodeExec over SSH.
func (c *Cluster) Exec(ctx context.Context, n cluster.Node, command string, args ...string) ([]byte, error) {
	h, err := c.host(n)
	if err != nil {
		return nil, err
	}
	return c.client.run(ctx, h, shell.Line(command, args...), nil)
}

// bootIDCommand names the node's boot: the kernel's boot_id, which a real
// machine changes at every boot, and the start time of PID 1, which also
// changes when the "machine" is a container sharing its host's kernel
// (the sandbox's vm-hosts), where boot_id never does.
const bootIDCommand = `echo "$(cat /proc/sys/kernel/random/boot_id) $(stat -c %Z /proc/1)"`

// BootID implements cluster.BootIdentifier.
func (c *Cluster) BootID(ctx context.Context, n cluster.Node) (string, error) {
	h, err := c.host(n)
	if err != nil {
		return "", err
	}
	out, err := c.client.run(ctx, h, bootIDCommand, nil)
	return strings.TrimSpace(string(out)), err
}

// rebootLimit bounds a reboot: the machine going down and answering SSH
// again with another boot.
const rebootLimit = 10 * time.Minute

// Reboot implements cluster.Rebooter: `systemctl reboot --force` over SSH,
// then a wait until the node answers again from another boot, as `docker
// restart` returns once the container runs again. --force skips the
// orderly stop of every unit: on the sandbox's hosts that waited out a
// 90 s stop timeout (containerd's pods), which measures systemd, not how
// the cluster heals from losing the node; processes still get SIGTERM
// first, as under docker restart.
func (c *Cluster) Reboot(ctx context.Context, n cluster.Node) error {
	h, err := c.host(n)
	if err != nil {
		return err
	}
	before, err := c.BootID(ctx, n)
	if err != nil {
		return fmt.Errorf("boot id before the reboot: %w", err)
	}
	// The session ends with the machine: an error here is expected, and
	// only a boot id that never changes proves the reboot failed.
	_, _ = c.client.run(ctx, h, "systemctl reboot --force", nil)
	return c.WaitForNewBoot(ctx, n, before)
}

// WaitForNewBoot waits until the node answers SSH from another boot than
// before (a BootID), saying every 10 s that it is still waiting: the end
// of a reboot, whoever started it (systemctl here, the cloud's API for a
// provider that launched the machine).
func (c *Cluster) WaitForNewBoot(ctx context.Context, n cluster.Node, before string) error {
	start := time.Now()
	last := start
	var readErr error
	err := wait.PollUntilContextTimeout(ctx, time.Second, rebootLimit, true, func(ctx context.Context) (bool, error) {
		rctx, cancel := context.WithTimeout(ctx, dialTimeout)
		defer cancel()
		var now string
		now, readErr = c.BootID(rctx, n)
		if time.Since(last) >= 10*time.Second && c.out != nil {
			last = time.Now()
			fmt.Fprintf(c.out, "    reboot of %s: %s elapsed; not back yet\n", n.Name, time.Since(start).Round(time.Second))
		}
		return readErr == nil && now != "" && now != before, nil
	})
	if err != nil {
		return fmt.Errorf("node %s did not come back from its reboot within %s (last: %v)", n.Name, rebootLimit, readErr)
	}
	return nil
}

// Start implements cluster.Rebooter: a machine that rebooted boots by
// itself; Start waits until it answers SSH again.
func (c *Cluster) Start(ctx context.Context, n cluster.Node) error {
	return wait.PollUntilContextTimeout(ctx, time.Second, rebootLimit, true, func(ctx context.Context) (bool, error) {
		_, err := c.BootID(ctx, n)
		return err == nil, nil
	})
}

// CopyFrom implements cluster.FileCopier: the file streamed over SSH.
func (c *Cluster) CopyFrom(ctx context.Context, n cluster.Node, nodePath, localPath string) error {
	h, err := c.host(n)
	if err != nil {
		return err
	}
	out, err := c.client.run(ctx, h, "cat "+shell.Quote(nodePath), nil)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(localPath), 0o755); err != nil {
		return err
	}
	return os.WriteFile(localPath, out, 0o600)
}

// CopyTo implements cluster.FileCopier.
func (c *Cluster) CopyTo(ctx context.Context, n cluster.Node, localPath, nodePath string) error {
	h, err := c.host(n)
	if err != nil {
		return err
	}
	f, err := os.Open(localPath)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = c.client.run(ctx, h, "mkdir -p "+shell.Quote(filepath.Dir(nodePath))+" && cat > "+shell.Quote(nodePath), f)
	return err
}

// CopyCommand implements cluster.FileCopier: scp, as an operator types it.
func (c *Cluster) CopyCommand(from, to string) string { return "scp " + from + " " + to }

// KubeadmConfigPath implements cluster.KubeadmConfigured: where Up left
// the kubeadm configuration it rendered for the node.
func (c *Cluster) KubeadmConfigPath() string { return kubeadmConfigPath }
