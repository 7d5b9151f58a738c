package fault

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// A fault that ran its command but did not take must not pass as done:
// each fault records its proof, and timeline.FaultTook reads it.

func TestPauseEvidence(t *testing.T) {
	for _, tc := range []struct {
		name      string
		notPaused bool
		took      bool
	}{{"frozen", false, true}, {"docker said yes, nothing froze", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := New(scenario.Fault{Action: scenario.ActionPause}, scenario.DefaultTimeouts(), nil)
			ev := &events{}
			if err := f.Inject(context.Background(), &fakeCluster{notPaused: tc.notPaused}, []cluster.Node{{Name: "a"}}, ev); err != nil {
				t.Fatal(err)
			}
			took, why := timeline.FaultTook(ev.timeline())
			if took != tc.took {
				t.Errorf("FaultTook = %v (%s), want %v", took, why, tc.took)
			}
			if !tc.took && !strings.Contains(why, "a: node frozen (docker state Paused) not proven") {
				t.Errorf("reason %q does not name the target and the check", why)
			}
		})
	}
}

// bootCluster reboots by giving the node a new boot id, unless stuck.
type bootCluster struct {
	fakeCluster
	mu    sync.Mutex
	boots map[string]int
	stuck bool
}

func (b *bootCluster) Reboot(_ context.Context, n cluster.Node) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.stuck {
		b.boots[n.Name]++
	}
	return nil
}

func (b *bootCluster) Start(context.Context, cluster.Node) error { return nil }

func (b *bootCluster) BootID(_ context.Context, n cluster.Node) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fmt.Sprintf("boot-%d", b.boots[n.Name]), nil
}

func TestRebootEvidence(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stuck bool
		took  bool
	}{{"new boot id", false, true}, {"restart returned, same boot", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := New(scenario.Fault{Action: scenario.ActionReboot}, scenario.DefaultTimeouts(), nil)
			c := &bootCluster{boots: map[string]int{}, stuck: tc.stuck}
			ev := &events{}
			if err := f.Inject(context.Background(), c, []cluster.Node{{Name: "cp1"}, {Name: "cp2"}}, ev); err != nil {
				t.Fatal(err)
			}
			took, why := timeline.FaultTook(ev.timeline())
			if took != tc.took {
				t.Errorf("FaultTook = %v (%s), want %v", took, why, tc.took)
			}
			if len(ev.evidence) != 2 {
				t.Errorf("%d evidence records for 2 targets", len(ev.evidence))
			}
		})
	}
}

// execCluster answers pgrep with the pids alive and pkill by replacing
// them (the kubelet's restart), unless the process survives.
type execCluster struct {
	fakeCluster
	mu       sync.Mutex
	pids     []string
	survives bool
}

func (x *execCluster) Exec(_ context.Context, _ cluster.Node, command string, args ...string) ([]byte, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case command == "pkill":
		if !x.survives {
			x.pids = []string{"4242"}
		}
		return nil, nil
	case command == "sh" && strings.Contains(strings.Join(args, " "), "pgrep"):
		return []byte(strings.Join(x.pids, "\n")), nil
	}
	return nil, fmt.Errorf("unexpected command %s %v", command, args)
}

func TestKillEvidence(t *testing.T) {
	for _, tc := range []struct {
		name     string
		survives bool
		took     bool
	}{{"process replaced", false, true}, {"process survives", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			k := kill{component: scenario.ComponentAPIServer, gone: 300 * time.Millisecond}
			c := &execCluster{pids: []string{"101"}, survives: tc.survives}
			ev := &events{}
			if err := k.Inject(context.Background(), c, []cluster.Node{{Name: "cp1"}}, ev); err != nil {
				t.Fatal(err)
			}
			took, why := timeline.FaultTook(ev.timeline())
			if took != tc.took {
				t.Errorf("FaultTook = %v (%s), want %v", took, why, tc.took)
			}
			if e := ev.evidence[0]; e.Before != "101" {
				t.Errorf("evidence before = %q, want the pid found before the kill", e.Before)
			}
		})
	}
}
