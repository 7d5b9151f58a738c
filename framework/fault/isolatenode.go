package fault

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/kubeadm"
)

// nodeRuleWords is the rule that cuts a node off from every API server:
// in the node's own OUTPUT chain (IPv4 and IPv6), every packet to port
// 6443 is dropped.
// The kubelet, kube-proxy and the CNI reach the API servers only there
// (the load balancer's and each control-plane node's port; a Service
// address is already translated to it when the filter sees the packet),
// and nothing else is touched. The comment marks it as firedrill's.
func nodeRuleWords() []string {
	return []string{"OUTPUT", "-p", "tcp", "--dport", kubeadm.APIServerPort, "-m", "comment", "--comment", cluster.RuleComment, "-j", "DROP"}
}

// ruleResult is an iptables call: whether it succeeded (-C: the rule is
// there) and, for -I and -D, the node's clock right after.
type ruleResult struct {
	ok bool
	at time.Time
}

// nodeRule runs op with the rule inside the node, for IPv4 and IPv6 both:
// kind's network is dual-stack, and a kubelet cut off over IPv4 reconnects
// to the load balancer over IPv6 within its TCP timeout (seen here: Ready
// again after 39 s of a 75 s cut). -C answers whether both rules are in
// place; -I inserts both; -D removes whichever is there. -I and -D return
// the node's clock right after.
func nodeRule(ctx context.Context, x cluster.NodeExec, n cluster.Node, op string) (ruleResult, error) {
	rule := strings.Join(nodeRuleWords(), " ")
	var script string
	switch op {
	case "-C":
		out, err := x.Exec(ctx, n, "sh", "-c", "iptables -C "+rule+" 2>/dev/null && ip6tables -C "+rule+" 2>/dev/null && echo in || echo out")
		if err != nil {
			return ruleResult{}, err
		}
		return ruleResult{ok: strings.TrimSpace(string(out)) == "in"}, nil
	case "-I":
		script = "iptables -I " + rule + " && ip6tables -I " + rule
	case "-D":
		script = "for t in iptables ip6tables; do if $t -C " + rule + " 2>/dev/null; then $t -D " + rule + " || exit 1; fi; done"
	default:
		return ruleResult{}, fmt.Errorf("unknown iptables operation %q", op)
	}
	out, err := x.Exec(ctx, n, "sh", "-c", script+" && "+cluster.NodeClockCommand)
	if err != nil {
		return ruleResult{}, err
	}
	at, perr := cluster.ParseNodeClock(strings.TrimSpace(string(out)))
	if perr != nil {
		return ruleResult{ok: true}, fmt.Errorf("node %s: clock stamp after iptables %s: %w", n.Name, op, perr)
	}
	return ruleResult{ok: true, at: at}, nil
}

func isolateNodeActions(c cluster.Cluster) (heldActions, error) {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return heldActions{}, fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	return heldActions{
		apply: func(ctx context.Context, n cluster.Node) (time.Time, error) {
			r, err := nodeRule(ctx, x, n, "-I")
			return r.at, err
		},
		lift: func(ctx context.Context, n cluster.Node) (time.Time, error) {
			r, err := nodeRule(ctx, x, n, "-D")
			return r.at, err
		},
		inPlace: func(ctx context.Context, n cluster.Node) (bool, error) {
			r, err := nodeRule(ctx, x, n, "-C")
			return r.ok, err
		},
	}, nil
}
