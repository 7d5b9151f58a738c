package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"slices"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/timeline"
)

// Edge refinement. A series sampled every 100 ms sees an outage's start at
// its first failed sample, up to an interval late, and its end at its
// first answer, up to an interval and a request late. Sampling every
// 10 ms all the time would load the API server tenfold; instead a Path
// watches the network path to one endpoint with signals that cost the
// server next to nothing, and records each change of state as a
// timeline.Edge bracketed to a few milliseconds:
//
//   - while the path is up, an HTTP/2 PING every Every on a connection of
//     its own (a frame the server's connection loop answers; no request,
//     no handler). A ping not acknowledged within pingTimeout is the path
//     going down, from the earliest ping still unacknowledged. The timeline
//     moves an outage's start to it, but only inside the series' own
//     bracket (timeline.outageStart).
//   - while the path is down, a knock every Every: a new connection that
//     sends the first bytes of a plain HTTP request and waits for any
//     byte back. An API server (Go's TLS server) answers it with a 400 at
//     once, without a handshake's cryptography; a TCP proxy in front
//     (docker's port mapping, a load balancer) accepts the connection
//     itself but closes it, or says nothing, until the server is reached.
//     The first answered knock is the path coming back: each series that
//     is down then sends a burst of its own requests every Every for at
//     most burstFor (Samplers.burst), so its first answer, which ends the
//     outage by the usual rule, comes within a few milliseconds of the
//     path's.
//
// Everything is bounded: one goroutine and one connection per endpoint
// while up, plus at most pingTimeout/Every pings in flight; at most
// Timeout/Every knocks in flight while down; at most one dial per Timeout;
// and one burst per series per time the path comes back.
type Path struct {
	// Endpoint is the endpoint's name in the API series.
	Endpoint string
	// Every is the cadence of the pings, the knocks and the bursts.
	Every time.Duration
	// Timeout bounds a knock and a dial, as the probes' own requests.
	Timeout time.Duration

	addr string
	tls  *tls.Config
	rec  *Recorder

	mu sync.Mutex
	// ups counts the times the path came back; upCh is closed at the
	// next one.
	ups  int
	upCh chan struct{}
	// down: the path was seen down (a ping unacknowledged, a knock
	// unanswered) and no knock has been answered since.
	down bool
	// dialing: a connection that the gate let through while the path was
	// down is still in its handshake.
	dialing bool
	// settling: the path came back and no series has answered through it
	// since, for at most settleFor: the gate keeps the harness's other
	// clients back meanwhile (see gate).
	settling bool
	settle   *time.Timer
	// gateCh is closed when the dial in flight ends or the path comes
	// back: the dials waiting at the gate try again (admit).
	gateCh chan struct{}

	wg sync.WaitGroup
}

// pingTimeout is how long a ping may go unacknowledged before the path
// counts as down from its send. It is below TCP's minimum retransmission
// timeout (200 ms on Linux), so an acknowledged ping crossed at its first
// transmission: a ping sent into a cut that drops packets is acknowledged,
// if ever, only by a retransmission after the cut, too late to count as
// the path being up when it was sent.
const pingTimeout = 150 * time.Millisecond

// burstFor bounds a burst: a server that accepts connections again but
// does not answer the series' requests gets this much of them every
// Every, then the steady interval again.
const burstFor = time.Second

// settleFor bounds how long after the path's return the harness's other
// clients wait for a series' first answer (gate): long enough for a
// first answer on a loaded machine (up to 120 ms beside a CPU hog here),
// short enough that a server which accepts connections but answers no
// series' request does not keep them back for long.
const settleFor = 250 * time.Millisecond

// knockBytes start a plain HTTP request. Go's TLS server reads them as a
// TLS record header, sees HTTP and answers "400 Bad Request" before any
// handshake.
const knockBytes = "GET / HTTP/1.0\r\n\r\n"

// NewPath returns the path to the endpoint cfg points at (its Host), not
// yet watched. The ping connection verifies the server as the series do,
// with the cluster's CA, but presents no client certificate: it carries
// no request.
func NewPath(endpoint string, cfg *rest.Config, every, timeout time.Duration, rec *Recorder) (*Path, error) {
	u, err := url.Parse(cfg.Host)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("endpoint %s: %q is no https URL", endpoint, cfg.Host)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "443")
	}
	tlsConfig, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("TLS config for %s: %w", cfg.Host, err)
	}
	if tlsConfig == nil { // nothing special: the system's roots
		tlsConfig = &tls.Config{}
	}
	tlsConfig = tlsConfig.Clone()
	tlsConfig.Certificates, tlsConfig.GetClientCertificate = nil, nil
	tlsConfig.NextProtos = []string{http2.NextProtoTLS}
	// The ping connection is dialed again once the path came back and
	// the series had their first answer, while the server is still busy
	// with the lift: a resumed handshake spares it the signature of a
	// full one then (as the series', api.go).
	tlsConfig.ClientSessionCache = keptSessions(1)
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = u.Hostname()
	}
	return &Path{Endpoint: endpoint, Every: every, Timeout: timeout, addr: addr, tls: tlsConfig, rec: rec}, nil
}

