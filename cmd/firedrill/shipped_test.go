package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// A binary installed with go install runs from a folder with no scenarios
// or clusters of its own: it validates the catalog it ships (before, it
// failed with "scenarios: cannot read directory"), and a user's own
// scenarios are checked against the shipped profiles.
func TestValidateFromAnEmptyFolder(t *testing.T) {
	t.Setenv("KIND_NODE_IMAGE", "")
	repo, err := os.ReadDir("../../scenarios")
	if err != nil {
		t.Fatal(err)
	}
	profiles, err := filepath.Glob("../../clusters/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob("../../clusters/*.example.yaml")
	t.Chdir(t.TempDir())
	code, stdout, stderr := runCLI("validate")
	if want := fmt.Sprintf("ok: %d files\n", len(repo)+len(profiles)-len(examples)); code != 0 || stdout != want || stderr != "" {
		t.Errorf("code %d, stdout %q (want %q), stderr %q", code, stdout, want, stderr)
	}

	// One scenario of the user's own, on a shipped profile, and one
	// naming a profile that is not shipped.
	data, err := os.ReadFile(filepath.Join(repoDir(t), "scenarios", "reboot-master.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("mine", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("mine/reboot-master.yaml", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runCLI("validate", "--scenario-dir", "mine"); code != 0 || !strings.HasPrefix(stdout, "ok: ") {
		t.Errorf("own scenarios on the shipped profiles: code %d, %q %q", code, stdout, stderr)
	}
	other := strings.Replace(string(data), "cluster: kind-single", "cluster: kind-mine", 1)
	if err := os.WriteFile("mine/reboot-master.yaml", []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("validate", "mine/reboot-master.yaml"); code != 1 || !strings.Contains(stderr, `unknown cluster profile "kind-mine"`) {
		t.Errorf("own scenario on an unknown profile: code %d, %q", code, stderr)
	}
}

// repoDir is the repository's root, whatever the test's folder now is.
func repoDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestVersionText(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"},
		Deps:     []*debug.Module{{Path: "sigs.k8s.io/kind", Version: "v0.33.0"}},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "d36dced"}, {Key: "vcs.modified", Value: "true"}}}
	got := versionText(info, true)
	for _, want := range []string{"firedrill v0.4.0\n", "commit: d36dced (with uncommitted changes)\n", "kind library: v0.33.0\n", "measured on: Kubernetes v1.34.4\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if got := versionText(nil, false); !strings.Contains(got, "firedrill unknown\n") {
		t.Errorf("without build information: %q", got)
	}
}
