package fault

import (
	"context"
	"fmt"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// UndoRestoreAPI lets clients reach a node's API server again after
// isolate-api or blackhole-api (the entry's shape says which rule).
const UndoRestoreAPI = "restore-api"

// undoRestoreAPI is shared with blackhole-api, the same cut in its other
// shape.
var undoRestoreAPI = &JournalUndo{Kind: UndoRestoreAPI, Do: func(ctx context.Context, c cluster.Cluster, n cluster.Node, shape string) error {
	i, ok := c.(cluster.APIIsolator)
	if !ok {
		return fmt.Errorf("cluster %s cannot restore API access", c.Name())
	}
	in, err := i.APIIsolated(ctx, n, shape)
	if err != nil || !in {
		return err
	}
	_, err = i.RestoreAPI(ctx, n, shape)
	return err
}}

// ActionIsolateAPI cuts clients outside the cluster off from each target
// node's API server (TCP resets) for Duration and then restores the
// path: an outage with exact edges, for calibration.
const ActionIsolateAPI = "isolate-api"

func init() {
	register(action{
		name:     ActionIsolateAPI,
		needs:    scenario.FaultAction{NeedsDuration: true},
		evidence: says("reset rule in place"),
		build: func(b Build) (Fault, error) {
			return b.held("isolate-api", cluster.IsolateReset, "reset every connection from outside the cluster to the node's API server, then allow them again",
				onNode(isolateActions(cluster.IsolateReset))).withHostUndo(removeMarkedRulesScript, b.Spec.Duration), nil
		},
		undo: undoRestoreAPI,
	})
}

// isolateActions cut clients outside the cluster off from the node's API
// server in one shape (the provider's rule: cluster.APIIsolator).
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
