package main

import (
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/timeline"
)

func TestListScenarios(t *testing.T) {
	code, stdout, stderr := runCLI("list", "scenarios", "--scenario-dir", exampleScenarios, "--cluster-dir", exampleClusters)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if code != 0 || stderr != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME ") ||
		!strings.HasPrefix(lines[1], "reboot-master ") || strings.Count(lines[1], ".") > 1 {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestListProfiles(t *testing.T) {
	code, stdout, stderr := runCLI("list", "profiles", "--scenario-dir", "../../scenarios", "--cluster-dir", "../../clusters")
	// Columns are padded to the longest name: compare with single spaces.
	var squeezed []string
	for _, line := range strings.Split(stdout, "\n") {
		squeezed = append(squeezed, strings.Join(strings.Fields(line), " "))
	}
	got := strings.Join(squeezed, "\n")
	for _, want := range []string{"NAME", "kind-single kind 2 (1 control-plane, 1 worker)\n", "kind-ha kind 6 (3 control-plane, 3 worker)\n",
		"kind-ha-small-quota kind 6 (3 control-plane, 3 worker)\n", "ssh-ha-small-quota ssh 4 (3 control-plane, 1 worker)\n", "aws-ha aws"} {
		if code != 0 || stderr != "" || !strings.Contains(got, want) {
			t.Errorf("code %d, stderr %q, stdout lacks %q:\n%s", code, stderr, want, stdout)
		}
	}
}

// Every figure of the timeline package's table, with its unit and meaning.
func TestListFigures(t *testing.T) {
	code, stdout, _ := runCLI("list", "figures")
	if lines := strings.Count(stdout, "\n"); code != 0 || lines != len(timeline.Figures)+1 {
		t.Fatalf("code %d, %d lines for %d figures", code, lines, len(timeline.Figures))
	}
	for _, f := range timeline.Figures {
		if !strings.Contains(stdout, f.Name+" ") || !strings.Contains(stdout, f.Meaning+"\n") {
			t.Errorf("%s missing or without its meaning", f.Name)
		}
	}
}

func TestListErrors(t *testing.T) {
	if code, _, stderr := runCLI("list"); code != 2 || !strings.Contains(stderr, "firedrill list scenarios|figures|profiles") {
		t.Errorf("list alone: code %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI("list", "drills"); code != 2 || !strings.Contains(stderr, `unknown command "drills"`) {
		t.Errorf("list drills: code %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI("list", "scenarios", "--scenario-dir", t.TempDir()+"/none"); code != 1 || !strings.Contains(stderr, "cannot read directory") {
		t.Errorf("a missing folder: code %d, stderr %q", code, stderr)
	}
}
