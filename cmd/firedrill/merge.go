package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/firedrill/firedrill/framework/report"
)

// newMergeCmd merges the reports of several runs (CI shards) into one:
// `firedrill merge` and `firedrill report merge` (use is the name).
func newMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge [--out DIR] RUN_DIR...",
		Short: "merge the reports of several runs (CI shards) into one",
		Long: "Merges the reports of several runs (one per CI shard) into one: report.json, every timeline,\n" +
			"summary.md and report.html. Exit 0 when every drill passed, 1 when one did not or on an error.",
		RunE: func(cmd *cobra.Command, dirs []string) error {
			return exit(runMerge(out, dirs, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	cmd.Flags().StringVar(&out, "out", "merged", "folder the merged report goes into")
	return cmd
}

func runMerge(out string, dirs []string, stdout, stderr io.Writer) int {
	if len(dirs) == 0 {
		fmt.Fprintln(stderr, "merge: no run folders given")
		return exitUsage
	}
	merged, pass, err := report.Merge(out, dirs)
	if err != nil {
		fmt.Fprintf(stderr, "merge: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "merged %d drills into %s\n", len(merged.Drills), filepath.Join(out, "report.json"))
	if !pass {
		fmt.Fprintln(stderr, "merge: not every drill passed")
		return exitFail
	}
	return exitOK
}
