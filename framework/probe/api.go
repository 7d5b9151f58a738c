package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/overhead"
	"github.com/firedrill/firedrill/framework/timeline"
)

// API read paths. A GET of one object without resourceVersion is a quorum
// read from etcd; with resourceVersion=0 the API server answers from its
// watch cache, so it keeps answering while etcd is gone.
const (
	readEtcd  = "/api/v1/namespaces/kube-system"
	readCache = "/api/v1/namespaces/kube-system?resourceVersion=0"
)

// Read kinds of the API series: a quorum read and a watch-cache read.
const (
	ReadEtcd  = "etcd"
	ReadCache = "cache"
)

// Connection kinds of the API series.
const (
	ConnNew    = "new"
	ConnReused = "reused"
)

// APISamplers returns the API series of one endpoint for the connection
// kinds asked (new, reused), each for an etcd read and a cached read. cfg
// must point at the endpoint (its Host) and carry the credentials.
func APISamplers(endpoint string, cfg *rest.Config, timeout time.Duration, conns ...string) ([]Sampler, error) {
	return apiSamplers(endpoint, cfg, timeout, nil, conns)
}

// PathSamplers are APISamplers of path's endpoint that share the watch of
// its path: each series bursts when the path comes back (Samplers.burst),
// and their connections are dialed through the path's gate (Path.gate).
// cfg must point at the path's endpoint.
func PathSamplers(path *Path, cfg *rest.Config, timeout time.Duration, conns ...string) ([]Sampler, error) {
	return apiSamplers(path.Endpoint, cfg, timeout, path, conns)
}

func apiSamplers(endpoint string, cfg *rest.Config, timeout time.Duration, path *Path, conns []string) ([]Sampler, error) {
	fresh, err := apiClient(cfg, timeout, false, path)
	if err != nil {
		return nil, err
	}
	reused, err := apiClient(cfg, timeout, true, path)
	if err != nil {
		return nil, err
	}
	var out []Sampler
	for _, conn := range []struct {
		name   string
		client *http.Client
	}{{ConnNew, fresh}, {ConnReused, reused}} {
		if !slices.Contains(conns, conn.name) {
			continue
		}
		for _, read := range []struct{ name, path string }{{ReadEtcd, readEtcd}, {ReadCache, readCache}} {
			url := cfg.Host + read.path
			client := conn.client
			out = append(out, Sampler{
				Series: timeline.APISeries(endpoint, conn.name, read.name),
				Path:   path,
				Dials:  conn.name == ConnNew,
				Do: func(ctx context.Context, _ int64) error {
					return get(overhead.DefaultKind(ctx, timeline.RequestProbe), client, url)
				},
			})
		}
	}
	return out, nil
}

// apiClient builds a client of its own, apart from client-go's shared
// transport cache, so the "reused" series shares its connection with no
// informer and the "new" series really dials and handshakes every time
// (resuming its TLS session: see below).
// path, when set, gates its dials (Path.gate).
func apiClient(cfg *rest.Config, timeout time.Duration, keepAlive bool, path *Path) (*http.Client, error) {
	tlsConfig, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("TLS config for %s: %w", cfg.Host, err)
	}
	// Resume TLS sessions, as a long-running client would: a resumed
	// handshake still needs the server's TLS stack and its answer, but
	// neither side signs (the server's certificate, the client's), which
	// is most of a handshake's cost. A new-connection series handshakes
	// 10 times a second, and after a cut each series' burst and redials
	// land on the server in the same few milliseconds as its first answer
	// (in the 300 ms after a 20 s drop's lift the machine's two cores
	// were saturated, the harness's own share mostly RSA signatures of its
	// client certificate). A full handshake took 7.6 ms here, a resumed
	// one 3.3-4.5 ms, request included.
	if tlsConfig != nil {
		tlsConfig.ClientSessionCache = keptSessions(0)
	}
	dial := (&net.Dialer{Timeout: timeout}).DialContext
	if path != nil {
		dial = path.gate(dial, 0)
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConfig,
		DialContext:         dial,
		TLSHandshakeTimeout: timeout,
		DisableKeepAlives:   !keepAlive,
		// Real clients (client-go) speak HTTP/2 over one long-lived
		// connection; the reused series should behave like them.
		ForceAttemptHTTP2:   keepAlive,
		MaxIdleConnsPerHost: 4,
	}
	rt, err := rest.HTTPWrappersForConfig(cfg, tr)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: rt}, nil
}

