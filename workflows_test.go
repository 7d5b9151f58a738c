package firedrill

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// pinnedAction is a step's `uses:` pinned to a full commit, its version in
// a comment: a tag can be moved to other code, a commit cannot.
var pinnedAction = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d`)

// Every workflow says what its token may do, and every action it uses is
// pinned by commit.
func TestWorkflowsArePinnedAndScoped(t *testing.T) {
	files, err := filepath.Glob(".github/workflows/*.y*ml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows found (%v)", err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			Permissions any            `yaml:"permissions"`
			Jobs        map[string]any `yaml:"jobs"`
		}
		if err := yaml.Unmarshal(data, &wf); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if wf.Permissions == nil {
			t.Errorf("%s: no top-level permissions: the token gets the repository's defaults", path)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "uses:") && !pinnedAction.MatchString(line) {
				t.Errorf("%s:%d: %q is not pinned by a full commit SHA with its version in a comment", path, i+1, strings.TrimSpace(line))
			}
		}
	}
}
