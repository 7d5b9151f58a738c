package fault

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/shell"
)

// ruleSet is packet filter rules a fault puts inside a node, per tool
// (iptables, ip6tables: kind's network is dual-stack), each rule as its
// words without the -I, -D or -C. Every rule carries the firedrill
// comment, so `firedrill clean` finds one a dead run left.
type ruleSet map[string][][]string

// ruleTools is the order the tools run in.
var ruleTools = []string{"iptables", "ip6tables"}

// script is op on every rule: -I inserts them all; -D removes whichever is
// there (a lift after a partial apply); both print the node's clock right
// after. -C prints "in" when every rule is in place, else "out".
func (rs ruleSet) script(op string) string {
	var cmds []string
	for _, tool := range ruleTools {
		for _, r := range rs[tool] {
			with := func(op string) string { return shell.Line(tool, append([]string{op}, r...)...) }
			switch op {
			case "-D":
				cmds = append(cmds, "if "+with("-C")+" 2>/dev/null; then "+with("-D")+"; fi")
			case "-C":
				cmds = append(cmds, with("-C")+" 2>/dev/null")
			default:
				cmds = append(cmds, with(op))
			}
		}
	}
	if op == "-C" {
		return "(" + strings.Join(cmds, " && ") + ") && echo in || echo out"
	}
	return strings.Join(cmds, " && ") + " && " + cluster.NodeClockCommand
}

// ruleResult is an iptables call: whether it succeeded (-C: every rule is
// there) and, for -I and -D, the node's clock right after.
type ruleResult struct {
	ok bool
	at time.Time
}

// run runs op on the rules inside the node.
func (rs ruleSet) run(ctx context.Context, x cluster.NodeExec, n cluster.Node, op string) (ruleResult, error) {
	out, err := x.Exec(ctx, n, "sh", "-c", rs.script(op))
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
func ruleActions(x cluster.NodeExec, rs ruleSet) heldActions {
	stamped := func(op string) nodeAction {
		return func(ctx context.Context, n cluster.Node) (time.Time, error) {
			r, err := rs.run(ctx, x, n, op)
			return r.at, err
		}
	}
	return heldActions{
		apply: stamped("-I"),
		lift:  stamped("-D"),
		inPlace: func(ctx context.Context, n cluster.Node) (bool, error) {
			r, err := rs.run(ctx, x, n, "-C")
			return r.ok, err
		},
	}
}
