package fault

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/packetfilter"
	"github.com/firedrill/firedrill/framework/scenario"
)

// UndoRemoveRules removes every rule marked as firedrill's on the node (a
// partition's rules name addresses the journal does not keep).
const UndoRemoveRules = "remove-rules"

// ActionPartition cuts the target nodes (a zone, with a zone as
// target) off from every other node, their pods and the load balancer,
// both ways, for Duration: the nodes keep running and talk among
// themselves, as when a zone's network fails. The cut is always
// removed again.
const ActionPartition = "partition"

func init() {
	register(action{
		name:     ActionPartition,
		needs:    scenario.FaultAction{NeedsDuration: true},
		evidence: says("drop rules in place"),
		build: func(b Build) (Fault, error) {
			return b.held("partition", "", "cut the nodes off from every other node, their pods and the load balancer, both ways, then let them through again",
				partitionActions).withHostUndo(removeMarkedRulesScript, b.Spec.Duration), nil
		},
		undo: &JournalUndo{Kind: UndoRemoveRules, Do: func(ctx context.Context, c cluster.Cluster, n cluster.Node, _ string) error {
			// A zone cut off at the cloud's network is healed there first:
			// its nodes may not be reachable before.
			if zp, ok := c.(cluster.ZonePartitioner); ok {
				if err := healZoneOf(ctx, c, zp, n); err != nil {
					return err
				}
			}
			x, ok := c.(cluster.NodeExec)
			if !ok {
				return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
			}
			return packetfilter.RemoveAll(ctx, cluster.FilterRun(x, n))
		}},
	})
}

// A partition cuts the target nodes off from the rest of the cluster, both
// ways, as a zone's network fails in a cloud: every node outside the
// targets, their pods and the load balancer become unreachable from the
// targets and the targets from them, while the targets keep running and
// keep talking among themselves and to the harness. Each target drops, in
// its own INPUT, OUTPUT and FORWARD chains (IPv4 and IPv6), every packet
// from or to those addresses: node addresses for the kubelet, etcd and the
// API servers, pod ranges for pod traffic kindnet routes without
// encapsulation, and the load balancer's. Rules carry the firedrill
// comment; lifting deletes exactly them.

// partitionRules cut a node off from the given addresses and prefixes.
func partitionRules(cut []string) (packetfilter.Set, error) {
	var v4, v6 []string
	for _, a := range cut {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			addr, aerr := netip.ParseAddr(a)
			if aerr != nil {
				return nil, fmt.Errorf("partition: %q is neither an address nor a prefix", a)
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		if p.Addr().Is4() {
			v4 = append(v4, p.Masked().String())
		} else {
			v6 = append(v6, p.Masked().String())
		}
	}
	out := packetfilter.Set{}
	for tool, list := range map[string][]string{"iptables": v4, "ip6tables": v6} {
		if len(list) == 0 {
			continue
		}
		slices.Sort(list)
		set := strings.Join(slices.Compact(list), ",")
		for _, r := range [][]string{{"INPUT", "-s", set}, {"OUTPUT", "-d", set}, {"FORWARD", "-s", set}, {"FORWARD", "-d", set}} {
			out[tool] = append(out[tool], packetfilter.New(r, "-j", "DROP"))
		}
	}
	return out, nil
}

// partitionActions cut the targets off from every endpoint of the cluster
// that is not a target (cluster.NetworkMap). A whole zone on a cluster
// that can cut zones off at the cloud's network (cluster.ZonePartitioner)
// is cut there instead: that is how a zone's network fails in a cloud, and
// the cloud's own undo does not depend on reaching the nodes.
func partitionActions(ctx context.Context, c cluster.Cluster, targets []cluster.Node) (heldActions, error) {
	if zp, ok := c.(cluster.ZonePartitioner); ok {
		zone, whole, err := wholeZone(ctx, c, targets)
		if err != nil {
			return heldActions{}, fmt.Errorf("partition: %w", err)
		}
		if whole {
			return zoneActions(zp, zone), nil
		}
	}
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return heldActions{}, fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	m, ok := c.(cluster.NetworkMap)
	if !ok {
		return heldActions{}, fmt.Errorf("cluster %s cannot list its network's endpoints", c.Name())
	}
	endpoints, err := m.Endpoints(ctx)
	if err != nil {
		return heldActions{}, fmt.Errorf("partition: %w", err)
	}
	var cut []string
	for _, e := range endpoints {
		if slices.ContainsFunc(targets, func(t cluster.Node) bool { return t.Name == e.Name }) {
			continue
		}
		cut = append(cut, e.Addresses...)
	}
	if len(cut) == 0 {
		return heldActions{}, fmt.Errorf("partition: nothing outside the targets to cut them off from")
	}
	rules, err := partitionRules(cut)
	if err != nil {
		return heldActions{}, err
	}
	return ruleActions(x, rules), nil
}

// wholeZone says whether the targets are every node of one zone, and
// which.
func wholeZone(ctx context.Context, c cluster.Cluster, targets []cluster.Node) (string, bool, error) {
	if len(targets) == 0 || targets[0].Zone == "" {
		return "", false, nil
	}
	zone := targets[0].Zone
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return "", false, err
	}
	for _, t := range targets {
		if t.Zone != zone {
			return "", false, nil
		}
	}
	for _, n := range nodes {
		if n.Zone == zone && !slices.ContainsFunc(targets, func(t cluster.Node) bool { return t.Name == n.Name }) {
			return "", false, nil
		}
	}
	return zone, true, nil
}

// zoneActions cut a zone off once, however many of its nodes ask: the
// first node's apply (or lift) acts for the zone, and every node gets its
// outcome.
func zoneActions(zp cluster.ZonePartitioner, zone string) heldActions {
	once := func(act func(context.Context, string) error) nodeAction {
		var mu sync.Mutex
		var done bool
		var err error
		return func(ctx context.Context, _ cluster.Node) (time.Time, error) {
			mu.Lock()
			defer mu.Unlock()
			if !done {
				err = act(ctx, zone)
				done = err == nil
			}
			return time.Time{}, err
		}
	}
	return heldActions{
		apply:   once(zp.PartitionZone),
		lift:    once(zp.HealZone),
		inPlace: func(ctx context.Context, _ cluster.Node) (bool, error) { return zp.ZonePartitioned(ctx, zone) },
		proof:   "zone " + zone + " cut off at the cloud's network: " + zp.ZonePartitionDesc(),
	}
}

// healZoneOf heals the zone of node n (a journal entry names the node
// only), or every zone of the cluster when the node's is not known (a
// cluster attached by name alone).
func healZoneOf(ctx context.Context, c cluster.Cluster, zp cluster.ZonePartitioner, n cluster.Node) error {
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return fmt.Errorf("heal the zone of node %s: %w", n.Name, err)
	}
	zone := ""
	for _, m := range nodes {
		if m.Name == n.Name {
			zone = m.Zone
		}
	}
	if err := zp.HealZone(ctx, zone); err != nil {
		return fmt.Errorf("heal the zone of node %s: %w", n.Name, err)
	}
	return nil
}

// removeMarkedRulesScript deletes every rule marked as firedrill's in the
// node (IPv4 and IPv6), run by the host itself: the undo of a partition
// whose exact rules a dead run took with it.
const removeMarkedRulesScript = packetfilter.RemoveAllScript