// Start watches the path until ctx ends; Wait waits until it stopped.
func (p *Path) Start(ctx context.Context) {
	p.wg.Add(1)
	go p.run(ctx)
}

// Wait blocks until the watch and everything it started ended.
func (p *Path) Wait() { p.wg.Wait() }

// run holds a ping connection while it can and knocks while it cannot.
// A dial failure alone (the server refusing the handshake, say) is no
// edge: the knocks say whether the path is down.
func (p *Path) run(ctx context.Context) {
	defer p.wg.Done()
	var lastDial time.Time
	for {
		if !sleep(ctx, time.Until(lastDial.Add(p.Timeout))) {
			return
		}
		lastDial = time.Now()
		var downAt time.Time
		if cc, err := p.dial(ctx); err == nil {
			downAt = p.pings(ctx, cc)
		}
		if ctx.Err() != nil {
			return
		}
		p.knocks(ctx, downAt)
		// The ping connection's handshake waits, as the other clients
		// do, for the series' first answer (gate).
		p.awaitSettled(ctx)
	}
}

// sleep waits d, or less when ctx ends first; false when it did.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// dial opens the ping connection: TLS, HTTP/2.
func (p *Path) dial(ctx context.Context) (*http2.ClientConn, error) {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	c, err := (&tls.Dialer{NetDialer: &net.Dialer{}, Config: p.tls}).DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	if proto := c.(*tls.Conn).ConnectionState().NegotiatedProtocol; proto != http2.NextProtoTLS {
		c.Close()
		return nil, fmt.Errorf("%s speaks %q, not HTTP/2", p.addr, proto)
	}
	// x/net's own client connection: net/http's has no Ping.
	cc, err := (&http2.Transport{}).NewClientConn(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return cc, nil
}

// pings pings cc every Every until a ping goes unanswered, the server
// closes cc gracefully (GOAWAY: no edge, the connection is replaced), or
// ctx ends. When the path went down it records the edge and returns when
// (the send of the earliest ping still unacknowledged); else zero.
func (p *Path) pings(ctx context.Context, cc *http2.ClientConn) time.Time {
	var (
		mu      sync.Mutex
		acked   time.Time // send of the latest acknowledged ping
		pending = map[int]time.Time{}
		downAt  time.Time
		failed  = make(chan struct{})
		// over: the pings still pending fail because the watch closed cc
		// itself, which says nothing of the path.
		over bool
		wg   sync.WaitGroup
	)
	t := time.NewTicker(p.Every)
	defer t.Stop()
loop:
	for id := 0; ; id++ {
		if cc.State().Closing {
			break // GOAWAY: the server replaces connections, the path is fine
		}
		sent := time.Now()
		mu.Lock()
		pending[id] = sent
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, pingTimeout)
			err := cc.Ping(pctx)
			cancel()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				if sent.After(acked) {
					acked = sent
				}
			case !over && downAt.IsZero() && ctx.Err() == nil:
				// The earliest ping still unacknowledged: with a reset
				// every pending ping fails at once, in any order.
				downAt = slices.MinFunc(slices.Collect(maps.Values(pending)), time.Time.Compare)
				close(failed)
			}
			delete(pending, id)
		}()
		select {
		case <-ctx.Done():
			break loop
		case <-failed:
			break loop
		case <-t.C:
		}
	}
	mu.Lock()
	over = true
	mu.Unlock()
	cc.Close() // the pings still pending fail at once
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if acked.IsZero() {
		// No ping of this connection was ever acknowledged: it says no
		// more of the path than a failed dial (run). A fresh connection's
		// first ping waits on the server's connection preface and
		// settings, and just after a long cut's lift, on a loaded
		// machine, it can miss pingTimeout (beside a CPU hog here, 1.7 s
		// after a drop's lift): taken as the path going down, it held
		// the series' dials back at the gate on a path that was up, and
		// their outage grew by 0.1-0.2 s. The knocks say whether the
		// path is down.
		return time.Time{}
	}
	if !downAt.IsZero() {
		p.rec.Edge(timeline.Edge{Endpoint: p.Endpoint, Kind: timeline.EdgeDown, After: acked, Before: downAt})
	}
	return downAt
}

