package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

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

// Execute runs the selected drills in order, prints each verdict and
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
	selected, err := r.Selected()
	if err != nil {
		fmt.Fprintf(errOut, "run: %v\n", err)
		return ExitFail
	}
	code = ExitOK
	var runs []*scenario.Scenario
	for range max(r.cfg.Repeat, 1) {
		runs = append(runs, selected...)
	}
	for _, s := range runs {
		if ctx.Err() != nil {
			break
		}
		res, err := r.Drill(ctx, s)
		if res != nil {
			fmt.Fprintln(r.cfg.Out, VerdictTable(res))
		}
		switch {
		case ctx.Err() != nil:
		case res != nil && res.Verdict == record.VerdictInvalid:
			fmt.Fprintf(errOut, "run: %s: INVALID: %s\n", s.Name, res.Invalid)
			code = ExitFail
		case err != nil:
			fmt.Fprintf(errOut, "run: %s: %v\n", s.Name, err)
			code = ExitFail
		case res.Verdict != record.VerdictPass:
			fmt.Fprintf(errOut, "run: %s: %s\n%s", s.Name, res.Verdict, Blown(res))
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
	if err := appendStepSummary(r.Dir()); err != nil {
		fmt.Fprintf(errOut, "run: job summary: %v\n", err)
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		fmt.Fprintln(errOut, "run: interrupted")
		code = ExitInterrupted
	}
	return code
}

// appendStepSummary appends the run's summary.md to the file GitHub Actions
// names in GITHUB_STEP_SUMMARY, when it is set, so the job page shows the
// verdicts without opening an artifact.
func appendStepSummary(dir string) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
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
