package probe

import (
	"context"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
)

// Sampler is one request probe: Do sends request number seq and returns nil
// when it was answered correctly.
type Sampler struct {
	Series string
	Do     func(ctx context.Context, seq int64) error
	// Write, when set instead of Do, also returns the etcd revision the
	// request was acknowledged at (the RPO oracle's evidence).
	Write func(ctx context.Context, seq int64) (revision int64, err error)
}

// Samplers run probes at a steady rate. Each request runs in its own
// goroutine, stamped when it starts, so a hanging request never delays or
// hides the next one: the outage is seen at the sampling resolution, not at
// the timeout's.
type Samplers struct {
	Rec      *Recorder
	Interval time.Duration
	// Timeout bounds each request; a request not answered in time is a
	// failed sample.
	Timeout time.Duration
	List    []Sampler

	wg      sync.WaitGroup
	loopsWG sync.WaitGroup
}

// Start runs the samplers until ctx ends; Wait then waits for the requests
// still in flight.
func (s *Samplers) Start(ctx context.Context) {
	for _, sm := range s.List {
		s.loopsWG.Add(1)
		go s.loop(ctx, sm)
	}
}

// Wait blocks until the loops stopped (ctx ended) and every request in
// flight finished. In-flight requests are not cancelled by ctx: a request
// cut short by the end of the drill is not an outage.
func (s *Samplers) Wait() {
	s.loopsWG.Wait()
	s.wg.Wait()
}

func (s *Samplers) loop(ctx context.Context, sm Sampler) {
	defer s.loopsWG.Done()
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	var seq int64
	for {
		seq++
		s.wg.Add(1)
		go s.once(context.WithoutCancel(ctx), sm, seq)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Samplers) once(ctx context.Context, sm Sampler, seq int64) {
	defer s.wg.Done()
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	// Which connection carried the request: one that a load balancer
	// pinned to a dead server fails every request until it is replaced
	// (timeline.ConnectionStuck).
	var mu sync.Mutex
	conn := ""
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if i.Conn != nil {
			mu.Lock()
			conn = i.Conn.LocalAddr().String()
			mu.Unlock()
		}
	}})
	var err error
	var revision int64
	if sm.Write != nil {
		revision, err = sm.Write(ctx, seq)
	} else {
		err = sm.Do(ctx, seq)
	}
	mu.Lock()
	sample := timeline.Sample{Series: sm.Series, Start: start, End: time.Now(), OK: err == nil, Seq: seq, Conn: conn, Revision: revision}
	mu.Unlock()
	if err != nil {
		sample.Error = err.Error()
	}
	s.Rec.Sample(sample)
}
