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

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/firedrill/firedrill/framework/timeline"
)

// tlsServer is an HTTPS server speaking HTTP/2 that counts the TCP
// connections it accepted and the TLS handshakes it did, and remembers every
// request it got.
type tlsServer struct {
	srv *httptest.Server

	mu         sync.Mutex
	conns      int // TCP connections accepted (http.StateNew)
	handshakes int // TLS ClientHellos
	requests   []seenRequest
}

type seenRequest struct {
	uri      string
	proto    int   // HTTP major version
	tls      bool  // a completed TLS handshake under the request
	resumed  bool  // the TLS session was resumed, not a full handshake
	conn     int64 // the server-side connection it came on
	received time.Time
}

type connIDKey struct{}

// newTLSServer starts an HTTPS server with HTTP/2 enabled; handler, if not
// nil, runs after the request was recorded.
func newTLSServer(t *testing.T, handler http.HandlerFunc) *tlsServer {
	t.Helper()
	s := &tlsServer{}
	var nextConn atomic.Int64
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := r.Context().Value(connIDKey{}).(int64)
		req := seenRequest{
			uri:      r.URL.RequestURI(),
			proto:    r.ProtoMajor,
			tls:      r.TLS != nil && r.TLS.HandshakeComplete,
			conn:     id,
			received: time.Now(),
		}
		if r.TLS != nil {
			req.resumed = r.TLS.DidResume
		}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		if handler != nil {
			handler(w, r)
		}
	}))
	s.srv.EnableHTTP2 = true
	// Each accepted connection gets an id, which HTTP/2 requests inherit
	// from their connection's context too.
	s.srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connIDKey{}, nextConn.Add(1))
	}
	s.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	s.srv.TLS = &tls.Config{
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			s.mu.Lock()
			s.handshakes++
			s.mu.Unlock()
			return nil, nil // the server's own config
		},
	}
	s.srv.StartTLS()
	return s
}

// restConfig points at the server and trusts its certificate, as a
// kubeconfig would.
func (s *tlsServer) restConfig() *rest.Config {
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	return &rest.Config{Host: s.srv.URL, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}
}

func (s *tlsServer) snapshot() (conns, handshakes int, requests []seenRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns, s.handshakes, slices.Clone(s.requests)
}

func (s *tlsServer) requestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// TestAPISamplersSeries checks which series APISamplers builds for the
// connection kinds asked.
func TestAPISamplersSeries(t *testing.T) {
	cfg := &rest.Config{Host: "https://127.0.0.1:6443"}
	for _, tc := range []struct {
		conns []string
		want  []string
	}{
		{[]string{ConnNew}, []string{
			timeline.APISeries("ep", ConnNew, "etcd"), timeline.APISeries("ep", ConnNew, "cache"),
		}},
		{[]string{ConnReused}, []string{
			timeline.APISeries("ep", ConnReused, "etcd"), timeline.APISeries("ep", ConnReused, "cache"),
		}},
		{[]string{ConnNew, ConnReused}, []string{
			timeline.APISeries("ep", ConnNew, "etcd"), timeline.APISeries("ep", ConnNew, "cache"),
			timeline.APISeries("ep", ConnReused, "etcd"), timeline.APISeries("ep", ConnReused, "cache"),
		}},
		{nil, nil},
	} {
		list, err := APISamplers("ep", cfg, time.Second, tc.conns...)
		if err != nil {
			t.Fatalf("%v: %v", tc.conns, err)
		}
		var got []string
		for _, sm := range list {
			got = append(got, sm.Series)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("APISamplers(%v) series = %v, want %v", tc.conns, got, tc.want)
		}
	}
}

