package fault

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// newCluster is a fake cluster, named fake, of nodes of these names.
func newCluster(names ...string) *fakes.Cluster {
	var nodes []cluster.Node
	for _, n := range names {
		nodes = append(nodes, cluster.Node{Name: n})
	}
	return fakes.NewCluster("fake", nodes...)
}

type events struct {
	mu        sync.Mutex
	ev        []timeline.Event
	evidence  []timeline.Evidence
	addresses []timeline.AddressCheck
}

func (e *events) Address(x timeline.AddressCheck) {
	e.mu.Lock()
	e.addresses = append(e.addresses, x)
	e.mu.Unlock()
}

func (e *events) Event(x timeline.Event) { e.mu.Lock(); e.ev = append(e.ev, x); e.mu.Unlock() }
func (e *events) Evidence(x timeline.Evidence) {
	e.mu.Lock()
	e.evidence = append(e.evidence, x)
	e.mu.Unlock()
}

// timeline is what the fault recorded, for timeline.FaultTook.
func (e *events) timeline() timeline.Timeline {
	e.mu.Lock()
	defer e.mu.Unlock()
	return timeline.Timeline{Events: slices.Clone(e.ev), Evidence: slices.Clone(e.evidence), Addresses: slices.Clone(e.addresses)}
}

func TestHeldFaultLiftsWhatItTouchedOnce(t *testing.T) {
	f, err := New(scenario.Fault{Action: ActionPause}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster("a", "b")
	c.Fail("Pause", "b", errors.New("docker said no"))
	ev := &events{}
	targets := []cluster.Node{{Name: "a"}, {Name: "b"}}
	err = f.Inject(context.Background(), c, targets, ev)
	if err == nil || !strings.Contains(err.Error(), "pause b: docker said no") {
		t.Fatalf("Inject err = %v", err)
	}
	c.Fail("Pause", "b", nil)
	if err := f.Recover(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	// A second Recover (the runner's safety net) lifts nothing more.
	if err := f.Recover(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	calls := c.Calls()
	slices.Sort(calls)
	if got := strings.Join(calls, ","); got != "Pause a,Pause b,Unpause a,Unpause b" {
		t.Errorf("calls = %s", got)
	}
	kinds := map[timeline.EventKind]int{}
	for _, e := range ev.ev {
		kinds[e.Kind]++
		if e.Done.Before(e.At) {
			t.Errorf("event %+v done before it started", e)
		}
		if e.Target == "b" && e.Kind == timeline.EventInject && e.Error == "" {
			t.Errorf("failed inject not stamped with its error: %+v", e)
		}
	}
	if kinds[timeline.EventInject] != 2 || kinds[timeline.EventRecover] != 2 {
		t.Errorf("events = %v", kinds)
	}
}

func TestFaultNeedsTheCapability(t *testing.T) {
	f, _ := New(scenario.Fault{Action: ActionIsolateAPI}, scenario.DefaultTimeouts(), nil)
	err := f.Inject(context.Background(), newCluster("a").Without(fakes.APIIsolator), []cluster.Node{{Name: "a"}}, &events{})
	if err == nil || !strings.Contains(err.Error(), "cluster fake cannot isolate API servers") {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(scenario.Fault{Action: "melt"}, scenario.DefaultTimeouts(), nil); err == nil {
		t.Fatal("unknown action accepted")
	}
}

// Every action the schema accepts has an implementation.
func TestEveryActionIsImplemented(t *testing.T) {
	for _, action := range scenario.ActionNames() {
		if _, err := New(scenario.Fault{Action: action, Target: scenario.Target{Component: scenario.ComponentEtcd}}, scenario.DefaultTimeouts(), nil); err != nil {
			t.Errorf("action %s: %v", action, err)
		}
	}
}

// A fault of packet filter rules leaves, before its rules, an undo armed
// on a node that can keep one: past the fault's duration (and a grace) it
// removes firedrill's rules by itself; the harness's lift disarms it.
func TestRuleFaultLeavesAnUndoOnTheNode(t *testing.T) {
	f, err := New(scenario.Fault{Action: ActionIsolateAPI, Duration: 20 * time.Second}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster("m1")
	targets := []cluster.Node{{Name: "m1"}}
	if err := f.Inject(context.Background(), c, targets, &events{}); err != nil {
		t.Fatal(err)
	}
	armed := c.Armed()
	if len(armed) != 1 || armed[0].After != 20*time.Second+hostUndoGrace {
		t.Fatalf("armed %v; want one undo, run %s after the inject", armed, 20*time.Second+hostUndoGrace)
	}
	for _, a := range armed {
		if a.Script != removeMarkedRulesScript {
			t.Errorf("the armed undo is not the removal of firedrill's rules:\n%s", a.Script)
		}
	}
	if err := f.Recover(context.Background(), c, targets, &events{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Calls(), ","); got != "ArmUndo m1,IsolateAPI m1,RestoreAPI m1,DisarmUndo m1" || len(c.Armed()) != 0 || c.Filter("m1").Len() != 0 {
		t.Errorf("calls %s, still armed %v, rules %v; want armed before the rule and disarmed after the lift", got, c.Armed(), c.Filter("m1").Rules("iptables"))
	}
}