// knocks knocks every Every until one is answered (the path is up: the
// series are told at once, Samplers.burst) or ctx ends. downAt is when
// the pings saw the path go down (zero: they did not). The up edge is
// recorded when every knock sent before the answered one is over: the
// last of them that failed is its After.
func (p *Path) knocks(ctx context.Context, downAt time.Time) {
	var (
		mu       sync.Mutex
		failures []time.Time // starts of the knocks that failed
		answer   struct{ start, end time.Time }
		answered = make(chan struct{})
		wg       sync.WaitGroup
	)
	if !downAt.IsZero() {
		p.setDown()
	}
	inFlight := make(chan struct{}, max(1, int(p.Timeout/p.Every)))
	t := time.NewTicker(p.Every)
	defer t.Stop()
loop:
	for {
		select {
		case inFlight <- struct{}{}:
			start := time.Now()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-inFlight }()
				err := knock(ctx, p.addr, p.Timeout)
				end := time.Now()
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil && ctx.Err() == nil:
					failures = append(failures, start)
					if answer.end.IsZero() {
						p.setDown()
					}
				case err == nil && answer.end.IsZero():
					answer.start, answer.end = start, end
					close(answered)
				}
			}()
		default:
			// As many knocks hang as a timeout allows: skip this one.
		}
		select {
		case <-ctx.Done():
			break loop
		case <-answered:
			break loop
		case <-t.C:
		}
	}
	if ctx.Err() != nil {
		wg.Wait()
		return
	}
	// Only a path seen down came back: a connection the server replaced
	// (GOAWAY) or a handshake it refused is no edge, and no burst.
	mu.Lock()
	wasDown := !downAt.IsZero() || len(failures) > 0
	mu.Unlock()
	if !wasDown {
		wg.Wait()
		return
	}
	p.cameUp()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		after := downAt
		for _, f := range failures {
			if f.Before(answer.start) && f.After(after) {
				after = f
			}
		}
		if !after.IsZero() {
			p.rec.Edge(timeline.Edge{Endpoint: p.Endpoint, Kind: timeline.EdgeUp, After: after, Before: answer.end})
		}
	}()
}

// knock opens a connection to addr, sends knockBytes and waits for any
// byte back: nil when one came.
func knock(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	if err := c.SetDeadline(deadline); err != nil {
		return err
	}
	if _, err := io.WriteString(c, knockBytes); err != nil {
		return err
	}
	var b [1]byte
	_, err = c.Read(b[:])
	return err
}

// DialFunc dials a connection, as net.Dialer.DialContext and
// rest.Config.Dial do.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// gate lets the series' connections to the path be dialed one at a time
// while the path is down, and freely while it is up. While it is down a
// dial goes nowhere: a proxy in front of the server (docker's userland
// proxy on kind, a load balancer) accepts the connection and keeps dialing
// the server for it long after the client gave up (docker-proxy: the
// kernel's SYN retries, 127 s), with the TLS ClientHello the client sent
// waiting in its buffer. When the path comes back each of them costs the
// API server a handshake's signature, in the very milliseconds the series'
// first answer is due. A series on a reused connection dials for each
// request once Go's HTTP/2 client has given the dead connection up: 20
// dials a second for two such series. After a 60 s drop on kind, 1,450
// abandoned ClientHellos were waiting in docker's proxy, and in the 4 s
// after the lift the API server spent 0.98 s of CPU in TLS handshakes, two
// thirds of all it did; a new connection's first answer took 60-120 ms
// then instead of 10.
//
// A dial held back waits at most hold for the one in flight to end or for
// the path to come back, then fails with timeline.HeldBack, which the
// timeline counts as no answer, as it does a timeout: the server was not
// asked. The series' own transports hold nothing (hold 0): their requests
// answer only the series' cadence, and the burst that answers the path's
// return dials freely. Client-go's clients hold for a request's timeout,
// so a write still fails by its own deadline (writes.detect stays the
// write's, not the path watch's), and the dials still waiting when the
// path comes back go out at once, as the dials a proxy kept pending did
// before the gate. (With them failed at once, the writer came back
// 1.2-2.1 s after the path, but in those runs it also waited on
// client-go's rate limiter, since mended; failing them at once was not
// measured alone.) One dial stays in flight, so a path watch that
// misjudged costs at most one handshake's timeout.
//
// Once the path is back the series go first: until one of them has an
// answer through it (Samplers.once calls answered), or for settleFor,
// the dials that hold (the writer's, the poller's, the path's own ping
// connection) keep waiting, a hold that runs out meanwhile included.
// Their reconnecting beside the series' bursts was load on the server in
// the milliseconds the first answers are due; they wait a first answer's
// time, 10-60 ms.
func (p *Path) gate(dial DialFunc, hold time.Duration) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		release, err := p.admit(ctx, hold)
		if err != nil {
			return nil, err
		}
		c, err := dial(ctx, network, addr)
		switch {
		case release == nil: // let through while the path was up
			return c, err
		case err != nil:
			release()
			return nil, err
		}
		return &handshakeConn{Conn: c, release: release}, nil
	}
}

