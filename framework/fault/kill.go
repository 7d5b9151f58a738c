package fault

import (
	"context"
	"fmt"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/timeline"
)

// kill SIGKILLs a control-plane component's process on each target node:
// the real process dies as in a crash, and only the kubelet brings it back
// (deleting the mirror pod would restart nothing).
type kill struct{ component string }

func (k kill) Desc() string { return "SIGKILL the " + k.component + " process" }

func (k kill) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	// Static pods run the component with its name as argv[0]; anchoring
	// keeps "etcd" from matching etcdctl or a shell mentioning it.
	pattern := "^" + k.component + "( |$)"
	return onEach(ctx, targets, ev, timeline.EventInject, "kill "+k.component, func(ctx context.Context, n cluster.Node) error {
		if _, err := x.Exec(ctx, n, "pkill", "-KILL", "-f", pattern); err != nil {
			return fmt.Errorf("no %s process killed: %w", k.component, err)
		}
		return nil
	})
}

func (kill) Recover(context.Context, cluster.Cluster, []cluster.Node, Events) error { return nil }
