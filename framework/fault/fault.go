// Package fault is what the harness can break and how. A fault acts on
// nodes chosen apart from it (Select), stamps each action on the timeline,
// acts on the real thing (a reboot restarts the node, a pause freezes every
// process on it), and records the evidence that it took.
package fault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/packetfilter"
	"github.com/firedrill/firedrill/framework/scenario"
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

// New returns the fault for a scenario's fault spec; t bounds its waits for
// evidence. Every action with something to undo is written to book before
// it is done and closed once undone (a nil book keeps no journal).
func New(spec scenario.Fault, t scenario.Timeouts, book *journal.Book) (Fault, error) {
	switch spec.Action {
	case scenario.ActionReboot:
		return &reboot{bootID: t.BootID, book: book, open: map[string]*journal.Open{}}, nil
	case scenario.ActionKill:
		if spec.Target.Component == "" {
			return nil, fmt.Errorf("kill needs target.component")
		}
		return kill{component: spec.Target.Component, gone: t.KillGone}, nil
	case scenario.ActionPause:
		return newHeld("pause", UndoUnpause, "", "freeze every process of the node (the kernel still accepts connections), then thaw it",
			"node frozen (docker state Paused)", onNode(pauseActions), book), nil
	case scenario.ActionFreeze:
		if spec.Target.Component == "" {
			return nil, fmt.Errorf("freeze needs target.component")
		}
		c := spec.Target.Component
		return newHeld("freeze "+c, UndoThaw, c, "SIGSTOP the "+c+" process (it holds its ports and answers nothing), then SIGCONT it",
			"every "+c+" process stopped (state T)", onNode(freezeActions(c)), book), nil
	case scenario.ActionStop:
		h := newHeld("stop", UndoStart, "", "power the node off (every process on it stops), then boot it again",
			"node stopped (docker state not running)", onNode(stopActions), book)
		h.addressWait = t.BootID // a booted node must keep its address
		return h, nil
	case scenario.ActionIsolateNode:
		return newHeld("isolate-node", UndoRestoreNode, "", "drop every packet from the node to any API server (port "+kubeadm.APIServerPort+"), then let them through again",
			"drop rule in place", onNode(isolateNodeActions), book).withHostUndo(removeMarkedRulesScript, spec.Duration), nil
	case scenario.ActionPartition:
		return newHeld("partition", UndoRemoveRules, "", "cut the nodes off from every other node, their pods and the load balancer, both ways, then let them through again",
			"drop rules in place", partitionActions, book).withHostUndo(removeMarkedRulesScript, spec.Duration), nil
	case scenario.ActionWipeEtcd:
		return wipeEtcd{}, nil
	case scenario.ActionLoseNode:
		return loseNode{}, nil
	case scenario.ActionIsolateAPI:
		return newHeld("isolate-api", UndoRestoreAPI, cluster.IsolateReset, "reset every connection from outside the cluster to the node's API server, then allow them again",
			"reset rule in place", onNode(isolateActions(cluster.IsolateReset)), book).withHostUndo(removeMarkedRulesScript, spec.Duration), nil
	case scenario.ActionBlackholeAPI:
		return newHeld("blackhole-api", UndoRestoreAPI, cluster.IsolateDrop, "drop every packet from outside the cluster to the node's API server, then let them through again",
			"drop rule in place", onNode(isolateActions(cluster.IsolateDrop)), book).withHostUndo(removeMarkedRulesScript, spec.Duration), nil
	}
	return nil, fmt.Errorf("unknown fault action %q", spec.Action)
}

// The undo actions the journal names. A kill has none: the kubelet
// restarts a killed static pod by itself.
const (
	UndoUnpause    = "unpause"
	UndoRestoreAPI = "restore-api"
	// UndoStart boots a node an interrupted reboot left stopped.
	UndoStart = "start"
	// UndoThaw SIGCONTs a frozen component (the entry's shape names it).
	UndoThaw = "thaw"
	// UndoRestoreNode removes the rule that cut a node off from the API.
	UndoRestoreNode = "restore-node"
	// UndoRemoveRules removes every rule marked as firedrill's on the node
	// (a partition's name addresses the journal does not keep).
	UndoRemoveRules = "remove-rules"
)

