package fault

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/packetfilter"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

func TestEtcdPeerRules(t *testing.T) {
	rules := etcdPeerRules()
	want := []string{
		"INPUT -p tcp --dport 2380 -m comment --comment firedrill -j DROP",
		"INPUT -p tcp --sport 2380 -m comment --comment firedrill -j DROP",
		"OUTPUT -p tcp --sport 2380 -m comment --comment firedrill -j DROP",
		"OUTPUT -p tcp --dport 2380 -m comment --comment firedrill -j DROP",
	}
	for _, tool := range packetfilter.Tools {
		var got []string
		for _, r := range rules[tool] {
			got = append(got, strings.Join(r, " "))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s rules:\n%s\nwant\n%s", tool, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// peers is two control-plane nodes whose clock reads 1795900020.5.
func peers() *fakes.Cluster {
	c := newCluster("cp1", "cp2")
	c.Clock = func() time.Time { return time.Unix(1795900020, 500000000) }
	return c
}

// The leader's peer port is cut both ways for IPv4 and IPv6, proven by the
// rules being there, stamped by the node, journaled and left with an undo
// on the host; the lift removes every rule and closes the journal.
func TestPartitionEtcdPeersCutsAndHeals(t *testing.T) {
	dir := t.TempDir()
	spec := scenario.Fault{Action: ActionPartitionEtcdPeers, Duration: 20 * time.Second,
		Target: scenario.Target{Role: "control-plane", Component: "etcd", Count: "one", Leadership: "leader"}}
	f, err := New(spec, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "partition-etcd-leader"))
	if err != nil {
		t.Fatal(err)
	}
	c := peers()
	targets := []cluster.Node{{Name: "cp2"}}
	ev := &events{}
	if err := f.Inject(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	if took, why := timeline.FaultTook(ev.timeline()); !took {
		t.Errorf("FaultTook: %s", why)
	}
	if e := ev.evidence[0]; e.What != "peer port 2380 drop rules in place" || e.Action != "partition-etcd-peers" {
		t.Errorf("evidence %+v", e)
	}
	if e := ev.ev[0]; e.Effective.Unix() != 1795900020 {
		t.Errorf("the cut is not stamped by the node: %+v", e)
	}
	if n := c.Filter("cp2").Len(); n != 8 || c.Filter("cp1").Len() != 0 {
		t.Errorf("%d rules on the target (want 4 IPv4 and 4 IPv6), %d elsewhere", n, c.Filter("cp1").Len())
	}
	if got := pending(t, dir); !slices.Equal(got, []string{"partition-etcd-peers cp2 undo restore-etcd-peers"}) {
		t.Errorf("journal during the cut: %v", got)
	}
	if armed := c.Armed(); len(armed) != 1 || armed[0].After != 20*time.Second+hostUndoGrace {
		t.Errorf("host undo armed %v; want one, past the duration", armed)
	}
	for _, a := range c.Armed() {
		if a.Script != removeMarkedRulesScript {
			t.Errorf("the host's undo is not the removal of firedrill's rules:\n%s", a.Script)
		}
	}
	if err := f.Recover(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	if c.Filter("cp2").Len() != 0 || len(pending(t, dir)) != 0 || len(c.Armed()) != 0 {
		t.Errorf("after the heal: %d rules, journal %v, armed %v", c.Filter("cp2").Len(), pending(t, dir), c.Armed())
	}
}

// A run that died during the cut leaves the rules and an open entry:
// `firedrill clean` replays the entry through the registry (Undo), and
// finds whatever is left by firedrill's mark in the node's listing, as it
// does for every rule-based action.
func TestPartitionEtcdPeersLeftoversAreCleaned(t *testing.T) {
	dir := t.TempDir()
	spec := scenario.Fault{Action: ActionPartitionEtcdPeers, Duration: 20 * time.Second, Target: scenario.Target{Component: "etcd"}}
	f, err := New(spec, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "partition-etcd-majority"))
	if err != nil {
		t.Fatal(err)
	}
	c := peers()
	targets := []cluster.Node{{Name: "cp1"}, {Name: "cp2"}}
	if err := f.Inject(context.Background(), c, targets, &events{}); err != nil {
		t.Fatal(err)
	}
	entries, err := journal.Pending(dir)
	if err != nil || len(entries) != 2 {
		t.Fatalf("journal: %v, %v", entries, err)
	}
	for range 2 { // a rule already gone is no error
		if err := Undo(context.Background(), c, entries[0]); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.Filter(entries[0].Node).Len(); n != 0 {
		t.Errorf("the journal's undo left %d rules", n)
	}
	other := cluster.Node{Name: entries[1].Node}
	found, err := packetfilter.List(context.Background(), cluster.FilterRun(c, other))
	if err != nil || len(found) != 8 {
		t.Fatalf("clean's listing found %d rules, want 8 (%v)", len(found), err)
	}
	if err := packetfilter.RemoveAll(context.Background(), cluster.FilterRun(c, other)); err != nil || c.Filter(other.Name).Len() != 0 {
		t.Errorf("clean's removal left %d rules (%v)", c.Filter(other.Name).Len(), err)
	}
}

// The target selection etcd's functional tester's cases need: its leader,
// one follower, two of three members.
func TestPartitionEtcdPeersTargets(t *testing.T) {
	etcd := func(count, leadership string) scenario.Fault {
		return scenario.Fault{Action: ActionPartitionEtcdPeers, Duration: 20 * time.Second,
			Target: scenario.Target{Role: "control-plane", Component: "etcd", Count: count, Leadership: leadership}}
	}
	facts := Facts{Leader: "c-control-plane2", LastRestart: map[string]time.Time{"c-control-plane": time.Now()}}
	for _, c := range []struct {
		fault scenario.Fault
		want  string
	}{
		{etcd("one", "leader"), "c-control-plane2"},
		{etcd("one", "follower"), "c-control-plane"},
		{etcd("2", ""), "c-control-plane,c-control-plane2"},
	} {
		choice, err := Select(haNodes, c.fault, facts, time.Now())
		var got []string
		for _, n := range choice.Nodes {
			got = append(got, n.Name)
		}
		if err != nil || strings.Join(got, ",") != c.want {
			t.Errorf("%+v: %v (%v), want %s", c.fault.Target, got, err, c.want)
		}
		if slices.ContainsFunc(choice.Why, func(w string) bool { return strings.Contains(w, "back-off") }) {
			t.Errorf("%+v: no container restarts, yet %v", c.fault.Target, choice.Why)
		}
	}
}

// A scenario names the etcd component and a duration, on control-plane
// nodes; the messages are the format's usual ones.
func TestPartitionEtcdPeersValidation(t *testing.T) {
	const base = `apiVersion: firedrill.io/v1alpha1
kind: Scenario
name: drill
description: Cut etcd's leader off from its peers.
cluster: kind-ha
steadyState:
  checks: [api, etcd]
  settle: 10s
  timeout: 2m
probes:
  interval: 200ms
  timeout: 1s
  writeInterval: 250ms
fault:
  action: partition-etcd-peers
  target:
    role: control-plane
    component: etcd
    count: one
    leadership: leader
  duration: 20s
recovery:
  conditions: [api, etcd]
  timeout: 5m
budgets:
  - figure: writes.lost
    kind: availability
    max: 0
    why: nothing acknowledged is lost
`
	for _, c := range []struct{ old, new, want string }{
		{"", "", ""},
		{"  duration: 20s\n", "", `fault.duration: required for action "partition-etcd-peers"`},
		{"    component: etcd\n", "", `fault.target.component: required for action "partition-etcd-peers"`},
		{"    component: etcd\n", "    component: kube-scheduler\n", `fault.target.component: action "partition-etcd-peers" acts on "etcd" only`},
		{"    role: control-plane\n", "    role: worker\n", `fault.target.role: component etcd runs on control-plane nodes: role must be "control-plane"`},
		{"  duration: 20s\n", "  duration: 20s\n  kubeletBackoff: in-budget\n", `fault.kubeletBackoff: action "partition-etcd-peers" restarts no container: remove it`},
	} {
		path := filepath.Join(t.TempDir(), "drill.yaml")
		if err := os.WriteFile(path, []byte(strings.Replace(base, c.old, c.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := scenario.LoadScenario(path)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("a valid scenario refused: %v", err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q -> %q: %v, want %q", c.old, c.new, err, c.want)
		}
	}
}
