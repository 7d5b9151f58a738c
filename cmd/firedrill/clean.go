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

	"github.com/firedrill/firedrill/framework/cluster"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
)

// runClean finds what runs left behind (a run killed with kill -9, a
// machine that rebooted mid-drill) and removes it with --yes.
func runClean(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("clean", flag.ContinueOnError)
	fs.SetOutput(stderr)
	yes := fs.Bool("yes", false, "remove what was found (without it: a dry run that only lists it)")
	keep := fs.Bool("keep-clusters", false, "leave the clusters firedrill made in place (their probe objects and filter rules are still removed)")
	// Providers whose leftovers can outlive this machine's records (in a
	// cloud account) add their own flags and paragraph.
	sweeps := map[string]func(context.Context, cluster.SweepInput) error{}
	var swept, what, usage []string
	for _, r := range cluster.Registrations() {
		if r.Sweep != nil {
			swept = append(swept, r.Name)
			what = append(what, r.Name+": "+r.Sweep.What)
			usage = append(usage, "\n\n"+r.Sweep.Usage)
			sweeps[r.Name] = r.Sweep.Flags(fs)
		}
	}
	provider := fs.String("provider", "", strings.Join(what, "; "))
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: firedrill clean [--yes] [--keep-clusters]\n\n"+
			"Lists what firedrill runs left behind, and removes it with --yes: faults the undo journal says were not\n"+
			"undone (a node paused, cut off from its API or stopped), firedrill's packet filter rules in nodes, its\n"+
			"probe namespace in clusters it did not make, and the clusters it made. Nothing else is touched, and no\n"+
			"entry of a run still going. Exit 0 when nothing is left (or the dry run listed it), 1 on an error."+
			strings.Join(usage, ""))
		fs.PrintDefaults()
	}
	if !parseNoArgs(fs, args, stderr) {
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := firedrillrun.FromEnv(".")
	if *provider != "" {
		sweep, ok := sweeps[*provider]
		if !ok {
			switch len(swept) {
			case 0:
				fmt.Fprintf(stderr, "clean: --provider %q: no provider has leftovers outside this machine's records\n", *provider)
			case 1:
				fmt.Fprintf(stderr, "clean: --provider %q: only %s has leftovers outside this machine's records\n", *provider, swept[0])
			default:
				fmt.Fprintf(stderr, "clean: --provider %q: only %s have leftovers outside this machine's records\n", *provider, strings.Join(swept, " and "))
			}
			return exitUsage
		}
		var usageErr *cluster.UsageError
		switch err := sweep(ctx, cluster.SweepInput{StateDir: cfg.StateDir, Apply: *yes, Out: stdout}); {
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
		Apply: *yes, KeepClusters: *keep, Out: stdout}); err != nil {
		fmt.Fprintf(stderr, "clean: %v\n", err)
		return exitFail
	}
	return exitOK
}
