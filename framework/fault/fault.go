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
	case scenario.ActionKill:
		if spec.Target.Component == "" {
			return nil, fmt.Errorf("kill needs target.component")
		}
		return kill{component: spec.Target.Component}, nil
	case scenario.ActionPause:
		return newHeld("pause", "unpause", "freeze every process of the node (the kernel still accepts connections), then thaw it",
			func(c cluster.Cluster) (apply, lift nodeAction, err error) {
				p, ok := c.(cluster.Pauser)
				if !ok {
					return nil, nil, fmt.Errorf("cluster %s cannot pause nodes", c.Name())
				}
				return p.Pause, p.Unpause, nil
			}), nil
	case scenario.ActionIsolateAPI:
		return newHeld("isolate-api", "restore-api", "reset every connection from outside the cluster to the node's API server, then allow them again",
			func(c cluster.Cluster) (apply, lift nodeAction, err error) {
				i, ok := c.(cluster.APIIsolator)
				if !ok {
					return nil, nil, fmt.Errorf("cluster %s cannot isolate API servers", c.Name())
				}
				return i.IsolateAPI, i.RestoreAPI, nil
			}), nil
	}
	return nil, fmt.Errorf("unknown fault action %q", spec.Action)
}

type nodeAction func(context.Context, cluster.Node) error

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

// held is a fault the harness puts in place and lifts itself after the
// scenario's duration. It remembers which nodes it touched, so Recover lifts
// exactly those, also after a partial Inject, and only once.
type held struct {
	name, undo, desc string
	actions          func(cluster.Cluster) (apply, lift nodeAction, err error)

	mu     sync.Mutex
	active map[string]bool
}

func newHeld(name, undo, desc string, actions func(cluster.Cluster) (apply, lift nodeAction, err error)) *held {
	return &held{name: name, undo: undo, desc: desc, actions: actions, active: map[string]bool{}}
}

func (h *held) Desc() string { return h.desc }

func (h *held) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	apply, _, err := h.actions(c)
	if err != nil {
		return err
	}
	return onEach(ctx, targets, ev, timeline.EventInject, h.name, func(ctx context.Context, n cluster.Node) error {
		// Mark before acting: if the action fails halfway, Recover still
		// tries to lift it.
		h.mark(n.Name, true)
		return apply(ctx, n)
	})
}

func (h *held) Recover(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	_, lift, err := h.actions(c)
	if err != nil {
		return err
	}
	var active []cluster.Node
	for _, n := range targets {
		if h.isActive(n.Name) {
			active = append(active, n)
		}
	}
	return onEach(ctx, active, ev, timeline.EventRecover, h.undo, func(ctx context.Context, n cluster.Node) error {
		if err := lift(ctx, n); err != nil {
			return err
		}
		h.mark(n.Name, false)
		return nil
	})
}

func (h *held) mark(name string, active bool) {
	h.mu.Lock()
	h.active[name] = active
	h.mu.Unlock()
}

func (h *held) isActive(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.active[name]
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
