// Package waitfor waits for a condition with apimachinery's wait (no test
// framework in the binary) and prints a progress line while it waits, so an
// SRE watching a drill always sees what is awaited, for how long so far, and
// against which limit.
package waitfor

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// Input describes one wait.
type Input struct {
	// What is awaited, for progress lines and errors ("API /readyz").
	What string
	// Timeout bounds the wait; Poll is the time between two checks.
	Timeout, Poll time.Duration
	// Every is the time between two progress lines (default 10s).
	Every time.Duration
	// Limit names the budget or limit the wait is held against, if any
	// ("budget recovery.all <= 120s"); printed on progress lines.
	Limit string
	// Since is the instant elapsed time and Timeout count from (default:
	// now), e.g. the fault injection for a recovery wait.
	Since time.Time
	// Out receives progress lines; nil means none.
	Out io.Writer
	// Check returns nil when the condition holds, else why not.
	Check func(ctx context.Context) error
}

// Until polls in.Check until it returns nil, the timeout passes or ctx ends.
// The error names what was awaited and carries the last reason it did not
// hold.
func Until(ctx context.Context, in Input) error {
	if in.Every == 0 {
		in.Every = 10 * time.Second
	}
	start := time.Now()
	if in.Since.IsZero() {
		in.Since = start
	}
	var last error
	checked := false
	nextLine := start.Add(in.Every)
	// Timeout counts from Since, like the elapsed time on progress lines.
	// At least one check, even when the time is already up.
	timeout := max(in.Timeout-start.Sub(in.Since), in.Poll)
	// A terminal's live line shows the wait in place, at every check.
	status, _ := in.Out.(Status)
	err := wait.PollUntilContextTimeout(ctx, in.Poll, timeout, true, func(ctx context.Context) (bool, error) {
		last, checked = in.Check(ctx), true
		if last == nil || in.Out == nil {
			return last == nil, nil
		}
		now := time.Now()
		if status == nil && !now.After(nextLine) {
			return false, nil
		}
		state := fmt.Sprintf("%s elapsed of %s%s; not yet: %v", now.Sub(in.Since).Round(time.Second), in.Timeout.Round(time.Second),
			limitSuffix(in.Limit), shorten(last.Error()))
		if status != nil && status.Waiting(in.What, state) {
			return false, nil
		}
		if now.After(nextLine) {
			nextLine = now.Add(in.Every)
			fmt.Fprintf(in.Out, "  waiting for %s: %s\n", in.What, state)
		}
		return false, nil
	})
	if status != nil {
		status.Waiting(in.What, "")
	}
	if err == nil {
		if in.Out != nil {
			fmt.Fprintf(in.Out, "  %s: ok after %s\n", in.What, time.Since(in.Since).Round(100*time.Millisecond))
		}
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("waiting for %s: %w (last: %v)", in.What, context.Cause(ctx), last)
	}
	if !checked || last == nil {
		last = err
	}
	return fmt.Errorf("%s did not hold within %s: %w", in.What, in.Timeout, last)
}

// Status is an Out that shows what is awaited in place (a terminal's live
// line, framework/live): Waiting reports whether it does, else the wait
// prints its progress lines. State "" ends the wait.
type Status interface {
	Waiting(what, state string) bool
}

func limitSuffix(limit string) string {
	if limit == "" {
		return ""
	}
	return " (" + limit + ")"
}

// shorten keeps progress lines readable when a reason carries a whole
// response body (a failed /readyz lists every check); errors keep it all.
func shorten(s string) string {
	// Joined errors (errors.Join) put each on its own line.
	s = strings.ReplaceAll(s, "\n", "; ")
	const limit = 400
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "... (" + fmt.Sprint(len(s)-limit) + " more bytes)"
}
