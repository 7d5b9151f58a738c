package fault

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/packetfilter"
)

// ruleResult is an iptables call: whether it succeeded (-C: every rule is
// there) and, for -I and -D, the node's clock right after.
type ruleResult struct {
	ok bool
	at time.Time
}

// runRules runs op on the rules inside the node (packetfilter.Set.Script;
// -I and -D stamped with the node's clock).
func runRules(ctx context.Context, x cluster.NodeExec, n cluster.Node, rs packetfilter.Set, op string) (ruleResult, error) {
	then := cluster.NodeClockCommand
	if op == "-C" {
		then = ""
	}
	out, err := x.Exec(ctx, n, "sh", "-c", rs.Script(op, then))
	if err != nil {
		return ruleResult{}, err
	}
	s := strings.TrimSpace(string(out))
	if op == "-C" {
		return ruleResult{ok: s == "in"}, nil
	}
	at, perr := cluster.ParseNodeClock(s)
	if perr != nil {
		return ruleResult{ok: true}, fmt.Errorf("node %s: clock stamp after iptables %s: %w", n.Name, op, perr)
	}
	return ruleResult{ok: true, at: at}, nil
}

// ruleActions hold a fault made of rules: apply inserts them, lift removes
// them, each stamped by the node; in place when every rule is there.
func ruleActions(x cluster.NodeExec, rs packetfilter.Set) heldActions {
	stamped := func(op string) nodeAction {
		return func(ctx context.Context, n cluster.Node) (time.Time, error) {
			r, err := runRules(ctx, x, n, rs, op)
			return r.at, err
		}
	}
	return heldActions{
		apply: stamped("-I"),
		lift:  stamped("-D"),
		inPlace: func(ctx context.Context, n cluster.Node) (bool, error) {
			r, err := runRules(ctx, x, n, rs, "-C")
			return r.ok, err
		},
	}
}

// fixedRuleActions holds the same rule set on every target node (the
// set does not depend on the node or the fault's shape).
func fixedRuleActions(rules func() packetfilter.Set) actionsFor {
	return onNode(func(c cluster.Cluster) (heldActions, error) {
		x, ok := c.(cluster.NodeExec)
		if !ok {
			return heldActions{}, fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
		}
		return ruleActions(x, rules()), nil
	})
}

// fixedRuleUndo is the journal's undo of a fixedRuleActions fault: it
// deletes whichever of the set's rules are still on the node.
func fixedRuleUndo(kind string, rules func() packetfilter.Set) *JournalUndo {
	return &JournalUndo{Kind: kind, Do: func(ctx context.Context, c cluster.Cluster, n cluster.Node, _ string) error {
		x, ok := c.(cluster.NodeExec)
		if !ok {
			return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
		}
		_, err := runRules(ctx, x, n, rules(), "-D")
		return err
	}}
}
