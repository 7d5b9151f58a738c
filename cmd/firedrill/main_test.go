package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	exampleScenarios = "../../framework/scenario/testdata/scenarios"
	exampleClusters  = "../../framework/scenario/testdata/clusters"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestValidateCatalog(t *testing.T) {
	code, stdout, stderr := runCLI("validate", "--scenarios", exampleScenarios, "--clusters", exampleClusters)
	if code != 0 || stdout != "ok: 2 files\n" || stderr != "" {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestValidateFiles(t *testing.T) {
	code, stdout, stderr := runCLI("validate", exampleScenarios+"/reboot-master.yaml", "--clusters", exampleClusters)
	if code != 0 || stdout != "ok: 1 files\n" || stderr != "" {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestValidateErrors(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(exampleScenarios + "/reboot-master.yaml")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), "count: one", "count: several", 1)
	broken = strings.Replace(broken, "name: reboot-master\n", "name: reboot-master\nowner: me\n", 1)
	path := filepath.Join(dir, "reboot-master.yaml")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCLI("validate", "--clusters", exampleClusters, path)
	if code != 1 || stdout != "" {
		t.Errorf("code %d, stdout %q", code, stdout)
	}
	want := path + `:4:1: owner: unknown field "owner"; known fields: apiVersion, kind, name, description, cluster, labels, steadyState, probes, fault, recovery, budgets` + "\n" +
		path + `:25:12: fault.target.count: must be "one", "all" or an integer >= 1, got "several"` + "\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}

	// The whole catalog: the same file as the scenarios dir.
	code, _, stderr = runCLI("validate", "--scenarios", dir, "--clusters", exampleClusters)
	if code != 1 || strings.Count(stderr, "\n") != 2 {
		t.Errorf("catalog: code %d, stderr %q", code, stderr)
	}
}

func TestValidateMissingDir(t *testing.T) {
	code, stdout, stderr := runCLI("validate", "--scenarios", filepath.Join(t.TempDir(), "none"), "--clusters", exampleClusters)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "none: cannot read directory") {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{nil, 2, "", "usage: firedrill COMMAND"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"validate", "--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{[]string{"validate", "--scenarios"}, 2, "", "flag needs an argument"},
		{[]string{"help"}, 0, "validate", ""},
		{[]string{"validate", "-h"}, 0, "usage: firedrill validate", ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(tt.args...)
		if code != tt.code {
			t.Errorf("%q: code %d, want %d", tt.args, code, tt.code)
		}
		if tt.wantStdout != "" && !strings.Contains(stdout, tt.wantStdout) || tt.wantStdout == "" && stdout != "" {
			t.Errorf("%q: stdout %q, want %q", tt.args, stdout, tt.wantStdout)
		}
		if tt.wantStderr != "" && !strings.Contains(stderr, tt.wantStderr) || tt.wantStderr == "" && stderr != "" {
			t.Errorf("%q: stderr %q, want %q", tt.args, stderr, tt.wantStderr)
		}
	}
}

func TestInterspersedFlags(t *testing.T) {
	fs := newValidateFlags(&bytes.Buffer{})
	files, err := parseInterspersed(fs.set, []string{"a.yaml", "--clusters", "c", "b.yaml", "--", "--odd.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(files, " ") != "a.yaml b.yaml --odd.yaml" || *fs.clusters != "c" {
		t.Errorf("files %q, clusters %q", files, *fs.clusters)
	}
}
