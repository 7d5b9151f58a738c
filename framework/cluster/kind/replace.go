package kind

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/shell"
)

// A lost node is replaced by a fresh container run the way kind ran the
// old one: the same name, labels (so kind still lists and deletes it),
// privileges, mounts, published ports and address, from the node image,
// with a new, empty /var. What kind ran is read before the old container
// is removed, since nothing of it is left after.

// container is what docker inspect says of a node container, as far as a
// fresh one needs it.
type container struct {
	ID     string `json:"Id"`
	Name   string `json:"Name"`
	Config struct {
		Hostname string            `json:"Hostname"`
		Env      []string          `json:"Env"`
		Labels   map[string]string `json:"Labels"`
		Image    string            `json:"Image"`
		Volumes  map[string]any    `json:"Volumes"`
		Tty      bool              `json:"Tty"`
	} `json:"Config"`
	HostConfig struct {
		Privileged   bool              `json:"Privileged"`
		SecurityOpt  []string          `json:"SecurityOpt"`
		Tmpfs        map[string]string `json:"Tmpfs"`
		Binds        []string          `json:"Binds"`
		PortBindings map[string][]struct {
			HostIP   string `json:"HostIp"`
			HostPort string `json:"HostPort"`
		} `json:"PortBindings"`
		RestartPolicy struct {
			Name              string `json:"Name"`
			MaximumRetryCount int    `json:"MaximumRetryCount"`
		} `json:"RestartPolicy"`
		CgroupnsMode string `json:"CgroupnsMode"`
		Runtime      string `json:"Runtime"`
		Devices      []struct {
			PathOnHost        string `json:"PathOnHost"`
			PathInContainer   string `json:"PathInContainer"`
			CgroupPermissions string `json:"CgroupPermissions"`
		} `json:"Devices"`
	} `json:"HostConfig"`
	NetworkSettings struct {
		Networks map[string]endpoint `json:"Networks"`
	} `json:"NetworkSettings"`
}

// runArgs are the docker run arguments of a fresh container like c, on
// network with its addresses.
func (c container) runArgs(network string) ([]string, error) {
	e, ok := c.NetworkSettings.Networks[network]
	if !ok || e.IPAddress == "" {
		return nil, fmt.Errorf("container %s has no address on network %s", strings.TrimPrefix(c.Name, "/"), network)
	}
	name := strings.TrimPrefix(c.Name, "/")
	args := []string{"run", "--detach", "--name", name, "--hostname", c.Config.Hostname}
	if c.Config.Tty {
		args = append(args, "--tty")
	}
	args = append(args, "--network", network, "--ip", e.IPAddress)
	if e.GlobalIPv6Address != "" {
		args = append(args, "--ip6", e.GlobalIPv6Address)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Config.Labels)) {
		args = append(args, "--label", k+"="+c.Config.Labels[k])
	}
	if c.HostConfig.Privileged {
		args = append(args, "--privileged")
	}
	for _, o := range c.HostConfig.SecurityOpt {
		args = append(args, "--security-opt", o)
	}
	for _, k := range slices.Sorted(maps.Keys(c.HostConfig.Tmpfs)) {
		t := k
		if o := c.HostConfig.Tmpfs[k]; o != "" {
			t += ":" + o
		}
		args = append(args, "--tmpfs", t)
	}
	for _, b := range c.HostConfig.Binds {
		args = append(args, "--volume", b)
	}
	for _, v := range slices.Sorted(maps.Keys(c.Config.Volumes)) {
		args = append(args, "--volume", v) // anonymous: a new, empty disk
	}
	for _, port := range slices.Sorted(maps.Keys(c.HostConfig.PortBindings)) {
		for _, b := range c.HostConfig.PortBindings[port] {
			args = append(args, "--publish", fmt.Sprintf("%s:%s:%s", b.HostIP, b.HostPort, port))
		}
	}
	if r := c.HostConfig.RestartPolicy; r.Name != "" && r.Name != "no" {
		p := r.Name
		if r.MaximumRetryCount > 0 {
			p += fmt.Sprintf(":%d", r.MaximumRetryCount)
		}
		args = append(args, "--restart", p)
	}
	if c.HostConfig.CgroupnsMode != "" {
		args = append(args, "--cgroupns", c.HostConfig.CgroupnsMode)
	}
	if c.HostConfig.Runtime != "" {
		args = append(args, "--runtime", c.HostConfig.Runtime)
	}
	for _, d := range c.HostConfig.Devices {
		args = append(args, "--device", d.PathOnHost+":"+d.PathInContainer+":"+d.CgroupPermissions)
	}
	for _, e := range c.Config.Env {
		args = append(args, "--env", e)
	}
	return append(args, c.Config.Image), nil
}

