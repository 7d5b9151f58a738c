package packetfilter

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/internal/fakes/iptables"
)

// listing is what `iptables -S` prints in a node where firedrill cut the
// API off, next to rules of others: kube-proxy's, one whose comment merely
// starts with firedrill, and rules planted with firedrill's comment and
// shell in them (anyone with NET_ADMIN in the node can add one).
func listing(marker string) string {
	return strings.Join([]string{
		"-P INPUT ACCEPT",
		"-N KUBE-FIREWALL",
		"-A INPUT -j KUBE-FIREWALL",
		"-A INPUT -s 172.18.0.1/32 -p tcp -m tcp --dport 6443 -m comment --comment firedrill -j DROP",
		"-A OUTPUT -p tcp -m tcp --dport 6443 -m comment --comment firedrill -j REJECT --reject-with tcp-reset",
		"-A INPUT -m comment --comment firedrill-other -j ACCEPT",
		`-A INPUT -m comment --comment firedrill -m comment --comment "$(touch ` + marker + `)" -j ACCEPT`,
		"-A INPUT -m comment --comment firedrill -m comment --comment $(touch " + marker + ") -j ACCEPT",
		"-A INPUT -m comment --comment firedrill -m comment --comment `touch " + marker + "` -j ACCEPT",
		"-A INPUT -m comment --comment firedrill;touch\\ " + marker + " -j ACCEPT",
	}, "\n") + "\n"
}

var want = []Rule{
	{"INPUT", "-s", "172.18.0.1/32", "-p", "tcp", "-m", "tcp", "--dport", "6443", "-m", "comment", "--comment", "firedrill", "-j", "DROP"},
	{"OUTPUT", "-p", "tcp", "-m", "tcp", "--dport", "6443", "-m", "comment", "--comment", "firedrill", "-j", "REJECT", "--reject-with", "tcp-reset"},
}

func TestMarkedTakesOnlyPlainRulesOfOurs(t *testing.T) {
	got := Marked(listing("/nonexistent"))
	if !slices.EqualFunc(got, want, func(a, b Rule) bool { return slices.Equal(a, b) }) {
		t.Errorf("Marked:\n got %q\nwant %q", got, want)
	}
}

