package main

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// commandPaths are the paths of every command of the tree, but the root:
// "run", "report merge", "completion bash", ...
func commandPaths() [][]string {
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(append([]string(nil), path...), sub.Name())
			out = append(out, p)
			walk(sub, p)
		}
	}
	root := newRoot(io.Discard, io.Discard)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	walk(root, nil)
	return out
}

// -h and --help print a command's help on stdout and exit 0, and so does
// help CMD, for every command there is.
func TestHelpOfEveryCommand(t *testing.T) {
	paths := commandPaths()
	if len(paths) < 12 {
		t.Fatalf("only %d commands: %q", len(paths), paths)
	}
	for _, path := range paths {
		for _, args := range [][]string{append(path, "-h"), append(path, "--help"), append([]string{"help"}, path...)} {
			code, stdout, stderr := runCLI(args...)
			if code != 0 || !strings.Contains(stdout, "firedrill "+strings.Join(path, " ")) || stderr != "" {
				t.Errorf("%q: code %d, stdout %q, stderr %q", args, code, stdout, stderr)
			}
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		if code, stdout, _ := runCLI(args...); code != 0 || !strings.Contains(stdout, "Available Commands:") {
			t.Errorf("%q: code %d, stdout %q", args, code, stdout)
		}
	}
}

func TestHelpRun(t *testing.T) {
	code, stdout, _ := runCLI("help", "run")
	for _, want := range []string{"Runs drills on real clusters", "firedrill run [--scenario a,b]", "--scenario-dir", "--keep-cluster"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("code %d: help run lacks %q:\n%s", code, want, stdout)
		}
	}
	// A deprecated name works but is not advertised.
	if strings.Contains(stdout, "--scenarios ") || strings.Contains(stdout, "--clusters ") {
		t.Errorf("help run shows a deprecated flag:\n%s", stdout)
	}
}

// Usage errors exit 2 and say what was wrong, and where help is.
func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--no-such-flag"},
		{"run", "extra"},
		{"report", "merge"},
		{"observe", "--duration"},
		{"cluster", "up", "--dry-run=maybe"},
		{"completion", "tcsh"},
	} {
		code, stdout, stderr := runCLI(args...)
		if code != 2 || stdout != "" || stderr == "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_firedrill", "zsh": "#compdef firedrill", "fish": "complete -c firedrill"} {
		code, stdout, stderr := runCLI("completion", shell)
		if code != 0 || !strings.Contains(stdout, want) || stderr != "" {
			t.Errorf("completion %s: code %d, stderr %q, stdout lacks %q", shell, code, stderr, want)
		}
	}
}

// --scenarios and --clusters, the old names of --scenario-dir and
// --cluster-dir, still work, with a warning on stderr only.
func TestDeprecatedFolderFlags(t *testing.T) {
	code, stdout, stderr := runCLI("validate", "--scenarios", exampleScenarios, "--clusters", exampleClusters)
	if code != 0 || stdout != "ok: 2 files\n" ||
		!strings.Contains(stderr, "Flag --scenarios has been deprecated, use --scenario-dir instead") ||
		!strings.Contains(stderr, "Flag --clusters has been deprecated, use --cluster-dir instead") {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// The old name sets the same folder: an empty one fails the same way.
	if code, _, stderr := runCLI("validate", "--scenarios", t.TempDir()+"/none", "--cluster-dir", exampleClusters); code != 1 || !strings.Contains(stderr, "cannot read directory") {
		t.Errorf("--scenarios of a missing folder: code %d, stderr %q", code, stderr)
	}
}

// The shell completion (cobra's __complete, what the scripts call)
// offers scenario and profile names.
func TestCompleteNames(t *testing.T) {
	t.Setenv("PROFILE", "")
	code, stdout, _ := runCLI("__complete", "run", "--scenario", "reboot-m")
	if code != 0 || !strings.Contains(stdout, "reboot-master\n") || !strings.Contains(stdout, "reboot-master-ha\n") || !strings.HasSuffix(stdout, ":4\n") {
		t.Errorf("run --scenario: code %d, stdout %q", code, stdout)
	}
	// After a comma: the next name, without those given.
	_, stdout, _ = runCLI("__complete", "run", "--scenario", "reboot-master,reboot-m")
	if !strings.Contains(stdout, "reboot-master,reboot-master-ha\n") || strings.Contains(stdout, "reboot-master,reboot-master\n") {
		t.Errorf("run --scenario after a comma: %q", stdout)
	}
	_, stdout, _ = runCLI("__complete", "cluster", "up", "--cluster-dir", "../../clusters", "--profile", "")
	if !strings.Contains(stdout, "kind-single\n") || !strings.Contains(stdout, "aws-ha\n") {
		t.Errorf("cluster up --profile: %q", stdout)
	}
}
