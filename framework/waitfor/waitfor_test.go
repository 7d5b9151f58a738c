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

// statusOut is an Out that shows waits in place (a terminal's live line),
// or declines to (plain), and records what it was told.
type statusOut struct {
	bytes.Buffer
	live   bool
	states []string
}

func (s *statusOut) Waiting(what, state string) bool {
	s.states = append(s.states, what+": "+state)
	return s.live
}

// On a live line the wait shows at every check in place of progress
// lines, and is cleared when it ends; an Out that declines gets the
// progress lines.
func TestUntilShowsTheWaitOnAStatusLine(t *testing.T) {
	for _, live := range []bool{true, false} {
		out := &statusOut{live: live}
		calls := 0
		err := Until(context.Background(), Input{What: "recovery", Timeout: 2 * time.Second, Poll: 10 * time.Millisecond, Every: 20 * time.Millisecond,
			Out: out, Check: func(context.Context) error {
				if calls++; calls < 6 {
					return errors.New("node a NotReady")
				}
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.states) != 6 || !strings.HasSuffix(out.states[0], "; not yet: node a NotReady") || out.states[5] != "recovery: " {
			t.Errorf("live %v: told %q", live, out.states)
		}
		if progress := strings.Contains(out.String(), "waiting for recovery:"); progress == live {
			t.Errorf("live %v: output %q", live, out.String())
		}
		if !strings.Contains(out.String(), "recovery: ok after") {
			t.Errorf("live %v: no success line in %q", live, out.String())
		}
	}
}
