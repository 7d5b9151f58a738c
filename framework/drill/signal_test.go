package drill

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// A command ended by the Ctrl-C that also stops the harness reads as
// interrupted once the harness's handler cancels the drill's context, even
// when the command's error came back first; a command that failed on its
// own does not wait for a signal.
func TestAwaitInterrupt(t *testing.T) {
	killed := exec.Command("sh", "-c", "kill -INT $$").Run()
	failed := exec.Command("sh", "-c", "exit 3").Run()
	if !endedBySignal(fmt.Errorf("step add-member: %w", killed)) {
		t.Fatalf("%v: not seen as ended by SIGINT", killed)
	}
	if endedBySignal(failed) || endedBySignal(errors.New("signal: interrupt")) {
		t.Error("a command's own failure, or a text, seen as ended by a signal")
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel) // the handler, a little later
	if !awaitInterrupt(ctx, fmt.Errorf("step: %w", killed)) {
		t.Error("a step killed by SIGINT, its context cancelled 50 ms later: not interrupted")
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	if awaitInterrupt(ctx, failed) {
		t.Error("a failed command with no cancellation read as interrupted")
	}
	if waited := time.Since(start); waited > signalWait/2 {
		t.Errorf("waited %v for a signal after a command's own failure", waited)
	}
}
