package fault

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// Facts are what target selection needs beyond the node list, looked up
// from the cluster just before the fault (LookupFacts).
type Facts struct {
	// Leader is the node of the target component's leader: the Lease
	// holder for kube-scheduler and kube-controller-manager, etcd's raft
	// leader for etcd. Empty when the target does not ask for leadership.
	Leader string
	// LastRestart is, per node, when the target component's container last
	// terminated (zero: never). The kubelet's back-off for that container
	// lasts until ten minutes after its last restart.
	LastRestart map[string]time.Time
}

// Choice is the selected targets and why.
type Choice struct {
	Nodes []cluster.Node
	// Why explains leader and back-off choices for the report.
	Why []string
}

// Select picks the target nodes: those of the role (and zone), then by
// leadership, then one, N or all of them. Without a back-off policy that
// says otherwise, "one" and N take the first by name, so a drill hits the
// same node on every run; with choose-target they take the nodes whose
// component restarted least recently, to avoid the kubelet's back-off.
func Select(nodes []cluster.Node, f scenario.Fault, facts Facts, now time.Time) (Choice, error) {
	t := f.Target
	var pool []cluster.Node
	for _, n := range nodes {
		if Matches(n, t) {
			pool = append(pool, n)
		}
	}
	sort.Slice(pool, func(i, j int) bool { return pool[i].Name < pool[j].Name })
	if len(pool) == 0 {
		return Choice{}, fmt.Errorf("no node has role %s%s", t.Role, zoneSuffix(t.Zone))
	}
	var c Choice
	switch t.Leadership {
	case scenario.Leader, scenario.Follower:
		if facts.Leader == "" {
			return Choice{}, fmt.Errorf("no %s leader found", t.Component)
		}
		var keep []cluster.Node
		for _, n := range pool {
			if (n.Name == facts.Leader) == (t.Leadership == scenario.Leader) {
				keep = append(keep, n)
			}
		}
		if len(keep) == 0 {
			return Choice{}, fmt.Errorf("no %s %s among nodes with role %s%s (leader: %s)", t.Component, t.Leadership, t.Role, zoneSuffix(t.Zone), facts.Leader)
		}
		c.Why = append(c.Why, fmt.Sprintf("%s leader is on %s", t.Component, facts.Leader))
		pool = keep
	}
	want := len(pool)
	switch t.Count {
	case "all":
	case "one":
		want = 1
	default:
		n, err := strconv.Atoi(t.Count)
		if err != nil || n < 1 {
			return Choice{}, fmt.Errorf("target count %q: want one, all or N >= 1", t.Count)
		}
		if n > len(pool) {
			return Choice{}, fmt.Errorf("target count %d: only %d nodes have role %s%s", n, len(pool), t.Role, zoneSuffix(t.Zone))
		}
		want = n
	}
	if f.KubeletBackoff == scenario.BackoffChooseTarget && want < len(pool) {
		// Stable: among equally fresh nodes, name order decides.
		sort.SliceStable(pool, func(i, j int) bool {
			return facts.LastRestart[pool[i].Name].Before(facts.LastRestart[pool[j].Name])
		})
	}
	c.Nodes = pool[:want]
	needs, _ := scenario.LookupAction(f.Action)
	for _, n := range c.Nodes {
		if !needs.RestartsContainer {
			break // no container restarts: the back-off does not apply
		}
		if last := facts.LastRestart[n.Name]; !last.IsZero() && now.Sub(last) < BackoffReset {
			c.Why = append(c.Why, fmt.Sprintf("%s on %s restarted %s ago: the kubelet's restart back-off (>= 10 s) applies",
				t.Component, n.Name, now.Sub(last).Round(time.Second)))
		}
	}
	return c, nil
}

// Matches says whether a target's role and zone admit the node: whether
// Select could pick it.
func Matches(n cluster.Node, t scenario.Target) bool {
	return t.Admits(n.Role, n.Zone)
}

// BackoffReset is how long a container must run before the kubelet forgets
// its restart back-off (twice the 5 minute maximum back-off).
const BackoffReset = 10 * time.Minute

func zoneSuffix(zone string) string {
	if zone == "" {
		return ""
	}
	return " in zone " + zone
}
