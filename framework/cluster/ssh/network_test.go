package ssh

import (
	"context"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
)

// The API is cut off for the harness alone: the rule names the address
// the machine sees the SSH session come from, the API server's port and
// firedrill's comment, in both shapes.
func TestIsolationRuleNamesTheHarnessAddress(t *testing.T) {
	p, h, _ := testProvider(t)
	c := &Cluster{name: "c", client: p.client, hosts: map[string]Host{h.Name: h}}
	n := cluster.Node{Name: h.Name}
	for shape, target := range map[string]string{cluster.IsolateReset: "-j REJECT --reject-with tcp-reset", cluster.IsolateDrop: "-j DROP"} {
		rule, err := c.isolationRule(context.Background(), n, shape)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(rule, " ")
		want := "INPUT -p tcp --dport 6443 -s 127.0.0.1 -m comment --comment " + cluster.RuleComment + " " + target
		if got != want {
			t.Errorf("%s: rule %q, want %q", shape, got, want)
		}
	}
	if _, err := c.isolationRule(context.Background(), n, "sideways"); err == nil {
		t.Error("an unknown shape gave a rule")
	}
}
