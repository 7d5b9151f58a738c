package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/firedrill/firedrill/framework/cluster"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
)

// newCleanCmd finds what runs left behind (a run killed with kill -9, a
// machine that rebooted mid-drill) and removes it with --yes.
func newCleanCmd() *cobra.Command {
	var yes, keep bool
	var provider string
	// Providers whose leftovers can outlive this machine's records (in a
	// cloud account) add their own flags (on a flag.FlagSet, added to
	// the command's) and paragraph.
	sweeps := map[string]func(context.Context, cluster.SweepInput) error{}
	var swept, what, usage []string
	providerFlags := flag.NewFlagSet("clean", flag.ContinueOnError)
	for _, r := range cluster.Registrations() {
		if r.Sweep != nil {
			swept = append(swept, r.Name)
			what = append(what, r.Name+": "+r.Sweep.What)
			usage = append(usage, "\n\n"+r.Sweep.Usage)
			sweeps[r.Name] = r.Sweep.Flags(providerFlags)
		}
	}
	cmd := &cobra.Command{
		Use:   "clean [--yes] [--keep-clusters]",
		Short: "list what runs left behind (undone faults, clusters, probe objects); remove it with --yes",
		Long: "Lists what firedrill runs left behind, and removes it with --yes: faults the undo journal says were not\n" +
			"undone (a node paused, cut off from its API or stopped), firedrill's packet filter rules in nodes, its\n" +
			"probe namespace in clusters it did not make, and the clusters it made. Nothing else is touched, and no\n" +
			"entry of a run still going. Exit 0 when nothing is left (or the dry run listed it), 1 on an error." +
			strings.Join(usage, ""),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exit(runClean(cleanInput{yes: yes, keep: keep, provider: provider, sweeps: sweeps, swept: swept},
				cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&yes, "yes", false, "remove what was found (without it: a dry run that only lists it)")
	fs.BoolVar(&keep, "keep-clusters", false, "leave the clusters firedrill made in place (their probe objects and filter rules are still removed)")
	fs.StringVar(&provider, "provider", "", strings.Join(what, "; "))
	fs.AddGoFlagSet(providerFlags)
	return cmd
}

// cleanInput is clean's command line.
type cleanInput struct {
	yes, keep bool
	provider  string
	sweeps    map[string]func(context.Context, cluster.SweepInput) error
	swept     []string
}

func runClean(in cleanInput, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := firedrillrun.FromEnv(".")
	if in.provider != "" {
		sweep, ok := in.sweeps[in.provider]
		if !ok {
			switch len(in.swept) {
			case 0:
				fmt.Fprintf(stderr, "clean: --provider %q: no provider has leftovers outside this machine's records\n", in.provider)
			case 1:
				fmt.Fprintf(stderr, "clean: --provider %q: only %s has leftovers outside this machine's records\n", in.provider, in.swept[0])
			default:
				fmt.Fprintf(stderr, "clean: --provider %q: only %s have leftovers outside this machine's records\n", in.provider, strings.Join(in.swept, " and "))
			}
			return exitUsage
		}
		var usageErr *cluster.UsageError
		switch err := sweep(ctx, cluster.SweepInput{StateDir: cfg.StateDir, Apply: in.yes, Out: stdout}); {
		case errors.As(err, &usageErr):
			fmt.Fprintf(stderr, "clean: %v\n", err)
			return exitUsage
		case err != nil:
			fmt.Fprintf(stderr, "clean: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	if _, err := firedrillrun.Clean(ctx, firedrillrun.CleanInput{Backends: firedrillrun.DefaultBackends(stdout), StateDir: cfg.StateDir,
		Apply: in.yes, KeepClusters: in.keep, Out: stdout}); err != nil {
		fmt.Fprintf(stderr, "clean: %v\n", err)
		return exitFail
	}
	return exitOK
}
