package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	firedrillrun "github.com/firedrill/firedrill/framework/run"
)

// runClean finds what runs left behind (a run killed with kill -9, a
// machine that rebooted mid-drill) and removes it with --yes.
func runClean(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("clean", flag.ContinueOnError)
	fs.SetOutput(stderr)
	yes := fs.Bool("yes", false, "remove what was found (without it: a dry run that only lists it)")
	keep := fs.Bool("keep-clusters", false, "leave the clusters firedrill made in place (their probe objects and filter rules are still removed)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: firedrill clean [--yes] [--keep-clusters]\n\n"+
			"Lists what firedrill runs left behind, and removes it with --yes: faults the undo journal says were not\n"+
			"undone (a node paused, cut off from its API or stopped), firedrill's packet filter rules in nodes, its\n"+
			"probe namespace in clusters it did not make, and the clusters it made. Nothing else is touched, and no\n"+
			"entry of a run still going. Exit 0 when nothing is left (or the dry run listed it), 1 on an error.")
		fs.PrintDefaults()
	}
	if !parseNoArgs(fs, args, stderr) {
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := firedrillrun.FromEnv(".")
	if _, err := firedrillrun.Clean(ctx, firedrillrun.CleanInput{Backends: firedrillrun.DefaultBackends(stdout), StateDir: cfg.StateDir,
		Apply: *yes, KeepClusters: *keep, Out: stdout}); err != nil {
		fmt.Fprintf(stderr, "clean: %v\n", err)
		return exitFail
	}
	return exitOK
}
