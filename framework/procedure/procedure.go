// Package procedure is the recovery an operator runs by hand after a
// failure nothing in the cluster heals (etcd's data wiped, a control-plane
// machine lost), run by the harness instead so that each step is timed
// and the procedure itself is tested: plans are pure lists of steps
// (RestoreEtcd, RebuildControlPlane), Run executes them on the nodes and
// records each on the timeline, and Runbook writes down exactly what ran.
package procedure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Step is one step of a procedure: its actions run at once (one per node,
// as an operator with a terminal on each), and the next step starts when
// all of them are done.
type Step struct {
	Name    string // one of timeline.Steps
	Why     string
	Actions []Action
	// Sequential: the actions run one after the other, and the first
	// that fails ends the step.
	Sequential bool
}

// Action is one command: a shell script on a node, or something the
// harness does on its own machine (Do), written down as Command.
type Action struct {
	// Node runs Script (with sh -c); nil: the action runs on the harness.
	Node   *cluster.Node
	Script string
	// Do and Command are a harness-side action and how an operator would
	// type it.
	Do      func(ctx context.Context) error
	Command string
	// Output, when set, is given a node script's standard output.
	Output func([]byte) error
}

// On is an action running script on node n.
func On(n cluster.Node, script string) Action { return Action{Node: &n, Script: script} }

func (a Action) command() string {
	if a.Node != nil {
		return a.Script
	}
	return a.Command
}

func (a Action) where() string {
	if a.Node != nil {
		return a.Node.Name
	}
	return ""
}

// Input is what Run needs.
type Input struct {
	Cluster cluster.Cluster
	// Name prefixes progress lines (the drill's name).
	Name string
	Out  io.Writer
	// Record receives each step once it ended, done or failed.
	Record func(timeline.Step)
}

// StepError is a procedure that failed: the step, and what went wrong.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %s: %v", e.Step, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// Run runs the steps in order and stops at the first that fails.
func Run(ctx context.Context, in Input, steps []Step) error {
	for i, s := range steps {
		fmt.Fprintf(in.Out, "[%s] procedure step %d/%d: %s (%d action(s))\n", in.Name, i+1, len(steps), s.Name, len(s.Actions))
		stop := progress(in, s.Name, time.Now())
		rec, err := runStep(ctx, in.Cluster, s)
		stop()
		in.Record(rec)
		if err != nil {
			fmt.Fprintf(in.Out, "[%s] procedure step %s FAILED after %s: %v\n", in.Name, s.Name, rec.End.Sub(rec.Start).Round(100*time.Millisecond), err)
			return &StepError{Step: s.Name, Err: err}
		}
		fmt.Fprintf(in.Out, "[%s] procedure step %s done in %s\n", in.Name, s.Name, rec.End.Sub(rec.Start).Round(100*time.Millisecond))
	}
	return nil
}

// progressEvery is how often a step that is still running says so.
const progressEvery = 15 * time.Second

// progress says every progressEvery that the step is still running (a
// node script that waits for a component can take minutes), until stop
// is called.
func progress(in Input, step string, start time.Time) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(in.Out, "[%s]   step %s: %s elapsed, still running\n", in.Name, step, time.Since(start).Round(time.Second))
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func runStep(ctx context.Context, c cluster.Cluster, s Step) (timeline.Step, error) {
	rec := timeline.Step{Name: s.Name, Why: s.Why, Start: time.Now(), Actions: make([]timeline.StepAction, len(s.Actions))}
	errs := make([]error, len(s.Actions))
	do := func(i int, a Action) {
		ra := timeline.StepAction{Node: a.where(), Command: a.command(), Start: time.Now()}
		errs[i] = runAction(ctx, c, a)
		ra.End = time.Now()
		if errs[i] != nil {
			ra.Error = errs[i].Error()
			if a.Node != nil {
				errs[i] = fmt.Errorf("on %s: %w", a.Node.Name, errs[i])
			}
		}
		rec.Actions[i] = ra
	}
	if s.Sequential {
		for i, a := range s.Actions {
			if do(i, a); errs[i] != nil {
				rec.Actions = rec.Actions[:i+1]
				break
			}
		}
	} else {
		var wg sync.WaitGroup
		for i, a := range s.Actions {
			wg.Go(func() { do(i, a) })
		}
		wg.Wait()
	}
	rec.End = time.Now()
	err := errors.Join(errs...)
	if err != nil {
		rec.Error = err.Error()
	}
	return rec, err
}

func runAction(ctx context.Context, c cluster.Cluster, a Action) error {
	if a.Node == nil {
		return a.Do(ctx)
	}
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	out, err := x.Exec(ctx, *a.Node, "sh", "-c", a.Script)
	if err != nil {
		return err
	}
	if a.Output != nil {
		return a.Output(out)
	}
	return nil
}

// waitUntil is a shell loop that polls cond every half second and fails
// naming what after limit: a step's wait, as an operator would type it. It
// runs in a subshell, so its failure is a status the script can test.
func waitUntil(what, cond string, limit time.Duration) string {
	tries := int(limit / (500 * time.Millisecond))
	return fmt.Sprintf("( n=0; until %s; do n=$((n+1)); if [ $n -ge %d ]; then echo '%s: not after %s' >&2; exit 1; fi; sleep 0.5; done )",
		cond, tries, what, limit)
}

// joinScript joins shell commands with &&: the first to fail ends it.
func joinScript(cmds ...string) string { return strings.Join(cmds, " && \\\n  ") }
