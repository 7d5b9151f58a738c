package fault

import (
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/packetfilter"
	"github.com/firedrill/firedrill/framework/scenario"
)

// UndoRestoreNode removes the rule that cut a node off from the API.
const UndoRestoreNode = "restore-node"

// ActionIsolateNode cuts each target node off from every API server
// (the load balancer and each control-plane node) for Duration, and
// from nothing else: its kubelet cannot report, its pods keep running
// and serving. The cut is always removed again.
const ActionIsolateNode = "isolate-node"

func init() {
	register(action{
		name:     ActionIsolateNode,
		needs:    scenario.FaultAction{NeedsDuration: true},
		evidence: says("drop rule in place"),
		build: func(b Build) (Fault, error) {
			return b.held("isolate-node", "", "drop every packet from the node to any API server (port "+kubeadm.APIServerPort+"), then let them through again",
				fixedRuleActions(nodeRules)).withHostUndo(removeMarkedRulesScript, b.Spec.Duration), nil
		},
		undo: fixedRuleUndo(UndoRestoreNode, nodeRules),
	})
}

// nodeRuleWords is the rule that cuts a node off from every API server:
// in the node's own OUTPUT chain, every packet to port 6443 is dropped.
// The kubelet, kube-proxy and the CNI reach the API servers only there
// (the load balancer's and each control-plane node's port; a Service
// address is already translated to it when the filter sees the packet),
// and nothing else is touched.
func nodeRuleWords() packetfilter.Rule {
	return packetfilter.New([]string{"OUTPUT", "-p", "tcp", "--dport", kubeadm.APIServerPort}, "-j", "DROP")
}

// nodeRules is that rule for IPv4 and IPv6 both: a kubelet cut off over
// IPv4 alone reconnects to the load balancer over IPv6 within its TCP
// timeout (seen here: Ready again after 39 s of a 75 s cut).
func nodeRules() packetfilter.Set {
	return packetfilter.Set{"iptables": {nodeRuleWords()}, "ip6tables": {nodeRuleWords()}}
}
