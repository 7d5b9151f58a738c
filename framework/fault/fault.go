// Package fault is what the harness can break and how. A fault acts on
// nodes chosen apart from it (Select), stamps each action on the timeline,
// acts on the real thing (a reboot restarts the node, a pause freezes every
// process on it), and records the evidence that it took. Each action is
// one file that registers, from init, its name, how it is made from the
// spec, its evidence and its undo (action.go); New and Undo find actions
// there only.
package fault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Events receives the actions as they happen, the evidence that each
// took, and the addresses of nodes a fault restarted.
type Events interface {
	Event(timeline.Event)
	Evidence(timeline.Evidence)
	Address(timeline.AddressCheck)
}

// Fault breaks targets. Recover lifts what Inject did for faults the
// harness holds (pause); for self-healing faults (reboot) it does nothing:
// the cluster must heal with no human step. Recover is safe to call more
// than once and after a failed or partial Inject. Inject records, per
// target, evidence that the fault took (timeline.FaultTook).
type Fault interface {
	Desc() string
	Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error
	Recover(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error
}

// nodeAction acts on a node and returns when it took effect on the node's
// own clock, or the zero time when it has no such stamp.
type nodeAction func(context.Context, cluster.Node) (time.Time, error)

// heldActions are what a held fault does to a node: apply, lift, and check
// that the fault is in place.
type heldActions struct {
	apply, lift nodeAction
	inPlace     func(context.Context, cluster.Node) (bool, error)
	// proof, when set, says what inPlace checks instead of the fault's
	// own (a partition cut at the cloud's network checks no rules).
	proof string
}

// unstamped is an action with no stamp of its own on the node's clock.
func unstamped(act func(context.Context, cluster.Node) error) nodeAction {
	return func(ctx context.Context, n cluster.Node) (time.Time, error) { return time.Time{}, act(ctx, n) }
}

// addressAfter reads a restarted node's address once the provider lists it
// again (within timeout), to compare with the one it had (n.Address).
func addressAfter(ctx context.Context, c cluster.Cluster, n cluster.Node, timeout time.Duration) timeline.AddressCheck {
	check := timeline.AddressCheck{Node: n.Name, Before: n.Address}
	var readErr error
	_ = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		var nodes []cluster.Node
		nodes, readErr = c.Nodes(ctx)
		for _, m := range nodes {
			if m.Name == n.Name && m.Address != "" {
				check.After = m.Address
				return true, nil
			}
		}
		if readErr == nil {
			readErr = fmt.Errorf("node %s listed with no address", n.Name)
		}
		return false, nil
	})
	check.At = time.Now()
	if check.After == "" && readErr != nil {
		check.Error = readErr.Error()
	}
	return check
}

// held is a fault the harness puts in place and lifts itself after the
// scenario's duration. It remembers which nodes it touched, so Recover lifts
// exactly those, also after a partial Inject, and only once.
type held struct {
	name, undo, shape, desc, proof string
	actions                        actionsFor
	book                           *journal.Book
	// built are the actions of the first Inject, kept so Recover lifts
	// exactly what was applied (a partition's rules name addresses).
	built *heldActions
	// addressWait, when > 0, is how long to wait for a lifted node's
	// address, to check it kept the one it had (a node that boots).
	addressWait time.Duration
	// hostUndo, when set, is left armed on each target that can keep one
	// (cluster.UndoArmer), to run hostUndoAfter after the inject unless
	// the fault is lifted first; armed names each node's.
	hostUndo      string
	hostUndoAfter time.Duration
	armed         map[string]string

	mu     sync.Mutex
	active map[string]*journal.Open
}

// actionsFor builds a held fault's actions on a cluster for its targets.
type actionsFor func(ctx context.Context, c cluster.Cluster, targets []cluster.Node) (heldActions, error)

// onNode adapts actions that need only the cluster.
func onNode(f func(cluster.Cluster) (heldActions, error)) actionsFor {
	return func(_ context.Context, c cluster.Cluster, _ []cluster.Node) (heldActions, error) { return f(c) }
}

func newHeld(name, undo, shape, desc, proof string, actions actionsFor, book *journal.Book) *held {
	return &held{name: name, undo: undo, shape: shape, desc: desc, proof: proof, actions: actions, book: book, active: map[string]*journal.Open{}}
}

func (h *held) Desc() string { return h.desc }

// actionsOn builds the actions once; later calls get the same.
func (h *held) actionsOn(ctx context.Context, c cluster.Cluster, targets []cluster.Node) (heldActions, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.built != nil {
		return *h.built, nil
	}
	a, err := h.actions(ctx, c, targets)
	if err != nil {
		return heldActions{}, err
	}
	h.built = &a
	return a, nil
}

