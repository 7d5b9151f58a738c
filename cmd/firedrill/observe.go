package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/cluster/kubeconfig"
	"github.com/firedrill/firedrill/framework/drill"
	"github.com/firedrill/firedrill/framework/live"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/report"
	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// newObserveCmd runs the drill probes against an existing cluster,
// injects nothing, and writes the same report.
func newObserveCmd() *cobra.Command {
	var o observeFlags
	cmd := &cobra.Command{
		Use:   "observe [--context NAME] [--duration 5m] [flags]",
		Short: "probe an existing cluster without a fault and report (upgrades, maintenance)",
		Long: "Probes an existing cluster like a drill does, without injecting anything, and writes the same report.\n" +
			"It creates only its probe objects, in the namespace " + probe.Namespace + ", and removes them at the end.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exit(runObserve(o, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&o.context, "context", "", "kubeconfig context (default: the current one)")
	fs.DurationVar(&o.duration, "duration", 5*time.Minute, "how long to observe")
	fs.DurationVar(&o.interval, "interval", 200*time.Millisecond, "time between two samples of a series (<= 250ms)")
	fs.DurationVar(&o.timeout, "timeout", time.Second, "a request not answered in this time counts as down")
	fs.DurationVar(&o.writeInterval, "write-interval", 250*time.Millisecond, "time between two counter writes")
	fs.DurationVar(&o.edges, "edges", scenario.DefaultEdges, "how finely API outage edges are bracketed: each endpoint's path watched, and down series burst, this often (0: off; below --interval)")
	fs.StringVar(&o.reports, "reports", "reports", "folder the run's report goes into")
	// The environment is read once, by run.FromEnv (AGNHOST_IMAGE and CI
	// here).
	env := firedrillrun.FromEnv(".")
	o.plain = env.Plain
	fs.StringVar(&o.image, "image", env.ProbeImage, "image of the probe workload")
	return cmd
}

// observeFlags are observe's flags.
type observeFlags struct {
	kubeconfig, context, reports, image string
	// plain: plain progress lines even on a terminal (CI is set).
	plain                                             bool
	duration, interval, timeout, writeInterval, edges time.Duration
}

func runObserve(o observeFlags, stdout, stderr io.Writer) int {
	switch {
	case o.interval <= 0 || o.interval > scenario.MaxProbeInterval:
		fmt.Fprintf(stderr, "observe: --interval must be in (0, %s], got %s\n", scenario.MaxProbeInterval, o.interval)
		return exitUsage
	case o.duration <= 0 || o.timeout <= 0 || o.writeInterval <= 0:
		fmt.Fprintln(stderr, "observe: --duration, --timeout and --write-interval must be > 0")
		return exitUsage
	case o.edges < 0 || (o.edges > 0 && o.edges >= o.interval):
		fmt.Fprintf(stderr, "observe: --edges must be 0 (off) or below --interval (%s), got %s\n", o.interval, o.edges)
		return exitUsage
	}
	c, err := kubeconfig.Open(o.kubeconfig, o.context)
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
	run, err := report.NewRunDir(o.reports, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "observe: %v\n", err)
		return exitFail
	}
	if err := probe.ClientLogTo(filepath.Join(run.Dir, "client-go.log")); err != nil {
		fmt.Fprintf(stderr, "observe: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "observing %s (%d nodes) for %s; Ctrl-C ends early and still reports\n", c.Name(), len(nodes), o.duration)
	// On a terminal the observation has its live line, as a drill has.
	line := live.ForTerminal(stdout, o.plain)
	line.Begin("observe")
	line.Phase("observe")
	res, obsErr := drill.Observe(ctx, drill.ObserveInput{Cluster: c, Nodes: len(nodes), Duration: o.duration, ProbeImage: o.image, Out: line,
		Probes: scenario.Probes{Interval: o.interval, Timeout: o.timeout, WriteInterval: o.writeInterval, Edges: &o.edges},
		OnProbes: func(sofar func() timeline.Timeline) {
			line.Figures(func() string { return firedrillrun.FiguresSoFar(sofar()) })
		}})
	record.Judge(res, nil)
	line.End(string(res.Verdict))
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
