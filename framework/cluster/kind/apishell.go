package kind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/overhead"
	"github.com/firedrill/firedrill/framework/shell"
)

// An API cut is made and lifted through a shell kept open in the node
// (shell.Session), not with a docker exec each. A docker exec costs the
// machine about 90 ms of CPU, much of it in the docker CLI, containerd's
// shim and runc after the command ran: in the very milliseconds after a
// lift, when the calibration's first answers are due. On the 2-core CI
// machine the CPU use around a lift showed the shim and the exec's other
// processes beside the API server, and a new connection's first answer
// took 70 ms instead of 20. Through the session the lift is one line
// (about 2 ms of CPU), and the default route read before it another.

// apiShellLinger is how long a shell stays open after the lift it served:
// closing it is a docker exec's end, the load the session keeps away from
// the lift, so it comes once the first answers after the lift are in.
const apiShellLinger = 2 * time.Second

// apiShellExec runs commands through a node's kept shell, as Exec runs
// them with docker exec (cluster.NodeExec). When the shell has ended (its
// node restarted, or its docker exec was stopped) a command goes through
// docker exec instead: the lift must not depend on the shell that was to
// make it cheap.
type apiShellExec struct {
	s *shell.Session
	c *Cluster
}

func (x apiShellExec) Exec(ctx context.Context, n cluster.Node, command string, args ...string) ([]byte, error) {
	out, err := x.s.Run(ctx, shell.Line(command, args...))
	if errors.Is(err, shell.ErrSessionClosed) {
		return x.c.Exec(ctx, n, command, args...)
	}
	return out, err
}

// openAPIShell opens a shell in node n (one docker exec that stays) and
// keeps it until closeAPIShell; a shell already open is reused, unless its
// shell ended (the node restarted), when a new one replaces it.
func (c *Cluster) openAPIShell(ctx context.Context, n cluster.Node) (cluster.NodeExec, error) {
	if x, kept := c.apiShell(n); kept {
		return x, nil
	}
	c.closeAPIShell(n) // one whose shell ended, if any
	node, err := c.kindNode(n.Name)
	if err != nil {
		return nil, err
	}
	overhead.NodeCommand(n.Name)
	s, err := shell.StartSession(func(ctx context.Context, stdin io.Reader, out io.Writer) error {
		// docker exec -i, as kind's node command runs it, but in a
		// process group of its own: a Ctrl-C at the terminal goes to
		// the harness's group, and the harness then lifts the cut
		// through this very shell (the safety suite's "Ctrl-C while
		// holding a fault" failed when it went down with the harness's
		// group).
		cmd := exec.CommandContext(ctx, "docker", "exec", "--privileged", "-i", node.String(), "sh")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		return cmd.Run()
	})
	if err != nil {
		return nil, fmt.Errorf("shell in node %s: %w", n.Name, err)
	}
	x := apiShellExec{s: s, c: c}
	if _, err := s.Run(ctx, "true"); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("shell in node %s: %w", n.Name, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.apiShells == nil {
		c.apiShells = map[string]*shell.Session{}
	}
	c.apiShells[n.Name] = s
	return x, nil
}

// apiShell is node n's kept shell when one is open and its shell still
// runs (kept), else docker exec.
func (c *Cluster) apiShell(n cluster.Node) (x cluster.NodeExec, kept bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.apiShells[n.Name]; s != nil && !s.Exited() {
		return apiShellExec{s: s, c: c}, true
	}
	return c, false
}

// closeAPIShell forgets node n's kept shell and closes it apiShellLinger
// later.
func (c *Cluster) closeAPIShell(n cluster.Node) {
	c.mu.Lock()
	s := c.apiShells[n.Name]
	delete(c.apiShells, n.Name)
	c.mu.Unlock()
	if s != nil {
		time.AfterFunc(apiShellLinger, func() { _ = s.Close() })
	}
}
