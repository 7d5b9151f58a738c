package run

import (
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
)

// The figures a drill's live line shows: the API's downtime for clients so
// far, and whether it is down at the end of what was seen.
func TestFiguresSoFar(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 8, 25, 29, 0, time.UTC)
	series := timeline.APISeries(timeline.EndpointClient, "new", "quorum")
	at := func(s float64, ok bool) timeline.Sample {
		start := t0.Add(time.Duration(s * float64(time.Second)))
		return timeline.Sample{Series: series, Start: start, End: start.Add(10 * time.Millisecond), OK: ok}
	}
	tl := timeline.Timeline{Start: t0, End: t0.Add(10 * time.Second)}
	if got := FiguresSoFar(tl); got != "" {
		t.Errorf("no sample yet: %q", got)
	}
	for s := 0.0; s < 10; s += 0.5 {
		tl.Samples = append(tl.Samples, at(s, s < 3 || s >= 5.5))
	}
	if got, want := FiguresSoFar(tl), "API down 2.5s so far"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	tl.Samples = append(tl.Samples, at(10, false))
	tl.End = t0.Add(12 * time.Second)
	if got, want := FiguresSoFar(tl), "API down 4.5s so far (down now)"; got != want {
		t.Errorf("down at the end: got %q, want %q", got, want)
	}
}
