package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/firedrill/firedrill"
	"github.com/firedrill/firedrill/framework/cluster"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
)

// runCluster makes the cluster of a profile and leaves it running (to look
// at, or for drills with REUSE_CLUSTER=1), or takes it down; with
// --dry-run, for a provider that has one, it shows what it would do
// instead of doing it.
func runCluster(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profileName := fs.String("profile", "", "the cluster profile (a name in --clusters)")
	cfg := firedrillrun.FromEnv(".")
	clusters := fs.String("clusters", cfg.ClustersDir, "folder of cluster profiles (default: ./clusters if there is one, else the shipped profiles)")
	var dryFlag, dryUsage []string
	var dryProviders []string
	for _, r := range cluster.Registrations() {
		if r.DryRun != nil {
			dryProviders = append(dryProviders, r.Name)
			dryFlag = append(dryFlag, fmt.Sprintf("%s (provider %s)", r.DryRun.Flag, r.Name))
			dryUsage = append(dryUsage, fmt.Sprintf(" --dry-run, for %s profiles, %s", r.Name, r.DryRun.Usage))
		}
	}
	dry := fs.Bool("dry-run", false, strings.Join(dryFlag, "; "))
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: firedrill cluster up|down --profile NAME [--dry-run]\n\n"+
			"up makes the profile's cluster (or reuses the one firedrill made) and leaves it running; down takes down\n"+
			"a cluster firedrill made, and refuses any other."+strings.Join(dryUsage, ""))
		fs.PrintDefaults()
	}
	if len(args) == 0 || (args[0] != "up" && args[0] != "down") {
		fs.Usage()
		return exitUsage
	}
	verb := args[0]
	if !parseNoArgs(fs, args[1:], stderr) {
		return exitUsage
	}
	if *profileName == "" {
		fmt.Fprintln(stderr, "cluster: --profile is required")
		return exitUsage
	}
	// A profile's file is named after it (validate checks that).
	profile, err := scenario.LoadProfileIn(firedrillrun.CatalogDir(*clusters, firedrill.ClustersDir), *profileName)
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
	case *dry && !slices.Contains(dryProviders, profile.Provider):
		fmt.Fprintf(stderr, "cluster: --dry-run is for %s profiles; %s is a %s profile, which makes no cloud calls\n",
			strings.Join(dryProviders, " or "), profile.Name, profile.Provider)
		return exitUsage
	case *dry:
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
