package fault

import (
	"github.com/firedrill/firedrill/framework/packetfilter"
	"github.com/firedrill/firedrill/framework/scenario"
)

// ActionPartitionEtcdPeers blackholes etcd's peer port on each target
// control-plane node for Duration, both ways, then opens it again: every
// packet to or from port 2380 (TCP) is dropped in the node, so its member
// neither hears nor reaches any other member, while it keeps running and
// serving its own clients (the API server beside it) on 2379. etcd's
// functional tester's BLACKHOLE_PEER_PORT_TX_RX cases: a leader cut is
// count one with leadership leader (the rest elect a new leader), a
// minority one follower, a majority two of three (no quorum anywhere).
// The cut is always removed again.
const ActionPartitionEtcdPeers = "partition-etcd-peers"

// UndoRestoreEtcdPeers removes the peer port's rules from the node.
const UndoRestoreEtcdPeers = "restore-etcd-peers"

// etcdPeerPort is etcd's peer port as kubeadm configures every member
// (--listen-peer-urls, --initial-advertise-peer-urls).
const etcdPeerPort = "2380"

func init() {
	register(action{
		name: ActionPartitionEtcdPeers,
		// component: etcd names what is cut and lets the target ask for
		// etcd's leader or a follower; etcd runs on control-plane nodes
		// only, and validation already holds a component to that role.
		needs:    scenario.FaultAction{NeedsDuration: true, NeedsComponent: true, Component: scenario.ComponentEtcd},
		evidence: says("peer port " + etcdPeerPort + " drop rules in place"),
		build: func(b Build) (Fault, error) {
			return b.held("partition-etcd-peers", "", "drop every packet to and from etcd's peer port ("+etcdPeerPort+"), both ways, then let them through again",
				fixedRuleActions(etcdPeerRules)).withHostUndo(removeMarkedRulesScript, b.Spec.Duration), nil
		},
		undo: fixedRuleUndo(UndoRestoreEtcdPeers, etcdPeerRules),
	})
}

// etcdPeerRules drop, in the node's own INPUT and OUTPUT chains, every
// TCP packet to or from the peer port: inbound to the member's port and
// outbound from it (the streams other members opened to it), outbound to
// another member's port and inbound from it (the streams it opened).
// etcd runs in the node's network namespace, so nothing else is needed;
// for IPv4 and IPv6 both, as kind's network is dual-stack.
func etcdPeerRules() packetfilter.Set {
	var rules []packetfilter.Rule
	for _, way := range [][2]string{{"INPUT", "--dport"}, {"INPUT", "--sport"}, {"OUTPUT", "--sport"}, {"OUTPUT", "--dport"}} {
		rules = append(rules, packetfilter.New([]string{way[0], "-p", "tcp", way[1], etcdPeerPort}, "-j", "DROP"))
	}
	return packetfilter.Set{"iptables": rules, "ip6tables": rules}
}
