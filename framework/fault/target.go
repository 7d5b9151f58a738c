package fault

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// Select picks the target nodes: those of the role (and zone, if given),
// then one, N or all of them. "one" and N take the first by name, so a
// drill hits the same node on every run.
func Select(nodes []cluster.Node, t scenario.Target) ([]cluster.Node, error) {
	var pool []cluster.Node
	for _, n := range nodes {
		if (t.Role == scenario.RoleAny || n.Role == t.Role) && (t.Zone == "" || n.Zone == t.Zone) {
			pool = append(pool, n)
		}
	}
	sort.Slice(pool, func(i, j int) bool { return pool[i].Name < pool[j].Name })
	if len(pool) == 0 {
		return nil, fmt.Errorf("no node has role %s%s", t.Role, zoneSuffix(t.Zone))
	}
	want := len(pool)
	switch t.Count {
	case "all":
	case "one":
		want = 1
	default:
		n, err := strconv.Atoi(t.Count)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("target count %q: want one, all or N >= 1", t.Count)
		}
		if n > len(pool) {
			return nil, fmt.Errorf("target count %d: only %d nodes have role %s%s", n, len(pool), t.Role, zoneSuffix(t.Zone))
		}
		want = n
	}
	return pool[:want], nil
}

func zoneSuffix(zone string) string {
	if zone == "" {
		return ""
	}
	return " in zone " + zone
}
