package waitfor

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUntilSucceedsAndReportsProgress(t *testing.T) {
	var out bytes.Buffer
	calls := 0
	err := Until(context.Background(), Input{
		What: "thing", Timeout: 2 * time.Second, Poll: 10 * time.Millisecond, Every: 20 * time.Millisecond,
		Limit: "budget x <= 1s", Out: &out,
		Check: func(context.Context) error {
			calls++
			if calls < 6 {
				return errors.New("not yet ready")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatalf("Until: %v", err)
	}
	if !strings.Contains(out.String(), "waiting for thing:") || !strings.Contains(out.String(), "(budget x <= 1s); not yet: not yet ready") {
		t.Errorf("no progress line in %q", out.String())
	}
	if !strings.Contains(out.String(), "thing: ok after") {
		t.Errorf("no success line in %q", out.String())
	}
}

func TestUntilTimesOutWithLastReason(t *testing.T) {
	err := Until(context.Background(), Input{
		What: "node x Ready", Timeout: 50 * time.Millisecond, Poll: 10 * time.Millisecond,
		Check: func(context.Context) error { return errors.New("node x NotReady: KubeletNotReady") },
	})
	if err == nil || !strings.Contains(err.Error(), "node x Ready did not hold within 50ms: node x NotReady: KubeletNotReady") {
		t.Fatalf("err = %v", err)
	}
}

func TestUntilStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	err := Until(ctx, Input{What: "never", Timeout: 10 * time.Second, Poll: 5 * time.Millisecond,
		Check: func(context.Context) error { return errors.New("no") }})
	if err == nil || !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
}

func TestUntilCountsTimeoutFromSince(t *testing.T) {
	start := time.Now()
	err := Until(context.Background(), Input{
		What: "late", Timeout: 1 * time.Second, Poll: 10 * time.Millisecond, Since: start.Add(-950 * time.Millisecond),
		Check: func(context.Context) error { return errors.New("no") },
	})
	if err == nil || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("err = %v after %s; want a timeout within the 50ms left", err, time.Since(start))
	}
}
