package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/scenario"
)

// Exit codes of a run.
const (
	ExitOK   = 0
	ExitFail = 1
	// ExitInterrupted is a run ended by Ctrl-C or SIGTERM, as a shell
	// reports a SIGINT.
	ExitInterrupted = 130
)

// Planned is one drill of a run's plan, with its time limit
// (DrillTimeout).
type Planned struct {
	Scenario *scenario.Scenario
	Timeout  time.Duration
}

// Plan is the drills cfg asks for, in run order: the scenarios it names
// (or every one, Select), filtered by its labels, this shard's part
// (Shard.Of), all of them Repeat times. It loads the catalog, so a front
// end can list the drills before a Runner exists: the Ginkgo suite makes
// one spec of each.
func Plan(cfg Config) ([]Planned, error) {
	catalog, err := cfg.LoadCatalog()
	if err != nil {
		return nil, err
	}
	return plan(catalog, cfg)
}

// Plan is the drills of the runner's configuration, in run order (the
// package's Plan, on the runner's catalog).
func (r *Runner) Plan() ([]Planned, error) { return plan(r.Catalog, r.cfg) }

func plan(c *scenario.Catalog, cfg Config) ([]Planned, error) {
	selected, err := Select(c, cfg.Scenarios, cfg.Labels)
	if err != nil {
		return nil, err
	}
	if selected, err = cfg.Shard.Of(selected); err != nil {
		return nil, err
	}
	var out []Planned
	for range max(cfg.Repeat, 1) {
		for _, s := range selected {
			out = append(out, Planned{Scenario: s, Timeout: DrillTimeout(s, c.Profiles[s.Cluster])})
		}
	}
	return out, nil
}

// RunDrill is one drill as every front end reports it: Drill, its verdict
// table printed to the run's output, and why it did not pass (Failure;
// nil when it passed). Execute and the Ginkgo suite both run drills
// through it.
func (r *Runner) RunDrill(ctx context.Context, s *scenario.Scenario) (*record.Drill, error) {
	res, err := r.Drill(ctx, s)
	if res != nil {
		fmt.Fprintln(r.cfg.Out, VerdictTable(res))
	}
	return res, Failure(res, err)
}

// Failure says why a drill did not pass, nil when it did: res and err are
// Drill's. INTERRUPTED and INVALID come before anything else (neither an
// error nor a budget of such a drill says anything about the cluster),
// then the error that kept the drill from completing, then the budgets it
// blew, one per line.
func Failure(res *record.Drill, err error) error {
	switch {
	case res == nil:
		return err
	case res.Verdict == record.VerdictInterrupted:
		return fmt.Errorf("%s: %s", res.Verdict, res.Error)
	case res.Verdict == record.VerdictInvalid:
		return fmt.Errorf("%s: %s", res.Verdict, res.Invalid)
	case err != nil:
		return err
	case res.Verdict != record.VerdictPass:
		if blown := strings.TrimSuffix(Blown(res), "\n"); blown != "" {
			return fmt.Errorf("%s\n%s", res.Verdict, blown)
		}
		return errors.New(string(res.Verdict))
	}
	return nil
}

// Execute runs the planned drills in order, prints each verdict and
// returns the run's exit code: ExitOK when every drill passed, ExitFail
// when one failed, was INVALID or could not run, ExitInterrupted when ctx
// was cancelled. Every exit path releases the clusters (Close); a drill
// that was running when ctx ended lifted its fault and reported first.
func (r *Runner) Execute(ctx context.Context, errOut io.Writer) (code int) {
	defer func() {
		if err := r.Close(ctx); err != nil {
			fmt.Fprintf(errOut, "run: %v\n", err)
			if code == ExitOK {
				code = ExitFail
			}
		}
	}()
	drills, err := r.Plan()
	if err != nil {
		fmt.Fprintf(errOut, "run: %v\n", err)
		return ExitFail
	}
	code = ExitOK
	for _, p := range drills {
		if ctx.Err() != nil {
			break
		}
		// After Ctrl-C the drill is INTERRUPTED, and the run says so once.
		if _, failure := r.RunDrill(ctx, p.Scenario); failure != nil && ctx.Err() == nil {
			fmt.Fprintf(errOut, "run: %s: %v\n", p.Scenario.Name, failure)
			code = ExitFail
		}
	}
	if r.cfg.Repeat > 1 {
		text, err := r.Soak()
		fmt.Fprint(r.cfg.Out, text)
		if err != nil {
			fmt.Fprintf(errOut, "run: %v\n", err)
			code = ExitFail
		}
	}
	fmt.Fprintf(r.cfg.Out, "report: %s\n", filepath.Join(r.Dir(), "report.json"))
	if err := appendStepSummary(r.cfg.StepSummary, r.Dir()); err != nil {
		fmt.Fprintf(errOut, "run: job summary: %v\n", err)
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		fmt.Fprintln(errOut, "run: interrupted")
		code = ExitInterrupted
	}
	return code
}

// appendStepSummary appends the run's summary.md to the file GitHub Actions
// names in GITHUB_STEP_SUMMARY (Config.StepSummary), when it is set, so the
// job page shows the verdicts without opening an artifact.
func appendStepSummary(path, dir string) error {
	if path == "" {
		return nil
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(summary, '\n'))
	return errors.Join(err, f.Close())
}
