package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runArgs are run's arguments on the repository's catalog, with the
// reports in reports.
func runArgs(reports string, args ...string) []string {
	return append([]string{"run", "--scenario-dir", "../../scenarios", "--cluster-dir", "../../clusters", "--reports", reports}, args...)
}

func TestRunDryRun(t *testing.T) {
	t.Setenv("SCENARIO", "")
	t.Setenv("PROFILE", "")
	reports := filepath.Join(t.TempDir(), "reports")
	code, stdout, stderr := runCLI(runArgs(reports, "--dry-run", "--scenario", "reboot-master,kill-apiserver", "--repeat", "2")...)
	if code != 0 || stderr != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// In run order, each with its profile, provider and time limit.
	want := regexp.MustCompile(`(?s)^#\s+SCENARIO\s+CLUSTER\s+PROVIDER\s+TIME LIMIT\n` +
		`1\s+reboot-master\s+kind-single\s+kind\s+\d+m\d+s\n` +
		`2\s+kill-apiserver\s+kind-ha\s+kind\s+\d+m\d+s\n` +
		`3\s+reboot-master\s+kind-single.*\n` +
		`4\s+kill-apiserver\s+kind-ha.*\n` +
		`4 drills on 2 cluster profile\(s\) \(kind-single, kind-ha\); at most \dh\d+m\d+s in all`)
	if !want.MatchString(stdout) {
		t.Errorf("stdout:\n%s\nwant it to match %s", stdout, want)
	}
	if _, err := os.Lstat(reports); !os.IsNotExist(err) {
		t.Errorf("a dry run made %s (%v)", reports, err)
	}

	// --profile moves every drill, as the run would.
	_, stdout, _ = runCLI(runArgs(reports, "--dry-run", "--scenario", "reboot-master", "--profile", "ssh-single")...)
	if !regexp.MustCompile(`1\s+reboot-master\s+ssh-single\s+ssh\s`).MatchString(stdout) {
		t.Errorf("--profile ssh-single:\n%s", stdout)
	}
}

// A mistyped scenario name makes nothing: no report folder, and
// reports/latest still points at the last run.
func TestRunUnknownScenarioMakesNothing(t *testing.T) {
	t.Setenv("PROFILE", "")
	reports := t.TempDir()
	if err := os.Symlink("20261201-020000", filepath.Join(reports, "latest")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--scenario", "reboot-mastr"}, {"--scenario", "reboot-mastr", "--dry-run"}, {"--shard", "2/1"}} {
		code, stdout, stderr := runCLI(runArgs(reports, args...)...)
		if code == 0 || stdout != "" || !strings.HasPrefix(stderr, "run: ") {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
		entries, err := os.ReadDir(reports)
		if err != nil || len(entries) != 1 {
			t.Errorf("%q: the reports folder has %v (%v)", args, entries, err)
		}
		if target, err := os.Readlink(filepath.Join(reports, "latest")); err != nil || target != "20261201-020000" {
			t.Errorf("%q: latest moved to %q (%v)", args, target, err)
		}
	}
	if code, _, stderr := runCLI(runArgs(reports, "--scenario", "reboot-mastr")...); code != 1 || !strings.Contains(stderr, `did you mean "reboot-master"`) {
		t.Errorf("code %d, stderr %q", code, stderr)
	}
}
