package fault

import (
	"context"
	"fmt"
	"strings"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// ActionStopKubelet stops the kubelet (systemctl stop kubelet) on each
// target node for Duration, then starts it again. Everything it started
// keeps running (containerd owns the containers: a master's static pods
// go on serving), but nothing reports the node any more: its Lease and
// status age, the node controller marks it NotReady after the
// node-monitor grace period, taints it unreachable and marks its pods not
// Ready, so they leave every Service's endpoints. A started kubelet adopts
// the running containers and reports the node Ready again.
const ActionStopKubelet = "stop-kubelet"

// UndoStartKubelet starts the kubelet a stop-kubelet left stopped; the
// journal names the node, so only nodes a run stopped are started.
const UndoStartKubelet = "start-kubelet"

// kubeletUnit is the kubelet's systemd unit on a kubeadm node (kind's
// node image and the ssh provider's hosts alike).
const kubeletUnit = "kubelet"

// kubeletState prints the unit's ActiveState (active, inactive, failed,
// activating, deactivating), exiting 0 whatever the state, unlike
// systemctl is-active.
var kubeletState = []string{"systemctl", "show", "--property=ActiveState", "--value", kubeletUnit}

func init() {
	register(action{
		name:     ActionStopKubelet,
		needs:    scenario.FaultAction{NeedsDuration: true},
		evidence: says("kubelet stopped (systemd ActiveState not active)"),
		build: func(b Build) (Fault, error) {
			// An ssh host keeps a start of its own, so a kubelet is started
			// again even if the harness dies with this machine's journal.
			return b.held("stop-kubelet", "", "stop the node's kubelet (its containers keep running; nothing reports the node), then start it again",
				onNode(kubeletActions)).withHostUndo("systemctl start "+kubeletUnit, b.Spec.Duration), nil
		},
		undo: &JournalUndo{Kind: UndoStartKubelet, Do: func(ctx context.Context, c cluster.Cluster, n cluster.Node, _ string) error {
			a, err := kubeletActions(c)
			if err != nil {
				return err
			}
			_, err = a.lift(ctx, n)
			return err
		}},
	})
}

func kubeletActions(c cluster.Cluster) (heldActions, error) {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return heldActions{}, fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	systemctl := func(verb string) func(context.Context, cluster.Node) error {
		return func(ctx context.Context, n cluster.Node) error {
			if _, err := x.Exec(ctx, n, "systemctl", verb, kubeletUnit); err != nil {
				return fmt.Errorf("systemctl %s %s: %w", verb, kubeletUnit, err)
			}
			return nil
		}
	}
	return heldActions{
		apply: unstamped(systemctl("stop")),
		// Starting a running kubelet changes nothing: a lift after a
		// failed stop, or clean's replay, is safe.
		lift: unstamped(systemctl("start")),
		inPlace: func(ctx context.Context, n cluster.Node) (bool, error) {
			out, err := x.Exec(ctx, n, kubeletState[0], kubeletState[1:]...)
			if err != nil {
				return false, err
			}
			state := strings.TrimSpace(string(out))
			if state == "" {
				return false, fmt.Errorf("systemctl printed no state for %s", kubeletUnit)
			}
			// inactive after a clean stop, failed if it did not exit
			// cleanly; activating would be systemd restarting it.
			return state == "inactive" || state == "failed", nil
		},
	}, nil
}
