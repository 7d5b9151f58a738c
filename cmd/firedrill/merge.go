package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/firedrill/firedrill/framework/report"
)

// runMerge merges the reports of several runs (CI shards) into one.
func runMerge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "merged", "folder the merged report goes into")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: firedrill merge [--out DIR] RUN_DIR...\n\n"+
			"Merges the reports of several runs (one per CI shard) into one: report.json, every timeline,\n"+
			"summary.md and report.html. Exit 0 when every drill passed, 1 when one did not or on an error.")
		fs.PrintDefaults()
	}
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(dirs) == 0 {
		fmt.Fprintln(stderr, "merge: no run folders given")
		return exitUsage
	}
	merged, pass, err := report.Merge(*out, dirs)
	if err != nil {
		fmt.Fprintf(stderr, "merge: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "merged %d drills into %s\n", len(merged.Drills), filepath.Join(*out, "report.json"))
	if !pass {
		fmt.Fprintln(stderr, "merge: not every drill passed")
		return exitFail
	}
	return exitOK
}
