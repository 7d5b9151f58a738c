package load

import "github.com/firedrill/firedrill/framework/run"

// DefaultDrills are the drills the load suite runs when none are named
// (issue 26 item 5): on kind-single a calibration drill, whose error bound
// is the harness's own accuracy and must hold under load too, and
// reboot-master, the vertical slice; on kind-ha kill-etcd-leader, whose
// etcd steady-state check is the one a busy machine stalled for five
// minutes. The calibration goes first: its cut is the gentlest fault,
// and its measure does not depend on what a reboot left.
var DefaultDrills = []string{"calibrate-reset-5s", "reboot-master", "kill-etcd-leader"}

// ByCluster groups a plan's drills by their cluster profile, in the order
// each profile first appears, each group in plan order: the load suite
// runs each group on its own runner and deletes its cluster before the
// next group's is made, so that the drills' load is the hog's and not
// also an idle cluster's beside it.
func ByCluster(plan []run.Planned) [][]run.Planned {
	var groups [][]run.Planned
	index := map[string]int{}
	for _, p := range plan {
		i, ok := index[p.Scenario.Cluster]
		if !ok {
			i = len(groups)
			index[p.Scenario.Cluster] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], p)
	}
	return groups
}

// Names are the scenarios' names of planned drills, in order.
func Names(plan []run.Planned) []string {
	names := make([]string, 0, len(plan))
	for _, p := range plan {
		names = append(names, p.Scenario.Name)
	}
	return names
}