// Undo does what a journal entry left open says, on a node of c: what
// `firedrill clean` replays after a run that could not (kill -9).
func Undo(ctx context.Context, c cluster.Cluster, e journal.Entry) error {
	n := cluster.Node{Name: e.Node}
	switch e.Undo {
	case UndoUnpause:
		p, ok := c.(cluster.Pauser)
		if !ok {
			return fmt.Errorf("cluster %s cannot unpause nodes", c.Name())
		}
		paused, err := p.Paused(ctx, n)
		if err != nil || !paused {
			return err
		}
		return p.Unpause(ctx, n)
	case UndoRestoreAPI:
		i, ok := c.(cluster.APIIsolator)
		if !ok {
			return fmt.Errorf("cluster %s cannot restore API access", c.Name())
		}
		in, err := i.APIIsolated(ctx, n, e.Shape)
		if err != nil || !in {
			return err
		}
		_, err = i.RestoreAPI(ctx, n, e.Shape)
		return err
	case UndoThaw:
		x, ok := c.(cluster.NodeExec)
		if !ok {
			return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
		}
		// The component is read back from a journal file: only a known
		// one names a process to continue.
		if !slices.Contains(scenario.Components, e.Shape) {
			return fmt.Errorf("journal entry names component %q, not one of %v: not undone", e.Shape, scenario.Components)
		}
		_, err := thaw(ctx, x, n, e.Shape)
		return err
	case UndoRestoreNode:
		x, ok := c.(cluster.NodeExec)
		if !ok {
			return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
		}
		_, err := runRules(ctx, x, n, nodeRules(), "-D") // removes whichever rule is there
		return err
	case UndoRemoveRules:
		// A zone cut off at the cloud's network is healed there first: its
		// nodes may not be reachable before.
		if zp, ok := c.(cluster.ZonePartitioner); ok {
			if err := healZoneOf(ctx, c, zp, n); err != nil {
				return err
			}
		}
		x, ok := c.(cluster.NodeExec)
		if !ok {
			return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
		}
		return packetfilter.RemoveAll(ctx, cluster.FilterRun(x, n))
	case UndoStart:
		switch s := c.(type) {
		case cluster.Stopper:
			return s.Start(ctx, n)
		case cluster.Rebooter:
			return s.Start(ctx, n)
		}
		return fmt.Errorf("cluster %s cannot start nodes", c.Name())
	}
	return fmt.Errorf("unknown undo %q", e.Undo)
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

func pauseActions(c cluster.Cluster) (heldActions, error) {
	p, ok := c.(cluster.Pauser)
	if !ok {
		return heldActions{}, fmt.Errorf("cluster %s cannot pause nodes", c.Name())
	}
	return heldActions{apply: unstamped(p.Pause), lift: unstamped(p.Unpause), inPlace: p.Paused}, nil
}

func stopActions(c cluster.Cluster) (heldActions, error) {
	s, ok := c.(cluster.Stopper)
	if !ok {
		return heldActions{}, fmt.Errorf("cluster %s cannot stop nodes", c.Name())
	}
	return heldActions{
		apply: unstamped(s.Stop),
		lift:  unstamped(s.Start),
		inPlace: func(ctx context.Context, n cluster.Node) (bool, error) {
			running, err := s.Running(ctx, n)
			return !running, err
		},
	}, nil
}

func isolateActions(shape string) func(cluster.Cluster) (heldActions, error) {
	return func(c cluster.Cluster) (heldActions, error) {
		i, ok := c.(cluster.APIIsolator)
		if !ok {
			return heldActions{}, fmt.Errorf("cluster %s cannot isolate API servers", c.Name())
		}
		return heldActions{
			apply:   func(ctx context.Context, n cluster.Node) (time.Time, error) { return i.IsolateAPI(ctx, n, shape) },
			lift:    func(ctx context.Context, n cluster.Node) (time.Time, error) { return i.RestoreAPI(ctx, n, shape) },
			inPlace: func(ctx context.Context, n cluster.Node) (bool, error) { return i.APIIsolated(ctx, n, shape) },
		}, nil
	}
}

// reboot restarts each target node at once (a real restart: docker restart
// on kind). The proof is a new boot identifier, read within bootID after
// the restart returned. The node heals by itself; only a reboot cut short
// (Ctrl-C kills docker restart) can leave it stopped, so each reboot is in
// the journal until its new boot is read, and Recover starts the nodes
// whose reboot did not complete.
type reboot struct {
	bootID time.Duration
	book   *journal.Book

	mu   sync.Mutex
	open map[string]*journal.Open // nodes whose reboot did not complete
}

func (*reboot) Desc() string { return "reboot the node (a real restart of the machine)" }

func (rb *reboot) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	r, ok := c.(cluster.Rebooter)
	if !ok {
		return fmt.Errorf("cluster %s cannot reboot nodes", c.Name())
	}
	b, ok := c.(cluster.BootIdentifier)
	if !ok {
		return fmt.Errorf("cluster %s cannot tell a node's boot, so a reboot could not be proven", c.Name())
	}
	return onEach(ctx, targets, ev, timeline.EventInject, "reboot", func(ctx context.Context, n cluster.Node) (time.Time, error) {
		before, err := b.BootID(ctx, n)
		if err != nil {
			return time.Time{}, fmt.Errorf("boot id before the reboot: %w", err)
		}
		entry, err := rb.book.Begin(n.Name, "reboot", UndoStart, "")
		if err != nil {
			return time.Time{}, err
		}
		rb.mu.Lock()
		rb.open[n.Name] = entry
		rb.mu.Unlock()
		if err := r.Reboot(ctx, n); err != nil {
			return time.Time{}, err
		}
		// Read after the action; the node may take a moment to answer.
		var after string
		var readErr error
		_ = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, rb.bootID, true, func(ctx context.Context) (bool, error) {
			after, readErr = b.BootID(ctx, n)
			return readErr == nil, nil
		})
		e := timeline.Evidence{At: time.Now(), Target: n.Name, Action: "reboot", What: "boot id changed",
			Before: before, After: after, Proven: readErr == nil && after != "" && after != before}
		if readErr != nil {
			e.Error = readErr.Error()
		}
		ev.Evidence(e)
		if e.Proven {
			rb.done(n.Name)
		}
		if n.Address != "" {
			ev.Address(addressAfter(ctx, c, n, rb.bootID))
		}
		return time.Time{}, nil
	})
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

func (rb *reboot) done(node string) {
	rb.mu.Lock()
	entry := rb.open[node]
	delete(rb.open, node)
	rb.mu.Unlock()
	_ = entry.Close()
}

// Recover starts the nodes whose reboot did not complete; a completed
// reboot needs nothing: the cluster heals with no human step.
func (rb *reboot) Recover(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	var cut []cluster.Node
	rb.mu.Lock()
	for _, n := range targets {
		if rb.open[n.Name] != nil {
			cut = append(cut, n)
		}
	}
	rb.mu.Unlock()
	if len(cut) == 0 {
		return nil
	}
	r, ok := c.(cluster.Rebooter)
	if !ok {
		return fmt.Errorf("cluster %s cannot start nodes", c.Name())
	}
	return onEach(ctx, cut, ev, timeline.EventRecover, UndoStart, func(ctx context.Context, n cluster.Node) (time.Time, error) {
		if err := r.Start(ctx, n); err != nil {
			return time.Time{}, err
		}
		rb.done(n.Name)
		return time.Time{}, nil
	})
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
