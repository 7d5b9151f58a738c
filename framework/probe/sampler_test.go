package probe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
)

// waitTimeout bounds every wait on an event the test expects; it only fires
// when the behaviour under test is broken, so it can be generous.
const waitTimeout = 15 * time.Second

// seqSampler is a Sampler that GETs url?seq=N, so the server can tell which
// sample (Sample.Seq) each request belongs to.
func seqSampler(series, url string, client *http.Client) Sampler {
	return Sampler{
		Series: series,
		Do: func(ctx context.Context, seq int64) error {
			return get(ctx, client, url+"?seq="+strconv.FormatInt(seq, 10))
		},
	}
}

func requestSeq(t *testing.T, r *http.Request) int64 {
	seq, err := strconv.ParseInt(r.URL.Query().Get("seq"), 10, 64)
	if err != nil {
		t.Errorf("request %s without seq: %v", r.URL, err)
	}
	return seq
}

// waitChan fails the test when ch is not closed (or sent on) in time.
func waitChan[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// stopAndWait cancels the samplers' context and waits for them, failing the
// test if Wait does not return.
func stopAndWait(t *testing.T, s *Samplers, cancel context.CancelFunc) {
	t.Helper()
	cancel()
	done := make(chan struct{})
	go func() { s.Wait(); close(done) }()
	waitChan(t, done, "Samplers.Wait")
}

// startOnce starts list with one sample per series (the interval outlasts
// the test) and a cancel for stopAndWait.
func startOnce(list []Sampler, timeout time.Duration) (*Samplers, context.CancelFunc) {
	s := &Samplers{Rec: NewRecorder(time.Now()), Interval: time.Hour, Timeout: timeout, List: list}
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx)
	return s, cancel
}

// startsOf returns the samples of series sorted by Seq and checks the Seqs
// are 1..n with no gap or duplicate.
func startsOf(t *testing.T, samples []timeline.Sample, series string) []timeline.Sample {
	t.Helper()
	var out []timeline.Sample
	for _, s := range samples {
		if s.Series == series {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b timeline.Sample) int { return int(a.Seq - b.Seq) })
	for i, s := range out {
		if s.Seq != int64(i+1) {
			t.Fatalf("series %s: sample %d has Seq %d, want %d (seqs must be 1..n)", series, i, s.Seq, i+1)
		}
	}
	return out
}

// maxStartGap is the largest gap between the Starts of consecutive samples.
func maxStartGap(samples []timeline.Sample) time.Duration {
	var gap time.Duration
	for i := 1; i < len(samples); i++ {
		gap = max(gap, samples[i].Start.Sub(samples[i-1].Start))
	}
	return gap
}

// TestSamplersStartStamps checks Sample.Start is stamped when the request was
// sent: every sample's Start <= the moment the server got its request <= its
// End, Starts follow the Seq order, and consecutive Starts are about Interval
// apart (the ticker's cadence).
func TestSamplersStartStamps(t *testing.T) {
	const (
		interval = 40 * time.Millisecond
		want     = 12 // samples to collect
	)
	var (
		mu       sync.Mutex
		received = map[int64]time.Time{}
		enough   = make(chan struct{})
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		seq := requestSeq(t, r)
		mu.Lock()
		defer mu.Unlock()
		if _, dup := received[seq]; dup {
			t.Errorf("seq %d requested twice", seq)
		}
		received[seq] = now
		if len(received) == want {
			close(enough)
		}
	}))
	defer srv.Close()

	s := &Samplers{
		Rec:      NewRecorder(time.Now()),
		Interval: interval,
		Timeout:  5 * time.Second,
		List:     []Sampler{seqSampler("s", srv.URL, srv.Client())},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	waitChan(t, enough, "requests")
	stopAndWait(t, s, cancel)
	samples := startsOf(t, s.Rec.Close(time.Now()).Samples, "s")

	mu.Lock()
	defer mu.Unlock()
	if len(samples) != len(received) {
		t.Fatalf("%d samples recorded, server got %d requests", len(samples), len(received))
	}
	if len(samples) < want {
		t.Fatalf("%d samples, want >= %d", len(samples), want)
	}
	for _, sm := range samples {
		if !sm.OK || sm.Error != "" {
			t.Errorf("seq %d: OK=%v Error=%q, want a good sample", sm.Seq, sm.OK, sm.Error)
		}
		got, ok := received[sm.Seq]
		if !ok {
			t.Errorf("seq %d recorded but never reached the server", sm.Seq)
			continue
		}
		// Start is stamped before the request goes out and End after the
		// answer came back, so the server's receipt lies in between.
		if got.Before(sm.Start) || sm.End.Before(got) {
			t.Errorf("seq %d: server got it at %v, outside [Start %v, End %v]", sm.Seq, got, sm.Start, sm.End)
		}
	}
	for i := 1; i < len(samples); i++ {
		if !samples[i].Start.After(samples[i-1].Start) {
			t.Errorf("seq %d starts at %v, not after seq %d at %v", samples[i].Seq, samples[i].Start, samples[i-1].Seq, samples[i-1].Start)
		}
	}
	// The ticker keeps its schedule even when a tick is late, so the mean
	// gap stays close to Interval; a dropped tick (loaded machine) only
	// raises it, hence the loose upper bound. A loop that waited for each
	// answer before the next tick, or fired more than once per tick, would
	// fall outside.
	mean := samples[len(samples)-1].Start.Sub(samples[0].Start) / time.Duration(len(samples)-1)
	if mean < interval*3/4 || mean > interval*2 {
		t.Errorf("mean gap between starts %v, want about Interval %v", mean, interval)
	}
}

