package timeline

import (
	"fmt"
	"slices"
	"strings"
)

// FaultTook says whether the timeline proves that the fault took: every
// target of an inject action has proven evidence (Timeline.Evidence). A
// drill without that proof is INVALID, never PASS: a misconfigured scenario
// (a target that runs nothing to kill, a rule that never landed) would
// otherwise measure an undisturbed cluster and pass. The reason names each
// target that lacks proof.
func FaultTook(tl Timeline) (bool, string) {
	var targets []string
	for _, e := range tl.Events {
		if e.Kind == EventInject {
			targets = append(targets, e.Target)
		}
	}
	if len(targets) == 0 {
		return false, "no fault injected"
	}
	slices.Sort(targets)
	targets = slices.Compact(targets)
	var missing []string
	for _, t := range targets {
		var tried []string
		proven := false
		for _, ev := range tl.Evidence {
			if ev.Target != t {
				continue
			}
			if ev.Proven {
				proven = true
				break
			}
			tried = append(tried, describe(ev))
		}
		if proven {
			continue
		}
		if len(tried) == 0 {
			missing = append(missing, t+": no evidence recorded")
		} else {
			missing = append(missing, t+": "+strings.Join(tried, "; "))
		}
	}
	if len(missing) > 0 {
		return false, "no evidence that the fault took on " + strings.Join(missing, ", ")
	}
	return true, ""
}

func describe(ev Evidence) string {
	s := fmt.Sprintf("%s not proven (before %q, after %q)", ev.What, ev.Before, ev.After)
	if ev.Error != "" {
		s += ": " + ev.Error
	}
	return s
}
