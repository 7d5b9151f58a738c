package fault

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// etcdProcesses has each node run one etcd process, in the state given
// (node -> R, S or T), whose state signals change, unless it ignores
// them; the states are the test's to read.
func etcdProcesses(c *fakes.Cluster, state map[string]string, ignores bool) {
	var mu sync.Mutex
	c.Commands = func(_ context.Context, n cluster.Node, argv []string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		line := strings.Join(argv, " ")
		switch {
		case strings.HasPrefix(line, "pkill -STOP -f ^etcd( |$)"):
			if !ignores {
				state[n.Name] = "T"
			}
			return nil, nil
		case strings.Contains(line, "pkill -CONT -f '^etcd( |$)'"):
			state[n.Name] = "R"
			return nil, nil
		case strings.Contains(line, "/proc/$p/stat"):
			return []byte(state[n.Name] + "\n"), nil
		}
		return nil, fmt.Errorf("unexpected command %s", line)
	}
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
			c := newCluster("cp1", "cp2", "cp3")
			state := map[string]string{"cp1": "S", "cp2": "S", "cp3": "S"}
			etcdProcesses(c, state, tc.ignores)
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
			if state["cp1"] != "R" || state["cp2"] != "R" || state["cp3"] != "S" {
				t.Errorf("states after the thaw: %v", state)
			}
			if got := pending(t, dir); len(got) > 0 {
				t.Errorf("journal after the thaw: %v", got)
			}
		})
	}
}

// firedrill clean thaws a member a dead run left frozen.
func TestUndoThaws(t *testing.T) {
	c := newCluster("cp1")
	state := map[string]string{"cp1": "T"}
	etcdProcesses(c, state, false)
	if err := Undo(context.Background(), c, journal.Entry{Node: "cp1", Action: "freeze etcd", Undo: UndoThaw, Shape: "etcd"}); err != nil {
		t.Fatal(err)
	}
	if state["cp1"] != "R" {
		t.Errorf("state %s after the undo, want R", state["cp1"])
	}
}

// A journal entry is text on disk: one whose component is not a known
// one is refused, and nothing is run on the node.
func TestUndoThawRefusesAnUnknownComponent(t *testing.T) {
	c := newCluster("cp1")
	state := map[string]string{"cp1": "T"}
	etcdProcesses(c, state, false)
	err := Undo(context.Background(), c, journal.Entry{Node: "cp1", Action: "freeze etcd", Undo: UndoThaw, Shape: "etcd( |$)'; reboot; '"})
	if err == nil || !strings.Contains(err.Error(), "not undone") {
		t.Errorf("undo of a planted component: %v, want a refusal", err)
	}
	if state["cp1"] != "T" || len(c.Ran()) != 0 {
		t.Errorf("something ran on the node: state %s, commands %q", state["cp1"], c.Ran())
	}
}