// TestSamplersDeadline checks a request that hangs past Timeout is a failed
// sample ending at about Timeout, not when the server gives up.
func TestSamplersDeadline(t *testing.T) {
	const (
		timeout = 200 * time.Millisecond
		// slack past the deadline for a loaded machine; small enough that
		// a deadline several times Timeout fails.
		slack = 800 * time.Millisecond
	)
	release := make(chan struct{}) // the hang: until the test ends
	received := make(chan struct{}, 16)
	srv := newTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		received <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done(): // client gave up
		}
	})
	defer srv.srv.Close()
	defer close(release) // before srv.Close, which waits for handlers

	// The real API samplers: their deadline is the Samplers' Timeout.
	list, err := APISamplers("ep", srv.restConfig(), timeout, ConnNew, ConnReused)
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	s, cancel := startOnce(list, timeout)
	defer cancel()
	for range list {
		waitChan(t, received, "the hung requests")
	}
	// Cancelling does not cut the in-flight requests short; they end by
	// their deadline.
	stopAndWait(t, s, cancel)
	waited := time.Since(begin)
	samples := s.Rec.Close(time.Now()).Samples
	if len(samples) != len(list) {
		t.Fatalf("%d samples, want one per series (%d)", len(samples), len(list))
	}
	for _, sm := range samples {
		d := sm.End.Sub(sm.Start)
		if sm.OK || sm.Error == "" {
			t.Errorf("%s: OK=%v Error=%q, want a failed sample with an error", sm.Series, sm.OK, sm.Error)
		}
		if !strings.Contains(sm.Error, "deadline exceeded") {
			t.Errorf("%s: Error %q, want a deadline error", sm.Series, sm.Error)
		}
		// The hang lasts until the test ends; the sample must end at its
		// deadline.
		if d < timeout || d > timeout+slack {
			t.Errorf("%s: End-Start = %v, want about Timeout %v", sm.Series, d, timeout)
		}
	}
	if waited > timeout+2*slack {
		t.Errorf("Wait returned after %v, want about Timeout %v", waited, timeout)
	}
}

