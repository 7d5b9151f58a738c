package fault

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// procCluster has one etcd process per node whose state signals change,
// unless it ignores them.
type procCluster struct {
	fakeCluster
	mu      sync.Mutex
	state   map[string]string // node -> R or T
	ignores bool
}

func (p *procCluster) Exec(_ context.Context, n cluster.Node, command string, args ...string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := command + " " + strings.Join(args, " ")
	switch {
	case strings.HasPrefix(line, "pkill -STOP -f ^etcd( |$)"):
		if !p.ignores {
			p.state[n.Name] = "T"
		}
		return nil, nil
	case strings.Contains(line, "pkill -CONT -f '^etcd( |$)'"):
		p.state[n.Name] = "R"
		return nil, nil
	case strings.Contains(line, "/proc/$p/stat"):
		return []byte(p.state[n.Name] + "\n"), nil
	}
	return nil, fmt.Errorf("unexpected command %s", line)
}

func TestFreezeHoldsAndThaws(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ignores bool
		took    bool
	}{{"stopped", false, true}, {"signal had no effect", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f, err := New(scenario.Fault{Action: ActionFreeze, Target: scenario.Target{Component: scenario.ComponentEtcd}},
				scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "lose-etcd-quorum"))
			if err != nil {
				t.Fatal(err)
			}
			c := &procCluster{state: map[string]string{"cp1": "S", "cp2": "S", "cp3": "S"}, ignores: tc.ignores}
			targets := []cluster.Node{{Name: "cp1"}, {Name: "cp2"}}
			ev := &events{}
			if err := f.Inject(context.Background(), c, targets, ev); err != nil {
				t.Fatal(err)
			}
			if took, why := timeline.FaultTook(ev.timeline()); took != tc.took {
				t.Errorf("FaultTook = %v (%s), want %v", took, why, tc.took)
			}
			if got := pending(t, dir); len(got) != 2 || got[0] != "freeze etcd cp1 undo thaw" {
				t.Errorf("journal during the freeze: %v", got)
			}
			if err := f.Recover(context.Background(), c, targets, ev); err != nil {
				t.Fatal(err)
			}
			if c.state["cp1"] != "R" || c.state["cp2"] != "R" || c.state["cp3"] != "S" {
				t.Errorf("states after the thaw: %v", c.state)
			}
			if got := pending(t, dir); len(got) > 0 {
				t.Errorf("journal after the thaw: %v", got)
			}
		})
	}
}

// firedrill clean thaws a member a dead run left frozen.
func TestUndoThaws(t *testing.T) {
	c := &procCluster{state: map[string]string{"cp1": "T"}}
	if err := Undo(context.Background(), c, journal.Entry{Node: "cp1", Action: "freeze etcd", Undo: UndoThaw, Shape: "etcd"}); err != nil {
		t.Fatal(err)
	}
	if c.state["cp1"] != "R" {
		t.Errorf("state %s after the undo, want R", c.state["cp1"])
	}
}

// A journal entry is text on disk: one whose component is not a known
// one is refused, and nothing is run on the node.
func TestUndoThawRefusesAnUnknownComponent(t *testing.T) {
	c := &procCluster{state: map[string]string{"cp1": "T"}}
	err := Undo(context.Background(), c, journal.Entry{Node: "cp1", Action: "freeze etcd", Undo: UndoThaw, Shape: "etcd( |$)'; reboot; '"})
	if err == nil || !strings.Contains(err.Error(), "not undone") {
		t.Errorf("undo of a planted component: %v, want a refusal", err)
	}
	if c.state["cp1"] != "T" {
		t.Errorf("something ran on the node: state %s", c.state["cp1"])
	}
}