// The host's own script (run by a timer when the harness is gone) deletes
// exactly what Marked finds, with the same words, and runs nothing it
// read: the old script's eval ran a planted `$(...)` as root.
func TestRemoveAllScriptDeletesWhatMarkedFindsAndRunsNothing(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	calls := filepath.Join(dir, "calls")
	listFile := filepath.Join(dir, "listing")
	if err := os.WriteFile(listFile, []byte(listing(marker)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A fake iptables and ip6tables: -S prints the listing (ip6tables an
	// empty one), -D records its arguments one per line.
	for _, tool := range Tools {
		list := "cat " + listFile
		if tool == "ip6tables" {
			list = "true"
		}
		fake := "#!/bin/sh\nif [ \"$1\" = -S ]; then " + list + "; exit 0; fi\n" +
			"printf '%s\\n' \"$0\" \"$@\" >> " + calls + "\nprintf -- '--\\n' >> " + calls + "\n"
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(fake), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", "-c", RemoveAllScript)
	cmd.Env = append(os.Environ(), "PATH="+dir+":/usr/bin:/bin")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the script ran a command planted in a rule")
	}
	data, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	var got []Rule
	for _, call := range strings.Split(strings.TrimSuffix(string(data), "--\n"), "--\n") {
		words := strings.Split(strings.TrimSuffix(call, "\n"), "\n")
		if filepath.Base(words[0]) != "iptables" || words[1] != "-D" {
			t.Fatalf("unexpected call %q", words)
		}
		got = append(got, Rule(words[2:]))
	}
	if !slices.EqualFunc(got, want, func(a, b Rule) bool { return slices.Equal(a, b) }) {
		t.Errorf("the script deleted\n %q\nMarked finds\n %q", got, want)
	}
}

// RemoveAll, as clean and the journal's undo use it, deletes with argv
// from the same parse, rule by rule, checking each is still there. The
// node holds our two rules and kube-proxy's; its listing also shows the
// planted lines of listing, and our rules a second time.
func TestRemoveAllUsesArgv(t *testing.T) {
	node := iptables.New()
	for _, argv := range [][]string{
		{"iptables", "-N", "KUBE-FIREWALL"},
		append([]string{"iptables", "-A"}, want[0]...),
		append([]string{"iptables", "-A"}, want[1]...),
		{"iptables", "-A", "INPUT", "-j", "KUBE-FIREWALL"},
	} {
		if _, err := node.Run(argv...); err != nil {
			t.Fatal(err)
		}
	}
	run := func(ctx context.Context, argv ...string) ([]byte, error) {
		out, err := node.Exec(ctx, argv...)
		if argv[0] == "iptables" && argv[1] == "-S" {
			out = append(out, listing("/nonexistent")...)
		}
		return out, err
	}
	if err := RemoveAll(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	if rules := node.Rules("iptables"); !slices.Equal(rules, []string{"-A INPUT -j KUBE-FIREWALL"}) {
		t.Errorf("rules left: %q", rules)
	}
}

// What iptables lists is not what was inserted (an address becomes a
// /32, -p tcp gains -m tcp, -s moves first, a list becomes a rule per
// address): the words RemoveAll reads back still delete every rule.
func TestRemoveAllDeletesRulesAsIptablesListsThem(t *testing.T) {
	node := iptables.New()
	reset, err := APIIsolation("172.18.0.1", "6443", Reset)
	if err != nil {
		t.Fatal(err)
	}
	drop, err := APIIsolation("fc00::1", "6443", Drop)
	if err != nil {
		t.Fatal(err)
	}
	for _, argv := range [][]string{
		append([]string{"iptables", "-I"}, reset...),
		append([]string{"ip6tables", "-I"}, drop...),
		append([]string{"iptables", "-I"}, New([]string{"FORWARD", "-d", "10.0.1.0/24,10.0.2.7"}, "-j", "DROP")...),
		{"iptables", "-A", "OUTPUT", "-j", "ACCEPT"},
	} {
		if _, err := node.Run(argv...); err != nil {
			t.Fatal(err)
		}
	}
	found, err := List(context.Background(), node.Exec)
	if err != nil || len(found) != 4 {
		t.Fatalf("List: %v, %v; want 4 rules", found, err)
	}
	if err := RemoveAll(context.Background(), node.Exec); err != nil {
		t.Fatal(err)
	}
	if rules := node.Rules("iptables"); node.Len() != 1 || rules[0] != "-A OUTPUT -j ACCEPT" {
		t.Errorf("rules left: %q %q", rules, node.Rules("ip6tables"))
	}
}

// The rules firedrill builds are the rules it finds again: every rule New
// and APIIsolation make carries the comment, so Marked takes it from a
// listing of it.
func TestBuiltRulesAreFoundAgain(t *testing.T) {
	reset, err := APIIsolation("172.18.0.1", "6443", Reset)
	if err != nil {
		t.Fatal(err)
	}
	drop, err := APIIsolation("fc00::1", "6443", Drop)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Rule{reset, drop, New([]string{"OUTPUT", "-d", "10.0.0.0/8"}, "-j", "DROP")} {
		if got := Marked(r.String() + "\n"); len(got) != 1 || !slices.Equal(got[0], r) {
			t.Errorf("rule %s: found again as %q", r, got)
		}
	}
	// A source read from a node is checked before it is a word of a rule.
	for _, bad := range []string{"172.18.0.1;reboot", "$(reboot)", ""} {
		if _, err := APIIsolation(bad, "6443", Drop); err == nil {
			t.Errorf("source %q accepted", bad)
		}
	}
	if _, err := APIIsolation("172.18.0.1", "6443", "melt"); err == nil {
		t.Error("unknown shape accepted")
	}
}

// A set's script inserts every rule (IPv4 first), removes whichever is
// there, and checks that all are; sh parses each word back unchanged.
func TestSetScript(t *testing.T) {
	s := Set{"ip6tables": {New([]string{"INPUT", "-s", "fc00::/64"}, "-j", "DROP")}, "iptables": {New([]string{"INPUT", "-s", "10.0.0.0/8,10.1.0.0/16"}, "-j", "DROP")}}
	insert := s.Script("-I", "date +%s")
	if want := "iptables -I INPUT -s 10.0.0.0/8,10.1.0.0/16 -m comment --comment firedrill -j DROP && ip6tables -I INPUT -s fc00::/64 -m comment --comment firedrill -j DROP && date +%s"; insert != want {
		t.Errorf("insert:\n got %s\nwant %s", insert, want)
	}
	if remove := s.Script("-D", ""); !strings.HasPrefix(remove, "if iptables -C INPUT") || strings.Count(remove, "; fi") != 2 {
		t.Errorf("remove: %s", remove)
	}
	if check := s.Script("-C", "ignored"); !strings.HasSuffix(check, ") && echo in || echo out") || strings.Contains(check, "ignored") {
		t.Errorf("check: %s", check)
	}
}
