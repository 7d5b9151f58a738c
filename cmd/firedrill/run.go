package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/firedrill/firedrill/framework/labels"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
)

// newRunCmd runs drills like `make e2e`, without Ginkgo: the same runner,
// the same reports, the same clean-up.
func newRunCmd() *cobra.Command {
	wd, _ := os.Getwd()
	root, err := firedrillrun.RepoRoot(wd)
	if err != nil {
		root = wd
	}
	cfg := firedrillrun.FromEnv(root)
	var scenarios, labelFilter, shard string
	var dry bool
	cmd := &cobra.Command{
		Use:   "run [--scenario a,b] [--labels EXPR] [--shard i/n] [--repeat N] [--keep-cluster] [--reuse-cluster]",
		Short: "run drills on real clusters, as make e2e does, and report",
		Long: "Runs drills on real clusters, as `make e2e` does: the verdict per drill, the report in reports/<run>/,\n" +
			"clusters this run created deleted at the end (also on Ctrl-C) unless kept. Exit 0 when every drill\n" +
			"passed, 1 when one failed, was INVALID or could not run, 130 when interrupted.\n\n" +
			"--dry-run prints the drills that would run, in order, with their cluster profiles and time limits,\n" +
			"and creates nothing: no cluster, no report folder.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Out = cmd.OutOrStdout()
			return exit(runRun(cfg, scenarios, labelFilter, shard, dry, cmd.ErrOrStderr()))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&scenarios, "scenario", "", "comma-separated scenario names (default: SCENARIO, else every scenario)")
	fs.StringVar(&labelFilter, "labels", "", "label filter, Ginkgo's syntax, e.g. 'single-master && !calibration'")
	fs.StringVar(&cfg.Profile, "profile", cfg.Profile, "run every drill on this cluster profile instead of its scenario's own (PROFILE), e.g. ssh-single")
	fs.BoolVar(&dry, "dry-run", false, "print the drills that would run, their order, clusters and time limits, and create nothing")
	fs.StringVar(&shard, "shard", "", "run only shard i of n of the selected drills (i/n, e.g. 1/2), one cluster profile per shard where it can")
	fs.IntVar(&cfg.Repeat, "repeat", 1, "run the drills this many times on the same clusters and report the pass rate and spread of every figure (a soak)")
	fs.BoolVar(&cfg.KeepCluster, "keep-cluster", cfg.KeepCluster, "keep the clusters this run creates (KEEP_CLUSTER=1)")
	fs.BoolVar(&cfg.ReuseCluster, "reuse-cluster", cfg.ReuseCluster, "reuse a healthy cluster firedrill made for the profile (REUSE_CLUSTER=1)")
	fs.StringVar(&cfg.ReportsDir, "reports", cfg.ReportsDir, "folder the run's report goes into (FIREDRILL_REPORTS)")
	dirFlag(fs, &cfg.ScenariosDir, "scenario-dir", "scenarios", cfg.ScenariosDir,
		"folder of scenario files (default: scenarios/ of the checkout or folder it runs in, else the shipped scenarios)")
	dirFlag(fs, &cfg.ClustersDir, "cluster-dir", "clusters", cfg.ClustersDir,
		"folder of cluster profiles (default: clusters/ of the checkout or folder it runs in, else the shipped profiles)")
	_ = cmd.RegisterFlagCompletionFunc("scenario", completeCatalog(false))
	_ = cmd.RegisterFlagCompletionFunc("profile", completeCatalog(true))
	return cmd
}

func runRun(cfg firedrillrun.Config, scenarios, labelFilter, shard string, dry bool, stderr io.Writer) int {
	var err error
	if shard != "" {
		if cfg.Shard, err = firedrillrun.ParseShard(shard); err != nil {
			fmt.Fprintf(stderr, "run: %v\n", err)
			return exitUsage
		}
	}
	if strings.TrimSpace(labelFilter) != "" {
		if cfg.Labels, err = labels.Parse(labelFilter); err != nil {
			fmt.Fprintf(stderr, "run: %v\n", err)
			return exitFail
		}
	}
	if scenarios != "" {
		cfg.Scenarios = firedrillrun.SplitNames(scenarios)
	}
	// The selection first: a mistyped name or shard makes nothing (no
	// report folder, reports/latest left where it was).
	plan, err := firedrillrun.Plan(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitFail
	}
	if dry {
		return printPlan(cfg, plan, stderr)
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

// printPlan prints what run would do: each drill in order with its
// cluster profile and time limit, the clusters, and the sum of the time
// limits, an upper bound of the run's duration.
func printPlan(cfg firedrillrun.Config, plan []firedrillrun.Planned, stderr io.Writer) int {
	catalog, err := cfg.LoadCatalog()
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitFail
	}
	w := tabwriter.NewWriter(cfg.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "#\tSCENARIO\tCLUSTER\tPROVIDER\tTIME LIMIT")
	var total time.Duration
	var profiles []string
	for i, p := range plan {
		provider := "?"
		if prof := catalog.Profiles[p.Scenario.Cluster]; prof != nil {
			provider = prof.Provider
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", i+1, p.Scenario.Name, p.Scenario.Cluster, provider, p.Timeout)
		total += p.Timeout
		if !slices.Contains(profiles, p.Scenario.Cluster) {
			profiles = append(profiles, p.Scenario.Cluster)
		}
	}
	_ = w.Flush()
	fmt.Fprintf(cfg.Out, "%d drills on %d cluster profile(s) (%s); at most %s in all (the sum of the time limits)\n",
		len(plan), len(profiles), strings.Join(profiles, ", "), total)
	fmt.Fprintln(cfg.Out, "dry run: no cluster made, no report written")
	return exitOK
}
