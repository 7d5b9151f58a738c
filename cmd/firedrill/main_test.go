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
	code, stdout, stderr := runCLI("validate", "--scenario-dir", exampleScenarios, "--cluster-dir", exampleClusters)
	if code != 0 || stdout != "ok: 2 files\n" || stderr != "" {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestValidateFiles(t *testing.T) {
	code, stdout, stderr := runCLI("validate", exampleScenarios+"/reboot-master.yaml", "--cluster-dir", exampleClusters)
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

	code, stdout, stderr := runCLI("validate", "--cluster-dir", exampleClusters, path)
	if code != 1 || stdout != "" {
		t.Errorf("code %d, stdout %q", code, stdout)
	}
	want := path + `:4:1: owner: unknown field "owner"; known fields: apiVersion, kind, name, description, cluster, labels, steadyState, probes, fault, recovery, budgets` + "\n" +
		path + `:25:12: fault.target.count: must be "one", "all" or an integer >= 1, got "several"` + "\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}

	// The whole catalog: the same file as the scenarios dir.
	code, _, stderr = runCLI("validate", "--scenario-dir", dir, "--cluster-dir", exampleClusters)
	if code != 1 || strings.Count(stderr, "\n") != 2 {
		t.Errorf("catalog: code %d, stderr %q", code, stderr)
	}
}

func TestValidateMissingDir(t *testing.T) {
	code, stdout, stderr := runCLI("validate", "--scenario-dir", filepath.Join(t.TempDir(), "none"), "--cluster-dir", exampleClusters)
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
		{nil, 2, "", "Usage:\n  firedrill [flags]\n  firedrill [command]"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"validate", "--bogus"}, 2, "", "firedrill validate: unknown flag: --bogus\nRun 'firedrill validate --help' for usage."},
		{[]string{"validate", "--scenario-dir"}, 2, "", "flag needs an argument"},
		{[]string{"run", "--shard", "3/2"}, 2, "", "run: "},
		{[]string{"cluster"}, 2, "", "firedrill cluster up|down"},
		{[]string{"cluster", "sideways"}, 2, "", `unknown command "sideways"`},
		{[]string{"version", "extra"}, 2, "", `unexpected arguments ["extra"]`},
		{[]string{"help"}, 0, "validate", ""},
		{[]string{"help", "frobnicate"}, 2, "", "firedrill help: unknown command \"frobnicate\" for \"firedrill\"\nRun 'firedrill help' for the commands."},
		{[]string{"help", "cluster", "sideways"}, 2, "", `firedrill help: unknown command "sideways" for "firedrill cluster"`},
		{[]string{"help", "report", "merge"}, 0, "firedrill report merge", ""},
		{[]string{"validate", "-h"}, 0, "firedrill validate [FILE...]", ""},
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

// Flags stand anywhere among the files, and "--" ends them.
func TestInterspersedFlags(t *testing.T) {
	code, stdout, stderr := runCLI("validate", exampleScenarios+"/reboot-master.yaml", "--cluster-dir", exampleClusters, "--", exampleScenarios+"/reboot-master.yaml")
	if code != 0 || stdout != "ok: 2 files\n" || stderr != "" {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
