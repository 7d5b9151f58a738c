package drill

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
)

// Recovery means holding without a break: a failure inside the window
// (a cascade after a first all-clear) starts it again.
func TestSettledRestartsOnABreak(t *testing.T) {
	healthy := true
	check := settled(60*time.Millisecond, func(context.Context) error {
		if !healthy {
			return errors.New("lease kube-scheduler has no holder")
		}
		return nil
	})
	ctx := context.Background()
	if err := check(ctx); err == nil || !strings.Contains(err.Error(), "healthy for 0s of the 60ms settle window") {
		t.Fatalf("first healthy check: %v", err)
	}
	time.Sleep(40 * time.Millisecond)
	healthy = false
	if err := check(ctx); err == nil || !strings.Contains(err.Error(), "no holder") {
		t.Fatalf("break: %v", err)
	}
	healthy = true
	_ = check(ctx) // the window starts again here
	time.Sleep(40 * time.Millisecond)
	if err := check(ctx); err == nil {
		t.Fatal("passed 40ms after the break, within a 60ms window")
	}
	time.Sleep(30 * time.Millisecond)
	if err := check(ctx); err != nil {
		t.Fatalf("held 70ms without a break: %v", err)
	}
}

func TestWorkloadNodeIsAWorker(t *testing.T) {
	n, err := workloadNode([]cluster.Node{{Name: "c-worker2", Role: "worker"}, {Name: "c-control-plane", Role: "control-plane"}, {Name: "c-worker", Role: "worker"}})
	if err != nil || n.Name != "c-worker" {
		t.Fatalf("workloadNode = %v, %v", n, err)
	}
	if _, err := workloadNode([]cluster.Node{{Name: "c-control-plane", Role: "control-plane"}}); err == nil {
		t.Fatal("no worker accepted")
	}
}
