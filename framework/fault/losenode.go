package fault

import (
	"context"
	"fmt"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// ActionLoseNode destroys each target node for good (on kind the
// container and its disk are removed): only a procedure that builds a
// new node in its place (recovery.procedure) recovers.
const ActionLoseNode = "lose-node"

// Nothing undoes a lost node but the scenario's recovery procedure
// (rebuild-control-plane), which builds a new one in its place.
func init() {
	register(action{
		name:     ActionLoseNode,
		needs:    scenario.FaultAction{Role: scenario.RoleControlPlane, Procedure: scenario.ProcedureRebuildControlPlane},
		evidence: says("node gone"),
		build:    func(b Build) (Fault, error) { return loseNode{evidence: b.Evidence}, nil },
	})
}

// loseNode destroys each target node for good: the machine and its disk
// are gone, and only the recovery procedure builds a new one in its place.
// The proof is that the node no longer runs.
type loseNode struct{ evidence string }

func (loseNode) Desc() string { return "destroy the node and its disk for good" }

func (l loseNode) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	r, ok := c.(cluster.Replacer)
	if !ok {
		return fmt.Errorf("cluster %s cannot destroy and replace nodes", c.Name())
	}
	s, _ := c.(cluster.Stopper)
	return onEach(ctx, targets, ev, timeline.EventInject, "lose-node", func(ctx context.Context, n cluster.Node) (time.Time, error) {
		if err := r.Lose(ctx, n); err != nil {
			return time.Time{}, err
		}
		e := timeline.Evidence{At: time.Now(), Target: n.Name, Action: "lose-node", What: l.evidence, Before: "running"}
		if s == nil {
			e.Error = "the cluster cannot tell whether a node runs"
		} else if running, err := s.Running(ctx, n); err != nil && !running {
			e.After, e.Proven = "gone ("+err.Error()+")", true
		} else {
			e.After = fmt.Sprintf("running=%v", running)
		}
		ev.Evidence(e)
		return time.Time{}, nil
	})
}

func (loseNode) Recover(context.Context, cluster.Cluster, []cluster.Node, Events) error { return nil }
