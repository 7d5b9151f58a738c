package fault

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/procedure"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// ActionWipeEtcd stops each target's etcd member (its static
// manifest moved away) and deletes the member's data directory: the
// cluster's state is gone on that node, and only a recovery procedure
// (recovery.procedure) brings it back.
const ActionWipeEtcd = "wipe-etcd"

// ActionWipeEtcdMember is the same wipe, of a member the cluster must
// replace while it keeps quorum (recovery.procedure replace-etcd-member:
// member remove, member add, a fresh data directory): a member whose
// node lost its disk for good. The procedure replaces one member, so the
// target is count one; the drill refuses more.
const ActionWipeEtcdMember = "wipe-etcd-member"

// Nothing in the cluster undoes a wipe, and the harness does not either:
// the scenario's recovery procedure (restore-etcd) does.
func init() {
	register(action{
		name:     ActionWipeEtcd,
		needs:    scenario.FaultAction{NeedsComponent: true, Component: scenario.ComponentEtcd, Procedure: scenario.ProcedureRestoreEtcd},
		evidence: says("member data gone and no etcd process"),
		build:    func(b Build) (Fault, error) { return wipeEtcd{evidence: b.Evidence}, nil },
	})
	register(action{
		name:     ActionWipeEtcdMember,
		needs:    scenario.FaultAction{NeedsComponent: true, Component: scenario.ComponentEtcd, Procedure: scenario.ProcedureReplaceEtcdMember},
		evidence: says("member data gone and no etcd process"),
		build:    func(b Build) (Fault, error) { return wipeEtcd{evidence: b.Evidence}, nil },
	})
}

// wipeEtcd stops each target's etcd member (its manifest moved out of the
// kubelet's directory, so nothing restarts it) and deletes the member's
// data directory. Nothing in the cluster undoes it: the scenario's
// recovery procedure restores a snapshot. The proof is that the data is
// gone and no etcd process runs.
type wipeEtcd struct{ evidence string }

func (wipeEtcd) Desc() string {
	return "stop the etcd member and delete its data directory (" + procedure.EtcdDataDir + "/member)"
}

// wipedCheck prints what is left: "data:<gone|there> process:<pids>".
var wipedCheck = "if [ -e " + procedure.EtcdDataDir + "/member ]; then echo data:there; else echo data:gone; fi; " +
	"echo process:$(pgrep -f '" + processPattern(kubeadm.Etcd) + "' | tr '\\n' ' ')"

func (w wipeEtcd) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
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
		e := timeline.Evidence{At: time.Now(), Target: n.Name, Action: "wipe-etcd", What: w.evidence,
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
