package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/cluster/kubeconfig"
	"github.com/firedrill/firedrill/framework/drill"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/report"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
)

// runObserve runs the drill probes against an existing cluster, injects
// nothing, and writes the same report.
func runObserve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("observe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kubeconfigPath := fs.String("kubeconfig", "", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
	contextName := fs.String("context", "", "kubeconfig context (default: the current one)")
	duration := fs.Duration("duration", 5*time.Minute, "how long to observe")
	interval := fs.Duration("interval", 200*time.Millisecond, "time between two samples of a series (<= 250ms)")
	timeout := fs.Duration("timeout", time.Second, "a request not answered in this time counts as down")
	writeInterval := fs.Duration("write-interval", 250*time.Millisecond, "time between two counter writes")
	reports := fs.String("reports", "reports", "folder the run's report goes into")
	// The environment is read once, by run.FromEnv (AGNHOST_IMAGE here).
	image := fs.String("image", firedrillrun.FromEnv(".").ProbeImage, "image of the probe workload")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: firedrill observe [--context NAME] [--duration 5m] [flags]\n\n"+
			"Probes an existing cluster like a drill does, without injecting anything, and writes the same report.\n"+
			"It creates only its probe objects, in the namespace "+probe.Namespace+", and removes them at the end.")
		fs.PrintDefaults()
	}
	if !parseNoArgs(fs, args, stderr) {
		return exitUsage
	}
	switch {
	case *interval <= 0 || *interval > scenario.MaxProbeInterval:
		fmt.Fprintf(stderr, "observe: --interval must be in (0, %s], got %s\n", scenario.MaxProbeInterval, *interval)
		return exitUsage
	case *duration <= 0 || *timeout <= 0 || *writeInterval <= 0:
		fmt.Fprintln(stderr, "observe: --duration, --timeout and --write-interval must be > 0")
		return exitUsage
	}
	c, err := kubeconfig.Open(*kubeconfigPath, *contextName)
	if err != nil {
		fmt.Fprintf(stderr, "observe: %v\n", err)
		return exitFail
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	nodes, err := c.Nodes(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "observe: %v\n", err)
		return exitFail
	}
	run, err := report.NewRunDir(*reports, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "observe: %v\n", err)
		return exitFail
	}
	if err := probe.ClientLogTo(filepath.Join(run.Dir, "client-go.log")); err != nil {
		fmt.Fprintf(stderr, "observe: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "observing %s (%d nodes) for %s; Ctrl-C ends early and still reports\n", c.Name(), len(nodes), *duration)
	res, obsErr := drill.Observe(ctx, drill.ObserveInput{Cluster: c, Nodes: len(nodes), Duration: *duration, ProbeImage: *image, Out: stdout,
		Probes: scenario.Probes{Interval: *interval, Timeout: *timeout, WriteInterval: *writeInterval}})
	record.Judge(res, nil)
	run.Drills = append(run.Drills, *res)
	run.Finished = time.Now()
	if err := report.Write(run); err != nil {
		fmt.Fprintf(stderr, "observe: %v\n", err)
		return exitFail
	}
	for _, f := range res.Figures {
		if f.Measured {
			fmt.Fprintf(stdout, "  %-42s %s\n", f.Name, budget.Format(f.Value, f.Unit))
		}
	}
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(run.Dir, "report.json"))
	if obsErr != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "observe: %v\n", obsErr)
		return exitFail
	}
	return exitOK
}
