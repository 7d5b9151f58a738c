package firedrill

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// deprecatedFlag is a use of --scenarios or --clusters, the old names of
// --scenario-dir and --cluster-dir: given a value (a Go argument of its
// own, or "--scenarios DIR", "--clusters=DIR" on a command line). A mention
// in prose ("`--scenarios` still works") is no use.
var deprecatedFlag = regexp.MustCompile("\"--(scenarios|clusters)(\"|=)|--(scenarios|clusters)(=|[ \\t]+[^\\s`)\\],])")

// The repository's own scripts, workflows, suites and docs use the flags'
// current names: a deprecated one prints a warning in every run of them,
// and goes away one day. cmd/firedrill keeps the old names working and
// tests them, so it is left out.
func TestNoDeprecatedFlagsInUse(t *testing.T) {
	var files []string
	for _, root := range []string{"Makefile", "README.md", "scripts", ".ci", ".github", "docs", "suites", "framework"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			files = append(files, path)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 20 {
		t.Fatalf("only %d files to check: %q", len(files), files)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := deprecatedFlag.FindString(line); m != "" {
				t.Errorf("%s:%d: %s is deprecated: use --scenario-dir or --cluster-dir (%q)", path, i+1, m, strings.TrimSpace(line))
			}
		}
	}
}
