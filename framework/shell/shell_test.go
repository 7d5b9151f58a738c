package shell

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// Whatever a word holds, sh reads it back as that one word and runs
// nothing in it.
func TestQuoteRoundTripsThroughSh(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	words := []string{"", "plain", "two words", "it's", `"dq"`, "$(touch " + marker + ")", "`touch " + marker + "`",
		"a;touch " + marker, "x\ny", `back\slash`, "*", "~root", "-n", "'", "''"}
	for _, w := range words {
		out, err := exec.Command("sh", "-c", Line("printf", "%s", w)).Output()
		if err != nil {
			t.Fatalf("sh -c %s: %v", Line("printf", "%s", w), err)
		}
		if string(out) != w {
			t.Errorf("quoted %q, sh read back %q", w, out)
		}
	}
	if _, err := exec.Command("test", "-e", marker).Output(); err == nil {
		t.Error("a quoted word was run")
	}
}
