package timeline

import (
	"fmt"
	"slices"

	"github.com/firedrill/firedrill/framework/kubeadm"
)

// Bound is a figure's lower bound as the cluster's own settings set it.
type Bound struct {
	Value float64
	// Why says which settings make it, with their values.
	Why string
}

// LowerBounds are the lower bounds the recorded cluster settings put on
// figures, by figure name; a scenario's own lowerBound for the figure
// gives way to them, since a number written in a file may not be the
// cluster's.
//
// node.detect: the node controller marks a node not Ready once its last
// heartbeat is older than the grace period; the kubelet renews its node
// Lease every quarter of the Lease's duration, so the last renewal came
// at most that long before the fault.
func LowerBounds(tl Timeline) map[string]Bound {
	out := map[string]Bound{}
	if tl.Settings == nil || tl.Settings.NodeMonitorGracePeriod <= 0 {
		return out
	}
	grace := tl.Settings.NodeMonitorGracePeriod
	renew, from := nodeLeaseRenewal(tl)
	out[NodeDetect] = Bound{Value: max(grace-renew, 0),
		Why: fmt.Sprintf("node-monitor-grace-period %gs (%s) less the kubelet's heartbeat interval %gs (%s)",
			grace, tl.Settings.NodeMonitorGracePeriodFrom, renew, from)}
	return out
}

// nodeLeaseRenewal is the kubelet's renewal interval: a quarter of the
// node Leases' duration as observed (the longest, to be safe), else
// Kubernetes' default of 40 s.
func nodeLeaseRenewal(tl Timeline) (float64, string) {
	var durations []int32
	for _, l := range tl.Leases {
		if l.Namespace == kubeadm.NodeLeaseNamespace && l.DurationSeconds > 0 {
			durations = append(durations, l.DurationSeconds)
		}
	}
	if len(durations) == 0 {
		return 10, "a quarter of the default 40 s node Lease; no node Lease observed"
	}
	d := slices.Max(durations)
	return float64(d) / 4, fmt.Sprintf("a quarter of the node Leases' %d s", d)
}
