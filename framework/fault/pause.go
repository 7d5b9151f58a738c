package fault

import (
	"context"
	"fmt"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// UndoUnpause thaws a node a pause left frozen.
const UndoUnpause = "unpause"

// ActionPause freezes each target node (docker pause) for Duration and
// then lifts it: a known outage, for calibration.
const ActionPause = "pause"

func init() {
	register(action{
		name:     ActionPause,
		needs:    scenario.FaultAction{NeedsDuration: true},
		evidence: says("node frozen (docker state Paused)"),
		build: func(b Build) (Fault, error) {
			return b.held("pause", "", "freeze every process of the node (the kernel still accepts connections), then thaw it",
				onNode(pauseActions)), nil
		},
		undo: &JournalUndo{Kind: UndoUnpause, Do: func(ctx context.Context, c cluster.Cluster, n cluster.Node, _ string) error {
			p, ok := c.(cluster.Pauser)
			if !ok {
				return fmt.Errorf("cluster %s cannot unpause nodes", c.Name())
			}
			paused, err := p.Paused(ctx, n)
			if err != nil || !paused {
				return err
			}
			return p.Unpause(ctx, n)
		}},
	})
}

func pauseActions(c cluster.Cluster) (heldActions, error) {
	p, ok := c.(cluster.Pauser)
	if !ok {
		return heldActions{}, fmt.Errorf("cluster %s cannot pause nodes", c.Name())
	}
	return heldActions{apply: unstamped(p.Pause), lift: unstamped(p.Unpause), inPlace: p.Paused}, nil
}
