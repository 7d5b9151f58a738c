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
	n, err := workloadNode([]cluster.Node{{Name: "c-worker2", Role: "worker"}, {Name: "c-control-plane", Role: "control-plane"}, {Name: "c-worker", Role: "worker"}})
	if err != nil || n.Name != "c-worker" {
		t.Fatalf("workloadNode = %v, %v", n, err)
	}
	if _, err := workloadNode([]cluster.Node{{Name: "c-control-plane", Role: "control-plane"}}); err == nil {
		t.Fatal("no worker accepted")
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
