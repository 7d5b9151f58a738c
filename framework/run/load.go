package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firedrill/firedrill/framework/record"
)

// Load is a load put on the machine beside each drill (Config.Load): the
// load suite's CPU hog (framework/load.Hog), so that a drill's verdict and
// figures are shown to hold on a busy machine.
type Load interface {
	// Start starts the load beside the drill; limit is the longest the
	// drill may still run (its deadline), which the load must outlast.
	Start(drill string, limit time.Duration) error
	// Stop ends it and says what it did, for the drill's notes; the
	// error says the drill did not run under it throughout.
	Stop() (note string, err error)
}

// startLoad starts the run's load beside a drill whose cluster is ready,
// so that the cluster's creation is not slowed and the load covers the
// drill's every phase, its steady state included (issue 26: that is
// where a busy machine stalled drills). The function it returns stops it
// once the drill has ended, before it is judged, and notes on the record
// that the drill ran under load, so nobody takes its figures for a quiet
// machine's; its error fails the drill's run (Failure). Without a load
// both do nothing.
func (r *Runner) startLoad(ctx context.Context, drill string) (stop func(*record.Drill) error, err error) {
	if r.cfg.Load == nil {
		return func(*record.Drill) error { return nil }, nil
	}
	// The drill's own deadline (Runner.drill's) bounds the load too.
	deadline, ok := ctx.Deadline()
	if !ok {
		return nil, errors.New("load beside the drill: the drill has no deadline to bound it")
	}
	if err := r.cfg.Load.Start(drill, time.Until(deadline)); err != nil {
		return nil, fmt.Errorf("load beside the drill: %w", err)
	}
	return func(res *record.Drill) error {
		note, err := r.cfg.Load.Stop()
		if note != "" {
			res.Notes = append(res.Notes, note)
		}
		if err != nil {
			return fmt.Errorf("load beside the drill: %w", err)
		}
		return nil
	}, nil
}
