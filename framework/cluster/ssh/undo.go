package ssh

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/shell"
)

// undoDir holds, on a machine, the undo a fault left armed there: its
// record, until it ran or was disarmed.
const undoDir = "/etc/firedrill/undo"

var unitSafe = regexp.MustCompile(`[^a-zA-Z0-9_.-]`)

func undoUnit(id string) string { return "firedrill-undo-" + unitSafe.ReplaceAllString(id, "-") }

// ArmUndo implements cluster.UndoArmer with a transient systemd timer:
// the script is written to /etc/firedrill/undo/<id>.sh and systemd runs
// it after the deadline, whether the harness is still there or not; the
// script removes its own record when it ran.
func (c *Cluster) ArmUndo(ctx context.Context, n cluster.Node, id, script string, after time.Duration) error {
	h, err := c.host(n)
	if err != nil {
		return err
	}
	unit := undoUnit(id)
	file := undoDir + "/" + unit + ".sh"
	body := script + "\nrm -f " + shell.Quote(file) + "\n"
	secs := int(after.Round(time.Second) / time.Second)
	cmd := "mkdir -p " + undoDir + " && cat > " + shell.Quote(file) + " && systemd-run --quiet --unit " + shell.Quote(unit) +
		" --on-active=" + fmt.Sprint(secs) + "s --timer-property=AccuracySec=1s /bin/sh " + shell.Quote(file)
	if _, err := c.client.run(ctx, h, cmd, strings.NewReader(body)); err != nil {
		return fmt.Errorf("arm undo %s on %s: %w", unit, n.Name, err)
	}
	return nil
}

// DisarmUndo implements cluster.UndoArmer: the timer is stopped and the
// record removed.
func (c *Cluster) DisarmUndo(ctx context.Context, n cluster.Node, id string) error {
	h, err := c.host(n)
	if err != nil {
		return err
	}
	unit := undoUnit(id)
	cmd := "systemctl stop " + shell.Quote(unit+".timer") + " 2>/dev/null; systemctl reset-failed " + shell.Quote(unit+".service") +
		" 2>/dev/null; rm -f " + shell.Quote(undoDir+"/"+unit+".sh")
	if _, err := c.client.run(ctx, h, cmd, nil); err != nil {
		return fmt.Errorf("disarm undo %s on %s: %w", unit, n.Name, err)
	}
	return nil
}
