package fault

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// UndoStart boots a node an interrupted reboot (or stop) left stopped.
const UndoStart = "start"

// undoStart is shared with stop, whose lift is the same boot.
var undoStart = &JournalUndo{Kind: UndoStart, Do: func(ctx context.Context, c cluster.Cluster, n cluster.Node, _ string) error {
	switch s := c.(type) {
	case cluster.Stopper:
		return s.Start(ctx, n)
	case cluster.Rebooter:
		return s.Start(ctx, n)
	}
	return fmt.Errorf("cluster %s cannot start nodes", c.Name())
}}

// ActionReboot restarts each target node for real (docker restart on
// kind). Self-healing: the harness does nothing to recover.
const ActionReboot = "reboot"

func init() {
	register(action{
		name:     ActionReboot,
		needs:    scenario.FaultAction{},
		evidence: says("boot id changed"),
		build: func(b Build) (Fault, error) {
			return &reboot{bootID: b.Timeouts.BootID, book: b.Book, evidence: b.Evidence, open: map[string]*journal.Open{}}, nil
		},
		undo: undoStart,
	})
}

// reboot restarts each target node at once (a real restart: docker restart
// on kind). The proof is a new boot identifier, read within bootID after
// the restart returned. The node heals by itself; only a reboot cut short
// (Ctrl-C kills docker restart) can leave it stopped, so each reboot is in
// the journal until its new boot is read, and Recover starts the nodes
// whose reboot did not complete.
type reboot struct {
	bootID   time.Duration
	book     *journal.Book
	evidence string

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
		e := timeline.Evidence{At: time.Now(), Target: n.Name, Action: "reboot", What: rb.evidence,
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
