package timeline

import (
	"fmt"
	"slices"
)

// connectionStuck finds, per series, the outages spent on one connection:
// a run of failed requests that all went over the connection that served
// the series before, ended by an answer over another connection. A request
// that got no connection at all (a failed dial) means the client had left
// the old one: no stuck connection, the server or the path was down. Such an
// outage is the client's connection, not the cluster: a load balancer that
// proxies TCP keeps a connection on the server it chose, and a frozen
// server still holds the TCP session open. It lasts from the run's first
// request to the earliest answer after it (the outage rules).
func connectionStuck(tl Timeline) result {
	bySeries := map[string][]Sample{}
	anyConn := false
	for _, s := range tl.Samples {
		bySeries[s.Series] = append(bySeries[s.Series], s)
		anyConn = anyConn || s.Conn != ""
	}
	if !anyConn {
		r := unknown(ConnectionStuck, "no sample recorded its connection")
		r.notProbed = true
		return r
	}
	worst, note := 0.0, "no series was stuck on one connection"
	names := make([]string, 0, len(bySeries))
	for name := range bySeries {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		ss := bySeries[name]
		slices.SortStableFunc(ss, func(a, b Sample) int { return a.Start.Compare(b.Start) })
		for i := 0; i < len(ss); i++ {
			if ss[i].OK || i == 0 || !ss[i-1].OK || ss[i-1].Conn == "" {
				continue
			}
			// A run of failures starts at i, after an answer over conn.
			conn, first := ss[i-1].Conn, ss[i]
			j, pinned := i, true
			for ; j < len(ss) && !ss[j].OK; j++ {
				if ss[j].Conn != conn {
					pinned = false
				}
			}
			if j == len(ss) || !pinned {
				i = j
				continue
			}
			// The earliest answer after the run's first request.
			end := ss[j].End
			for _, s := range ss[j:] {
				if s.OK && s.End.Before(end) {
					end = s.End
				}
			}
			if ss[j].Conn != "" && ss[j].Conn != conn {
				if d := end.Sub(first.Start).Seconds(); d > worst {
					worst = d
					note = fmt.Sprintf("series %s: %d requests failed on connection %s, served again over %s", name, j-i, conn, ss[j].Conn)
				}
			}
			i = j
		}
	}
	return measured(ConnectionStuck, worst, note)
}
