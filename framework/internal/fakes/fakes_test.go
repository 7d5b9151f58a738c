package fakes

import (
	"context"
	"errors"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/packetfilter"
)

var ctx = context.Background()

func threeNodes() *Cluster {
	return NewCluster("fake",
		cluster.Node{Name: "cp1", Role: cluster.RoleControlPlane, Zone: "zone-a", Address: "10.0.0.1"},
		cluster.Node{Name: "cp2", Role: cluster.RoleControlPlane, Zone: "zone-b", Address: "10.0.0.2"},
		cluster.Node{Name: "w1", Role: cluster.RoleWorker, Zone: "zone-b", Address: "10.0.0.3"})
}

// The scripts the packet filter package writes run on the node's tables:
// -I puts every rule in and prints the node's clock, -C says in or out,
// -D removes whichever is there; clean's argv listing finds the rules and
// removes them.
func TestPacketFilterScriptsRunOnTheNode(t *testing.T) {
	c := threeNodes()
	c.Clock = func() time.Time { return time.Unix(1795900020, 500000000) }
	n := cluster.Node{Name: "cp1"}
	set := packetfilter.Set{
		"iptables":  {packetfilter.New([]string{"INPUT", "-s", "10.0.0.2,10.0.0.3"}, "-j", "DROP")},
		"ip6tables": {packetfilter.New([]string{"OUTPUT", "-p", "tcp", "--dport", "2380"}, "-j", "DROP")},
	}
	check := func() string {
		out, err := c.Exec(ctx, n, "sh", "-c", set.Script("-C", ""))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := check(); got != "out" {
		t.Errorf("-C before: %q", got)
	}
	out, err := c.Exec(ctx, n, "sh", "-c", set.Script("-I", cluster.NodeClockCommand))
	if err != nil || string(out) != "1795900020.500000000\n" {
		t.Fatalf("-I: %q, %v", out, err)
	}
	want := []string{
		"-A INPUT -s 10.0.0.2/32 -m comment --comment firedrill -j DROP",
		"-A INPUT -s 10.0.0.3/32 -m comment --comment firedrill -j DROP",
	}
	if got := c.Filter("cp1").Rules("iptables"); !slices.Equal(got, want) {
		t.Errorf("iptables rules:\n%s", strings.Join(got, "\n"))
	}
	if got := c.Filter("cp1").Rules("ip6tables"); !slices.Equal(got, []string{"-A OUTPUT -p tcp -m tcp --dport 2380 -m comment --comment firedrill -j DROP"}) {
		t.Errorf("ip6tables rules: %q", got)
	}
	if got := check(); got != "in" {
		t.Errorf("-C with the rules in: %q", got)
	}
	// One rule gone by hand: the check says out, the lift removes the rest.
	if _, err := c.Exec(ctx, n, "ip6tables", "-D", "OUTPUT", "-p", "tcp", "--dport", "2380", "-m", "comment", "--comment", "firedrill", "-j", "DROP"); err != nil {
		t.Fatal(err)
	}
	if got := check(); got != "out" {
		t.Errorf("-C with a rule missing: %q", got)
	}
	if _, err := c.Exec(ctx, n, "sh", "-c", set.Script("-D", cluster.NodeClockCommand)); err != nil {
		t.Fatal(err)
	}
	if c.Filter("cp1").Len() != 0 {
		t.Errorf("rules after the lift: %v", c.Filter("cp1").Rules("iptables"))
	}
	// An insert that fails halfway fails the script, as sh does.
	bad := packetfilter.Set{"iptables": {packetfilter.New([]string{"INPUT", "-s", "fc00::1"}, "-j", "DROP")}}
	if _, err := c.Exec(ctx, n, "sh", "-c", bad.Script("-I", cluster.NodeClockCommand)); err == nil {
		t.Error("an IPv6 address in iptables went in")
	}
	// clean's way: list by argv, remove each.
	if _, err := c.Exec(ctx, n, "sh", "-c", set.Script("-I", "")); err != nil {
		t.Fatal(err)
	}
	found, err := packetfilter.List(ctx, cluster.FilterRun(c, n))
	if err != nil || len(found) != 3 {
		t.Fatalf("List: %v, %v", found, err)
	}
	if err := packetfilter.RemoveAll(ctx, cluster.FilterRun(c, n)); err != nil || c.Filter("cp1").Len() != 0 {
		t.Errorf("RemoveAll: %v, left %d", err, c.Filter("cp1").Len())
	}
	if got := c.Ran("cp1")[:2]; got[0] != "sh -c "+set.Script("-C", "") || !strings.HasPrefix(got[1], "sh -c iptables -I INPUT") {
		t.Errorf("Ran: %q", got)
	}
	if len(c.Ran("cp2")) != 0 {
		t.Errorf("commands on cp2: %q", c.Ran("cp2"))
	}
}

// The API isolation goes in as the providers put it, with its stamp, and
// is found and lifted by it.
func TestAPIIsolation(t *testing.T) {
	c := threeNodes()
	c.Clock = func() time.Time { return time.Unix(1795900000, 123456789) }
	n := cluster.Node{Name: "cp2"}
	at, err := c.IsolateAPI(ctx, n, cluster.IsolateReset)
	if err != nil || at.Unix() != 1795900000 {
		t.Fatalf("IsolateAPI: %v, %v", at, err)
	}
	if got := c.Filter("cp2").Rules("iptables"); len(got) != 1 || !strings.Contains(got[0], "-s 172.18.0.1/32 -p tcp -m tcp --dport 6443 -m comment --comment firedrill -j REJECT --reject-with tcp-reset") {
		t.Errorf("rules %q", got)
	}
	for shape, want := range map[string]bool{cluster.IsolateReset: true, cluster.IsolateDrop: false} {
		if in, err := c.APIIsolated(ctx, n, shape); in != want || err != nil {
			t.Errorf("APIIsolated %s: %v, %v", shape, in, err)
		}
	}
	if _, err := c.RestoreAPI(ctx, n, cluster.IsolateReset); err != nil || c.Filter("cp2").Len() != 0 {
		t.Errorf("RestoreAPI: %v, %d rules", err, c.Filter("cp2").Len())
	}
	if _, err := c.RestoreAPI(ctx, n, cluster.IsolateReset); err == nil {
		t.Error("a second restore found a rule to delete")
	}
	if got := strings.Join(c.Calls(), ","); got != "IsolateAPI cp2,RestoreAPI cp2,RestoreAPI cp2" {
		t.Errorf("calls %s", got)
	}
}

// Other commands go to the test's Commands, scripts too; without it they
// fail.
func TestCommandsHook(t *testing.T) {
	c := threeNodes()
	n := cluster.Node{Name: "w1"}
	if _, err := c.Exec(ctx, n, "pgrep", "etcd"); err == nil {
		t.Error("a command nobody scripted ran")
	}
	var got [][]string
	c.Commands = func(_ context.Context, m cluster.Node, argv []string) ([]byte, error) {
		got = append(got, argv)
		return []byte("4242\n"), nil
	}
	for _, argv := range [][]string{{"pgrep", "-f", "^etcd"}, {"sh", "-c", "pgrep -f '^etcd( |$)' || true"}, {"sh", "-c", "echo $SSH_CLIENT"},
		{"sh", "-c", "iptables -S | grep x"}} {
		if out, err := c.Exec(ctx, n, argv[0], argv[1:]...); err != nil || string(out) != "4242\n" {
			t.Errorf("%q: %q, %v", argv, out, err)
		}
	}
	if len(got) != 4 || got[1][2] != "pgrep -f '^etcd( |$)' || true" {
		t.Errorf("Commands got %q", got)
	}
	if _, err := c.Exec(ctx, cluster.Node{Name: "w9"}, "true"); err == nil {
		t.Error("a node the cluster does not have ran a command")
	}
}

// Actions change the nodes, are recorded, and are scripted by hooks.
func TestNodeActions(t *testing.T) {
	c := threeNodes()
	cp1, w1 := cluster.Node{Name: "cp1"}, cluster.Node{Name: "w1"}
	boot, _ := c.BootID(ctx, cp1)
	if err := c.Reboot(ctx, cp1); err != nil {
		t.Fatal(err)
	}
	if after, _ := c.BootID(ctx, cp1); after == boot {
		t.Error("a reboot kept the boot id")
	}
	c.NoEffect("Reboot", true)
	before, _ := c.BootID(ctx, cp1)
	_ = c.Reboot(ctx, cp1)
	if after, _ := c.BootID(ctx, cp1); after != before {
		t.Error("a reboot with no effect booted")
	}
	c.Fail("Pause", "w1", errors.New("docker said no"))
	if err := c.Pause(ctx, w1); err == nil || err.Error() != "docker said no" {
		t.Errorf("Pause w1: %v", err)
	}
	if p, _ := c.Paused(ctx, w1); p {
		t.Error("a failed pause paused")
	}
	c.Fail("Pause", "w1", nil)
	var order []string
	c.Before("Pause", func(_ context.Context, n cluster.Node) error {
		p, _ := c.Paused(ctx, n)
		order = append(order, "before paused="+strconv.FormatBool(p))
		return nil
	})
	c.After("Pause", func(_ context.Context, n cluster.Node) error {
		p, _ := c.Paused(ctx, n)
		order = append(order, "after paused="+strconv.FormatBool(p))
		return errors.New("killed")
	})
	if err := c.Pause(ctx, w1); err == nil {
		t.Error("the After hook's error was lost")
	}
	if p, _ := c.Paused(ctx, w1); !p || strings.Join(order, ",") != "before paused=false,after paused=true" {
		t.Errorf("paused %v, hooks %v", p, order)
	}
	if err := c.Stop(ctx, w1); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.Running(ctx, w1); r {
		t.Error("a stopped node runs")
	}
	if _, err := c.Exec(ctx, w1, "iptables", "-S"); err == nil {
		t.Error("a stopped node ran a command")
	}
	_ = c.Start(ctx, w1)
	if r, _ := c.Running(ctx, w1); !r {
		t.Error("a started node does not run")
	}
	if err := c.PartitionZone(ctx, "zone-b"); err != nil {
		t.Fatal(err)
	}
	if err := c.PartitionZone(ctx, "zone-x"); err == nil {
		t.Error("a zone no node is in was cut off")
	}
	_ = c.HealZone(ctx, "")
	if cut, _ := c.ZonePartitioned(ctx, "zone-b"); cut {
		t.Error("HealZone(\"\") left zone-b cut")
	}
	if err := c.ArmUndo(ctx, cp1, "u1", "true", time.Minute); err != nil || len(c.Armed()) != 1 {
		t.Fatalf("ArmUndo: %v, %v", err, c.Armed())
	}
	if err := c.DisarmUndo(ctx, cp1, "u1"); err != nil || len(c.Armed()) != 0 {
		t.Errorf("DisarmUndo: %v, %v", err, c.Armed())
	}
	if err := c.DisarmUndo(ctx, cp1, "u1"); err != nil {
		t.Errorf("disarming what is not armed: %v", err)
	}
	want := "Reboot cp1,Reboot cp1,Pause w1,Pause w1,Stop w1,Start w1,PartitionZone zone-b,PartitionZone zone-x,HealZone,ArmUndo cp1,DisarmUndo cp1,DisarmUndo cp1"
	if got := strings.Join(c.Calls(), ","); got != want {
		t.Errorf("calls\n %s\nwant\n %s", got, want)
	}
	if got := c.Calls("Pause", "Stop"); !slices.Equal(got, []string{"Pause w1", "Pause w1", "Stop w1"}) {
		t.Errorf("Calls(Pause, Stop) = %q", got)
	}
	if err := c.Pause(ctx, cluster.Node{Name: "w9"}); err == nil {
		t.Error("a node the cluster does not have was paused")
	}
}

// A lost node is gone from the listing and comes back empty; files go to
// and from nodes.
func TestLoseReplaceAndCopy(t *testing.T) {
	c := threeNodes()
	cp2 := cluster.Node{Name: "cp2"}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "pki", "etcd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pki", "etcd", "ca.crt"), []byte("ca"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.CopyTo(ctx, cp2, filepath.Join(dir, "pki"), "/etc/kubernetes/pki"); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(dir, "back")
	if err := c.CopyFrom(ctx, cp2, "/etc/kubernetes/pki", back); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(back, "etcd", "ca.crt")); err != nil || string(data) != "ca" {
		t.Errorf("copied back: %q, %v", data, err)
	}
	if err := c.Lose(ctx, cp2); err != nil {
		t.Fatal(err)
	}
	if nodes, _ := c.Nodes(ctx); len(nodes) != 2 {
		t.Errorf("nodes after a loss: %v", nodes)
	}
	if err := c.Replace(ctx, cp2); err != nil {
		t.Fatal(err)
	}
	if nodes, _ := c.Nodes(ctx); len(nodes) != 3 {
		t.Errorf("nodes after the replacement: %v", nodes)
	}
	if err := c.CopyFrom(ctx, cp2, "/etc/kubernetes/pki", filepath.Join(dir, "again")); err == nil {
		t.Error("a replaced node kept its files")
	}
}

