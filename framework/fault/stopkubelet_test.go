package fault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// kubelets has each node run a kubelet unit whose ActiveState systemctl
// stop and start change (unless ignored: a stop that does not take); the
// states are the test's to read.
func kubelets(c *fakes.Cluster, state map[string]string, ignoreStop bool) {
	var mu sync.Mutex
	c.Commands = func(_ context.Context, n cluster.Node, argv []string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		switch line := strings.Join(argv, " "); line {
		case "systemctl stop kubelet":
			if !ignoreStop {
				state[n.Name] = "inactive"
			}
			return nil, nil
		case "systemctl start kubelet":
			state[n.Name] = "active"
			return nil, nil
		case "systemctl show --property=ActiveState --value kubelet":
			return []byte(state[n.Name] + "\n"), nil
		default:
			return nil, fmt.Errorf("unexpected command %s", line)
		}
	}
}

func stopKubeletSpec() scenario.Fault {
	return scenario.Fault{Action: ActionStopKubelet, Duration: 75 * time.Second,
		Target: scenario.Target{Role: "control-plane", Count: "one"}}
}

// The kubelet of the target only is stopped, proven by systemd's state,
// journaled and left with a start on the host; the lift starts it and
// closes the journal.
func TestStopKubeletHoldsAndStarts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ignore bool
		took   bool
	}{{"stopped", false, true}, {"stop had no effect", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f, err := New(stopKubeletSpec(), scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "stop-kubelet"))
			if err != nil {
				t.Fatal(err)
			}
			c := newCluster("cp1", "cp2", "cp3")
			state := map[string]string{"cp1": "active", "cp2": "active", "cp3": "active"}
			kubelets(c, state, tc.ignore)
			targets := []cluster.Node{{Name: "cp2"}}
			ev := &events{}
			if err := f.Inject(context.Background(), c, targets, ev); err != nil {
				t.Fatal(err)
			}
			if took, why := timeline.FaultTook(ev.timeline()); took != tc.took {
				t.Errorf("FaultTook = %v (%s), want %v", took, why, tc.took)
			}
			if e := ev.evidence[0]; e.What != "kubelet stopped (systemd ActiveState not active)" || e.Target != "cp2" {
				t.Errorf("evidence %+v", e)
			}
			if tc.took && (state["cp1"] != "active" || state["cp2"] != "inactive" || state["cp3"] != "active") {
				t.Errorf("states during the fault: %v", state)
			}
			if got := pending(t, dir); !slices.Equal(got, []string{"stop-kubelet cp2 undo start-kubelet"}) {
				t.Errorf("journal during the fault: %v", got)
			}
			if armed := c.Armed(); len(armed) != 1 || armed[0].Node != "cp2" || armed[0].Script != "systemctl start kubelet" ||
				armed[0].After != 75*time.Second+hostUndoGrace {
				t.Errorf("host undo armed %+v; want a start of cp2's kubelet past the duration", armed)
			}
			if err := f.Recover(context.Background(), c, targets, ev); err != nil {
				t.Fatal(err)
			}
			if state["cp2"] != "active" {
				t.Errorf("cp2's kubelet %s after the lift", state["cp2"])
			}
			if got := pending(t, dir); len(got) > 0 || len(c.Armed()) > 0 {
				t.Errorf("after the lift: journal %v, armed %v", got, c.Armed())
			}
		})
	}
}

// A stop that fails (systemd refuses) is still journaled, so the lift and
// clean start that kubelet; a kubelet already running is started again
// without harm.
func TestStopKubeletFailedStopIsStillLifted(t *testing.T) {
	dir := t.TempDir()
	f, err := New(stopKubeletSpec(), scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "stop-kubelet"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster("cp1")
	state := map[string]string{"cp1": "active"}
	kubelets(c, state, false)
	stopErr := errors.New("Failed to stop kubelet.service: Access denied")
	calls := 0
	inner := c.Commands
	c.Commands = func(ctx context.Context, n cluster.Node, argv []string) ([]byte, error) {
		if strings.Join(argv, " ") == "systemctl stop kubelet" {
			calls++
			return nil, stopErr
		}
		return inner(ctx, n, argv)
	}
	err = f.Inject(context.Background(), c, []cluster.Node{{Name: "cp1"}}, &events{})
	if err == nil || !strings.Contains(err.Error(), "Access denied") || calls != 1 {
		t.Fatalf("Inject = %v after %d stops, want systemd's refusal", err, calls)
	}
	if got := pending(t, dir); !slices.Equal(got, []string{"stop-kubelet cp1 undo start-kubelet"}) {
		t.Fatalf("journal after a failed stop: %v", got)
	}
	if err := f.Recover(context.Background(), c, []cluster.Node{{Name: "cp1"}}, &events{}); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, dir); len(got) > 0 || state["cp1"] != "active" {
		t.Errorf("after the lift: journal %v, kubelet %s", got, state["cp1"])
	}
}

// A run that died during the fault leaves its entry: `firedrill clean`
// replays it through the registry and starts that node's kubelet only.
func TestUndoStartsTheKubelet(t *testing.T) {
	dir := t.TempDir()
	f, err := New(stopKubeletSpec(), scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "stop-kubelet"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster("cp1", "cp2")
	state := map[string]string{"cp1": "active", "cp2": "active"}
	kubelets(c, state, false)
	if err := f.Inject(context.Background(), c, []cluster.Node{{Name: "cp1"}}, &events{}); err != nil {
		t.Fatal(err)
	}
	entries, err := journal.Pending(dir)
	if err != nil || len(entries) != 1 || entries[0].Undo != UndoStartKubelet {
		t.Fatalf("journal: %v, %v", entries, err)
	}
	for range 2 { // a kubelet already started is no error
		if err := Undo(context.Background(), c, entries[0]); err != nil {
			t.Fatal(err)
		}
	}
	if state["cp1"] != "active" {
		t.Errorf("cp1's kubelet %s after the undo", state["cp1"])
	}
	if ran := c.Ran("cp2"); len(ran) > 0 {
		t.Errorf("the undo ran on another node: %q", ran)
	}
}

// A node that cannot run commands cannot have its kubelet stopped: the
// error says so before anything is done.
func TestStopKubeletNeedsNodeExec(t *testing.T) {
	f, err := New(stopKubeletSpec(), scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster("cp1").Without(fakes.NodeExec)
	err = f.Inject(context.Background(), c, []cluster.Node{{Name: "cp1"}}, &events{})
	if err == nil || !strings.Contains(err.Error(), "cannot run commands") {
		t.Errorf("Inject on a cluster without NodeExec: %v", err)
	}
}
