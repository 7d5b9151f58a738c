package fault

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
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
			f, _ := New(scenario.Fault{Action: ActionPause}, scenario.DefaultTimeouts(), nil)
			ev := &events{}
			c := newCluster("a")
			c.NoEffect("Pause", tc.notPaused)
			if err := f.Inject(context.Background(), c, []cluster.Node{{Name: "a"}}, ev); err != nil {
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

func TestRebootEvidence(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stuck bool
		took  bool
	}{{"new boot id", false, true}, {"restart returned, same boot", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := New(scenario.Fault{Action: ActionReboot}, scenario.DefaultTimeouts(), nil)
			c := newCluster("cp1", "cp2")
			c.NoEffect("Reboot", tc.stuck) // the restart returns, the node does not boot
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

// Each rebooted node's address is read again once it is back, so a node
// that came back with another one (kind issue 1689) shows in the figures.
func TestRebootChecksAddresses(t *testing.T) {
	f, _ := New(scenario.Fault{Action: ActionReboot}, scenario.DefaultTimeouts(), nil)
	c := fakes.NewCluster("fake", cluster.Node{Name: "cp1", Address: "172.18.0.2"}, cluster.Node{Name: "cp2", Address: "172.18.0.3"})
	readdress := map[string]string{"cp1": "172.18.0.3", "cp2": "172.18.0.2"}
	c.After("Reboot", func(_ context.Context, n cluster.Node) error {
		c.SetAddress(n.Name, readdress[n.Name])
		return nil
	})
	ev := &events{}
	targets := []cluster.Node{{Name: "cp1", Address: "172.18.0.2"}, {Name: "cp2", Address: "172.18.0.3"}}
	if err := f.Inject(context.Background(), c, targets, ev); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range ev.addresses {
		got[a.Node] = a.Before + " -> " + a.After
	}
	want := map[string]string{"cp1": "172.18.0.2 -> 172.18.0.3", "cp2": "172.18.0.3 -> 172.18.0.2"}
	if !maps.Equal(got, want) {
		t.Errorf("address checks %v, want %v", got, want)
	}
	for _, fig := range timeline.Derive(ev.timeline()) {
		if fig.Name == timeline.NodesReaddressed && (!fig.Measured || fig.Value != 2) {
			t.Errorf("%s = %+v, want 2 measured", fig.Name, fig)
		}
	}
}

// killable has the cluster's nodes answer pgrep with the pids alive and
// pkill by replacing them (the kubelet's restart), unless the process
// survives.
func killable(c *fakes.Cluster, pids []string, survives bool) {
	var mu sync.Mutex
	c.Commands = func(_ context.Context, _ cluster.Node, argv []string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case argv[0] == "pkill":
			if !survives {
				pids = []string{"4242"}
			}
			return nil, nil
		case argv[0] == "sh" && strings.Contains(strings.Join(argv[1:], " "), "pgrep"):
			return []byte(strings.Join(pids, "\n")), nil
		}
		return nil, fmt.Errorf("unexpected command %v", argv)
	}
}

func TestKillEvidence(t *testing.T) {
	for _, tc := range []struct {
		name     string
		survives bool
		took     bool
	}{{"process replaced", false, true}, {"process survives", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			k := kill{component: scenario.ComponentAPIServer, gone: 300 * time.Millisecond}
			c := newCluster("cp1")
			killable(c, []string{"101"}, tc.survives)
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

// A zone is lost only if each of its nodes is off; Recover boots exactly
// those it stopped.
func TestStopEvidenceAndRecover(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ignores bool
		took    bool
	}{{"stopped", false, true}, {"docker said yes, still running", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := New(scenario.Fault{Action: ActionStop}, scenario.DefaultTimeouts(), nil)
			if err != nil {
				t.Fatal(err)
			}
			c := newCluster("cp3", "w3")
			c.NoEffect("Stop", tc.ignores)
			zone := []cluster.Node{{Name: "cp3"}, {Name: "w3"}}
			ev := &events{}
			if err := f.Inject(context.Background(), c, zone, ev); err != nil {
				t.Fatal(err)
			}
			if took, why := timeline.FaultTook(ev.timeline()); took != tc.took {
				t.Errorf("FaultTook = %v (%s), want %v", took, why, tc.took)
			}
			if err := f.Recover(context.Background(), c, zone, ev); err != nil {
				t.Fatal(err)
			}
			for _, n := range zone {
				if running, _ := c.Running(context.Background(), n); !running {
					t.Errorf("%s still stopped after Recover", n.Name)
				}
			}
		})
	}
}
