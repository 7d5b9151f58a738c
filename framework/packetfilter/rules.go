package packetfilter

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/firedrill/firedrill/framework/shell"
)

// Shapes of an API isolation: how a cut-off client sees the API.
const (
	// Reset answers every packet with a TCP reset: clients fail at once
	// and see the end of the cut at once.
	Reset = "reset"
	// Drop drops every packet silently: clients hang until their
	// deadline, and a connection open across the cut stalls.
	Drop = "drop"
)

// New is one of firedrill's rules: the chain and matches, firedrill's
// comment (what lets clean find it), then the target.
func New(matches []string, target ...string) Rule {
	r := append(Rule{}, matches...)
	r = append(r, "-m", "comment", "--comment", Comment)
	return append(r, target...)
}

// APIIsolation is the rule that cuts connections from source (an IP
// address, read from a node or a session: checked here) to port, in one of
// the shapes.
func APIIsolation(source, port, shape string) (Rule, error) {
	addr, err := netip.ParseAddr(source)
	if err != nil {
		return nil, fmt.Errorf("isolation source %q is not an IP address", source)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("isolation port %q is not a port", port)
	}
	matches := []string{"INPUT", "-p", "tcp", "--dport", port, "-s", addr.String()}
	switch shape {
	case Reset:
		return New(matches, "-j", "REJECT", "--reject-with", "tcp-reset"), nil
	case Drop:
		return New(matches, "-j", "DROP"), nil
	}
	return nil, fmt.Errorf("unknown isolation shape %q", shape)
}

// Command is one call of tool (iptables, ip6tables) with op (-I, -D, -C)
// on the rule, as a shell line, every word quoted.
func Command(tool, op string, r Rule) string {
	return shell.Line(tool, append([]string{op}, r...)...)
}

// Set is the rules a fault puts inside a node, per tool: the same cut
// often needs IPv4 and IPv6 both (kind's network is dual-stack).
type Set map[string][]Rule

// Script is op on every rule of the set, tools in Tools' order: -I
// inserts them all; -D removes whichever is there (a lift after a partial
// apply); both run then afterwards (the node's clock, say) when it is
// set. -C prints "in" when every rule is in place, else "out".
func (s Set) Script(op, then string) string {
	var cmds []string
	for _, tool := range Tools {
		for _, r := range s[tool] {
			switch op {
			case "-D":
				cmds = append(cmds, "if "+Command(tool, "-C", r)+" 2>/dev/null; then "+Command(tool, "-D", r)+"; fi")
			case "-C":
				cmds = append(cmds, Command(tool, "-C", r)+" 2>/dev/null")
			default:
				cmds = append(cmds, Command(tool, op, r))
			}
		}
	}
	if op == "-C" {
		return "(" + strings.Join(cmds, " && ") + ") && echo in || echo out"
	}
	if then != "" {
		cmds = append(cmds, then)
	}
	return strings.Join(cmds, " && ")
}
