package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/firedrill/firedrill"
	"github.com/firedrill/firedrill/framework/cluster"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
)

// clusterFlags are cluster's flags.
type clusterFlags struct {
	profile, clusters string
	dry               bool
	dryProviders      []string
}

// newClusterCmd makes the cluster of a profile and leaves it running (to
// look at, or for drills with REUSE_CLUSTER=1), or takes it down; with
// --dry-run, for a provider that has one, it shows what it would do
// instead of doing it.
func newClusterCmd() *cobra.Command {
	var f clusterFlags
	cfg := firedrillrun.FromEnv(".")
	var dryFlag, dryUsage []string
	for _, r := range cluster.Registrations() {
		if r.DryRun != nil {
			f.dryProviders = append(f.dryProviders, r.Name)
			dryFlag = append(dryFlag, fmt.Sprintf("%s (provider %s)", r.DryRun.Flag, r.Name))
			dryUsage = append(dryUsage, fmt.Sprintf(" --dry-run, for %s profiles, %s", r.Name, r.DryRun.Usage))
		}
	}
	cmd := &cobra.Command{
		Use:   "cluster up|down --profile NAME [--dry-run]",
		Short: "make a profile's cluster and leave it up, or take it down (aws: --dry-run prints every EC2 call)",
		Long: "up makes the profile's cluster (or reuses the one firedrill made) and leaves it running; down takes down\n" +
			"a cluster firedrill made, and refuses any other." + strings.Join(dryUsage, ""),
		// Without up or down: a usage error.
		RunE: missingCommand,
	}
	fs := cmd.PersistentFlags()
	fs.StringVar(&f.profile, "profile", "", "the cluster profile (a name in --cluster-dir)")
	dirFlag(fs, &f.clusters, "cluster-dir", "clusters", cfg.ClustersDir, "folder of cluster profiles (default: ./clusters if there is one, else the shipped profiles)")
	fs.BoolVar(&f.dry, "dry-run", false, strings.Join(dryFlag, "; "))
	_ = cmd.RegisterFlagCompletionFunc("profile", completeCatalog(true))
	for _, verb := range []string{"up", "down"} {
		short := "make the profile's cluster, or reuse the one firedrill made, and leave it running"
		if verb == "down" {
			short = "take down a cluster firedrill made (and refuse any other)"
		}
		cmd.AddCommand(&cobra.Command{
			Use:   verb + " --profile NAME [--dry-run]",
			Short: short,
			Long:  cmd.Long,
			Args:  noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return exit(runCluster(verb, f, cfg, cmd.OutOrStdout(), cmd.ErrOrStderr()))
			},
		})
	}
	return cmd
}

func runCluster(verb string, f clusterFlags, cfg firedrillrun.Config, stdout, stderr io.Writer) int {
	if f.profile == "" {
		fmt.Fprintln(stderr, "cluster: --profile is required")
		return exitUsage
	}
	// A profile's file is named after it (validate checks that).
	profile, err := scenario.LoadProfileIn(firedrillrun.CatalogDir(f.clusters, firedrill.ClustersDir), f.profile)
	if err != nil {
		fmt.Fprintf(stderr, "cluster: %v\n", err)
		return exitFail
	}
	spec, err := firedrillrun.Spec(profile, cfg.Overrides)
	if err != nil {
		fmt.Fprintf(stderr, "cluster: %v\n", err)
		return exitFail
	}
	var prov cluster.Provider
	switch {
	case f.dry && !slices.Contains(f.dryProviders, profile.Provider):
		fmt.Fprintf(stderr, "cluster: --dry-run is for %s profiles; %s is a %s profile, which makes no cloud calls\n",
			strings.Join(f.dryProviders, " or "), profile.Name, profile.Provider)
		return exitUsage
	case f.dry:
		reg, _ := cluster.Lookup(profile.Provider)
		prov = reg.New(cluster.Options{Out: stdout, StateDir: cfg.StateDir, DryRun: true})
	default:
		prov = firedrillrun.DefaultBackends(stdout).Providers[profile.Provider]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if verb == "down" {
		if err := prov.Delete(ctx, spec.Name); err != nil {
			fmt.Fprintf(stderr, "cluster down: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "cluster %s taken down\n", spec.Name)
		return exitOK
	}
	dir := firedrillrun.KubeconfigDir(cfg.StateDir)
	c, _, err := prov.Up(ctx, cluster.UpInput{Spec: spec, Reuse: true, KubeconfigDir: dir,
		RunID: "manual-" + time.Now().UTC().Format("20060102-150405")})
	switch {
	case errors.Is(err, cluster.ErrDryRun):
		fmt.Fprintf(stdout, "%v\n", err)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "cluster up: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "cluster %s is up; kubeconfig %s; take it down with: firedrill cluster down --profile %s\n",
		c.Name(), c.KubeconfigPath(), profile.Name)
	return exitOK
}
