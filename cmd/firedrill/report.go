package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/report"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
)

// reportFlags are report's flags.
type reportFlags struct {
	out, scenarios, clusters, history string
	minRuns                           int
	failOnRegression                  bool
}

// newReportCmd replays a recorded run (figures derived again from its
// timelines, judged again, the report written anew), merges runs
// (`report merge`), or shows the trends of a history (`--history` alone).
func newReportCmd() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use: "report [--out DIR] [--scenario-dir DIR [--cluster-dir DIR]] [--history DIR] RUN_DIR|REPORT_JSON|TIMELINE\n" +
			"  firedrill report merge [--out DIR] RUN_DIR...\n" +
			"  firedrill report --history DIR [--min-runs N] [--fail-on-regression] [--out DIR]",
		Short: "replay a recorded run offline (--scenario-dir: new budgets); report merge: shards into one; report --history: trends",
		Long: "Replays a recorded run offline: every figure derived again from its timelines, judged again\n" +
			"(against changed budgets with --scenario-dir), and report.json, junit.xml, summary.md and report.html\n" +
			"written anew. Timelines may be gzipped (timeline.json.gz); given one drill's timeline, that drill alone\n" +
			"is replayed. merge makes one report of several runs or CI shards. --history alone shows, per drill\n" +
			"and figure, the count, median, P95, P99, last value and a sparkline, and flags regressions\n" +
			"(history.md and history.json). Exit 0 when every drill passes, 1 when one does not or on an error.",
		RunE: func(cmd *cobra.Command, args []string) error {
			return exit(runReport(f, args, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.out, "out", "", "folder the replayed report goes into (default: RUN_DIR/replay; with --history alone: the history folder)")
	dirFlag(fs, &f.scenarios, "scenario-dir", "scenarios", "", "judge against the budgets of this folder of scenario files instead of those the report recorded")
	dirFlag(fs, &f.clusters, "cluster-dir", "clusters", "", "folder of cluster profiles, for their budget overrides (default: clusters/ beside --scenario-dir)")
	fs.StringVar(&f.history, "history", "", "folder of earlier runs' reports: trends per drill and figure; with --scenario-dir, budgets marked fromHistory are derived from it")
	fs.IntVar(&f.minRuns, "min-runs", 10, "earlier runs a P99 needs before a value past it is a regression or a budget is derived from it")
	fs.BoolVar(&f.failOnRegression, "fail-on-regression", false, "with --history: exit 1 when a regression is flagged")
	merge := newMergeCmd()
	merge.Short = "merge the reports of several runs (CI shards) into one (as firedrill merge)"
	cmd.AddCommand(merge)
	return cmd
}

func runReport(f reportFlags, rest []string, stdout, stderr io.Writer) int {
	var err error
	var hist *report.History
	if f.history != "" {
		// A mistyped folder is no empty history: it would report "0
		// runs" and create the folder (make history makes its own).
		if st, err := os.Stat(f.history); err != nil || !st.IsDir() {
			if err == nil {
				err = fmt.Errorf("not a folder")
			}
			fmt.Fprintf(stderr, "report: --history %s: %v\n", f.history, err)
			return exitFail
		}
		if hist, err = report.ReadHistory(f.history); err != nil {
			fmt.Fprintf(stderr, "report: %v\n", err)
			return exitFail
		}
	}
	if len(rest) == 0 && hist != nil {
		return writeTrends(hist, f.out, f.minRuns, f.failOnRegression, stdout, stderr)
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "report: give one run folder or report.json (or --history DIR alone for trends)")
		return exitUsage
	}
	from := rest[0]
	src, err := firedrillrun.SourceOf(from)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return exitFail
	}
	dir := src.Dir
	in := firedrillrun.ReplayInput{From: from, Out: f.out}
	if in.Out == "" {
		in.Out = filepath.Join(dir, "replay")
	}
	if f.scenarios != "" {
		if f.clusters == "" {
			f.clusters = filepath.Join(filepath.Dir(filepath.Clean(f.scenarios)), "clusters")
		}
		if in.Catalog, err = scenario.LoadCatalog(f.scenarios, f.clusters); err != nil {
			fmt.Fprintf(stderr, "report: %v\n", err)
			return exitFail
		}
		if hist != nil {
			rec, err := report.Read(dir)
			if err != nil {
				fmt.Fprintf(stderr, "report: %v\n", err)
				return exitFail
			}
			// The run itself is no earlier run of its own.
			derive := budget.DefaultHistory(hist.Excluding(rec.ID).Values)
			derive.MinRuns = f.minRuns
			in.History = &derive
		}
	} else if hist != nil {
		fmt.Fprintln(stderr, "report: --history with a run derives budgets from the scenario files: give --scenario-dir too")
		return exitUsage
	}
	replayed, pass, err := firedrillrun.Replay(in)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return exitFail
	}
	for _, d := range replayed.Drills {
		fmt.Fprintf(stdout, "%s: %s\n", d.Key(), d.Verdict)
	}
	fmt.Fprintf(stdout, "replayed %d drills into %s\n", len(replayed.Drills), filepath.Join(in.Out, "report.json"))
	if !pass {
		fmt.Fprintln(stderr, "report: not every drill passed")
		return exitFail
	}
	return exitOK
}

// writeTrends writes history.md and history.json and prints the Markdown.
func writeTrends(h *report.History, out string, minRuns int, failOnRegression bool, stdout, stderr io.Writer) int {
	if out == "" {
		out = h.Dir
	}
	trends := h.Trends(minRuns)
	text := report.HistoryMarkdown(h, trends, minRuns)
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return exitFail
	}
	if err := os.WriteFile(filepath.Join(out, "history.md"), []byte(text), 0o644); err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return exitFail
	}
	if err := report.WriteTrendsJSON(filepath.Join(out, "history.json"), h, trends); err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return exitFail
	}
	fmt.Fprint(stdout, text)
	regressions := 0
	for _, t := range trends {
		if t.Regression != "" {
			regressions++
		}
	}
	if regressions > 0 && failOnRegression {
		fmt.Fprintf(stderr, "report: %d regression(s) flagged\n", regressions)
		return exitFail
	}
	return exitOK
}
