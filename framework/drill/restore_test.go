package drill

import (
	"testing"
	"time"
)

// recovery.startAfter counts from the fault's start: an injection that
// took 5.4 s to prove itself leaves 4.6 s of a 10 s wait, and one that
// took longer than the wait leaves none.
func TestProcedureWaitCountsFromTheFault(t *testing.T) {
	at := time.Date(2026, 12, 6, 17, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		injected time.Duration // how long after the fault's start the injection returned
		want     time.Duration
	}{{0, 10 * time.Second}, {5400 * time.Millisecond, 4600 * time.Millisecond}, {12 * time.Second, 0}} {
		if got := procedureWait(10*time.Second, at, at.Add(tc.injected)); got != tc.want {
			t.Errorf("injection done after %s: waits %s, want %s", tc.injected, got, tc.want)
		}
	}
}
