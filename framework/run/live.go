package run

import (
	"fmt"
	"time"

	"github.com/firedrill/firedrill/framework/live"
	"github.com/firedrill/firedrill/framework/timeline"
	"github.com/firedrill/firedrill/framework/waitfor"
)

// A live line shows waits in place of their progress lines.
var _ waitfor.Status = (*live.Line)(nil)

// withLive is c with Out the run's output through a live.Line: on a
// terminal, unless Plain, each drill's line rewritten in place under what
// the run prints; elsewhere what the run prints, unchanged.
func (c Config) withLive() Config {
	if c.Out != nil {
		c.Out = live.ForTerminal(c.Out, c.Plain)
	}
	return c
}

// FiguresSoFar is a drill's figures so far, for its live line: the API's
// downtime as clients see it, and whether it is down now.
func FiguresSoFar(tl timeline.Timeline) string {
	if len(tl.Samples) == 0 {
		return ""
	}
	down := timeline.APIClientDown(tl)
	var total time.Duration
	for _, iv := range down {
		total += iv.Duration()
	}
	s := fmt.Sprintf("API down %s so far", total.Round(100*time.Millisecond))
	if n := len(down); n > 0 && tl.End.Sub(down[n-1].To) < time.Millisecond {
		s += " (down now)"
	}
	return s
}
