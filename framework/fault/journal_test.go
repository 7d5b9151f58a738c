package fault

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
)

func pending(t *testing.T, dir string) []string {
	t.Helper()
	es, err := journal.Pending(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action+" "+e.Node+" undo "+e.Undo)
	}
	slices.Sort(out)
	return out
}

// A held fault is in the journal from before it acts until it is lifted;
// a lift that fails leaves the entry open for `firedrill clean`.
func TestHeldFaultJournal(t *testing.T) {
	dir := t.TempDir()
	f, err := New(scenario.Fault{Action: ActionPause}, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "pause-it"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster("a", "b")
	c.Fail("Pause", "b", errors.New("docker said no"))
	c.Fail("Unpause", "b", errors.New("docker said no"))
	targets := []cluster.Node{{Name: "a"}, {Name: "b"}}
	_ = f.Inject(context.Background(), c, targets, &events{})
	// b's pause failed, but it was journaled before acting.
	if got := pending(t, dir); !slices.Equal(got, []string{"pause a undo unpause", "pause b undo unpause"}) {
		t.Fatalf("after inject: %v", got)
	}
	// b's unpause fails too: its entry stays open.
	if err := f.Recover(context.Background(), c, targets, &events{}); err == nil {
		t.Fatal("Recover did not report b's failed unpause")
	}
	if got := pending(t, dir); !slices.Equal(got, []string{"pause b undo unpause"}) {
		t.Fatalf("after a half-failed recover: %v", got)
	}
	c.Fail("Unpause", "b", nil)
	if err := f.Recover(context.Background(), c, targets, &events{}); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, dir); len(got) > 0 {
		t.Errorf("after recover: %v still open", got)
	}
}

// A reboot that completed needs no undo; one cut short is started again by
// Recover, and only it.
func TestRebootCutShortIsStarted(t *testing.T) {
	dir := t.TempDir()
	book := journal.NewBook(dir, "kind", "c1", "reboot-it")
	done, _ := New(scenario.Fault{Action: ActionReboot}, scenario.DefaultTimeouts(), book)
	whole := newCluster("cp0")
	if err := done.Inject(context.Background(), whole, []cluster.Node{{Name: "cp0"}}, &events{}); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, dir); len(got) > 0 {
		t.Errorf("a completed reboot left %v open", got)
	}

	f, _ := New(scenario.Fault{Action: ActionReboot}, scenario.DefaultTimeouts(), book)
	// Ctrl-C cut the reboot short: docker restart was killed, the node
	// may be left stopped.
	c := newCluster("cp1")
	c.Fail("Reboot", "cp1", errors.New(`command "docker restart cp1" failed with error: signal: killed`))
	err := f.Inject(context.Background(), c, []cluster.Node{{Name: "cp1"}}, &events{})
	if err == nil || !strings.Contains(err.Error(), "signal: killed") {
		t.Fatalf("Inject err = %v", err)
	}
	if got := pending(t, dir); !slices.Equal(got, []string{"reboot cp1 undo start"}) {
		t.Fatalf("after a cut reboot: %v", got)
	}
	if err := f.Recover(context.Background(), c, []cluster.Node{{Name: "cp1"}}, &events{}); err != nil {
		t.Fatal(err)
	}
	if started := c.Calls("Start"); !slices.Equal(started, []string{"Start cp1"}) {
		t.Errorf("started %v, want cp1", started)
	}
	if got := pending(t, dir); len(got) > 0 {
		t.Errorf("after recover: %v still open", got)
	}
}

// Undo replays an entry only when the fault is still in place.
func TestUndoReplaysAnOpenEntry(t *testing.T) {
	c := newCluster("a", "b")
	if err := c.Pause(context.Background(), cluster.Node{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if err := Undo(context.Background(), c, journal.Entry{Node: n, Action: "pause", Undo: UndoUnpause}); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(c.Calls("Unpause"), ","); got != "Unpause a" {
		t.Errorf("calls %s, want only a unpaused (b was not paused)", got)
	}
	if err := Undo(context.Background(), c, journal.Entry{Node: "a", Undo: "melt"}); err == nil {
		t.Error("an unknown undo was accepted")
	}
}
