package kind

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
)

// A cluster of its own network keeps its nodes' addresses across reboots.
// On kind's shared network docker hands a restarted container whatever
// address is free, so after a restart of every control-plane node the
// members may come back swapped: etcd's peer URLs and the load balancer's
// backends name the old addresses and the cluster never heals (kind issue
// 1689). Docker pins a container's address only on a network whose subnets
// the user chose, and only when the container is connected to it, which
// for a stopped container does not disturb anything: so the harness makes
// the network, and a reboot stops the node, connects it again with the
// addresses it had, and starts it.

// networkLabel marks a docker network the harness made, with the cluster
// it was made for: only such a network is ever reused or removed.
const networkLabel = "firedrill.io/cluster"

// networkEnv is how kind's library is told to put a cluster's nodes on
// another network than its own "kind".
const networkEnv = "KIND_EXPERIMENTAL_DOCKER_NETWORK"

// envMu serializes creations that set networkEnv, a process-wide setting.
var envMu sync.Mutex

// withNetwork runs create with kind pointed at network (none: kind's own).
func withNetwork(network string, create func() error) error {
	if network == "" {
		return create()
	}
	envMu.Lock()
	defer envMu.Unlock()
	old, had := os.LookupEnv(networkEnv)
	if err := os.Setenv(networkEnv, network); err != nil {
		return err
	}
	defer func() {
		if had {
			_ = os.Setenv(networkEnv, old)
		} else {
			_ = os.Unsetenv(networkEnv)
		}
	}()
	return create()
}

// networkInfo is what docker says of a network.
type networkInfo struct {
	Labels map[string]string `json:"Labels"`
	IPAM   struct {
		Config []struct {
			Subnet string `json:"Subnet"`
		} `json:"Config"`
	} `json:"IPAM"`
	Containers map[string]json.RawMessage `json:"Containers"`
}

// inspectNetwork returns the network of that name, or ok false when there
// is none.
func inspectNetwork(ctx context.Context, name string) (info networkInfo, ok bool, err error) {
	out, err := dockerOutput(ctx, "network", "ls", "--filter", "name=^"+name+"$", "--format", "{{.Name}}")
	if err != nil {
		return info, false, fmt.Errorf("list docker networks: %w", err)
	}
	if strings.TrimSpace(out) != name {
		return info, false, nil
	}
	out, err = dockerOutput(ctx, "network", "inspect", "--format", "{{json .}}", name)
	if err != nil {
		return info, false, fmt.Errorf("inspect docker network %s: %w", name, err)
	}
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		return info, false, fmt.Errorf("inspect docker network %s: %w", name, err)
	}
	return info, true, nil
}

// ensureNetwork makes the cluster's network, or accepts one the harness
// made for the same cluster with the same subnets (a creation cut short
// leaves it). made says whether this call created it.
func ensureNetwork(ctx context.Context, n Network, clusterName string) (made bool, err error) {
	info, ok, err := inspectNetwork(ctx, n.Name)
	if err != nil {
		return false, err
	}
	want := []string{n.Subnet, n.SubnetV6}
	if ok {
		var have []string
		for _, c := range info.IPAM.Config {
			have = append(have, c.Subnet)
		}
		slices.Sort(have)
		slices.Sort(want)
		switch {
		case info.Labels[networkLabel] != clusterName:
			return false, fmt.Errorf("docker network %s exists and firedrill did not make it for cluster %s (label %s=%q): it is left as it is; "+
				"give the profile another kindCluster.network.name", n.Name, clusterName, networkLabel, info.Labels[networkLabel])
		case !slices.Equal(have, want):
			return false, fmt.Errorf("docker network %s has subnets %v, the profile wants %v: remove it (`docker network rm %s`) or change the profile",
				n.Name, have, want, n.Name)
		}
		return false, nil
	}
	// kind's own options for its network: masquerade so nodes reach out.
	err = docker(ctx, "network", "create", "--driver", "bridge", "--ipv6",
		"--subnet", n.Subnet, "--subnet", n.SubnetV6,
		"-o", "com.docker.network.bridge.enable_ip_masquerade=true",
		"--label", networkLabel+"="+clusterName, n.Name)
	if err != nil {
		return false, fmt.Errorf("create docker network %s for cluster %s: %w", n.Name, clusterName, err)
	}
	return true, nil
}

// removeNetwork removes a network the harness made for the cluster, once
// nothing is connected to it; any other network is left alone.
func removeNetwork(ctx context.Context, name, clusterName string) error {
	info, ok, err := inspectNetwork(ctx, name)
	if err != nil || !ok {
		return err
	}
	if info.Labels[networkLabel] != clusterName {
		return fmt.Errorf("not removing docker network %s: firedrill did not make it for cluster %s", name, clusterName)
	}
	if len(info.Containers) > 0 {
		return fmt.Errorf("not removing docker network %s: %d containers are still connected", name, len(info.Containers))
	}
	if err := docker(ctx, "network", "rm", name); err != nil {
		return fmt.Errorf("remove docker network %s: %w", name, err)
	}
	return nil
}

// endpoint is a container's connection to one network.
type endpoint struct {
	IPAMConfig *struct {
		IPv4Address string `json:"IPv4Address"`
		IPv6Address string `json:"IPv6Address"`
	} `json:"IPAMConfig"`
	IPAddress         string `json:"IPAddress"`
	GlobalIPv6Address string `json:"GlobalIPv6Address"`
}

// pinned says whether docker will give the container these addresses
// again on every start.
func (e endpoint) pinned() bool {
	return e.IPAMConfig != nil && e.IPAMConfig.IPv4Address == e.IPAddress && e.IPAMConfig.IPv6Address == e.GlobalIPv6Address
}

// endpointOf is the container's connection to network; ok false when it is
// not connected.
func endpointOf(ctx context.Context, container, network string) (e endpoint, ok bool, err error) {
	out, err := dockerOutput(ctx, "inspect", "--format", "{{json .NetworkSettings.Networks}}", container)
	if err != nil {
		return e, false, fmt.Errorf("networks of %s: %w", container, err)
	}
	var all map[string]endpoint
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		return e, false, fmt.Errorf("networks of %s: %w", container, err)
	}
	e, ok = all[network]
	return e, ok, nil
}

// pin connects a stopped container to network again with the addresses it
// had (e, read while it ran), so docker gives it those on every start.
// Should the new connection fail, the container is connected as before
// rather than left with no network at all.
func pin(ctx context.Context, container, network string, e endpoint) error {
	if e.IPAddress == "" {
		return fmt.Errorf("pin the address of %s: it had no IPv4 address on %s", container, network)
	}
	if err := docker(ctx, "network", "disconnect", network, container); err != nil {
		return fmt.Errorf("pin the address of %s: %w", container, err)
	}
	args := []string{"network", "connect", "--ip", e.IPAddress}
	if e.GlobalIPv6Address != "" {
		args = append(args, "--ip6", e.GlobalIPv6Address)
	}
	if err := docker(ctx, append(args, network, container)...); err != nil {
		_ = docker(ctx, "network", "connect", network, container)
		return fmt.Errorf("pin the address of %s to %s: %w", container, e.IPAddress, err)
	}
	return nil
}
