// Package overhead measures what the harness itself costs while it
// measures a cluster: its process's CPU and memory, the requests it sends
// to the API servers and the commands it runs on the nodes. It counts
// where the cost leaves the process (an HTTP transport, a provider's
// command), process-wide, as getrusage does; a Meter turns the counts of
// one probe window into the timeline's data (timeline.Harness), from which
// the figures are derived.
package overhead

import (
	"context"
	"net/http"
	"sync"

	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/timeline"
)

// requestKey is what a request is counted under: where it went and what
// part of the harness sent it.
type requestKey struct{ host, kind string }

// counts are process-wide: every client the harness builds from a counted
// config adds to them, whichever drill it serves (drills run one at a
// time; a Meter takes the difference over its window).
type counts[K comparable] struct {
	mu sync.Mutex
	m  map[K]int64
}

func (c *counts[K]) add(k K) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[K]int64{}
	}
	c.m[k]++
	c.mu.Unlock()
}

// snapshot is a copy of the counts now.
func (c *counts[K]) snapshot() map[K]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[K]int64, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

var requests counts[requestKey]

type kindKey struct{}

// WithKind marks the requests sent with ctx as of kind (timeline.Request*),
// whatever their client's own kind: a sampler's burst around an outage's
// edge sends timeline.RequestBurst, which the request budget leaves out.
func WithKind(ctx context.Context, kind string) context.Context {
	return context.WithValue(ctx, kindKey{}, kind)
}

// DefaultKind is ctx marked as of kind unless it is marked already: a
// probe marks its own requests, and a caller that marked them otherwise
// (a burst) keeps its mark.
func DefaultKind(ctx context.Context, kind string) context.Context {
	if _, ok := ctx.Value(kindKey{}).(string); ok {
		return ctx
	}
	return WithKind(ctx, kind)
}

// transport counts every request on its way out, before it is sent: one
// that fails still reached for the server.
type transport struct {
	next http.RoundTripper
	kind string
}

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	kind, ok := req.Context().Value(kindKey{}).(string)
	if !ok {
		kind = t.kind
	}
	requests.add(requestKey{host: req.URL.Host, kind: kind})
	return t.next.RoundTrip(req)
}

// Transport wraps rt so every request it sends is counted, as kind unless
// its context says otherwise (WithKind).
func Transport(rt http.RoundTripper, kind string) http.RoundTripper {
	return transport{next: rt, kind: kind}
}

// Counted is a copy of cfg whose clients count every request they send,
// as timeline.RequestClient unless the request's context says otherwise.
// The counting transport is the innermost one (client-go puts the
// authentication wrappers around WrapTransport), so a retry counts again.
// Count a config once: clients of a config counted twice count twice.
func Counted(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper { return Transport(rt, timeline.RequestClient) })
	return c
}