// Without switches exactly one ability off; Bare has none.
func TestWithout(t *testing.T) {
	c := threeNodes()
	all := []Ability{NodeExec, Pauser, Rebooter, Stopper, BootIdentifier, NetworkMap, APIIsolator, UndoArmer,
		ZonePartitioner, FileCopier, Replacer, KubeadmConfigured}
	for _, off := range all {
		v := c.Without(off)
		for _, a := range all {
			if Has(v, a) != (a != off) {
				t.Errorf("Without(%d): has %d = %v", off, a, Has(v, a))
			}
		}
		if v.Name() != "fake" {
			t.Errorf("Without(%d) is named %s", off, v.Name())
		}
	}
	for _, a := range all {
		if !Has(c, a) || Has(c.Bare(), a) {
			t.Errorf("ability %d: cluster %v, bare %v", a, Has(c, a), Has(c.Bare(), a))
		}
	}
}

// The provider makes, reuses what it made when asked, refuses the rest,
// and deletes only what it made.
func TestProvider(t *testing.T) {
	p := NewProvider()
	p.Add(NewCluster("theirs"), false)
	spec := cluster.Spec{Name: "c1", Nodes: []cluster.NodeSpec{{Role: cluster.RoleControlPlane, Zone: "a"}}}
	c, created, err := p.Up(ctx, cluster.UpInput{Spec: spec, RunID: "run-1"})
	if err != nil || !created || c.Name() != "c1" {
		t.Fatalf("Up: %v, %v, %v", c, created, err)
	}
	if nodes, _ := c.Nodes(ctx); len(nodes) != 1 || nodes[0].Role != cluster.RoleControlPlane || nodes[0].Zone != "a" {
		t.Errorf("nodes %v", nodes)
	}
	if _, _, err := p.Up(ctx, cluster.UpInput{Spec: spec, RunID: "run-2"}); err == nil {
		t.Error("an existing cluster reused without Reuse")
	}
	if again, created, err := p.Up(ctx, cluster.UpInput{Spec: spec, Reuse: true, RunID: "run-3"}); err != nil || created || again != c {
		t.Errorf("reuse: %v, %v", created, err)
	}
	if _, _, err := p.Up(ctx, cluster.UpInput{Spec: cluster.Spec{Name: "theirs"}, Reuse: true}); err == nil {
		t.Error("a cluster this tool did not make was reused")
	}
	if made, _ := p.Made(ctx); !slices.Equal(made, []string{"c1"}) {
		t.Errorf("Made %v", made)
	}
	if all, _ := p.All(ctx); !slices.Equal(all, []string{"c1", "theirs"}) {
		t.Errorf("All %v", all)
	}
	if _, err := p.Attach(ctx, "nope"); !errors.Is(err, cluster.ErrNotFound) {
		t.Errorf("Attach nope: %v", err)
	}
	if err := p.Delete(ctx, "theirs"); err == nil {
		t.Error("a cluster this tool did not make was deleted")
	}
	if err := p.Delete(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if exists, _ := p.Exists("c1"); exists || !slices.Equal(p.Deletes(), []string{"theirs", "c1"}) {
		t.Errorf("exists %v, deletes %v", exists, p.Deletes())
	}
	if !slices.Equal(p.Runs(), []string{"run-1", "run-2", "run-3", ""}) {
		t.Errorf("runs %q", p.Runs())
	}
}

// Nothing but tests imports this package or those below it: what is in
// them is never built into a binary.
func TestOnlyTestsImportFakes(t *testing.T) {
	const fakes = "github.com/firedrill/firedrill/framework/internal/fakes"
	root := filepath.Join("..", "..", "..")
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "reports") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			rel, _ := filepath.Rel(root, path)
			if (p == fakes || strings.HasPrefix(p, fakes+"/")) && !strings.HasPrefix(filepath.ToSlash(rel), "framework/internal/fakes/") {
				t.Errorf("%s imports %s: only tests may", rel, p)
			}
		}
		return nil
	})
	if err != nil || files < 100 {
		t.Fatalf("%d files read from %s: %v", files, root, err)
	}
}
