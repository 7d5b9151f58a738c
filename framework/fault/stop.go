package fault

import (
	"context"
	"fmt"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// ActionStop powers each target node off (docker stop on kind, which
// stops every process on it) for Duration and then boots it again:
// a machine, or with a zone as target a whole zone, that is gone. The
// node keeps its address across it where the provider can pin it.
const ActionStop = "stop"

func init() {
	register(action{
		name:     ActionStop,
		needs:    scenario.FaultAction{NeedsDuration: true},
		evidence: says("node stopped (docker state not running)"),
		build: func(b Build) (Fault, error) {
			h := b.held("stop", "", "power the node off (every process on it stops), then boot it again", onNode(stopActions))
			h.addressWait = b.Timeouts.BootID // a booted node must keep its address
			return h, nil
		},
		undo: undoStart, // the boot an interrupted reboot needs too (reboot.go)
	})
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
