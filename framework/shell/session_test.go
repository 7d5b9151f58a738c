package shell

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// localSession runs sh on this machine, as a node's would run in it.
func localSession(t *testing.T) *Session {
	t.Helper()
	s, err := StartSession(func(ctx context.Context, stdin io.Reader, out io.Writer) error {
		cmd := exec.CommandContext(ctx, "sh")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, out, out
		return cmd.Run()
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Each line's output comes back whole, standard error included, with or
// without a final newline, and a line that fails says its status and
// output; the shell's state (a variable) carries from line to line, so it
// is one shell.
func TestSessionRunsLines(t *testing.T) {
	s := localSession(t)
	defer s.Close()
	ctx := context.Background()
	cases := []struct {
		line, want string
		status     int
	}{
		{"echo one", "one\n", 0},
		{"printf two", "two", 0},
		{"echo err >&2; echo out", "err\nout\n", 0},
		{"x=kept", "", 0},
		{"echo $x", "kept\n", 0},
		{"echo failing; exit_status() { return 3; }; exit_status", "failing\n", 3},
		{Line("printf", "%s", "a'b $(c)"), "a'b $(c)", 0},
		{"cat", "", 0}, // reads nothing of the session's own input
		{"echo after", "after\n", 0},
	}
	for _, c := range cases {
		out, err := s.Run(ctx, c.line)
		var ee *ExitError
		switch {
		case c.status == 0 && err != nil:
			t.Errorf("%q: %v", c.line, err)
		case c.status != 0 && (!errors.As(err, &ee) || ee.Status != c.status):
			t.Errorf("%q: error %v, want exit status %d", c.line, err, c.status)
		}
		if string(out) != c.want {
			t.Errorf("%q printed %q, want %q", c.line, out, c.want)
		}
	}
}

// A line still running when its context ends closes the session at once:
// its output would otherwise answer the next line.
func TestSessionClosesOnCancel(t *testing.T) {
	s := localSession(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := s.Run(ctx, "sleep 30"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the cancelled line held Run for %v", d)
	}
	if _, err := s.Run(context.Background(), "echo again"); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("a line after the cancel: %v, want ErrSessionClosed", err)
	}
}

// A shell that ended (exit, a node that rebooted) fails the next line
// with ErrSessionClosed, not with a hang.
func TestSessionShellGone(t *testing.T) {
	s := localSession(t)
	defer s.Close()
	_, _ = s.Run(context.Background(), "exit 0")
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
	}
	if !s.Exited() {
		t.Error("the shell exited, the session says it runs")
	}
	done := make(chan error, 1)
	go func() { _, err := s.Run(context.Background(), "echo late"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrSessionClosed) {
			t.Errorf("err %v, want ErrSessionClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a line to a shell that exited hung")
	}
	if err := s.Close(); err != nil && !strings.Contains(err.Error(), "closed") {
		t.Errorf("Close after the shell ended: %v", err)
	}
}
