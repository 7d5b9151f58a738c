package procedure

import (
	"context"
	"fmt"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
)

// WebhookPlan is what RemoveWebhook needs: the webhook configuration's
// name and how to delete it, and a write where the webhook refused them,
// with how an operator types each.
type WebhookPlan struct {
	Name string
	// Remove deletes the configuration (already gone is no error).
	Remove func(context.Context) error
	// Write is one write the webhook matched (a server-side dry run:
	// nothing is stored); WriteCommand how an operator types it.
	Write        func(context.Context) error
	WriteCommand string
}

// WritesAdmitted is how many writes in a row must be admitted before
// writes count as served again: each is a new request that the load
// balancer may send to any API server, and each API server drops the
// webhook from its own watch.
const WritesAdmitted = 6

// writesBack bounds verify-writes: an API server sees the configuration
// gone within a second or two of the delete.
const writesBack = time.Minute

// RemoveWebhook is the recovery from a validating webhook whose backend
// is gone and whose failurePolicy is Fail: every write it matches is
// refused, and the cluster cannot heal it (a backend restored through the
// API may itself need a write the webhook refuses). What an operator does
// first is to delete the webhook's configuration, then prove writes are
// admitted again; repairing the backend comes after, with the cluster
// writable.
func RemoveWebhook(p WebhookPlan) []Step {
	return []Step{
		{Name: timeline.StepRemoveWebhook, Why: "The webhook refuses every write it matches while its backend is gone (failurePolicy Fail); deleting its configuration admits them again without waiting for the backend",
			Actions: []Action{{Command: "kubectl delete validatingwebhookconfiguration " + p.Name, Do: p.Remove}}},
		{Name: timeline.StepVerifyWrites, Why: fmt.Sprintf("Each API server drops the webhook from its own watch: a write where it refused them is admitted again, %d times in a row (polled every 200 ms for up to %s)", WritesAdmitted, writesBack),
			Actions: []Action{{Command: p.WriteCommand, Do: func(ctx context.Context) error { return admittedInARow(ctx, p.Write, 200*time.Millisecond, writesBack) }}}},
	}
}

// admittedInARow polls write until it succeeded WritesAdmitted times in
// a row, or fails with its last error after limit.
func admittedInARow(ctx context.Context, write func(context.Context) error, every, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	streak := 0
	var last error
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := write(ctx); err != nil {
			streak, last = 0, err
		} else if streak++; streak >= WritesAdmitted {
			return nil
		}
		select {
		case <-ctx.Done():
			if last == nil {
				last = ctx.Err()
			}
			return fmt.Errorf("writes not admitted %d times in a row within %s: last refused with %w", WritesAdmitted, limit, last)
		case <-t.C:
		}
	}
}
