package fault

import (
	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// ActionBlackholeAPI is isolate-api with packets silently dropped
// instead of reset: clients hang until their deadline, and connections
// open across the cut stall (the second calibration shape).
const ActionBlackholeAPI = "blackhole-api"

// blackhole-api is isolate-api (isolateapi.go) with packets dropped
// instead of reset.
func init() {
	register(action{
		name:     ActionBlackholeAPI,
		needs:    scenario.FaultAction{NeedsDuration: true},
		evidence: says("drop rule in place"),
		build: func(b Build) (Fault, error) {
			return b.held("blackhole-api", cluster.IsolateDrop, "drop every packet from outside the cluster to the node's API server, then let them through again",
				onNode(isolateActions(cluster.IsolateDrop))).withHostUndo(removeMarkedRulesScript, b.Spec.Duration), nil
		},
		undo: undoRestoreAPI,
	})
}
