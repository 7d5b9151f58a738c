package fault

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/shell"
	"github.com/firedrill/firedrill/framework/timeline"
)

// ActionKill SIGKILLs a control-plane component's process on each
// target node (never by deleting its mirror pod, which restarts
// nothing). Self-healing: the kubelet must restart it.
const ActionKill = "kill"

// A kill has no undo: the kubelet restarts a killed static pod by itself.
func init() {
	register(action{
		name:     ActionKill,
		needs:    scenario.FaultAction{NeedsComponent: true, RestartsContainer: true},
		evidence: func(f scenario.Fault) string { return f.Target.Component + " process gone" },
		build: func(b Build) (Fault, error) {
			return kill{component: b.Spec.Target.Component, gone: b.Timeouts.KillGone, evidence: b.Evidence}, nil
		},
	})
}

// kill SIGKILLs a control-plane component's process on each target node:
// the real process dies as in a crash, and only the kubelet brings it back
// (deleting the mirror pod would restart nothing). The proof is that every
// process it found before is gone.
type kill struct {
	component string
	// gone bounds the wait for the killed processes to disappear: SIGKILL
	// cannot be caught, so only a process stuck in the kernel outlasts it.
	gone     time.Duration
	evidence string
}

func (k kill) Desc() string { return "SIGKILL the " + k.component + " process" }

func (k kill) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	pattern := processPattern(k.component)
	pids := func(ctx context.Context, n cluster.Node) ([]string, error) {
		out, err := x.Exec(ctx, n, "sh", "-c", "pgrep -f "+shell.Quote(pattern)+" || true")
		return strings.Fields(string(out)), err
	}
	return onEach(ctx, targets, ev, timeline.EventInject, "kill "+k.component, func(ctx context.Context, n cluster.Node) (time.Time, error) {
		before, err := pids(ctx, n)
		if err != nil {
			return time.Time{}, fmt.Errorf("find the %s process: %w", k.component, err)
		}
		if _, err := x.Exec(ctx, n, "pkill", "-KILL", "-f", pattern); err != nil {
			return time.Time{}, fmt.Errorf("no %s process killed: %w", k.component, err)
		}
		e := timeline.Evidence{Target: n.Name, Action: "kill " + k.component, What: k.evidence,
			Before: strings.Join(before, " ")}
		// Proven once none of the pids found before is alive; not proven
		// when k.gone passes first.
		_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, k.gone, true, func(ctx context.Context) (bool, error) {
			now, err := pids(ctx, n)
			e.At, e.After = time.Now(), strings.Join(now, " ")
			if err != nil {
				e.Error = err.Error()
				return false, nil
			}
			e.Proven = len(before) > 0 && !slices.ContainsFunc(before, func(p string) bool { return slices.Contains(now, p) })
			return e.Proven, nil
		})
		ev.Evidence(e)
		return time.Time{}, nil
	})
}

func (kill) Recover(context.Context, cluster.Cluster, []cluster.Node, Events) error { return nil }
