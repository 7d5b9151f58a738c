package fault

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// ruleCluster keeps each node's OUTPUT rules as iptables would.
type ruleCluster struct {
	fakeCluster
	mu    sync.Mutex
	rules map[string][]string
}

func (r *ruleCluster) Exec(_ context.Context, n cluster.Node, command string, args ...string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	script := strings.Join(args, " ")
	rule := strings.Join(nodeRuleWords(), " ")
	has := func(family string) bool { return slices.Contains(r.rules[n.Name], family) }
	switch {
	case command != "sh":
	case script == "-c iptables -I "+rule+" && ip6tables -I "+rule+" && "+cluster.NodeClockCommand:
		r.rules[n.Name] = append(r.rules[n.Name], "v4", "v6")
		return []byte("1795900000.123456789\n"), nil
	case strings.HasPrefix(script, "-c if iptables -C "+rule):
		r.rules[n.Name] = nil
		return []byte("1795900075.123456789\n"), nil
	case strings.HasPrefix(script, "-c (iptables -C "+rule):
		if has("v4") && has("v6") {
			return []byte("in\n"), nil
		}
		return []byte("out\n"), nil
	}
	return nil, fmt.Errorf("unexpected command %s %s", command, script)
}

func TestIsolateNodeCutsAndHeals(t *testing.T) {
	dir := t.TempDir()
	f, err := New(scenario.Fault{Action: ActionIsolateNode}, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "partition-node"))
	if err != nil {
		t.Fatal(err)
	}
	c := &ruleCluster{rules: map[string][]string{}}
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
	if err := f.Recover(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	if len(c.rules["w3"]) != 0 || len(pending(t, dir)) != 0 {
		t.Errorf("after the heal: rules %v, journal %v", c.rules["w3"], pending(t, dir))
	}
	// What a dead run left, firedrill clean removes; a rule already gone is
	// no error.
	c.rules["w3"] = []string{"v4"}
	for range 2 {
		if err := Undo(context.Background(), c, journal.Entry{Node: "w3", Undo: UndoRestoreNode}); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.rules["w3"]) != 0 {
		t.Errorf("rules after the undo: %v", c.rules["w3"])
	}
}