// TestAPISamplersConnections runs the "new" and the "reused" series against
// two HTTPS servers (one per kind, so each server's counts belong to one
// kind) and checks that "new" dials and handshakes once per sample over
// HTTP/1.1 while "reused" keeps one HTTP/2 connection for all its samples,
// and that each series reads its own path (etcd read vs cached read).
func TestAPISamplersConnections(t *testing.T) {
	const (
		interval = 20 * time.Millisecond
		want     = 15 // samples per series, at least
	)
	newSrv := newTLSServer(t, nil)
	defer newSrv.srv.Close()
	reusedSrv := newTLSServer(t, nil)
	defer reusedSrv.srv.Close()

	newList, err := APISamplers("ep", newSrv.restConfig(), 5*time.Second, ConnNew)
	if err != nil {
		t.Fatal(err)
	}
	reusedList, err := APISamplers("ep", reusedSrv.restConfig(), 5*time.Second, ConnReused)
	if err != nil {
		t.Fatal(err)
	}
	s := &Samplers{
		Rec:      NewRecorder(time.Now()),
		Interval: interval,
		Timeout:  5 * time.Second,
		List:     append(newList, reusedList...),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	// Run until both servers saw enough requests for both their series.
	deadline := time.Now().Add(waitTimeout)
	for newSrv.requestCount() < 2*want || reusedSrv.requestCount() < 2*want {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %d requests on the new server, %d on the reused one", newSrv.requestCount(), reusedSrv.requestCount())
		}
		time.Sleep(interval)
	}
	stopAndWait(t, s, cancel)
	samples := s.Rec.Close(time.Now()).Samples

	perSeries := map[string]int{}
	for _, sm := range samples {
		if !sm.OK {
			t.Errorf("%s seq %d failed: %s", sm.Series, sm.Seq, sm.Error)
		}
		perSeries[sm.Series]++
	}
	count := func(conn string) (etcd, cache int) {
		return perSeries[timeline.APISeries("ep", conn, "etcd")], perSeries[timeline.APISeries("ep", conn, "cache")]
	}
	// byPath counts the requests on the etcd read and on the cached read.
	byPath := func(reqs []seenRequest) (etcd, cache int) {
		for _, r := range reqs {
			switch r.uri {
			case readEtcd:
				etcd++
			case readCache:
				cache++
			default:
				t.Errorf("unexpected request %s", r.uri)
			}
		}
		return etcd, cache
	}

	// requestsMatchSamples: every sample is one request (all were
	// answered), each read on its own path.
	requestsMatchSamples := func(t *testing.T, reqs []seenRequest, conn string) {
		t.Helper()
		etcd, cache := count(conn)
		if etcd < want || cache < want {
			t.Fatalf("%d etcd and %d cache samples, want >= %d each", etcd, cache, want)
		}
		if len(reqs) != etcd+cache {
			t.Errorf("server got %d requests for %d samples", len(reqs), etcd+cache)
		}
		if gotEtcd, gotCache := byPath(reqs); gotEtcd != etcd || gotCache != cache {
			t.Errorf("server got %d etcd and %d cached reads, samples %d and %d", gotEtcd, gotCache, etcd, cache)
		}
	}

	t.Run("new", func(t *testing.T) {
		conns, handshakes, reqs := newSrv.snapshot()
		requestsMatchSamples(t, reqs, ConnNew)
		// ... on a connection of its own, dialed and handshaken for it.
		if conns != len(reqs) {
			t.Errorf("%d TCP connections for %d requests, want one per request", conns, len(reqs))
		}
		if handshakes != len(reqs) {
			t.Errorf("%d TLS handshakes for %d requests, want one per request", handshakes, len(reqs))
		}
		// Each handshake resumes the series' TLS session once it has one
		// (apiClient): the first of each client's are full, a few more may
		// be while its first ticket is on its way.
		seen := map[int64]bool{}
		full := 0
		for _, r := range reqs {
			if seen[r.conn] {
				t.Errorf("connection %d carried more than one request", r.conn)
			}
			seen[r.conn] = true
			if !r.tls {
				t.Errorf("request on connection %d without TLS", r.conn)
			}
			if !r.resumed {
				full++
			}
			if r.proto != 1 {
				t.Errorf("request on connection %d: HTTP/%d, want HTTP/1.1 (no keep-alive)", r.conn, r.proto)
			}
		}
		if full > 4 {
			t.Errorf("%d of %d handshakes were full, want the session resumed after the first few", full, len(reqs))
		}
	})

	t.Run("reused", func(t *testing.T) {
		conns, handshakes, reqs := reusedSrv.snapshot()
		requestsMatchSamples(t, reqs, ConnReused)
		// Both series share one client, and every request rides one HTTP/2
		// connection.
		ids := map[int64]int{}
		firstReceived := reqs[0].received
		for _, r := range reqs {
			ids[r.conn]++
			if r.received.Before(firstReceived) {
				firstReceived = r.received
			}
			if !r.tls {
				t.Errorf("request on connection %d without TLS", r.conn)
			}
			if r.proto != 2 {
				t.Errorf("request on connection %d: HTTP/%d, want HTTP/2", r.conn, r.proto)
			}
		}
		if len(ids) != 1 {
			t.Errorf("requests came on %d connections (%v), want all on one", len(ids), ids)
		}
		// The transport may dial once for each request that started while
		// the first connection was still handshaking (those spare
		// connections are dropped unused); once it is up, nothing dials.
		// The first request reaches the server only after the connection is
		// in the pool, so every dial belongs to a sample started before.
		pending := 0
		for _, sm := range samples {
			if sm.Series == timeline.APISeries("ep", ConnReused, "etcd") || sm.Series == timeline.APISeries("ep", ConnReused, "cache") {
				if sm.Start.Before(firstReceived) {
					pending++
				}
			}
		}
		if conns < 1 || conns > pending {
			t.Errorf("%d TCP connections, want 1 plus at most one per request started before the first connection was up (%d), against %d requests", conns, pending, len(reqs))
		}
		if handshakes > conns {
			t.Errorf("%d TLS handshakes on %d connections", handshakes, conns)
		}
		t.Logf("%d requests on one connection; %d connections accepted, %d samples started before it was up", len(reqs), conns, pending)
	})
}

