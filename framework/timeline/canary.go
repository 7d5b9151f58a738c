package timeline

import "fmt"

// schedulingCanary is how long the canary pod, created right after the
// fault, waited to be bound to a node: while no scheduler leads, it waits.
func schedulingCanary(c *CanaryObservation) result {
	switch {
	case c == nil:
		return unknown(SchedulingCanary, "no canary pod in this scenario")
	case c.Scheduled.IsZero() && c.Error != "":
		return unknown(SchedulingCanary, "canary pod: "+c.Error)
	case c.Scheduled.IsZero():
		return unknown(SchedulingCanary, "canary pod never scheduled")
	case c.Created.IsZero():
		return unknown(SchedulingCanary, "canary pod creation time not recorded")
	}
	node := ""
	if c.Node != "" {
		node = "bound to " + c.Node
	}
	// Scheduled is the PodScheduled transition time, truncated to the
	// second; Created is the harness's own clock. A pod bound in the second
	// it was created can look bound before it existed.
	wait := c.Scheduled.Sub(c.Created)
	if wait < 0 {
		clamped := fmt.Sprintf("scheduled %.3fs before creation: within the 1 s resolution of PodScheduled", -wait.Seconds())
		return measured(SchedulingCanary, 0, joinNotes([]string{node, clamped}))
	}
	return measured(SchedulingCanary, wait.Seconds(), node)
}
