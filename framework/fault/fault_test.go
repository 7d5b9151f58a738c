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

	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// fakeCluster records node actions; it exists to test the fault's own
// bookkeeping (what is lifted, what is stamped), not any cluster.
type fakeCluster struct {
	mu      sync.Mutex
	calls   []string
	failFor string
	// notPaused: Pause returns without freezing anything.
	notPaused bool
	paused    map[string]bool
}

func (f *fakeCluster) Name() string                                  { return "fake" }
func (f *fakeCluster) RESTConfig() *rest.Config                      { return nil }
func (f *fakeCluster) KubeconfigPath() string                        { return "" }
func (f *fakeCluster) Nodes(context.Context) ([]cluster.Node, error) { return nil, nil }
func (f *fakeCluster) Pause(_ context.Context, n cluster.Node) error {
	err := f.call("pause", n)
	f.setPaused(n.Name, err == nil && !f.notPaused)
	return err
}
func (f *fakeCluster) Unpause(_ context.Context, n cluster.Node) error {
	f.setPaused(n.Name, false)
	return f.call("unpause", n)
}
func (f *fakeCluster) Paused(_ context.Context, n cluster.Node) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.paused[n.Name], nil
}
func (f *fakeCluster) setPaused(name string, p bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.paused == nil {
		f.paused = map[string]bool{}
	}
	f.paused[name] = p
}
func (f *fakeCluster) call(what string, n cluster.Node) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, what+" "+n.Name)
	if n.Name == f.failFor {
		return errors.New("docker said no")
	}
	return nil
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
	c := &fakeCluster{failFor: "b"}
	ev := &events{}
	targets := []cluster.Node{{Name: "a"}, {Name: "b"}}
	err = f.Inject(context.Background(), c, targets, ev)
	if err == nil || !strings.Contains(err.Error(), "pause b: docker said no") {
		t.Fatalf("Inject err = %v", err)
	}
	c.failFor = ""
	if err := f.Recover(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	// A second Recover (the runner's safety net) lifts nothing more.
	if err := f.Recover(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	slices.Sort(c.calls)
	if got := strings.Join(c.calls, ","); got != "pause a,pause b,unpause a,unpause b" {
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
	err := f.Inject(context.Background(), &fakeCluster{}, []cluster.Node{{Name: "a"}}, &events{})
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

// armingCluster is a fakeCluster that can isolate API servers and keep an
// undo on its nodes, recording both.
type armingCluster struct {
	fakeCluster
	isolated map[string]bool
	armed    map[string]string // id -> script
	after    []time.Duration
}

func (a *armingCluster) IsolateAPI(_ context.Context, n cluster.Node, _ string) (time.Time, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.isolated[n.Name] = true
	a.calls = append(a.calls, "isolate "+n.Name)
	return time.Now(), nil
}
func (a *armingCluster) RestoreAPI(_ context.Context, n cluster.Node, _ string) (time.Time, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.isolated[n.Name] = false
	a.calls = append(a.calls, "restore "+n.Name)
	return time.Now(), nil
}
func (a *armingCluster) APIIsolated(_ context.Context, n cluster.Node, _ string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.isolated[n.Name], nil
}
func (a *armingCluster) ArmUndo(_ context.Context, n cluster.Node, id, script string, after time.Duration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.armed[id] = script
	a.after = append(a.after, after)
	a.calls = append(a.calls, "arm "+n.Name)
	return nil
}
func (a *armingCluster) DisarmUndo(_ context.Context, n cluster.Node, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.armed[id]; !ok {
		return fmt.Errorf("%s was not armed", id)
	}
	delete(a.armed, id)
	a.calls = append(a.calls, "disarm "+n.Name)
	return nil
}

// A fault of packet filter rules leaves, before its rules, an undo armed
// on a node that can keep one: past the fault's duration (and a grace) it
// removes firedrill's rules by itself; the harness's lift disarms it.
func TestRuleFaultLeavesAnUndoOnTheNode(t *testing.T) {
	f, err := New(scenario.Fault{Action: ActionIsolateAPI, Duration: 20 * time.Second}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &armingCluster{isolated: map[string]bool{}, armed: map[string]string{}}
	targets := []cluster.Node{{Name: "m1"}}
	if err := f.Inject(context.Background(), c, targets, &events{}); err != nil {
		t.Fatal(err)
	}
	if len(c.armed) != 1 || len(c.after) != 1 || c.after[0] != 20*time.Second+hostUndoGrace {
		t.Fatalf("armed %v after %v; want one undo, run %s after the inject", c.armed, c.after, 20*time.Second+hostUndoGrace)
	}
	for _, script := range c.armed {
		if script != removeMarkedRulesScript {
			t.Errorf("the armed undo is not the removal of firedrill's rules:\n%s", script)
		}
	}
	if err := f.Recover(context.Background(), c, targets, &events{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.calls, ","); got != "arm m1,isolate m1,restore m1,disarm m1" || len(c.armed) != 0 {
		t.Errorf("calls %s, still armed %v; want armed before the rule and disarmed after the lift", got, c.armed)
	}
}
