package timeline

import (
	"strings"
	"testing"
)

// conned gives every sample of a probe the connection conn(start) carried.
func conned(ss []Sample, conn func(start float64) string) []Sample {
	for i := range ss {
		ss[i].Conn = conn(ss[i].Start.Sub(t0).Seconds())
	}
	return ss
}

func TestConnectionStuck(t *testing.T) {
	// Writes every 250 ms; the server behind the load balancer froze at
	// 10 s. Requests time out after 1 s.
	frozen := func(from, to float64) answer {
		return func(start float64) (float64, bool) {
			if start >= from && start < to {
				return start + 1, false
			}
			return start + 0.01, true
		}
	}
	for _, tc := range []struct {
		name     string
		samples  []Sample
		measured bool
		want     float64
		note     string
	}{
		{"no connection recorded", probe("write", 0, 60, 0.25, frozen(10, 34)), false, 0, "no sample recorded its connection"},
		{
			// 96 reset streams filled the server's 100 streams: the client
			// dialled again at 34 s and the load balancer chose a live one.
			"pinned, then a new connection",
			conned(probe("write", 0, 60, 0.25, frozen(10, 34)), func(s float64) string {
				if s < 34 {
					return "127.0.0.1:40001"
				}
				return "127.0.0.1:40002"
			}),
			true, 24.01, "series write: 96 requests failed on connection 127.0.0.1:40001, served again over 127.0.0.1:40002",
		},
		{
			// The cluster was down and came back on the same connection:
			// an outage, not a stuck connection.
			"down and back on the same connection",
			conned(probe("write", 0, 60, 0.25, frozen(10, 34)), func(float64) string { return "127.0.0.1:40001" }),
			true, 0, "no series was stuck",
		},
		{
			// A server that is gone: the old connection fails a few
			// requests, then dials fail (no connection at all) until it
			// is back. Its outage, not a stuck connection.
			"the old connection, then failed dials",
			conned(probe("etcd/cp3", 0, 60, 0.25, frozen(10, 34)), func(s float64) string {
				switch {
				case s < 12:
					return "172.29.46.1:50920"
				case s < 34:
					return ""
				}
				return "172.29.46.1:52540"
			}),
			true, 0, "no series was stuck",
		},
		{
			// Failures over fresh connections (every request dials) are
			// not one stuck connection.
			"failed over several connections",
			conned(probe("api/client/new/etcd", 0, 60, 0.25, frozen(10, 34)), func(s float64) string { return "127.0.0.1:" + string(rune('a'+int(s))) }),
			true, 0, "no series was stuck",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := connectionStuck(Timeline{Samples: tc.samples})
			if r.Measured != tc.measured || !near(r.Value, tc.want) || !strings.Contains(r.Note, tc.note) {
				t.Errorf("got %v measured %v (%q), want %v measured %v (%q)", r.Value, r.Measured, r.Note, tc.want, tc.measured, tc.note)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 0.005 && b-a < 0.005 }