// TestSamplersHungRequestKeepsCadence checks a request that hangs for many
// Intervals neither delays nor hides the samples after it: they start on
// schedule and are answered while the first one still hangs.
func TestSamplersHungRequestKeepsCadence(t *testing.T) {
	const (
		interval = 20 * time.Millisecond
		hang     = 800 * time.Millisecond
	)
	release := make(chan struct{})
	hungDone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requestSeq(t, r) != 1 {
			return
		}
		// Only the first request hangs.
		defer close(hungDone)
		select {
		case <-time.After(hang):
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	s := &Samplers{
		Rec:      NewRecorder(time.Now()),
		Interval: interval,
		Timeout:  10 * time.Second, // the hang is not cut by the deadline
		List:     []Sampler{seqSampler("s", srv.URL, srv.Client())},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	waitChan(t, hungDone, "the hung request")
	stopAndWait(t, s, cancel)
	samples := startsOf(t, s.Rec.Close(time.Now()).Samples, "s")

	first := samples[0]
	if !first.OK || first.End.Sub(first.Start) < hang {
		t.Fatalf("first sample OK=%v lasted %v, want OK and >= the hang %v", first.OK, first.End.Sub(first.Start), hang)
	}
	var during, answered int
	for _, sm := range samples[1:] {
		if sm.Start.Before(first.End) {
			during++
			if sm.OK && sm.End.Before(first.End) {
				answered++
			}
		}
	}
	// About hang/Interval = 40 samples start while the first one hangs;
	// accept a third of that for a loaded machine. A sampler that waited
	// for each answer would start none.
	if wantMin := int(hang / interval / 3); during < wantMin {
		t.Errorf("%d samples started during the %v hang, want >= %d (about %d)", during, hang, wantMin, hang/interval)
	}
	if answered < during/2 || answered == 0 {
		t.Errorf("%d of the %d samples started during the hang were answered before it ended", answered, during)
	}
	// No hole in the cadence: the largest gap between starts is a small
	// fraction of the hang.
	if gap := maxStartGap(samples); gap > hang/3 {
		t.Errorf("largest gap between starts %v, want well below the hang %v", gap, hang)
	}
}

// TestSamplersWaitWaitsForInFlight checks Wait returns once ctx is cancelled,
// but only after the request in flight finished, and that this request is
// recorded as a good sample (the end of the drill is not an outage).
func TestSamplersWaitWaitsForInFlight(t *testing.T) {
	release, releaseAll := releaser()
	received := make(chan struct{})
	var (
		mu    sync.Mutex
		count int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		count++
		mu.Unlock()
		if requestSeq(t, r) == 1 {
			close(received)
		}
		<-release
	}))
	defer srv.Close()
	defer releaseAll() // before srv.Close, which waits for handlers

	s := &Samplers{
		Rec:      NewRecorder(time.Now()),
		Interval: time.Hour, // one sample
		Timeout:  10 * time.Second,
		List:     []Sampler{seqSampler("s", srv.URL, srv.Client())},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	waitChan(t, received, "the request")
	cancel()

	waited := make(chan struct{})
	go func() { s.Wait(); close(waited) }()
	// Wait must not return while the request hangs. A correct Wait never
	// returns here, so this short check cannot fail spuriously.
	select {
	case <-waited:
		t.Fatal("Wait returned while a request was in flight")
	case <-time.After(150 * time.Millisecond):
	}
	released := time.Now()
	releaseAll()
	waitChan(t, waited, "Wait after the request finished")

	samples := s.Rec.Close(time.Now()).Samples
	if len(samples) != 1 {
		t.Fatalf("%d samples, want the one in flight", len(samples))
	}
	sm := samples[0]
	if sm.Seq != 1 || !sm.OK || sm.Error != "" {
		t.Errorf("sample Seq=%d OK=%v Error=%q, want Seq 1, OK: cancelling ctx must not fail it", sm.Seq, sm.OK, sm.Error)
	}
	if sm.End.Before(released) {
		t.Errorf("sample ended at %v, before the server answered at %v", sm.End, released)
	}
	mu.Lock()
	defer mu.Unlock()
	if count != 1 {
		t.Errorf("server got %d requests, want 1", count)
	}
}

// TestSamplersSeriesIndependent checks each Sampler of the list runs its own
// loop: every series gets samples numbered from 1, and a series whose
// requests all hang does not hold the others back.
func TestSamplersSeriesIndependent(t *testing.T) {
	const interval = 20 * time.Millisecond
	release, releaseAll := releaser()
	defer releaseAll()
	var (
		mu      sync.Mutex
		fastGot int
		slowGot int
		enough  = make(chan struct{})
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.URL.Path == "/slow" {
			slowGot++
			mu.Unlock()
			<-release
			return
		}
		fastGot++
		if fastGot == 10 {
			close(enough)
		}
		mu.Unlock()
	}))
	defer srv.Close()
	defer releaseAll() // before srv.Close, which waits for handlers

	s := &Samplers{
		Rec:      NewRecorder(time.Now()),
		Interval: interval,
		Timeout:  10 * time.Second,
		List: []Sampler{
			seqSampler("slow", srv.URL+"/slow", srv.Client()),
			seqSampler("fast", srv.URL+"/fast", srv.Client()),
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	waitChan(t, enough, "the fast series")
	cancel()
	releaseAll() // let the hung slow requests finish so Wait can return
	stopAndWait(t, s, cancel)

	tl := s.Rec.Close(time.Now())
	fast := startsOf(t, tl.Samples, "fast")
	slow := startsOf(t, tl.Samples, "slow")
	if len(fast) < 10 {
		t.Errorf("%d fast samples, want >= 10", len(fast))
	}
	for _, sm := range fast {
		if !sm.OK {
			t.Errorf("fast seq %d failed: %s", sm.Seq, sm.Error)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// The slow series kept starting samples on its own ticker while every
	// one of them hung: about as many as the fast one.
	if len(slow) != slowGot {
		t.Errorf("%d slow samples recorded, server got %d slow requests", len(slow), slowGot)
	}
	if len(slow) < len(fast)/3 {
		t.Errorf("%d slow samples against %d fast ones, want the slow series to keep its cadence", len(slow), len(fast))
	}
}

// releaser returns a channel hung handlers wait on and an idempotent func
// closing it. Tests defer it before srv.Close, which waits for handlers.
func releaser() (<-chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	return ch, func() { once.Do(func() { close(ch) }) }
}

// TestSamplersBurstCapsInFlight: a burst against a server that takes its
// requests but does not answer them keeps at most burstInFlight of them
// out, and sends the next one within a tick of one coming back. Uncapped,
// a second of hanging requests at a 10 ms tick was a hundred connections.
func TestSamplersBurstCapsInFlight(t *testing.T) {
	const every = 10 * time.Millisecond
	var (
		mu            sync.Mutex
		inFlight, top int
		sent          []time.Time
	)
	answer := make(chan struct{})
	sm := Sampler{Series: "api/client/new/x", Path: &Path{Every: every}, Dials: true, Do: func(ctx context.Context, seq int64) error {
		mu.Lock()
		inFlight++
		top = max(top, inFlight)
		sent = append(sent, time.Now())
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		select {
		case <-answer:
		case <-ctx.Done():
		}
		return errors.New("no answer")
	}}
	s := &Samplers{Rec: NewRecorder(time.Now()), Interval: time.Hour, Timeout: time.Minute, List: []Sampler{sm}}
	st := &seriesState{}
	st.add(timeline.Sample{Start: time.Now(), OK: false})

	done := make(chan struct{})
	go func() { defer close(done); s.burst(context.Background(), sm, 0, st) }()
	time.Sleep(20 * every)
	mu.Lock()
	held := len(sent)
	mu.Unlock()
	// Let one request fail: its slot frees and the next tick uses it.
	answer <- struct{}{}
	freed := time.Now()
	for deadline := time.Now().Add(time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		more := len(sent) > held
		mu.Unlock()
		if more {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request sent in the second after a slot freed (%d sent before)", held)
		}
	}
	mu.Lock()
	next := sent[held]
	mu.Unlock()
	close(answer)
	<-done
	s.Wait()

	if top > burstInFlight {
		t.Errorf("%d requests in flight at once, want at most %d", top, burstInFlight)
	}
	if held != burstInFlight {
		t.Errorf("%d requests sent while %d hung for %v, want exactly %d", held, burstInFlight, 20*every, burstInFlight)
	}
	// Within a tick or so; a busy test machine may hold the goroutines
	// a while, and without the freed slot no request would come at all.
	if d := next.Sub(freed); d > 20*every {
		t.Errorf("next request sent %v after a slot freed, want within a tick or so (%v)", d, every)
	}
}

// TestSamplersQuietWhilePathDown: a series that dials for each request
// and is down sends only every quietEvery while its path is down by the
// path's own signals, and at its full cadence when the path is up (the
// server failing requests, say); a series on a reused connection keeps its
// cadence.
func TestSamplersQuietWhilePathDown(t *testing.T) {
	const (
		interval = 10 * time.Millisecond
		run      = 400 * time.Millisecond
	)
	sends := func(pathDown, dials bool) int {
		path := &Path{Every: interval}
		if pathDown {
			path.setDown()
		}
		var n atomic.Int64
		sm := Sampler{Series: "api/client/x", Path: path, Dials: dials, Do: func(ctx context.Context, seq int64) error {
			n.Add(1)
			return errors.New("refused")
		}}
		s := &Samplers{Rec: NewRecorder(time.Now()), Interval: interval, Timeout: time.Second, List: []Sampler{sm}}
		ctx, cancel := context.WithTimeout(context.Background(), run)
		defer cancel()
		s.loopsWG.Add(1)
		go s.loop(ctx, sm)
		<-ctx.Done()
		s.Wait()
		return int(n.Load())
	}
	// The first request is sent before the series knows it is down, and a
	// loaded machine may need a tick or two more to learn it.
	if got := sends(true, true); got > 3 {
		t.Errorf("path down: %d requests in %v, want at most 3 (one per %v once the series is down)", got, run, quietEvery)
	}
	want := int(run / interval / 3)
	if got := sends(false, true); got < want {
		t.Errorf("path up: %d requests in %v, want at least %d (the %v cadence)", got, run, want, interval)
	}
	if got := sends(true, false); got < want {
		t.Errorf("path down, reused connection: %d requests in %v, want at least %d (the %v cadence)", got, run, want, interval)
	}
}
