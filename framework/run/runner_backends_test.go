package run

import (
	"io"
	"testing"
)

// The default backends make the probes' writer and poller a client of
// their own, dialed through the API path's gate: without ConnectVia the
// drill shares its one client with them, and after a cut they redial
// beside the series' first requests.
func TestDefaultBackendsConnectVia(t *testing.T) {
	if b := DefaultBackends(io.Discard); b.ConnectVia == nil {
		t.Error("DefaultBackends has no ConnectVia: the writer and the poller would not go through the path's gate")
	}
}
