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

// bootCluster reboots by giving the node a new boot id, unless stuck, and
// the address in readdress when it has one for the node.
type bootCluster struct {
	fakeCluster
	mu        sync.Mutex
	boots     map[string]int
	stuck     bool
	addresses map[string]string
	readdress map[string]string
}

func (b *bootCluster) Nodes(context.Context) ([]cluster.Node, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []cluster.Node
	for name, a := range b.addresses {
		out = append(out, cluster.Node{Name: name, Address: a})
	}
	return out, nil
}

func (b *bootCluster) Reboot(_ context.Context, n cluster.Node) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.stuck {
		b.boots[n.Name]++
	}
	if a, ok := b.readdress[n.Name]; ok {
		b.addresses[n.Name] = a
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
			f, _ := New(scenario.Fault{Action: ActionReboot}, scenario.DefaultTimeouts(), nil)
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

// Each rebooted node's address is read again once it is back, so a node
// that came back with another one (kind issue 1689) shows in the figures.
func TestRebootChecksAddresses(t *testing.T) {
	f, _ := New(scenario.Fault{Action: ActionReboot}, scenario.DefaultTimeouts(), nil)
	c := &bootCluster{boots: map[string]int{},
		addresses: map[string]string{"cp1": "172.18.0.2", "cp2": "172.18.0.3"},
		readdress: map[string]string{"cp1": "172.18.0.3", "cp2": "172.18.0.2"}}
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

// stopCluster stops and starts nodes, unless the stop does not take.
type stopCluster struct {
	fakeCluster
	mu      sync.Mutex
	stopped map[string]bool
	ignores bool
}

func (s *stopCluster) Stop(_ context.Context, n cluster.Node) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped[n.Name] = !s.ignores
	return nil
}

func (s *stopCluster) Start(_ context.Context, n cluster.Node) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped[n.Name] = false
	return nil
}

func (s *stopCluster) Running(_ context.Context, n cluster.Node) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.stopped[n.Name], nil
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
			c := &stopCluster{stopped: map[string]bool{}, ignores: tc.ignores}
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
				if c.stopped[n.Name] {
					t.Errorf("%s still stopped after Recover", n.Name)
				}
			}
		})
	}
}
