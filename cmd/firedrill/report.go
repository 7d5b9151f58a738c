package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/report"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
)

// runReport replays a recorded run (figures derived again from its
// timelines, judged again, the report written anew), merges runs
// (`report merge`), or shows the trends of a history (`--history` alone).
func runReport(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return runMerge(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder the replayed report goes into (default: RUN_DIR/replay; with --history alone: the history folder)")
	scenarios := fs.String("scenarios", "", "judge against the budgets of this folder of scenario files instead of those the report recorded")
	clusters := fs.String("clusters", "", "folder of cluster profiles, for their budget overrides (default: clusters/ beside --scenarios)")
	history := fs.String("history", "", "folder of earlier runs' reports: trends per drill and figure; with --scenarios, budgets marked fromHistory are derived from it")
	minRuns := fs.Int("min-runs", 10, "earlier runs a P99 needs before a value past it is a regression or a budget is derived from it")
	failOnRegression := fs.Bool("fail-on-regression", false, "with --history: exit 1 when a regression is flagged")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: firedrill report [--out DIR] [--scenarios DIR [--clusters DIR]] [--history DIR] RUN_DIR|REPORT_JSON\n"+
			"       firedrill report merge [--out DIR] RUN_DIR...\n"+
			"       firedrill report --history DIR [--min-runs N] [--fail-on-regression] [--out DIR]\n\n"+
			"Replays a recorded run offline: every figure derived again from its timelines, judged again\n"+
			"(against changed budgets with --scenarios), and report.json, junit.xml, summary.md and report.html\n"+
			"written anew. merge makes one report of several runs or CI shards. --history alone shows, per drill\n"+
			"and figure, the count, median, P95, P99, last value and a sparkline, and flags regressions\n"+
			"(history.md and history.json). Exit 0 when every drill passes, 1 when one does not or on an error.")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	var hist *report.History
	if *history != "" {
		if hist, err = report.ReadHistory(*history); err != nil {
			fmt.Fprintf(stderr, "report: %v\n", err)
			return exitFail
		}
	}
	if len(rest) == 0 && hist != nil {
		return writeTrends(hist, *out, *minRuns, *failOnRegression, stdout, stderr)
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "report: give one run folder or report.json (or --history DIR alone for trends)")
		return exitUsage
	}
	from := rest[0]
	dir := from
	if strings.HasSuffix(dir, ".json") {
		dir = filepath.Dir(dir)
	}
	in := firedrillrun.ReplayInput{From: from, Out: *out}
	if in.Out == "" {
		in.Out = filepath.Join(dir, "replay")
	}
	if *scenarios != "" {
		if *clusters == "" {
			*clusters = filepath.Join(filepath.Dir(filepath.Clean(*scenarios)), "clusters")
		}
		if in.Catalog, err = scenario.LoadCatalog(*scenarios, *clusters); err != nil {
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
			derive.MinRuns = *minRuns
			in.History = &derive
		}
	} else if hist != nil {
		fmt.Fprintln(stderr, "report: --history with a run derives budgets from the scenario files: give --scenarios too")
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
