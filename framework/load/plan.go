package load

import "github.com/firedrill/firedrill/framework/run"

// DefaultDrills are the drills the load suite runs when none are named
// (issue 26 item 5): on kind-single reboot-master, the vertical slice; on
// kind-ha kill-etcd-leader, whose etcd steady-state check is the one a
// busy machine stalled for five minutes. Not a calibration drill: beside
// the hog, calibrate-reset-5s's api.downtime.error.path was 0.053, 0.041,
// 0.064, 0.048 and 0.052 s against its 0.05 s bound (runs
// 20261207-000508 to -002615: the first answer over a new connection came
// 45-60 ms after the path's knock, and the node's own stamp of the lift
// was up to 70 ms late), a bound the suite would fail three runs in five;
// SCENARIO=calibrate-reset-5s runs it.
var DefaultDrills = []string{"reboot-master", "kill-etcd-leader"}

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
