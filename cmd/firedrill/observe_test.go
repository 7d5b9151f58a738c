package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestObserveRejectsBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"observe", "--interval", "1s"}, "--interval must be in (0, 250ms], got 1s"},
		{[]string{"observe", "--duration", "0s"}, "--duration, --timeout and --write-interval must be > 0"},
		{[]string{"observe", "--interval", "100ms", "--edges", "100ms"}, "--edges must be 0 (off) or below --interval (100ms), got 100ms"},
		{[]string{"observe", "extra"}, `unexpected arguments ["extra"]`},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		if code := run(c.args, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut.String(), exitUsage, c.want)
		}
	}
}

func TestObserveNamesAMissingContext(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run([]string{"observe", "--kubeconfig", kubeconfig, "--context", "prod"}, &out, &errOut)
	if code != exitFail || !strings.Contains(errOut.String(), `kubeconfig has no context "prod"`) {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
