package iptables

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func run(t *testing.T, f *Filter, argv ...string) string {
	t.Helper()
	out, err := f.Run(argv...)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	return string(out)
}

// A rule is kept as iptables keeps it: addresses as prefixes, the tcp
// match loaded by itself, the source before the protocol, REJECT's
// default reply, and -S lists it so.
func TestRulesAreKeptAsIptablesListsThem(t *testing.T) {
	f := New()
	run(t, f, "iptables", "-I", "INPUT", "-p", "tcp", "--dport", "6443", "-s", "172.18.0.1", "-m", "comment", "--comment", "firedrill", "-j", "REJECT", "--reject-with", "tcp-reset")
	run(t, f, "iptables", "-A", "OUTPUT", "-d", "10.244.1.7/24", "-j", "REJECT")
	run(t, f, "ip6tables", "-A", "INPUT", "-s", "fc00::5", "-p", "tcp", "--sport", "2380", "-j", "DROP")
	want := "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n" +
		"-A INPUT -s 172.18.0.1/32 -p tcp -m tcp --dport 6443 -m comment --comment firedrill -j REJECT --reject-with tcp-reset\n" +
		"-A OUTPUT -d 10.244.1.0/24 -j REJECT --reject-with icmp-port-unreachable\n"
	if got := run(t, f, "iptables", "-S"); got != want {
		t.Errorf("iptables -S:\n%s\nwant\n%s", got, want)
	}
	if got := f.Rules("ip6tables"); !slices.Equal(got, []string{"-A INPUT -s fc00::5/128 -p tcp -m tcp --sport 2380 -j DROP"}) {
		t.Errorf("ip6tables rules %q", got)
	}
	// The listed words check and delete the rule, as clean does.
	listed := strings.Fields(strings.TrimPrefix(f.Rules("iptables")[0], "-A "))
	run(t, f, append([]string{"iptables", "-C"}, listed...)...)
	run(t, f, append([]string{"iptables", "-D"}, listed...)...)
	if f.Len() != 2 {
		t.Errorf("%d rules after the delete, want 2", f.Len())
	}
}

// A missing rule fails -C and -D with iptables' message and status 1; a
// list of addresses is one rule each, checked and deleted together.
func TestMissingRulesFail(t *testing.T) {
	f := New()
	run(t, f, "iptables", "-I", "INPUT", "-s", "10.0.1.0/24,10.0.2.0/24", "-j", "DROP")
	if n := len(f.Rules("iptables")); n != 2 {
		t.Fatalf("%d rules for a list of two sources", n)
	}
	run(t, f, "iptables", "-C", "INPUT", "-s", "10.0.2.0/24,10.0.1.0/24", "-j", "DROP")
	run(t, f, "iptables", "-D", "INPUT", "-s", "10.0.1.0/24", "-j", "DROP")
	for _, op := range []string{"-C", "-D"} {
		_, err := f.Run("iptables", op, "INPUT", "-s", "10.0.1.0/24,10.0.2.0/24", "-j", "DROP")
		var exit *ExitError
		if !errors.As(err, &exit) || exit.Status != 1 || exit.Stderr != "iptables: Bad rule (does a matching rule exist in that chain?)." {
			t.Errorf("%s of a rule half there: %v", op, err)
		}
	}
	if f.Len() != 0 {
		t.Errorf("the delete of a list kept %v", f.Rules("iptables"))
	}
	for _, argv := range [][]string{
		{"iptables", "-A", "NOPE", "-j", "DROP"},
		{"iptables", "-A", "INPUT", "-j", "KUBE-FIREWALL"},
		{"iptables", "-A", "INPUT", "-s", "fc00::1", "-j", "DROP"},
		{"ip6tables", "-A", "INPUT", "-d", "10.0.0.1", "-j", "DROP"},
		{"iptables", "-A", "INPUT", "--dport", "22", "-j", "DROP"},
		{"iptables", "-t", "nat", "-S"},
		{"iptables", "-L"},
	} {
		if _, err := f.Run(argv...); err == nil {
			t.Errorf("%q: no error", argv)
		}
	}
}

// Chains: -N makes one, a rule jumps to it, -F empties, -X removes an
// empty one nothing jumps to; -I takes a position.
func TestChains(t *testing.T) {
	f := New()
	run(t, f, "iptables", "-N", "KUBE-FIREWALL")
	run(t, f, "iptables", "-A", "INPUT", "-j", "KUBE-FIREWALL")
	run(t, f, "iptables", "-A", "KUBE-FIREWALL", "-j", "DROP")
	run(t, f, "iptables", "-I", "INPUT", "2", "-j", "ACCEPT")
	want := "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N KUBE-FIREWALL\n" +
		"-A INPUT -j KUBE-FIREWALL\n-A INPUT -j ACCEPT\n-A KUBE-FIREWALL -j DROP\n"
	if got := run(t, f, "iptables", "-S"); got != want {
		t.Errorf("-S:\n%s\nwant\n%s", got, want)
	}
	if got := run(t, f, "iptables", "-S", "KUBE-FIREWALL"); got != "-N KUBE-FIREWALL\n-A KUBE-FIREWALL -j DROP\n" {
		t.Errorf("-S KUBE-FIREWALL:\n%s", got)
	}
	if _, err := f.Run("iptables", "-X", "KUBE-FIREWALL"); err == nil {
		t.Error("-X of a chain with rules")
	}
	run(t, f, "iptables", "-F", "KUBE-FIREWALL")
	if _, err := f.Run("iptables", "-X", "KUBE-FIREWALL"); err == nil {
		t.Error("-X of a chain a rule jumps to")
	}
	run(t, f, "iptables", "-D", "INPUT", "1")
	run(t, f, "iptables", "-X", "KUBE-FIREWALL")
	if got := f.Rules("iptables"); !slices.Equal(got, []string{"-A INPUT -j ACCEPT"}) {
		t.Errorf("rules %q", got)
	}
	run(t, f, "iptables", "-F")
	if f.Len() != 0 {
		t.Error("-F left rules")
	}
}

// A comment is one word of argv, whatever it holds; -S quotes it as
// iptables does, so a listing shows what a shell would make of it.
func TestCommentsAreQuotedAsIptablesDoes(t *testing.T) {
	f := New()
	run(t, f, "iptables", "-A", "INPUT", "-m", "comment", "--comment", `$(touch "x")`, "-j", "ACCEPT")
	run(t, f, "iptables", "-A", "INPUT", "-m", "comment", "--comment", "firedrill", "-j", "ACCEPT")
	want := []string{`-A INPUT -m comment --comment "$(touch \"x\")" -j ACCEPT`, "-A INPUT -m comment --comment firedrill -j ACCEPT"}
	if got := f.Rules("iptables"); !slices.Equal(got, want) {
		t.Errorf("rules:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	run(t, f, "iptables", "-D", "INPUT", "-m", "comment", "--comment", `$(touch "x")`, "-j", "ACCEPT")
	if f.Len() != 1 {
		t.Error("the rule with a quoted comment was not deleted by its argv")
	}
}