// ResumingConfig is cfg with a transport of its own that resumes TLS
// sessions, dialed by dial (nil: client-go's own dialer settings). It is
// the transport client-go would build (utilnet.SetTransportDefaults, HTTP/2
// with its health checks) with a session cache added: client-go's has
// none, so every connection a clientset dials is a full handshake, one
// signature on each side. After a cut of the API path the harness's own
// clients all redial within milliseconds of the lift (the recovery checks
// at once, the writer and the poller, the informers, each with a
// connection or more of their own), and their full handshakes on both
// sides (a 2048-bit RSA signature with the client certificate each) were
// a fifth of the machine's CPU in the 60 ms in which the series' first
// answers were due (perf, calibrate-reset-20s). A config whose
// credentials hook into the TLS handshake or the transport (an exec or
// auth provider, a transport of its own) comes back unchanged.
func ResumingConfig(cfg *rest.Config, dial DialFunc) (*rest.Config, error) {
	var tlsConfig *tls.Config
	if cfg.ExecProvider == nil && cfg.AuthProvider == nil && cfg.Transport == nil {
		var err error
		if tlsConfig, err = rest.TLSConfigFor(cfg); err != nil {
			return nil, fmt.Errorf("TLS config for %s: %w", cfg.Host, err)
		}
	}
	if tlsConfig == nil { // plain HTTP, or credentials of the handshake's own
		c := rest.CopyConfig(cfg)
		if dial != nil {
			c.Dial = dial
		}
		return c, nil
	}
	tlsConfig.ClientSessionCache = keptSessions(0)
	if dial == nil {
		dial = cfg.Dial
	}
	if dial == nil {
		dial = clientGoDialer.DialContext
	}
	proxy := cfg.Proxy
	if proxy == nil {
		proxy = http.ProxyFromEnvironment
	}
	c := rest.CopyConfig(cfg)
	c.Transport = utilnet.SetTransportDefaults(&http.Transport{
		Proxy:               proxy,
		TLSHandshakeTimeout: 10 * time.Second,
		TLSClientConfig:     tlsConfig,
		MaxIdleConnsPerHost: 25, // client-go's
		DialContext:         dial,
		DisableCompression:  cfg.DisableCompression,
	})
	// The transport carries the TLS settings now; client-go refuses a
	// transport of one's own beside them. Its wrappers (credentials,
	// WrapTransport) still go around it.
	c.TLSClientConfig, c.Dial, c.Proxy = rest.TLSClientConfig{}, nil, nil
	return c, nil
}

// keptSessions is a TLS session cache of capacity entries (0: Go's
// default) that keeps a session when a handshake that tried to resume it
// fails. Go's client forgets the session then (RFC 5077 3.2, against a
// corrupted ticket), and a cut of the path fails every handshake: after
// each cut every client did a full handshake at the lift, as many at once
// as were redialing (calibrate-reset-20s: ten in the 50 ms after the lift,
// six of the series' own). A ticket the server can no longer read (a
// restarted API server has new ticket keys) is no failure: the server
// does a full handshake instead.
func keptSessions(capacity int) tls.ClientSessionCache {
	return sessionsKept{tls.NewLRUClientSessionCache(capacity)}
}

type sessionsKept struct{ tls.ClientSessionCache }

// Put stores a session; a nil one (a failed handshake's) changes nothing.
func (c sessionsKept) Put(key string, cs *tls.ClientSessionState) {
	if cs != nil {
		c.ClientSessionCache.Put(key, cs)
	}
}

// clientGoDialer has client-go's own dialer settings, for the transports
// the harness builds in place of client-go's.
var clientGoDialer = &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}

func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// DirectConfig is cfg aimed at one API server by address instead of the
// client endpoint (the load balancer on HA); the API server's certificate
// carries its node address.
func DirectConfig(cfg *rest.Config, address string) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Host = "https://" + net.JoinHostPort(address, kubeadm.APIServerPort)
	return c
}

// APIServerReady asks one API server directly for /readyz.
func APIServerReady(ctx context.Context, cfg *rest.Config, timeout time.Duration) error {
	client, err := apiClient(cfg, timeout, false, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := get(ctx, client, cfg.Host+"/readyz"); err != nil {
		return fmt.Errorf("%s/readyz: %w", cfg.Host, err)
	}
	return nil
}
