package kind

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	kindexec "sigs.k8s.io/kind/pkg/exec"
)

// A failed command's error names its output and still is kind's RunError,
// and errors.As reaches how the command ended (drill.exit reads a command
// ended by Ctrl-C as interrupted), which kind's RunError does not unwrap to.
func TestWithOutputReachesHowTheCommandEnded(t *testing.T) {
	for _, output := range []string{"", "no such rule\n"} {
		inner := exec.Command("sh", "-c", "kill -INT $$").Run()
		err := withOutput(&kindexec.RunError{Command: []string{"docker", "exec", "node", "true"}, Output: []byte(output), Inner: inner})
		var re *kindexec.RunError
		var ee *exec.ExitError
		if !errors.As(err, &re) || !errors.As(err, &ee) {
			t.Errorf("output %q: RunError reached %v, ExitError reached %v; want both", output, re != nil, ee != nil)
		}
		if !strings.Contains(err.Error(), strings.TrimSpace(output)) || !strings.Contains(err.Error(), "signal: interrupt") {
			t.Errorf("output %q: error text %q", output, err)
		}
	}
}
