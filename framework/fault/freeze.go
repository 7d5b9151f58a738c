package fault

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/shell"
)

// UndoThaw SIGCONTs a frozen component (the entry's shape names it).
const UndoThaw = "thaw"

// ActionFreeze SIGSTOPs a control-plane component's process on each
// target node for Duration, then SIGCONTs it: the process holds its
// ports and answers nothing, as a hung one does (two of three etcd
// members frozen is a lost quorum). The kubelet sees it only through
// its probes; keep Duration below the liveness probe's patience.
const ActionFreeze = "freeze"

func init() {
	register(action{
		name:     ActionFreeze,
		needs:    scenario.FaultAction{NeedsDuration: true, NeedsComponent: true},
		evidence: func(f scenario.Fault) string { return "every " + f.Target.Component + " process stopped (state T)" },
		build: func(b Build) (Fault, error) {
			c := b.Spec.Target.Component
			return b.held("freeze "+c, c, "SIGSTOP the "+c+" process (it holds its ports and answers nothing), then SIGCONT it",
				onNode(freezeActions(c))), nil
		},
		undo: &JournalUndo{Kind: UndoThaw, Do: func(ctx context.Context, c cluster.Cluster, n cluster.Node, component string) error {
			x, ok := c.(cluster.NodeExec)
			if !ok {
				return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
			}
			// The component is read back from a journal file: only a known
			// one names a process to continue.
			if !slices.Contains(scenario.Components, component) {
				return fmt.Errorf("journal entry names component %q, not one of %v: not undone", component, scenario.Components)
			}
			_, err := thaw(ctx, x, n, component)
			return err
		}},
	})
}

// processPattern matches a control-plane component's process: static pods
// run it with its name as argv[0]; anchoring keeps "etcd" from matching
// etcdctl or a shell mentioning it.
func processPattern(component string) string { return "^" + component + "( |$)" }

// freezeActions stop and continue a component's processes with signals:
// the process keeps its memory, sockets and ports, and answers nothing.
func freezeActions(component string) func(cluster.Cluster) (heldActions, error) {
	return func(c cluster.Cluster) (heldActions, error) {
		x, ok := c.(cluster.NodeExec)
		if !ok {
			return heldActions{}, fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
		}
		pattern := processPattern(component)
		return heldActions{
			apply: func(ctx context.Context, n cluster.Node) (time.Time, error) {
				if _, err := x.Exec(ctx, n, "pkill", "-STOP", "-f", pattern); err != nil {
					return time.Time{}, fmt.Errorf("no %s process stopped: %w", component, err)
				}
				return time.Time{}, nil
			},
			lift: func(ctx context.Context, n cluster.Node) (time.Time, error) { return thaw(ctx, x, n, component) },
			inPlace: func(ctx context.Context, n cluster.Node) (bool, error) {
				// Every matching process, and at least one, in state T.
				out, err := x.Exec(ctx, n, "sh", "-c",
					"for p in $(pgrep -f "+shell.Quote(pattern)+"); do awk '{print $3}' /proc/$p/stat; done")
				if err != nil {
					return false, err
				}
				states := strings.Fields(string(out))
				for _, s := range states {
					if s != "T" {
						return false, nil
					}
				}
				return len(states) > 0, nil
			},
		}, nil
	}
}

// thaw SIGCONTs a component's processes. A process the kubelet replaced
// meanwhile is not stopped, so none matching is no error.
func thaw(ctx context.Context, x cluster.NodeExec, n cluster.Node, component string) (time.Time, error) {
	_, err := x.Exec(ctx, n, "sh", "-c", "pkill -CONT -f "+shell.Quote(processPattern(component))+" || true")
	return time.Time{}, err
}
