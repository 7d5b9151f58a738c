package procedure

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
)

// The configuration is deleted first, then writes are proven admitted;
// both steps have figures and runbook lines an operator can type.
func TestRemoveWebhookSteps(t *testing.T) {
	removed := false
	steps := RemoveWebhook(WebhookPlan{Name: "firedrill-webhook-1",
		Remove:       func(context.Context) error { removed = true; return nil },
		Write:        func(context.Context) error { return nil },
		WriteCommand: "kubectl -n firedrill-probe create configmap x --dry-run=server"})
	if got := names(steps); !slices.Equal(got, []string{timeline.StepRemoveWebhook, timeline.StepVerifyWrites}) {
		t.Fatalf("steps %v", got)
	}
	for _, s := range steps {
		if !slices.Contains(timeline.Steps, s.Name) {
			t.Errorf("step %s is not in timeline.Steps: it would have no figure", s.Name)
		}
	}
	if c := steps[0].Actions[0].Command; c != "kubectl delete validatingwebhookconfiguration firedrill-webhook-1" {
		t.Errorf("runbook line %q", c)
	}
	for _, s := range steps {
		if err := s.Actions[0].Do(context.Background()); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
	}
	if !removed {
		t.Error("the configuration was not removed")
	}
}

// A write refused after some were admitted starts the count again; writes
// never admitted in a row fail the step with the last refusal.
func TestAdmittedInARow(t *testing.T) {
	calls := 0
	// admitted, admitted, refused (an API server that has not seen the
	// delete yet), then admitted for good.
	write := func(context.Context) error {
		calls++
		if calls == 3 {
			return errors.New(`Internal error occurred: failed calling webhook "configmaps.webhook-down.firedrill.io"`)
		}
		return nil
	}
	if err := admittedInARow(context.Background(), write, time.Millisecond, time.Second); err != nil {
		t.Fatal(err)
	}
	if calls != 3+WritesAdmitted {
		t.Errorf("%d writes, want %d: the refusal must restart the count", calls, 3+WritesAdmitted)
	}
	refused := func(context.Context) error { return errors.New("failed calling webhook") }
	err := admittedInARow(context.Background(), refused, time.Millisecond, 20*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
		t.Errorf("never admitted: %v", err)
	}
}
