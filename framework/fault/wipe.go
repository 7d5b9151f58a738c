package fault

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/procedure"
	"github.com/firedrill/firedrill/framework/timeline"
)

// wipeEtcd stops each target's etcd member (its manifest moved out of the
// kubelet's directory, so nothing restarts it) and deletes the member's
// data directory. Nothing in the cluster undoes it: the scenario's
// recovery procedure restores a snapshot. The proof is that the data is
// gone and no etcd process runs.
type wipeEtcd struct{}

func (wipeEtcd) Desc() string {
	return "stop the etcd member and delete its data directory (" + procedure.EtcdDataDir + "/member)"
}

// wipedCheck prints what is left: "data:<gone|there> process:<pids>".
var wipedCheck = "if [ -e " + procedure.EtcdDataDir + "/member ]; then echo data:there; else echo data:gone; fi; " +
	"echo process:$(pgrep -f '" + processPattern(kubeadm.Etcd) + "' | tr '\\n' ' ')"

func (wipeEtcd) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	return onEach(ctx, targets, ev, timeline.EventInject, "wipe-etcd", func(ctx context.Context, n cluster.Node) (time.Time, error) {
		before, err := x.Exec(ctx, n, "sh", "-c", wipedCheck)
		if err != nil {
			return time.Time{}, fmt.Errorf("look at etcd before the wipe: %w", err)
		}
		if _, err := x.Exec(ctx, n, "sh", "-c", procedure.WipeScript()); err != nil {
			return time.Time{}, err
		}
		after, err := x.Exec(ctx, n, "sh", "-c", wipedCheck)
		e := timeline.Evidence{At: time.Now(), Target: n.Name, Action: "wipe-etcd", What: "member data gone and no etcd process",
			Before: strings.TrimSpace(string(before)), After: strings.TrimSpace(string(after))}
		if err != nil {
			e.Error = err.Error()
		}
		e.Proven = err == nil && wiped(e.After) && !wiped(e.Before)
		ev.Evidence(e)
		return time.Time{}, nil
	})
}

// wiped reads wipedCheck's output: no data and no process.
func wiped(out string) bool {
	f := strings.Fields(out)
	return len(f) == 2 && f[0] == "data:gone" && f[1] == "process:"
}

func (wipeEtcd) Recover(context.Context, cluster.Cluster, []cluster.Node, Events) error { return nil }

// loseNode destroys each target node for good: the machine and its disk
// are gone, and only the recovery procedure builds a new one in its place.
// The proof is that the node no longer runs.
type loseNode struct{}

func (loseNode) Desc() string { return "destroy the node and its disk for good" }

func (loseNode) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	r, ok := c.(cluster.Replacer)
	if !ok {
		return fmt.Errorf("cluster %s cannot destroy and replace nodes", c.Name())
	}
	s, _ := c.(cluster.Stopper)
	return onEach(ctx, targets, ev, timeline.EventInject, "lose-node", func(ctx context.Context, n cluster.Node) (time.Time, error) {
		if err := r.Lose(ctx, n); err != nil {
			return time.Time{}, err
		}
		e := timeline.Evidence{At: time.Now(), Target: n.Name, Action: "lose-node", What: "node gone", Before: "running"}
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
