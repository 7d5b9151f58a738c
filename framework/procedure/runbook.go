package procedure

import (
	"fmt"
	"strings"

	"github.com/firedrill/firedrill/framework/timeline"
)

// RunbookFile is the runbook's name in the drill's report folder.
const RunbookFile = "runbook.md"

// Runbook writes down the procedure exactly as it ran: each step in order
// with why it is there and how long it took, each command with the node it
// ran on and its duration, so that an operator can follow it by hand on a
// real cluster. A step that failed says so, and where.
func Runbook(title string, snap *timeline.Snapshot, steps []timeline.Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Runbook: %s\n\n", title)
	b.WriteString("Every command below ran, in this order, in this drill; the durations are this run's. " +
		"Commands on a node run as root in a shell on that node; the actions of one step ran at the same time, " +
		"one terminal per node, and the next step began when all were done.\n\n")
	if snap != nil {
		if snap.Error != "" {
			fmt.Fprintf(&b, "Snapshot: FAILED: %s\n\n", snap.Error)
		} else {
			fmt.Fprintf(&b, "Snapshot: revision %d, %d keys, %d bytes, hash %d, taken from %s at %s, kept at `%s`.",
				snap.Revision, snap.Keys, snap.Bytes, snap.Hash, snap.Node, snap.At.UTC().Format("15:04:05.000"), snap.Path)
			if snap.BumpRevision > 0 {
				fmt.Fprintf(&b, " Restored with the revision bumped by %d: the cluster's revision starts above %d.", snap.BumpRevision, snap.Revision+snap.BumpRevision)
			}
			b.WriteString("\n\n")
		}
	}
	if len(steps) == 0 {
		b.WriteString("No step ran.\n")
		return b.String()
	}
	for i, s := range steps {
		fmt.Fprintf(&b, "## %d. %s (%.1f s)\n\n", i+1, s.Name, s.End.Sub(s.Start).Seconds())
		if s.Why != "" {
			fmt.Fprintf(&b, "%s.\n\n", s.Why)
		}
		for _, a := range s.Actions {
			where := "On the harness's machine"
			if a.Node != "" {
				where = "On " + a.Node
			}
			fmt.Fprintf(&b, "%s (%.1f s):\n\n```sh\n%s\n```\n\n", where, a.End.Sub(a.Start).Seconds(), a.Command)
			if a.Error != "" {
				fmt.Fprintf(&b, "FAILED: %s\n\n", a.Error)
			}
		}
		if s.Error != "" {
			fmt.Fprintf(&b, "**Step %s FAILED**: %s. The procedure stopped here.\n\n", s.Name, s.Error)
		}
	}
	return b.String()
}