func (h *held) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	a, err := h.actionsOn(ctx, c, targets)
	if err != nil {
		return err
	}
	return onEach(ctx, targets, ev, timeline.EventInject, h.name, func(ctx context.Context, n cluster.Node) (time.Time, error) {
		// Journal and mark before acting: if the action fails halfway, or
		// the harness dies, the undo is still tried.
		entry, err := h.book.Begin(n.Name, h.name, h.undo, h.shape)
		if err != nil {
			return time.Time{}, err
		}
		h.mark(n.Name, entry)
		if err := h.arm(ctx, c, n); err != nil {
			return time.Time{}, err
		}
		at, err := a.apply(ctx, n)
		if err != nil {
			return at, err
		}
		in, cerr := a.inPlace(ctx, n)
		what := h.proof
		if a.proof != "" {
			what = a.proof
		}
		e := timeline.Evidence{At: time.Now(), Target: n.Name, Action: h.name, What: what, Before: "applied", After: fmt.Sprint(in), Proven: in && cerr == nil}
		if cerr != nil {
			e.Error = cerr.Error()
		}
		ev.Evidence(e)
		return at, nil
	})
}

func (h *held) Recover(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	var active []cluster.Node
	for _, n := range targets {
		if h.isActive(n.Name) {
			active = append(active, n)
		}
	}
	if len(active) == 0 {
		return nil
	}
	a, err := h.actionsOn(ctx, c, targets)
	if err != nil {
		return err
	}
	return onEach(ctx, active, ev, timeline.EventRecover, h.undo, func(ctx context.Context, n cluster.Node) (time.Time, error) {
		at, err := a.lift(ctx, n)
		if err != nil {
			return at, err
		}
		if err := h.disarm(ctx, c, n); err != nil {
			return at, err
		}
		h.mu.Lock()
		entry := h.active[n.Name]
		delete(h.active, n.Name)
		h.mu.Unlock()
		if h.addressWait > 0 && n.Address != "" {
			ev.Address(addressAfter(ctx, c, n, h.addressWait))
		}
		return at, entry.Close()
	})
}

// hostUndoGrace is how long past the fault's duration an undo left on a
// node waits: the harness lifts the fault at the duration, and a slow lift
// must not race the node's own.
const hostUndoGrace = 2 * time.Minute

// withHostUndo has the fault leave script armed on every target that can
// keep one, to run past the fault's duration unless lifted first.
func (h *held) withHostUndo(script string, duration time.Duration) *held {
	h.hostUndo, h.hostUndoAfter = script, duration+hostUndoGrace
	return h
}

func (h *held) arm(ctx context.Context, c cluster.Cluster, n cluster.Node) error {
	a, ok := c.(cluster.UndoArmer)
	if !ok || h.hostUndo == "" {
		return nil
	}
	id := fmt.Sprintf("%s-%s-%d", strings.ReplaceAll(h.name, " ", "-"), n.Name, time.Now().UnixNano())
	if err := a.ArmUndo(ctx, n, id, h.hostUndo, h.hostUndoAfter); err != nil {
		return fmt.Errorf("leave the undo on %s before the fault: %w", n.Name, err)
	}
	h.mu.Lock()
	if h.armed == nil {
		h.armed = map[string]string{}
	}
	h.armed[n.Name] = id
	h.mu.Unlock()
	return nil
}

func (h *held) disarm(ctx context.Context, c cluster.Cluster, n cluster.Node) error {
	h.mu.Lock()
	id, ok := h.armed[n.Name]
	delete(h.armed, n.Name)
	h.mu.Unlock()
	a, can := c.(cluster.UndoArmer)
	if !ok || !can {
		return nil
	}
	if err := a.DisarmUndo(ctx, n, id); err != nil {
		return fmt.Errorf("the fault is lifted, but its undo is still armed on %s: %w", n.Name, err)
	}
	return nil
}

func (h *held) mark(name string, entry *journal.Open) {
	h.mu.Lock()
	h.active[name] = entry
	h.mu.Unlock()
}

func (h *held) isActive(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.active[name] != nil
}

// onEach runs act on every target at once and stamps one event each.
func onEach(ctx context.Context, targets []cluster.Node, ev Events, kind timeline.EventKind, action string, act nodeAction) error {
	var wg sync.WaitGroup
	errs := make([]error, len(targets))
	for i, n := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := timeline.Event{Kind: kind, Action: action, Target: n.Name, At: time.Now()}
			// A panic here would end the process before anything is
			// lifted: it becomes this target's error instead.
			defer func() {
				if r := recover(); r != nil {
					e.Done, e.Error = time.Now(), fmt.Sprintf("panic: %v", r)
					errs[i] = fmt.Errorf("%s %s: panic: %v", action, n.Name, r)
					ev.Event(e)
				}
			}()
			effective, err := act(ctx, n)
			e.Done, e.Effective = time.Now(), effective
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
