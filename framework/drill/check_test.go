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
	p, err := workloadPathOf(nodes, scenario.Target{Role: "control-plane", Count: "one"}, "", 30080)
	if err != nil || p.node != "c-worker" || len(p.urls) != 1 {
		t.Fatalf("workloadPathOf = %+v, %v", p, err)
	}
	if _, err := workloadPathOf([]cluster.Node{{Name: "c-control-plane", Role: "control-plane"}}, scenario.Target{}, "", 30080); err == nil {
		t.Fatal("no worker accepted")
	}
}

// The workload is reached through a node the fault cannot pick: losing
// zone-a must not be measured as the probe path going down. When the
// target may take every worker (every node rebooted at once), through
// every node's NodePort instead of refusing the drill; only a scenario
// that asks for a spared worker is refused.
func TestWorkloadPathOutsideTheTarget(t *testing.T) {
	nodes := []cluster.Node{
		{Name: "ha-control-plane", Role: "control-plane", Zone: "zone-a", Address: "10.0.0.1"},
		{Name: "ha-worker", Role: "worker", Zone: "zone-a", Address: "10.0.0.2"},
		{Name: "ha-worker2", Role: "worker", Zone: "zone-b", Address: "10.0.0.3"},
		{Name: "ha-worker3", Role: "worker", Zone: "zone-c", Address: "10.0.0.4"},
	}
	every := []string{"http://10.0.0.1:30080/hostname", "http://10.0.0.2:30080/hostname", "http://10.0.0.3:30080/hostname", "http://10.0.0.4:30080/hostname"}
	for _, tc := range []struct {
		target scenario.Target
		via    string
		node   string
		urls   []string
		err    string
	}{
		{target: scenario.Target{Role: scenario.RoleAny, Zone: "zone-a", Count: "all"}, node: "ha-worker2", urls: []string{"http://10.0.0.3:30080/hostname"}},
		{target: scenario.Target{Role: "worker", Zone: "zone-c", Count: "one"}, node: "ha-worker", urls: []string{"http://10.0.0.2:30080/hostname"}},
		// Any worker may be hit: every node, the first answer counting.
		{target: scenario.Target{Role: "worker", Count: "one"}, urls: every},
		{target: scenario.Target{Role: scenario.RoleAny, Count: "all"}, urls: every},
		{target: scenario.Target{Role: scenario.RoleAny, Count: "all"}, via: scenario.WorkloadSparedWorker, err: "may take every worker"},
		{target: scenario.Target{Role: "control-plane", Count: "all"}, via: scenario.WorkloadAnyNode, urls: every},
	} {
		p, err := workloadPathOf(nodes, tc.target, tc.via, 30080)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("target %+v via %q: %+v, %v; want an error %q", tc.target, tc.via, p, err, tc.err)
			}
		case err != nil || p.node != tc.node || !slices.Equal(p.urls, tc.urls) || p.why == "":
			t.Errorf("target %+v via %q: %+v, %v; want node %q, urls %v", tc.target, tc.via, p, err, tc.node, tc.urls)
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

// A check that ran out of its deadline is asked once more with a longer
// one, and says so; one that failed in time is not asked again.
func TestSlowCheckIsAskedAgain(t *testing.T) {
	calls := map[string]int{}
	checks["test-slow-once"] = func(ctx context.Context, _ *checker, _ time.Time) (seen, error) {
		calls["slow"]++
		if calls["slow"] == 1 {
			<-ctx.Done()
			return seen{}, ctx.Err()
		}
		return seen{}, nil
	}
	checks["test-down"] = func(context.Context, *checker, time.Time) (seen, error) {
		calls["down"]++
		return seen{}, errors.New("connection refused")
	}
	t.Cleanup(func() { delete(checks, "test-slow-once"); delete(checks, "test-down") })
	var out strings.Builder
	c := &checker{timeout: 20 * time.Millisecond, out: &out}
	if err := c.check(context.Background(), []string{"test-slow-once"}); err != nil {
		t.Errorf("slow once: %v", err)
	}
	if !strings.Contains(out.String(), "check test-slow-once: no answer within 20ms, asking again with 60ms") {
		t.Errorf("progress line: %q", out.String())
	}
	if err := c.check(context.Background(), []string{"test-down"}); err == nil || calls["down"] != 1 {
		t.Errorf("down: %v after %d calls, want an error after 1", err, calls["down"])
	}
	if calls["slow"] != 2 {
		t.Errorf("slow check asked %d times, want 2", calls["slow"])
	}
}
