package run

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/firedrill/firedrill/framework/scenario"
)

// Select returns the drills to run, in order: the named ones in the order
// given, or every one of the catalog, one-instance drills before kill-all
// ones (a one-target drill with kubeletBackoff choose-target then still
// finds a node the kubelet has not put in restart back-off, and the
// kill-all drills take one back-off at most, as their budgets say), each
// group by name. labels filters by the scenario files' labels (Ginkgo's
// label-filter syntax); an unknown name or a filter that leaves nothing is
// an error, never zero drills passing.
func Select(c *scenario.Catalog, names []string, labels string) ([]*scenario.Scenario, error) {
	if len(names) == 0 {
		for n := range c.Scenarios {
			names = append(names, n)
		}
		slices.SortFunc(names, func(a, b string) int {
			aa, ab := c.Scenarios[a].Fault.Target.Count == "all", c.Scenarios[b].Fault.Target.Count == "all"
			if aa != ab {
				if aa {
					return 1
				}
				return -1
			}
			return strings.Compare(a, b)
		})
	}
	selected, err := c.Select(names)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(labels) == "" {
		return selected, nil
	}
	filter, err := types.ParseLabelFilter(labels)
	if err != nil {
		return nil, fmt.Errorf("labels %q: %w", labels, err)
	}
	var out []*scenario.Scenario
	for _, s := range selected {
		if filter(s.Labels) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario among %d matches the labels %q", len(selected), labels)
	}
	return out, nil
}