// Dial dials the path's endpoint through its gate, holding for a
// request's timeout: for the harness's own client-go clients that send on
// a steady cadence (rest.Config.Dial). It keeps client-go's own dialer
// settings.
func (p *Path) Dial() DialFunc {
	return p.gate(clientGoDialer.DialContext, p.Timeout)
}

// admit lets a dial go out, waiting at most hold for its turn (see gate).
// A dial let through while the path is down gets what to call once it is
// over (its first bytes read: the server reached; or its connection
// closed); one let through while the path is up gets nil, and nothing to
// track.
func (p *Path) admit(ctx context.Context, hold time.Duration) (release func(), err error) {
	var timeout <-chan time.Time
	expired := false // the hold ran out
	for {
		p.mu.Lock()
		if !p.down && (!p.settling || hold <= 0) {
			p.mu.Unlock()
			return nil, nil
		}
		if p.down && !p.dialing {
			p.dialing = true
			p.mu.Unlock()
			var once sync.Once
			return func() {
				once.Do(func() {
					p.mu.Lock()
					defer p.mu.Unlock()
					p.dialing = false
					p.gateChangedLocked()
				})
			}, nil
		}
		settling := p.settling
		if p.gateCh == nil {
			p.gateCh = make(chan struct{})
		}
		changed := p.gateCh
		p.mu.Unlock()
		if hold <= 0 {
			return nil, fmt.Errorf("%s: %s", p.Endpoint, timeline.HeldBack)
		}
		// Past the hold only because the path is settling, which
		// settleFor bounds: keep waiting. Failing now would put the write
		// off to its next turn, after the path is back.
		if expired && !settling {
			return nil, fmt.Errorf("%s: %s for %v", p.Endpoint, timeline.HeldBack, hold)
		}
		if timeout == nil && !expired {
			t := time.NewTimer(hold)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-timeout:
			// One more look at the gate before giving up: it may have
			// opened in the same instant (the path settled; with both
			// ready, select picks either, and a dial failed on a path
			// that had just let it through, TestPathGateSettles in CI).
			expired, timeout = true, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// gateChangedLocked wakes the dials waiting at the gate: the one in
// flight ended or the path came back. p.mu must be held.
func (p *Path) gateChangedLocked() {
	if p.gateCh != nil {
		close(p.gateCh)
		p.gateCh = nil
	}
}

// handshakeConn calls release at its first bytes read or at its close,
// whichever comes first.
type handshakeConn struct {
	net.Conn
	release func()
}

func (c *handshakeConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 || err != nil {
		c.release()
	}
	return n, err
}

func (c *handshakeConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// setDown marks the path down until it comes back.
func (p *Path) setDown() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
}

// isDown says whether the path is down now, by its own signals.
func (p *Path) isDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.down
}

// cameUp tells the series waiting for the path that it is back; the
// path settles until a series answers or settleFor passed.
func (p *Path) cameUp() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
	p.settling = true
	if p.settle != nil {
		p.settle.Stop()
	}
	p.settle = time.AfterFunc(settleFor, p.answered)
	p.gateChangedLocked()
	p.ups++
	if p.upCh != nil {
		close(p.upCh)
		p.upCh = nil
	}
}

// answered tells the path that a series got an answer through it: a
// path settling after its return is settled (gate).
func (p *Path) answered() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.settling {
		return
	}
	p.settling = false
	if p.settle != nil {
		p.settle.Stop()
		p.settle = nil
	}
	p.gateChangedLocked()
}

// isSettling says whether the path came back and no series has answered
// through it yet (within settleFor).
func (p *Path) isSettling() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.settling
}

// awaitSettled returns once the path is not settling, or ctx ended.
func (p *Path) awaitSettled(ctx context.Context) {
	for {
		p.mu.Lock()
		if !p.settling {
			p.mu.Unlock()
			return
		}
		if p.gateCh == nil {
			p.gateCh = make(chan struct{})
		}
		changed := p.gateCh
		p.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// upsSoFar is how many times the path came back.
func (p *Path) upsSoFar() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ups
}

// upAfter returns a channel closed once the path has come back more than
// seen times.
func (p *Path) upAfter(seen int) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ups > seen {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if p.upCh == nil {
		p.upCh = make(chan struct{})
	}
	return p.upCh
}
