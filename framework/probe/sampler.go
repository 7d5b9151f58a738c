package probe

import (
	"context"
	"github.com/firedrill/firedrill/framework/overhead"
	"net/http/httptrace"
	"slices"
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
	// Path, when set, is the watched path to the series' endpoint: when
	// it comes back while the series is down, the series sends a burst
	// (path.go).
	Path *Path
	// Dials says each request opens a connection of its own; such a
	// series goes quiet while its path is down (Samplers.quiet).
	Dials bool
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
	paths   []*Path
}

// Start runs the samplers, and watches the paths they travel, until ctx
// ends; Wait then waits for the requests still in flight.
func (s *Samplers) Start(ctx context.Context) {
	for _, sm := range s.List {
		if sm.Path != nil && !slices.Contains(s.paths, sm.Path) {
			s.paths = append(s.paths, sm.Path)
			sm.Path.Start(ctx)
		}
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
	for _, p := range s.paths {
		p.Wait()
	}
}

// seriesState is whether a series is down by the outage rule's evidence
// (timeline.walkDown): its latest failure was sent after its latest
// answer came back. Requests answer out of order; this order does not
// care.
type seriesState struct {
	mu               sync.Mutex
	failed, answered time.Time
}

func (st *seriesState) add(sample timeline.Sample) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if sample.OK && sample.End.After(st.answered) {
		st.answered = sample.End
	} else if !sample.OK && sample.Start.After(st.failed) {
		st.failed = sample.Start
	}
}

func (st *seriesState) down() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.failed.After(st.answered)
}

func (s *Samplers) loop(ctx context.Context, sm Sampler) {
	defer s.loopsWG.Done()
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	var seq int64
	st := &seriesState{}
	// seen is how many times the path came back that this series
	// answered with a burst (or that were before it started); up is
	// closed when it comes back once more, asked for while the series
	// is down.
	seen := 0
	if sm.Path != nil {
		seen = sm.Path.upsSoFar()
	}
	var (
		up       <-chan struct{}
		lastSent time.Time
	)
	for {
		if !s.quiet(sm, st, lastSent) {
			seq++
			s.send(ctx, sm, seq, false, st, nil)
			lastSent = time.Now()
		}
		if up == nil && sm.Path != nil && st.down() {
			up = sm.Path.upAfter(seen)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-up:
			up, seen = nil, sm.Path.upsSoFar()
			seq = s.burst(ctx, sm, seq, st)
		}
	}
}

// quiet says whether a series skips a tick: while a series that dials for
// each request is down and so is the path it travels, by the path's own
// signals, it sends only every quietEvery. The knocks watch the path every
// few milliseconds and the burst answers their first answer, so the steady
// requests add nothing to the outage's end then, and they cost the cluster: a proxy in front of
// the server (docker's userland proxy on kind, a load balancer) accepts
// each new connection and keeps dialing the server for it long after the
// client gave up (docker-proxy: the kernel's SYN retries, 127 s). After a
// 60 s drop 8,400 such dials were pending, and each that carried a TLS
// handshake cost the API server a signature when the path came back, in
// the very milliseconds the series' first answer was due (61 ms after the
// path's, against 25 ms after a 5 s drop).
func (s *Samplers) quiet(sm Sampler, st *seriesState, lastSent time.Time) bool {
	return sm.Dials && sm.Path != nil && st.down() && sm.Path.isDown() && time.Since(lastSent) < quietEvery
}

// quietEvery is a quiet series' cadence: often enough that a path watch
// that misjudged would cost at most a second.
//
// A series on one reused connection is left alone: it dials no more for
// sending, and its requests are what a real client's are. Go's HTTP/2
// client gives a connection up after enough of its requests went
// unanswered; fewer of them kept the dead one after a 5 s drop and
// delayed that series' return by 1.4 s.
const quietEvery = time.Second

// burst sends the series' requests every Path.Every while it is down, for
// at most burstFor: its first answer after the path came back ends the
// outage within a few milliseconds of the path's own edge. A server that
// takes the connections but still fails the requests gets no more than
// that; the steady interval takes over again.
//
// A series that dials for each request keeps at most burstInFlight of a
// burst's requests in flight at once; a tick that finds them all out is
// skipped. Without the cap, it opened a connection every Every until its
// first answer: at the lift every such series' TLS handshakes reached the
// API server together with what etcd and the server's own clients do
// then, and the answer that ends the outage waited behind them (a first
// answer 53-440 ms after the path's in CI, against 10-60 ms on a quiet
// machine). A series on one reused connection is not capped: its requests
// open nothing, and after a drop it is they that make Go's HTTP/2 client
// give the dead connection up (capped, the series' 2 requests hung on it
// for its 1 s deadline and its outage ended 1.4 s after the path's, at
// TCP's retransmission).
func (s *Samplers) burst(ctx context.Context, sm Sampler, seq int64, st *seriesState) int64 {
	t := time.NewTicker(sm.Path.Every)
	defer t.Stop()
	stop := time.NewTimer(burstFor)
	defer stop.Stop()
	var slots chan struct{} // nil: no cap
	if sm.Dials {
		slots = make(chan struct{}, burstInFlight)
	}
	for st.down() {
		switch {
		case slots == nil:
			seq++
			s.send(ctx, sm, seq, true, st, nil)
		default:
			select {
			case slots <- struct{}{}:
				seq++
				s.send(ctx, sm, seq, true, st, func() { <-slots })
			default:
			}
		}
		select {
		case <-ctx.Done():
			return seq
		case <-stop.C:
			return seq
		case <-t.C:
		}
	}
	return seq
}

// burstInFlight caps a burst's requests in flight: two, so that one slow
// handshake does not hold the next try back by more than Every.
const burstInFlight = 2

// send starts request seq in its own goroutine.
// done, when set, is called once the request has been answered or failed.
func (s *Samplers) send(ctx context.Context, sm Sampler, seq int64, burst bool, st *seriesState, done func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if done != nil {
			defer done()
		}
		s.once(context.WithoutCancel(ctx), sm, seq, burst, st)
	}()
}

func (s *Samplers) once(ctx context.Context, sm Sampler, seq int64, burst bool, st *seriesState) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	if burst {
		// Counted apart: the harness's request budget is for its steady
		// cadence, and a burst lasts a second at most around an edge.
		ctx = overhead.WithKind(ctx, timeline.RequestBurst)
	}
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
	sample := timeline.Sample{Series: sm.Series, Start: start, End: time.Now(), OK: err == nil, Seq: seq, Conn: conn, Revision: revision, Burst: burst}
	mu.Unlock()
	if err != nil {
		sample.Error = err.Error()
	}
	st.add(sample)
	s.Rec.Sample(sample)
	if sample.OK && sm.Path != nil {
		sm.Path.answered()
	}
}
