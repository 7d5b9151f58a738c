package probe

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/timeline"
)

// Shapes of a cutProxy's cut, as the packet filter's (isolate-api,
// blackhole-api).
const (
	cutDrop  = "drop"
	cutReset = "reset"
)

// cutProxy stands for the path between the harness and an API server:
// docker's port proxy in front of a node whose packet filter cuts the API
// port. It forwards TCP to target until cut:
//   - drop: connections made during the cut are accepted and never
//     forwarded (docker's proxy accepts, its SYN to the node is dropped,
//     and the retransmission comes after the client gave up); bytes sent
//     on connections open across the cut are held and delivered when it
//     ends (a retransmission right at the end, the kindest TCP can be).
//   - reset: every connection open is closed with a reset, and new ones
//     are accepted and reset at once.
//
// Answers from the server always flow: the node's rule cuts its input
// only.
type cutProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	shape string // "": forwarding
	pairs map[*proxyPair]struct{}
	held  []net.Conn
}

type proxyPair struct {
	client, server net.Conn
	pending        []byte // held during a drop
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, pairs: map[*proxyPair]struct{}{}}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

// reset closes c with a TCP reset.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

func (p *cutProxy) serve(c net.Conn) {
	p.mu.Lock()
	switch p.shape {
	case cutReset:
		p.mu.Unlock()
		reset(c)
		return
	case cutDrop:
		p.held = append(p.held, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(c)
		return
	}
	pair := &proxyPair{client: c, server: s}
	p.mu.Lock()
	if p.shape == cutReset { // cut while dialing
		p.mu.Unlock()
		reset(c)
		_ = s.Close()
		return
	}
	p.pairs[pair] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pairs, pair)
		p.mu.Unlock()
		_ = s.Close()
	}()
	go func() {
		_, _ = io.Copy(c, s)
		_ = c.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if p.shape == cutDrop {
				pair.pending = append(pair.pending, buf[:n]...)
				n = 0
			}
			p.mu.Unlock()
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// cut switches the proxy to shape ("": forwarding again) and returns when
// it took effect.
func (p *cutProxy) cut(shape string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shape = shape
	for pair := range p.pairs {
		switch shape {
		case cutReset:
			reset(pair.client)
			_ = pair.server.Close()
		case "":
			_, _ = pair.server.Write(pair.pending)
			pair.pending = nil
		}
	}
	return time.Now()
}

func (p *cutProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.held {
		_ = c.Close()
	}
	for pair := range p.pairs {
		_ = pair.client.Close()
		_ = pair.server.Close()
	}
}

// edgeRun is one cut of the API path under the probes, as a calibration
// drill makes it, at a 100 ms interval.
type edgeRun struct {
	tl            timeline.Timeline
	cutAt, liftAt time.Time
}

const (
	edgeInterval = 100 * time.Millisecond
	edgeEvery    = 10 * time.Millisecond
	edgeTimeout  = time.Second
	// edgeCut outlasts the probes' timeout, so the series know they are
	// down (a dropped request fails at its deadline) before it ends.
	edgeCut = 2 * time.Second
)

// behindCutProxy starts a TLS API server stand-in and a cutProxy in
// front of it, and returns a config that reaches the server through it.
func behindCutProxy(t *testing.T) (*rest.Config, *cutProxy) {
	t.Helper()
	srv := newTLSServer(t, nil)
	t.Cleanup(srv.srv.Close)
	proxy := newCutProxy(t, strings.TrimPrefix(srv.srv.URL, "https://"))
	cfg := srv.restConfig()
	cfg.Host = "https://" + proxy.addr()
	return cfg, proxy
}

// runCut samples an API server through a cutProxy and cuts the path in
// shape for edgeCut, both edges half an interval after a sample was sent
// (the worst case for the series' own samples); every 0 leaves the edges
// off.
func runCut(t *testing.T, shape string, every time.Duration) edgeRun {
	cfg, proxy := behindCutProxy(t)
	rec := NewRecorder(time.Now())
	list, err := APISamplers(timeline.EndpointClient, cfg, edgeTimeout, ConnNew, ConnReused)
	if every > 0 {
		var path *Path
		if path, err = NewPath(timeline.EndpointClient, cfg, every, edgeTimeout, rec); err == nil {
			list, err = PathSamplers(path, cfg, edgeTimeout, ConnNew, ConnReused)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	s := &Samplers{Rec: rec, Interval: edgeInterval, Timeout: edgeTimeout, List: list}
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx)
	defer stopAndWait(t, s, cancel)

	series := list[0].Series
	first := waitFor(t, rec, "three answers of every series", func(tl timeline.Timeline) bool {
		for _, sm := range list {
			if countSamples(tl, sm.Series, func(s timeline.Sample) bool { return s.OK }) < 3 {
				return false
			}
		}
		return true
	})
	// The series' samples go out at first + k*interval.
	phase := firstStart(first, series)
	midway := func(after time.Time) time.Time {
		k := after.Sub(phase)/edgeInterval + 1
		return phase.Add(k*edgeInterval + edgeInterval/2)
	}
	time.Sleep(time.Until(midway(time.Now())))
	run := edgeRun{cutAt: proxy.cut(shape)}
	time.Sleep(time.Until(midway(run.cutAt.Add(edgeCut))))
	run.liftAt = proxy.cut("")
	waitFor(t, rec, "every series answered after the cut, and the path's up edge", func(tl timeline.Timeline) bool {
		for _, sm := range list {
			if countSamples(tl, sm.Series, func(s timeline.Sample) bool { return s.OK && s.Start.After(run.liftAt) }) == 0 {
				return false
			}
		}
		return every == 0 || slices.ContainsFunc(tl.Edges, func(e timeline.Edge) bool { return e.Kind == timeline.EdgeUp })
	})
	stopAndWait(t, s, cancel)
	run.tl = rec.Close(time.Now())
	return run
}

// waitFor polls the recorder until ok holds, and returns what it saw.
func waitFor(t *testing.T, rec *Recorder, what string, ok func(timeline.Timeline) bool) timeline.Timeline {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		tl := rec.Snapshot(time.Now())
		if ok(tl) {
			return tl
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func countSamples(tl timeline.Timeline, series string, match func(timeline.Sample) bool) int {
	n := 0
	for _, s := range tl.Samples {
		if s.Series == series && match(s) {
			n++
		}
	}
	return n
}

func firstStart(tl timeline.Timeline, series string) time.Time {
	var first time.Time
	for _, s := range tl.Samples {
		if s.Series == series && (first.IsZero() || s.Start.Before(first)) {
			first = s.Start
		}
	}
	return first
}

// edgeErrors are, for each client series, how far its one outage across
// the cut starts from the cut and ends from its lift.
func (r edgeRun) edgeErrors(t errorer) map[string][2]time.Duration {
	t.Helper()
	out := map[string][2]time.Duration{}
	for _, series := range apiClientSeries(r.tl) {
		var across []timeline.Interval
		for _, iv := range timeline.SeriesDown(r.tl, series) {
			if iv.From.Before(r.liftAt) && iv.To.After(r.cutAt) {
				across = append(across, iv)
			}
		}
		if len(across) != 1 {
			t.Errorf("%s: %d outages across the cut %s, want 1", series, len(across), r.describe(across))
			continue
		}
		out[series] = [2]time.Duration{across[0].From.Sub(r.cutAt).Abs(), across[0].To.Sub(r.liftAt).Abs()}
	}
	return out
}

func apiClientSeries(tl timeline.Timeline) []string {
	var out []string
	for _, s := range tl.Samples {
		if strings.HasPrefix(s.Series, timeline.SeriesAPIPrefix+timeline.EndpointClient+"/") && !slices.Contains(out, s.Series) {
			out = append(out, s.Series)
		}
	}
	slices.Sort(out)
	return out
}

func (r edgeRun) describe(ivs []timeline.Interval) string {
	var parts []string
	for _, iv := range ivs {
		parts = append(parts, fmt.Sprintf("[%+.3fs, %+.3fs)", iv.From.Sub(r.cutAt).Seconds(), iv.To.Sub(r.liftAt).Seconds()))
	}
	return "(from the cut, from the lift: " + strings.Join(parts, " ") + ")"
}

// maxEdgeError is what the issue asks of every outage edge at a 100 ms
// interval: the path's edges bracket the cut's this closely, and an
// outage's start is moved inside that bracket.
const maxEdgeError = 20 * time.Millisecond

// A cut of the API path, dropped or reset, half an interval after a
// sample: the path's edges hold the cut's within 20 ms, each series'
// outage starts within 20 ms of the cut, and each series sends a request
// within 20 ms of the path's coming back whose answer ends its outage
// (where its own samples alone are 50 ms late at each edge). How long
// that answer takes is a new connection's handshakes on a machine the
// test shares with other packages (5-45 ms seen): the calibration drills
// bound the whole on a real cluster.
func TestEdgesWithin20ms(t *testing.T) {
	for _, shape := range []string{cutDrop, cutReset} {
		t.Run(shape, func(t *testing.T) {
			// A busy machine (go test runs other packages beside this
			// one on 2 cores) can hold any one cut's knock or burst past
			// 20 ms; the mechanism must show it within 20 ms in one of
			// edgeAttempts cuts. Without it no cut comes near (the
			// premise below: about half an interval late).
			var attempts []*failures
			for range edgeAttempts {
				f := &failures{}
				checkEdgeRun(f, runCut(t, shape, edgeEvery))
				if len(f.msgs) == 0 {
					t.Logf("within %s at attempt %d", maxEdgeError, len(attempts)+1)
					return
				}
				attempts = append(attempts, f)
			}
			for i, f := range attempts {
				t.Errorf("attempt %d of %d:\n%s", i+1, edgeAttempts, strings.Join(f.msgs, "\n"))
			}
		})
	}
	// The premise: without the edges' watch, the same cut is seen about
	// half an interval late at each edge.
	t.Run("drop, edges off", func(t *testing.T) {
		r := runCut(t, cutDrop, 0)
		worst := time.Duration(0)
		for _, e := range r.edgeErrors(t) {
			worst = max(worst, e[0], e[1])
		}
		if worst <= maxEdgeError {
			t.Errorf("without edges every outage edge was within %s of the cut's; the test cannot tell the edges' work", worst)
		}
		if len(r.tl.Edges) > 0 || slices.ContainsFunc(r.tl.Samples, func(s timeline.Sample) bool { return s.Burst }) {
			t.Errorf("edges off recorded %d edges or burst samples", len(r.tl.Edges))
		}
	})
}

// checkPathEdges: the path's own edges bracket the cut's, each to within
// 20 ms.
func (r edgeRun) checkPathEdges(t errorer) {
	t.Helper()
	const slack = time.Millisecond // the cut is stamped just after it took
	for _, want := range []struct {
		kind timeline.EdgeKind
		at   time.Time
	}{{timeline.EdgeDown, r.cutAt}, {timeline.EdgeUp, r.liftAt}} {
		// The nearest: a loaded machine may stall a ping past its
		// timeout elsewhere, an edge the series' brackets absorb.
		var found []timeline.Edge
		for _, e := range r.tl.Edges {
			if e.Kind == want.kind {
				found = append(found, e)
			}
		}
		if len(found) == 0 {
			t.Errorf("no %s edge recorded: %+v", want.kind, r.tl.Edges)
			continue
		}
		e := slices.MinFunc(found, func(a, b timeline.Edge) int {
			return cmp.Compare(a.Before.Sub(want.at).Abs(), b.Before.Sub(want.at).Abs())
		})
		if e.After.After(want.at) || e.Before.Before(want.at.Add(-slack)) || e.Width() > maxEdgeError {
			t.Errorf("%s edge (%+.4fs, %+.4fs] from the cut's edge, want it to hold it within %s",
				want.kind, e.After.Sub(want.at).Seconds(), e.Before.Sub(want.at).Seconds(), maxEdgeError)
		}
	}
}

// checkBursts: each series bursts once the path is back, marked, and for
// at most a second.
func (r edgeRun) checkBursts(t errorer) {
	t.Helper()
	for _, series := range apiClientSeries(r.tl) {
		var burst []timeline.Sample
		for _, s := range r.tl.Samples {
			if s.Series == series && s.Burst {
				burst = append(burst, s)
			}
		}
		if len(burst) == 0 {
			// A reused connection needs none when its requests were
			// held by a drop, answered at the lift; a new connection's
			// series has no request in flight to answer.
			if strings.Contains(series, "/"+ConnNew+"/") {
				t.Errorf("%s: no burst after the cut%s", series, r.aroundLift(series))
			}
			continue
		}
		for _, s := range burst {
			if s.Start.Before(r.liftAt) || s.Start.After(r.liftAt.Add(burstFor+edgeInterval)) {
				t.Errorf("%s: burst sample sent %+.3fs from the lift, want within the second after it", series, s.Start.Sub(r.liftAt).Seconds())
			}
		}
		if limit := int(burstFor/edgeEvery) + 1; len(burst) > limit {
			t.Errorf("%s: %d burst samples, want at most %d", series, len(burst), limit)
		}
	}
}

// aroundLift says, for a failure's message, the path's edges and the
// series' samples near the lift, from the lift.
func (r edgeRun) aroundLift(series string) string {
	var b strings.Builder
	for _, e := range r.tl.Edges {
		fmt.Fprintf(&b, "\n  edge %s (%+.4fs, %+.4fs]", e.Kind, e.After.Sub(r.liftAt).Seconds(), e.Before.Sub(r.liftAt).Seconds())
	}
	for _, s := range r.tl.Samples {
		if s.Series == series && s.End.After(r.liftAt.Add(-edgeInterval)) && s.Start.Before(r.liftAt.Add(edgeInterval)) {
			fmt.Fprintf(&b, "\n  seq %d [%+.4fs, %+.4fs] ok %v burst %v %s", s.Seq, s.Start.Sub(r.liftAt).Seconds(), s.End.Sub(r.liftAt).Seconds(), s.OK, s.Burst, s.Error)
		}
	}
	return b.String()
}

// pathUp is the path's up edge nearest the lift.
func (r edgeRun) pathUp() (timeline.Edge, bool) {
	var found []timeline.Edge
	for _, e := range r.tl.Edges {
		if e.Kind == timeline.EdgeUp {
			found = append(found, e)
		}
	}
	if len(found) == 0 {
		return timeline.Edge{}, false
	}
	return slices.MinFunc(found, func(a, b timeline.Edge) int {
		return cmp.Compare(a.Before.Sub(r.liftAt).Abs(), b.Before.Sub(r.liftAt).Abs())
	}), true
}

// checkPromptAnswer: the series' outage ends at the answer of a request
// sent within 20 ms of the path's up edge (a burst), or was over by then
// (a drop holds a reused connection's requests, answered at the lift).
func (r edgeRun) checkPromptAnswer(t errorer, series string, up timeline.Edge) {
	t.Helper()
	var first *timeline.Sample
	for i, s := range r.tl.Samples {
		if s.Series == series && s.OK && s.End.After(r.liftAt) && (first == nil || s.End.Before(first.End)) {
			first = &r.tl.Samples[i]
		}
	}
	switch {
	case first == nil:
		t.Errorf("%s: no answer after the lift%s", series, r.aroundLift(series))
	case first.End.Sub(up.Before) <= maxEdgeError:
	case first.Start.Sub(up.Before).Abs() > handshakeSlowdown*maxEdgeError:
		t.Errorf("%s: the request whose answer ended the outage was sent %+.4fs from the path's coming back, want within %s%s",
			series, first.Start.Sub(up.Before).Seconds(), handshakeSlowdown*maxEdgeError, r.aroundLift(series))
	}
}

// edgeAttempts is how many cuts TestEdgesWithin20ms may take to see every
// edge within 20 ms.
const edgeAttempts = 3

// errorer is what the checks of an edgeRun report to: a test, or the
// failures of one attempt.
type errorer interface {
	Helper()
	Errorf(format string, args ...any)
}

// failures collects one attempt's errors.
type failures struct{ msgs []string }

func (f *failures) Helper() {}

func (f *failures) Errorf(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

// checkEdgeRun: the path's edges hold the cut's within 20 ms, each
// series' outage starts within 20 ms of the cut and ends at the answer of
// a request sent within 20 ms of the path's return, and the bursts are
// bounded.
func checkEdgeRun(t errorer, r edgeRun) {
	t.Helper()
	up, upFound := r.pathUp()
	if !upFound {
		t.Errorf("no up edge recorded: %+v", r.tl.Edges)
	}
	for series, e := range r.edgeErrors(t) {
		if e[0] > maxEdgeError {
			t.Errorf("%s: outage starts %s from the cut, want within %s%s", series, e[0], maxEdgeError, r.aroundLift(series))
		}
		if upFound {
			r.checkPromptAnswer(t, series, up)
		}
	}
	r.checkPathEdges(t)
	r.checkBursts(t)
}

// A ping connection none of whose pings was ever acknowledged says no
// more of the path than a failed dial: pings returns no down, and the
// knocks decide. On the old code it returned the first ping's send, and
// the gate then held the series' dials back on a path that was up.
func TestPingsFirstUnacknowledgedIsNoDown(t *testing.T) {
	cfg, proxy := behindCutProxy(t)
	rec := NewRecorder(time.Now())
	p, err := NewPath(timeline.EndpointClient, cfg, edgeEvery, edgeTimeout, rec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cc, err := p.dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	proxy.cut(cutDrop)
	defer proxy.cut("")
	if downAt := p.pings(ctx, cc); !downAt.IsZero() {
		t.Errorf("pings returned a down at %v with no ping ever acknowledged", downAt)
	}
	if tl := rec.Close(time.Now()); len(tl.Edges) != 0 {
		t.Errorf("edges recorded: %+v", tl.Edges)
	}

	// One acknowledged ping, then the cut: that is the path going down.
	proxy.cut("")
	if cc, err = p.dial(ctx); err != nil {
		t.Fatal(err)
	}
	rec = NewRecorder(time.Now())
	p.rec = rec
	go func() {
		time.Sleep(5 * edgeEvery)
		proxy.cut(cutDrop)
	}()
	if downAt := p.pings(ctx, cc); downAt.IsZero() {
		t.Error("pings saw no down after a cut that followed acknowledged pings")
	}
	if tl := rec.Close(time.Now()); len(tl.Edges) != 1 || tl.Edges[0].Kind != timeline.EdgeDown {
		t.Errorf("edges recorded: %+v, want one down", tl.Edges)
	}
}
