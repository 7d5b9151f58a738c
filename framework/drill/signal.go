package drill

import (
	"context"
	"errors"
	"os/exec"
	"syscall"
	"time"
)

// signalWait bounds how long a drill that ended on an error waits for the
// harness's own Ctrl-C to cancel its context, when that error is a
// command that the same signal ended (endedBySignal). Ctrl-C at a terminal
// signals the whole process group: a docker exec the harness ran can die
// of it, and its step fail, before the harness's handler has cancelled
// the drill's context; the drill then read as FAIL, not INTERRUPTED (CI:
// "add-member ... failed with error: signal: interrupt").
const signalWait = 2 * time.Second

// awaitInterrupt says whether the drill was interrupted: ctx was
// cancelled from outside (Interrupted), or cause is a command ended by
// SIGINT or SIGTERM and ctx is cancelled within signalWait.
func awaitInterrupt(ctx context.Context, cause error) bool {
	if Interrupted(ctx) || !endedBySignal(cause) {
		return Interrupted(ctx)
	}
	t := time.NewTimer(signalWait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return Interrupted(ctx)
}

// endedBySignal says whether err comes of a local command that ended of
// SIGINT or SIGTERM.
func endedBySignal(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && (ws.Signal() == syscall.SIGINT || ws.Signal() == syscall.SIGTERM)
}