// Lose implements cluster.Replacer: it reads how kind ran the node, then
// removes its container and its disk (docker rm --volumes). A node is
// replaced with its address only on the cluster's own network (docker
// pins an address only there), so Lose refuses on kind's shared one.
func (c *Cluster) Lose(ctx context.Context, n cluster.Node) error {
	if c.network == "" {
		return fmt.Errorf("node %s: a lost node can only be replaced with its address on a network of the cluster's own (the profile's kindCluster.network)", n.Name)
	}
	out, err := dockerOutput(ctx, "inspect", n.Name)
	if err != nil {
		return err
	}
	var list []container
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		return fmt.Errorf("inspect node %s: %v", n.Name, err)
	}
	if _, err := list[0].runArgs(c.network); err != nil {
		return err
	}
	c.mu.Lock()
	if c.lost == nil {
		c.lost = map[string]container{}
	}
	c.lost[n.Name] = list[0]
	delete(c.handles, n.Name)
	c.mu.Unlock()
	return docker(ctx, "rm", "--force", "--volumes", n.Name)
}

// Replace implements cluster.Replacer: a fresh container in place of the
// lost one, recorded as this harness's in the cluster's ownership record
// (the old container's ID leaves it), so the cluster stays one firedrill
// may delete.
func (c *Cluster) Replace(ctx context.Context, n cluster.Node) error {
	if _, err := dockerOutput(ctx, "inspect", "--format", "{{.Id}}", n.Name); err == nil {
		return nil
	}
	c.mu.Lock()
	old, ok := c.lost[n.Name]
	c.mu.Unlock()
	if !ok {
		return fmt.Errorf("node %s: nothing known of how it ran (it was not lost by this harness)", n.Name)
	}
	args, err := old.runArgs(c.network)
	if err != nil {
		return err
	}
	out, err := dockerOutput(ctx, args...)
	if err != nil {
		return fmt.Errorf("run a new node %s: %w", n.Name, err)
	}
	return c.recordReplacement(old.ID, strings.TrimSpace(out))
}

// ReplaceCommand implements cluster.Replacer: the docker run of Replace,
// quoted for a shell.
func (c *Cluster) ReplaceCommand(n cluster.Node) string {
	c.mu.Lock()
	old, ok := c.lost[n.Name]
	c.mu.Unlock()
	if !ok {
		return "docker run ... (node " + n.Name + " was not lost by this harness)"
	}
	args, err := old.runArgs(c.network)
	if err != nil {
		return "docker run ... (" + err.Error() + ")"
	}
	return shell.Line("docker", args...)
}

// recordReplacement swaps the lost container's ID for the new one's in the
// cluster's ownership record, when it has one: the harness made the new
// container, and nothing else changes owner.
func (c *Cluster) recordReplacement(oldID, newID string) error {
	rec, ok, err := readRecord(c.name)
	if err != nil || !ok {
		return err
	}
	rec.Containers = slices.DeleteFunc(rec.Containers, func(id string) bool { return id == oldID })
	rec.Containers = append(rec.Containers, newID)
	return writeRecord(rec)
}

// KubeadmConfigPath implements cluster.KubeadmConfigured: kind writes the
// node's kubeadm configuration there before it runs kubeadm.
func (c *Cluster) KubeadmConfigPath() string { return "/kind/kubeadm.conf" }
