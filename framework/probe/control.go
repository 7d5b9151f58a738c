package probe

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
)

// Control is the harness watching itself: a listener inside the harness
// process on loopback, sampled like the cluster (same rate, same deadline,
// a new TCP connection per request, like the API's new-connection series).
// It depends on nothing but the harness process and the host's network
// stack, so a window in which it fails too is a harness stall (CPU
// starvation, a GC pause), which the figures keep out of the cluster's
// downtime (timeline.HarnessStalls).
type Control struct {
	srv *http.Server
	url string
}

// StartControl listens on a free loopback port.
func StartControl() (*Control, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("control listener: %w", err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	return &Control{srv: srv, url: "http://" + ln.Addr().String() + "/"}, nil
}

// Sampler is the control series.
func (c *Control) Sampler(timeout time.Duration) Sampler {
	client := &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext:       (&net.Dialer{Timeout: timeout}).DialContext,
	}}
	return Sampler{Series: timeline.SeriesControl, Do: func(ctx context.Context, _ int64) error {
		return get(ctx, client, c.url)
	}}
}

// Stop closes the listener.
func (c *Control) Stop() error { return c.srv.Close() }
