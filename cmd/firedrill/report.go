package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
)

// runReport replays a recorded run: figures derived again from its
// timelines, judged again, the report written anew.
func runReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder the replayed report goes into (default: RUN_DIR/replay)")
	scenarios := fs.String("scenarios", "", "judge against the budgets of this folder of scenario files instead of those the report recorded")
	clusters := fs.String("clusters", "", "folder of cluster profiles, for their budget overrides (default: clusters/ beside --scenarios)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: firedrill report [--out DIR] [--scenarios DIR [--clusters DIR]] RUN_DIR|REPORT_JSON\n\n"+
			"Replays a recorded run offline: every figure derived again from its timelines, judged again\n"+
			"(against changed budgets with --scenarios), and report.json, summary.md and report.html written\n"+
			"anew. Exit 0 when every drill passes, 1 when one does not or on an error.")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "report: give one run folder or report.json")
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
	}
	replayed, pass, err := firedrillrun.Replay(in)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return exitFail
	}
	for _, d := range replayed.Drills {
		fmt.Fprintf(stdout, "%s: %s\n", d.Scenario.Key(), d.Scenario.Verdict)
	}
	fmt.Fprintf(stdout, "replayed %d drills into %s\n", len(replayed.Drills), filepath.Join(in.Out, "report.json"))
	if !pass {
		fmt.Fprintln(stderr, "report: not every drill passed")
		return exitFail
	}
	return exitOK
}
