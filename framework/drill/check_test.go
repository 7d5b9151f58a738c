package drill

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Recovery means holding without a break: a failure inside the window
// (a cascade after a first all-clear) starts it again.
func TestSettledRestartsOnABreak(t *testing.T) {
	healthy := true
	check := settled(60*time.Millisecond, func(context.Context) error {
		if !healthy {
			return errors.New("lease kube-scheduler has no holder")
		}
		return nil
	})
	ctx := context.Background()
	if err := check(ctx); err == nil || !strings.Contains(err.Error(), "healthy for 0s of the 60ms settle window") {
		t.Fatalf("first healthy check: %v", err)
	}
	time.Sleep(40 * time.Millisecond)
	healthy = false
	if err := check(ctx); err == nil || !strings.Contains(err.Error(), "no holder") {
		t.Fatalf("break: %v", err)
	}
	healthy = true
	_ = check(ctx) // the window starts again here
	time.Sleep(40 * time.Millisecond)
	if err := check(ctx); err == nil {
		t.Fatal("passed 40ms after the break, within a 60ms window")
	}
	time.Sleep(30 * time.Millisecond)
	if err := check(ctx); err != nil {
		t.Fatalf("held 70ms without a break: %v", err)
	}
}

func TestWorkloadNodeIsAWorker(t *testing.T) {
	nodes := []cluster.Node{{Name: "c-worker2", Role: "worker"}, {Name: "c-control-plane", Role: "control-plane"}, {Name: "c-worker", Role: "worker"}}
	n, err := workloadNode(nodes, scenario.Target{Role: "control-plane", Count: "one"})
	if err != nil || n.Name != "c-worker" {
		t.Fatalf("workloadNode = %v, %v", n, err)
	}
	if _, err := workloadNode([]cluster.Node{{Name: "c-control-plane", Role: "control-plane"}}, scenario.Target{}); err == nil {
		t.Fatal("no worker accepted")
	}
}

// The workload is reached through a node the fault cannot pick: losing
// zone-a must not be measured as the probe path going down.
func TestWorkloadNodeIsOutsideTheTarget(t *testing.T) {
	nodes := []cluster.Node{
		{Name: "ha-control-plane", Role: "control-plane", Zone: "zone-a"},
		{Name: "ha-worker", Role: "worker", Zone: "zone-a"},
		{Name: "ha-worker2", Role: "worker", Zone: "zone-b"},
		{Name: "ha-worker3", Role: "worker", Zone: "zone-c"},
	}
	for _, tc := range []struct {
		target scenario.Target
		want   string
	}{
		{scenario.Target{Role: scenario.RoleAny, Zone: "zone-a", Count: "all"}, "ha-worker2"},
		{scenario.Target{Role: "worker", Zone: "zone-c", Count: "one"}, "ha-worker"},
		// Any worker may be hit: the first by name, and inject refuses
		// to hit it.
		{scenario.Target{Role: "worker", Count: "one"}, "ha-worker"},
	} {
		n, err := workloadNode(nodes, tc.target)
		if err != nil || n.Name != tc.want {
			t.Errorf("target %+v: workloadNode = %v, %v; want %s", tc.target, n.Name, err, tc.want)
		}
	}
}

// Every check a scenario file may name has an implementation, and the
// registry has nothing the schema does not know (but the implicit canary).
func TestEveryCheckIsImplemented(t *testing.T) {
	for _, name := range scenario.Checks {
		if checks[name] == nil {
			t.Errorf("check %q of the schema has no implementation", name)
		}
	}
	for name := range checks {
		if name != checkCanary && !slices.Contains(scenario.Checks, name) {
			t.Errorf("check %q is not in scenario.Checks", name)
		}
	}
}

// Failed checks come back joined, each under its name, and what a check saw
// is recorded whether it held or not.
func TestCheckJoinsFailuresAndRecords(t *testing.T) {
	c := &checker{timeout: time.Second, rec: probe.NewRecorder(time.Now())}
	err := c.check(context.Background(), []string{"no-such-check", checkCanary})
	if err == nil || !strings.Contains(err.Error(), `no-such-check: unknown check "no-such-check"`) ||
		!strings.Contains(err.Error(), "canary-scheduled: no canary pod") {
		t.Fatalf("err = %v", err)
	}
	c.record(seen{nodes: []timeline.NodeObservation{{Name: "n1", Ready: true}}})
	if tl := c.rec.Close(time.Now()); len(tl.Nodes) != 1 || tl.Nodes[0].Name != "n1" {
		t.Errorf("recorded nodes = %+v", tl.Nodes)
	}
}