// TestAPISamplersDeadlineOnHandshake checks the deadline also bounds a
// server that accepts TCP but never answers the TLS handshake: the "new"
// series then fails at about Timeout rather than hanging.
func TestAPISamplersDeadlineOnHandshake(t *testing.T) {
	const (
		timeout = 200 * time.Millisecond
		slack   = 800 * time.Millisecond // see TestSamplersDeadline
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var (
		mu       sync.Mutex
		accepted []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, c) // held open, never read
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range accepted {
			c.Close()
		}
	}()

	cfg := &rest.Config{Host: "https://" + ln.Addr().String(), TLSClientConfig: rest.TLSClientConfig{Insecure: true}}
	list, err := APISamplers("ep", cfg, time.Hour, ConnNew) // only the Samplers' Timeout bounds it
	if err != nil {
		t.Fatal(err)
	}
	s, cancel := startOnce(list, timeout)
	defer cancel()
	stopAndWait(t, s, cancel)
	samples := s.Rec.Close(time.Now()).Samples
	if len(samples) != len(list) {
		t.Fatalf("%d samples, want %d", len(samples), len(list))
	}
	for _, sm := range samples {
		d := sm.End.Sub(sm.Start)
		if sm.OK || sm.Error == "" {
			t.Errorf("%s: OK=%v Error=%q, want a failed sample", sm.Series, sm.OK, sm.Error)
		}
		if d < timeout || d > timeout+slack {
			t.Errorf("%s: End-Start = %v, want about Timeout %v", sm.Series, d, timeout)
		}
	}
}

// The harness's client-go clients resume their TLS sessions
// (ResumingConfig): after a cut every one of them redials at the lift, and
// a full handshake is a signature on each side. Client-go's own transport
// has no session cache: every handshake here is full without it.
func TestResumingConfigResumes(t *testing.T) {
	srv := newTLSServer(t, nil)
	defer srv.srv.Close()
	var dials atomic.Int64
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	cfg, err := ResumingConfig(srv.restConfig(), dial)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 4
	for range rounds {
		if err := cs.CoreV1().RESTClient().Get().AbsPath("/version").Do(context.Background()).Error(); err != nil {
			t.Fatal(err)
		}
		// A cut closes the connection: the next request dials again.
		utilnet.CloseIdleConnectionsFor(cfg.Transport)
	}
	_, _, reqs := srv.snapshot()
	if len(reqs) != rounds {
		t.Fatalf("%d requests, want %d", len(reqs), rounds)
	}
	if got := dials.Load(); got != rounds {
		t.Errorf("%d dials through the dialer given, want %d", got, rounds)
	}
	for i, r := range reqs {
		if r.proto != 2 {
			t.Errorf("request %d: HTTP/%d, want HTTP/2 as client-go speaks", i, r.proto)
		}
		if want := i > 0; r.resumed != want {
			t.Errorf("request %d: resumed %v, want %v (the first handshake full, the others resumed)", i, r.resumed, want)
		}
	}
}

// A config whose credentials come from a provider keeps client-go's own
// transport: the provider hooks into it.
func TestResumingConfigKeepsProviders(t *testing.T) {
	cfg := &rest.Config{Host: "https://127.0.0.1:6443", ExecProvider: &clientcmdapi.ExecConfig{Command: "true", APIVersion: "client.authentication.k8s.io/v1"}}
	got, err := ResumingConfig(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Transport != nil || got.ExecProvider == nil {
		t.Errorf("transport %v, exec provider %v: want client-go's own transport and the provider kept", got.Transport, got.ExecProvider)
	}
}

// A handshake that a cut failed leaves the TLS session in the cache
// (keptSessions): Go's client forgets the session it tried to resume when
// its handshake fails, so after every cut each client's first handshake
// at the lift was full, one signature on each side in the milliseconds the
// first answers are due.
func TestSessionsSurviveACut(t *testing.T) {
	srv := newTLSServer(t, nil)
	defer srv.srv.Close()
	proxy := newCutProxy(t, strings.TrimPrefix(srv.srv.URL, "https://"))
	defer proxy.close()
	cfg := srv.restConfig()
	cfg.Host = "https://" + proxy.addr()
	client, err := apiClient(cfg, time.Second, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, url := context.Background(), cfg.Host+readCache
	for range 2 { // the second resumes the first's session
		if err := get(ctx, client, url); err != nil {
			t.Fatal(err)
		}
	}
	proxy.cut(cutReset)
	for range 3 {
		if err := get(ctx, client, url); err == nil {
			t.Fatal("a request through the cut was answered")
		}
	}
	proxy.cut("")
	if err := get(ctx, client, url); err != nil {
		t.Fatal(err)
	}
	_, _, reqs := srv.snapshot()
	if len(reqs) != 3 {
		t.Fatalf("%d requests reached the server, want 3", len(reqs))
	}
	if !reqs[1].resumed {
		t.Fatal("the second handshake before the cut was full: no session to keep")
	}
	if !reqs[2].resumed {
		t.Error("the first handshake after the cut was full, want the session from before it resumed")
	}
}
