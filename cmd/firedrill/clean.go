package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/firedrill/firedrill/framework/cluster/aws"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
)

// runClean finds what runs left behind (a run killed with kill -9, a
// machine that rebooted mid-drill) and removes it with --yes.
func runClean(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("clean", flag.ContinueOnError)
	fs.SetOutput(stderr)
	yes := fs.Bool("yes", false, "remove what was found (without it: a dry run that only lists it)")
	keep := fs.Bool("keep-clusters", false, "leave the clusters firedrill made in place (their probe objects and filter rules are still removed)")
	provider := fs.String("provider", "", "aws: look in EC2 for instances and network ACLs any firedrill run made (tagged firedrill:cluster) instead")
	region := fs.String("region", os.Getenv("AWS_REGION"), "with --provider aws: the region (default $AWS_REGION)")
	olderThan := fs.Duration("older-than", 6*time.Hour, "with --provider aws: only what was made longer ago (younger may be a run's still going)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: firedrill clean [--yes] [--keep-clusters]\n\n"+
			"Lists what firedrill runs left behind, and removes it with --yes: faults the undo journal says were not\n"+
			"undone (a node paused, cut off from its API or stopped), firedrill's packet filter rules in nodes, its\n"+
			"probe namespace in clusters it did not make, and the clusters it made. Nothing else is touched, and no\n"+
			"entry of a run still going. Exit 0 when nothing is left (or the dry run listed it), 1 on an error.\n\n"+
			"With --provider aws: lists the EC2 instances of --region that this machine's records name, launched more\n"+
			"than --older-than ago, and the network ACLs it recorded that still cut a zone off; with --yes it terminates\n"+
			"those instances and moves each subnet back to its own ACL. What carries firedrill's tags without being in\n"+
			"this machine's records is named \"not ours\", with the command to remove it on purpose, and left.")
		fs.PrintDefaults()
	}
	if !parseNoArgs(fs, args, stderr) {
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := firedrillrun.FromEnv(".")
	switch *provider {
	case "":
	case "aws":
		if *region == "" {
			fmt.Fprintln(stderr, "clean: --provider aws needs --region (or AWS_REGION)")
			return exitUsage
		}
		p := aws.NewProvider(aws.Options{Out: stdout, StateDir: cfg.StateDir})
		found, err := p.Leftovers(ctx, aws.LeftoversInput{Region: *region, OlderThan: *olderThan, Terminate: *yes, Out: stdout})
		if err != nil {
			fmt.Fprintf(stderr, "clean: %v\n", err)
			return exitFail
		}
		switch {
		case len(found) == 0:
			fmt.Fprintf(stdout, "no firedrill instances or network ACLs older than %s in %s\n", *olderThan, *region)
		case !*yes:
			fmt.Fprintf(stdout, "%d found; with --yes the instances are terminated and each subnet goes back to its own network ACL\n", len(found))
		}
		return exitOK
	default:
		fmt.Fprintf(stderr, "clean: --provider %q: only aws has leftovers outside this machine's records\n", *provider)
		return exitUsage
	}
	if _, err := firedrillrun.Clean(ctx, firedrillrun.CleanInput{Backends: firedrillrun.DefaultBackends(stdout), StateDir: cfg.StateDir,
		Apply: *yes, KeepClusters: *keep, Out: stdout}); err != nil {
		fmt.Fprintf(stderr, "clean: %v\n", err)
		return exitFail
	}
	return exitOK
}
