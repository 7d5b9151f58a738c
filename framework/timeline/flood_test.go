package timeline

import (
	"testing"
	"time"
)

// The flood's figures are its own counts; the share of 429s is of every
// request it counted.
func TestFloodFigures(t *testing.T) {
	at := time.Unix(1000, 0)
	figs := Derive(Timeline{Flood: &Flood{Start: at, End: at.Add(time.Minute), User: "system:serviceaccount:firedrill-flood:flood", Workers: 32,
		Requests: 400, OK: 300, Rejected: 90, Errors: 10, LatencyP50: 0.2, LatencyP99: 1.5}})
	want := map[string]float64{FloodRequests: 400, FloodRejected: 90, FloodRejectedShare: 22.5, FloodErrors: 10, FloodLatencyP99: 1.5}
	seen := 0
	for _, f := range figs {
		w, ok := want[f.Name]
		if !ok {
			continue
		}
		seen++
		if !f.Measured || f.Value != w {
			t.Errorf("%s: %v (measured %v, %s), want %v", f.Name, f.Value, f.Measured, f.Note, w)
		}
	}
	if seen != len(want) {
		t.Errorf("%d flood figures, want %d", seen, len(want))
	}
	// A flood that sent nothing has no share and no latency, and says so.
	for _, f := range Derive(Timeline{Flood: &Flood{Start: at, End: at.Add(time.Minute), Error: "token refused"}}) {
		if (f.Name == FloodRejectedShare || f.Name == FloodLatencyP99) && f.Measured {
			t.Errorf("%s measured without a request: %+v", f.Name, f)
		}
		if f.Name == FloodRequests && (!f.Measured || f.Value != 0) {
			t.Errorf("%s: %+v, want 0", f.Name, f)
		}
	}
}
