// Package fault is what the harness can break and how. A fault acts on
// nodes chosen apart from it (Select), stamps each action on the timeline,
// and acts on the real thing: a reboot restarts the node, a pause freezes
// every process on it.
package fault

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Events receives the actions as they happen.
type Events interface{ Event(timeline.Event) }

// Fault breaks targets. Recover lifts what Inject did for faults the
// harness holds (pause); for self-healing faults (reboot) it does nothing:
// the cluster must heal with no human step. Recover is safe to call more
// than once and after a failed or partial Inject.
type Fault interface {
	Desc() string
	Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error
	Recover(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error
}

// New returns the fault for a scenario's fault spec.
func New(spec scenario.Fault) (Fault, error) {
	switch spec.Action {
	case scenario.ActionReboot:
		return reboot{}, nil
	case scenario.ActionPause:
		return &pause{paused: map[string]bool{}}, nil
	}
	return nil, fmt.Errorf("unknown fault action %q", spec.Action)
}

// reboot restarts each target node at once (a real restart: docker restart
// on kind).
type reboot struct{}

func (reboot) Desc() string { return "reboot the node (a real restart of the machine)" }

func (reboot) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	r, ok := c.(cluster.Rebooter)
	if !ok {
		return fmt.Errorf("cluster %s cannot reboot nodes", c.Name())
	}
	return onEach(ctx, targets, ev, timeline.EventInject, "reboot", r.Reboot)
}

func (reboot) Recover(context.Context, cluster.Cluster, []cluster.Node, Events) error { return nil }

// pause freezes each target node (docker pause: the cgroup freezer, so
// connections are accepted by the kernel but never answered) until Recover.
type pause struct {
	mu     sync.Mutex
	paused map[string]bool
}

func (*pause) Desc() string { return "freeze every process of the node, then thaw it" }

func (p *pause) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	pz, ok := c.(cluster.Pauser)
	if !ok {
		return fmt.Errorf("cluster %s cannot pause nodes", c.Name())
	}
	return onEach(ctx, targets, ev, timeline.EventInject, "pause", func(ctx context.Context, n cluster.Node) error {
		// Mark before acting: if pause fails halfway, Recover still thaws.
		p.mark(n.Name, true)
		return pz.Pause(ctx, n)
	})
}

func (p *pause) Recover(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	pz, ok := c.(cluster.Pauser)
	if !ok {
		return nil
	}
	var held []cluster.Node
	for _, n := range targets {
		if p.isPaused(n.Name) {
			held = append(held, n)
		}
	}
	return onEach(ctx, held, ev, timeline.EventRecover, "unpause", func(ctx context.Context, n cluster.Node) error {
		if err := pz.Unpause(ctx, n); err != nil {
			return err
		}
		p.mark(n.Name, false)
		return nil
	})
}

func (p *pause) mark(name string, paused bool) {
	p.mu.Lock()
	p.paused[name] = paused
	p.mu.Unlock()
}

func (p *pause) isPaused(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused[name]
}

// onEach runs act on every target at once and stamps one event each.
func onEach(ctx context.Context, targets []cluster.Node, ev Events, kind timeline.EventKind, action string,
	act func(context.Context, cluster.Node) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(targets))
	for i, n := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := timeline.Event{Kind: kind, Action: action, Target: n.Name, At: time.Now()}
			err := act(ctx, n)
			e.Done = time.Now()
			if err != nil {
				e.Error = err.Error()
				errs[i] = fmt.Errorf("%s %s: %w", action, n.Name, err)
			}
			ev.Event(e)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
