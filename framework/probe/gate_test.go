package probe

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/timeline"
)

// stubDial counts dials and returns one end of a pipe nobody answers: a
// dial into a path that drops everything, behind a proxy that accepts.
func stubDial(t *testing.T, dials *atomic.Int32) func(context.Context, string, string) (net.Conn, error) {
	return func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		c, peer := net.Pipe()
		t.Cleanup(func() { c.Close(); peer.Close() })
		return c, nil
	}
}

// While the path is down the gate lets one dial through at a time; the
// rest fail at once, named as held back (which the timeline counts as no
// answer). Once that dial's connection closes, the next goes through; once
// the path is back, every dial does. Without the gate every request of a
// reused-connection series dialed into the void: 20 a second, each a
// ClientHello the server paid for at the lift.
func TestPathGateOneDialWhileDown(t *testing.T) {
	p := &Path{Endpoint: "client", Timeout: time.Second}
	var dials atomic.Int32
	dial := p.gate(stubDial(t, &dials), 0)
	ctx := context.Background()

	up, err := dial(ctx, "tcp", "x")
	if err != nil {
		t.Fatalf("dial while up: %v", err)
	}
	p.setDown()
	first, err := dial(ctx, "tcp", "x")
	if err != nil {
		t.Fatalf("first dial while down: %v", err)
	}
	for i := range 5 {
		if c, err := dial(ctx, "tcp", "x"); err == nil || !strings.Contains(err.Error(), timeline.HeldBack) {
			t.Fatalf("dial %d while down with one in flight: conn %v, err %v; want held back", i, c, err)
		}
	}
	if got := dials.Load(); got != 2 {
		t.Fatalf("%d dials went out, want 2 (one up, one down)", got)
	}
	up.Close() // a connection dialed while up holds nothing
	if _, err := dial(ctx, "tcp", "x"); err == nil {
		t.Fatal("a dial went through while the one dialed down was still in flight")
	}
	first.Close()
	second, err := dial(ctx, "tcp", "x")
	if err != nil {
		t.Fatalf("dial after the one in flight closed: %v", err)
	}
	defer second.Close()
	p.cameUp()
	for i := range 5 {
		if _, err := dial(ctx, "tcp", "x"); err != nil {
			t.Fatalf("dial %d after the path came back: %v", i, err)
		}
	}
	if got := dials.Load(); got != 8 {
		t.Errorf("%d dials went out, want 8", got)
	}
}

// A client that holds waits for its turn: it goes out as soon as the path
// comes back, and fails held back when nothing changed within the hold.
func TestPathGateHolds(t *testing.T) {
	p := &Path{Endpoint: "client", Timeout: time.Second}
	var dials atomic.Int32
	const hold = 300 * time.Millisecond
	dial := p.gate(stubDial(t, &dials), hold)
	ctx := context.Background()
	p.setDown()
	if _, err := dial(ctx, "tcp", "x"); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	_, err := dial(ctx, "tcp", "x")
	waited := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), timeline.HeldBack) {
		t.Fatalf("dial with one in flight: %v, want held back", err)
	}
	if waited < hold {
		t.Errorf("held back after %v, want the whole hold %v", waited, hold)
	}

	done := make(chan error, 1)
	go func() {
		_, err := dial(ctx, "tcp", "x")
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	p.cameUp()
	p.answered()
	answered := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("waiting dial after the path came back: %v", err)
		}
		if d := time.Since(answered); d > 100*time.Millisecond {
			t.Errorf("waiting dial went out %v after the path came back and a series answered", d)
		}
	case <-time.After(2 * hold):
		t.Fatal("waiting dial still held after the path came back and a series answered")
	}
	if got := dials.Load(); got != 2 {
		t.Errorf("%d dials went out, want 2", got)
	}
}

// Once the path is back, the series go first: their dials (hold 0) go
// out at once, while a client that holds (the writer, the poller) waits
// for a series' first answer, or settleFor when none comes; a hold that
// ran out while the path settled does not fail it. On the old code the
// held dial went out with the path's return, beside the series' bursts,
// in the milliseconds their first answers were due.
func TestPathGateSettles(t *testing.T) {
	p := &Path{Endpoint: "client", Timeout: time.Second}
	var dials atomic.Int32
	const hold = 50 * time.Millisecond
	series := p.gate(stubDial(t, &dials), 0)
	held := p.gate(stubDial(t, &dials), hold)
	ctx := context.Background()
	for _, settle := range []string{"a series answers", "settleFor passes"} {
		p.setDown()
		p.cameUp()
		cameUp := time.Now()
		done := make(chan error, 1)
		go func() {
			_, err := held(ctx, "tcp", "x")
			done <- err
		}()
		if _, err := series(ctx, "tcp", "x"); err != nil {
			t.Fatalf("%s: a series' dial while the path settles: %v", settle, err)
		}
		select {
		case err := <-done:
			t.Fatalf("%s: a held dial went out %v after the path came back, before any series answered (err %v)", settle, time.Since(cameUp), err)
		case <-time.After(2 * hold):
		}
		var want time.Duration
		if settle == "a series answers" {
			p.answered()
			want = time.Since(cameUp)
		} else {
			want = settleFor
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: held dial: %v, want it through", settle, err)
			}
			if got := time.Since(cameUp); got < want || got > want+100*time.Millisecond {
				t.Errorf("%s: held dial went out %v after the path came back, want %v", settle, got, want)
			}
		case <-time.After(2 * settleFor):
			t.Fatalf("%s: held dial still waiting", settle)
		}
	}
	if got := dials.Load(); got != 4 {
		t.Errorf("%d dials went out, want 4", got)
	}
}

// The path dials its ping connection again once it came back and settled:
// every dial after the first resumes the TLS session, so the server does
// not sign a full handshake then. On the old
// code every handshake was full.
func TestPathPingConnectionResumes(t *testing.T) {
	var (
		mu      sync.Mutex
		resumed []bool
	)
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{VerifyConnection: func(cs tls.ConnectionState) error {
		mu.Lock()
		defer mu.Unlock()
		resumed = append(resumed, cs.DidResume)
		return nil
	}}
	srv.StartTLS()
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	cfg := &rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}
	p, err := NewPath(timeline.EndpointClient, cfg, 10*time.Millisecond, time.Second, NewRecorder(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 3 {
		cc, err := p.dial(ctx)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		// A TLS 1.3 session ticket comes after the handshake: the ping's
		// answer is read after it.
		if err := cc.Ping(ctx); err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
		cc.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []bool{false, true, true}; !slices.Equal(resumed, want) {
		t.Errorf("handshakes resumed: %v, want %v", resumed, want)
	}
}
