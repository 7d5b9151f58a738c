package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/firedrill/firedrill/framework/labels"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
)

// runRun runs drills like `make e2e`, without Ginkgo: the same runner, the
// same reports, the same clean-up.
func runRun(args []string, stdout, stderr io.Writer) int {
	wd, _ := os.Getwd()
	root, err := firedrillrun.RepoRoot(wd)
	if err != nil {
		root = wd
	}
	cfg := firedrillrun.FromEnv(root)
	cfg.Out = stdout
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenarios := fs.String("scenario", "", "comma-separated scenario names (default: SCENARIO, else every scenario)")
	labelFilter := fs.String("labels", "", "label filter, Ginkgo's syntax, e.g. 'single-master && !calibration'")
	fs.StringVar(&cfg.Profile, "profile", cfg.Profile, "run every drill on this cluster profile instead of its scenario's own (PROFILE), e.g. ssh-single")
	shard := fs.String("shard", "", "run only shard i of n of the selected drills (i/n, e.g. 1/2), one cluster profile per shard where it can")
	fs.IntVar(&cfg.Repeat, "repeat", 1, "run the drills this many times on the same clusters and report the pass rate and spread of every figure (a soak)")
	fs.BoolVar(&cfg.KeepCluster, "keep-cluster", cfg.KeepCluster, "keep the clusters this run creates (KEEP_CLUSTER=1)")
	fs.BoolVar(&cfg.ReuseCluster, "reuse-cluster", cfg.ReuseCluster, "reuse a healthy cluster firedrill made for the profile (REUSE_CLUSTER=1)")
	fs.StringVar(&cfg.ReportsDir, "reports", cfg.ReportsDir, "folder the run's report goes into (FIREDRILL_REPORTS)")
	fs.StringVar(&cfg.ScenariosDir, "scenarios", cfg.ScenariosDir, "folder of scenario files (default: scenarios/ of the checkout or folder it runs in, else the shipped scenarios)")
	fs.StringVar(&cfg.ClustersDir, "clusters", cfg.ClustersDir, "folder of cluster profiles (default: clusters/ of the checkout or folder it runs in, else the shipped profiles)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: firedrill run [--scenario a,b] [--labels EXPR] [--shard i/n] [--repeat N] [--keep-cluster] [--reuse-cluster]\n\n"+
			"Runs drills on real clusters, as `make e2e` does: the verdict per drill, the report in reports/<run>/,\n"+
			"clusters this run created deleted at the end (also on Ctrl-C) unless kept. Exit 0 when every drill\n"+
			"passed, 1 when one failed, was INVALID or could not run, 130 when interrupted.")
		fs.PrintDefaults()
	}
	if !parseNoArgs(fs, args, stderr) {
		return exitUsage
	}
	if *shard != "" {
		if cfg.Shard, err = firedrillrun.ParseShard(*shard); err != nil {
			fmt.Fprintf(stderr, "run: %v\n", err)
			return exitUsage
		}
	}
	if strings.TrimSpace(*labelFilter) != "" {
		if cfg.Labels, err = labels.Parse(*labelFilter); err != nil {
			fmt.Fprintf(stderr, "run: %v\n", err)
			return exitFail
		}
	}
	if *scenarios != "" {
		cfg.Scenarios = firedrillrun.SplitNames(*scenarios)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runDrills(ctx, cfg, stderr)
}

// runDrills runs the selected drills and returns the exit code.
func runDrills(ctx context.Context, cfg firedrillrun.Config, stderr io.Writer) int {
	r, err := firedrillrun.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitFail
	}
	return r.Execute(ctx, stderr)
}
