package run

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/firedrill/firedrill/framework/scenario"
)

// Select returns the drills to run, in order: the named ones in the order
// given, or every one of the catalog, one-instance drills before kill-all
// ones (a one-target drill with kubeletBackoff choose-target then still
// finds a node the kubelet has not put in restart back-off, and the
// kill-all drills take one back-off at most, as their budgets say), and in
// each of the two groups the drills without a recovery procedure before
// those with one (a procedure such as renew-certificates restarts every
// master's components itself: in `make e2e SUITE=ha` a kill-all drill after
// it found its components in a second back-off and blew its budget), then
// by name. labels, when not nil, filters by the scenario files' labels; an
// unknown name or a filter that leaves nothing is an error, never zero
// drills passing.
func Select(c *scenario.Catalog, names []string, labels LabelFilter) ([]*scenario.Scenario, error) {
	if len(names) == 0 {
		for n := range c.Scenarios {
			names = append(names, n)
		}
		slices.SortFunc(names, func(a, b string) int {
			sa, sb := c.Scenarios[a], c.Scenarios[b]
			if c := compareFalseFirst(sa.Fault.Target.Count == "all", sb.Fault.Target.Count == "all"); c != 0 {
				return c
			}
			if c := compareFalseFirst(sa.Recovery.Procedure != "", sb.Recovery.Procedure != ""); c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
	}
	selected, err := c.Select(names)
	if err != nil {
		return nil, err
	}
	if labels == nil {
		return selected, nil
	}
	var out []*scenario.Scenario
	for _, s := range selected {
		if labels.Match(s.Labels) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario among %d matches the labels %q", len(selected), labels.String())
	}
	return out, nil
}

// compareFalseFirst orders false before true.
func compareFalseFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// LabelFilter selects drills by the labels of their scenario files. The
// front ends parse it with Ginkgo's own parser (framework/labels.Parse),
// so that the runner does not link Ginkgo.
type LabelFilter interface {
	Match(labels []string) bool
	// String is the filter as written, for messages.
	String() string
}

// Shard is a CI shard: Index of Count, from 1.
type Shard struct{ Index, Count int }

// ParseShard reads "i/n" with 1 <= i <= n.
func ParseShard(s string) (Shard, error) {
	var sh Shard
	if _, err := fmt.Sscanf(s, "%d/%d", &sh.Index, &sh.Count); err != nil || sh.Count < 1 || sh.Index < 1 || sh.Index > sh.Count ||
		fmt.Sprintf("%d/%d", sh.Index, sh.Count) != strings.TrimSpace(s) {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 1 <= i <= n, e.g. 1/2", s)
	}
	return sh, nil
}

// Of keeps this shard's part of the selected drills, deterministically:
// drills are grouped by cluster profile (a shard makes one cluster per
// profile it has), the groups dealt, largest first, to the shard with the
// fewest drills so far (ties: by profile name, to the lowest shard); run
// order within a shard is unchanged. With more shards than profiles, a
// shard may be empty: that is an error, never zero drills passing.
func (sh Shard) Of(selected []*scenario.Scenario) ([]*scenario.Scenario, error) {
	if sh.Count <= 1 {
		return selected, nil
	}
	groups := map[string]int{}
	for _, s := range selected {
		groups[s.Cluster]++
	}
	profiles := slices.Sorted(maps.Keys(groups))
	slices.SortStableFunc(profiles, func(a, b string) int { return groups[b] - groups[a] })
	load := make([]int, sh.Count)
	shardOf := map[string]int{}
	for _, p := range profiles {
		least := 0
		for i := range load {
			if load[i] < load[least] {
				least = i
			}
		}
		shardOf[p] = least + 1
		load[least] += groups[p]
	}
	var out []*scenario.Scenario
	for _, s := range selected {
		if shardOf[s.Cluster] == sh.Index {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("shard %d/%d has no drill: the %d selected drills use %d cluster profiles", sh.Index, sh.Count, len(selected), len(groups))
	}
	return out, nil
}
