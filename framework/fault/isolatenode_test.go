package fault

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/packetfilter"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

func TestIsolateNodeCutsAndHeals(t *testing.T) {
	dir := t.TempDir()
	f, err := New(scenario.Fault{Action: ActionIsolateNode}, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "partition-node"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster("w3")
	c.Clock = func() time.Time { return time.Unix(1795900000, 123456789) }
	targets := []cluster.Node{{Name: "w3"}}
	ev := &events{}
	if err := f.Inject(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	if took, why := timeline.FaultTook(ev.timeline()); !took {
		t.Errorf("FaultTook: %s", why)
	}
	if e := ev.ev[0]; e.Effective.Unix() != 1795900000 {
		t.Errorf("the cut is not stamped by the node: %+v", e)
	}
	if got := pending(t, dir); len(got) != 1 || got[0] != "isolate-node w3 undo restore-node" {
		t.Errorf("journal during the cut: %v", got)
	}
	// The one rule, in the node's OUTPUT, for IPv4 and IPv6 both.
	rule := "-A OUTPUT -p tcp -m tcp --dport 6443 -m comment --comment firedrill -j DROP"
	for _, tool := range packetfilter.Tools {
		if got := c.Filter("w3").Rules(tool); !slices.Equal(got, []string{rule}) {
			t.Errorf("%s rules during the cut: %q, want %s", tool, got, rule)
		}
	}
	if err := f.Recover(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	if c.Filter("w3").Len() != 0 || len(pending(t, dir)) != 0 {
		t.Errorf("after the heal: rules %v, journal %v", c.Filter("w3").Rules("iptables"), pending(t, dir))
	}
	// What a dead run left (the IPv4 rule only), firedrill clean removes;
	// a rule already gone is no error.
	if _, err := c.Exec(context.Background(), targets[0], "iptables", append([]string{"-I"}, nodeRuleWords()...)...); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := Undo(context.Background(), c, journal.Entry{Node: "w3", Undo: UndoRestoreNode}); err != nil {
			t.Fatal(err)
		}
	}
	if c.Filter("w3").Len() != 0 {
		t.Errorf("rules after the undo: %v", c.Filter("w3").Rules("iptables"))
	}
}
