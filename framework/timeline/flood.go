package timeline

import (
	"fmt"
	"time"
)

// Flood is what a harness-run API flood (the api-flood fault) counted of
// its own requests: every request it sent, how the API server answered,
// and how long each took. The flood's client counts itself, so the
// rejections are the server's answers (429), not a guess from outside.
type Flood struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// User is who flooded (a ServiceAccount the drill made), Host the API
	// endpoint it sent to (the probes' own), Workers how many requests it
	// kept in flight at most.
	User    string `json:"user"`
	Host    string `json:"host"`
	Workers int    `json:"workers"`
	// Seeded are the objects made before the flood for its LISTs to carry.
	Seeded int `json:"seeded"`
	// Requests sent; OK answered 2xx; Rejected answered 429 Too Many
	// Requests (API Priority and Fairness shedding); Errors every other
	// failure (other status, timeout, connection).
	Requests int `json:"requests"`
	OK       int `json:"ok"`
	Rejected int `json:"rejected"`
	Errors   int `json:"errors"`
	// LatencyP50 and LatencyP99 are of every request, answered or not, in
	// seconds.
	LatencyP50 float64 `json:"latencyP50"`
	LatencyP99 float64 `json:"latencyP99"`
	// Error is why the flood did not run, or stopped early.
	Error string `json:"error,omitempty"`
}

// The flood's own figures.
const (
	FloodRequests      = "flood.requests"       // count
	FloodRejected      = "flood.rejected"       // count of 429s
	FloodRejectedShare = "flood.rejected.share" // %, 429s of requests
	FloodErrors        = "flood.errors"         // count of other failures
	FloodLatencyP99    = "flood.latency.p99"    // s
)

// floodFigures are the flood's counts as figures; without a flood they
// are not listed at all (assemble).
func floodFigures(tl Timeline) []result {
	names := []string{FloodRequests, FloodRejected, FloodRejectedShare, FloodErrors, FloodLatencyP99}
	fl := tl.Flood
	if fl == nil || fl.Start.IsZero() {
		why := "no flood ran"
		if fl != nil && fl.Error != "" {
			why += ": " + fl.Error
		}
		var rs []result
		for _, n := range names {
			rs = append(rs, unknown(n, why))
		}
		return rs
	}
	note := fmt.Sprintf("%d workers as %s for %.0f s", fl.Workers, fl.User, fl.End.Sub(fl.Start).Seconds())
	if fl.Error != "" {
		note += "; " + fl.Error
	}
	rs := []result{
		measured(FloodRequests, float64(fl.Requests), note),
		measured(FloodRejected, float64(fl.Rejected), note),
		measured(FloodErrors, float64(fl.Errors), note),
	}
	if fl.Requests > 0 {
		rs = append(rs, measured(FloodRejectedShare, 100*float64(fl.Rejected)/float64(fl.Requests), note),
			measured(FloodLatencyP99, fl.LatencyP99, fmt.Sprintf("p50 %.3f s; %s", fl.LatencyP50, note)))
	} else {
		rs = append(rs, unknown(FloodRejectedShare, "the flood sent no request: "+note), unknown(FloodLatencyP99, "the flood sent no request: "+note))
	}
	return rs
}

// floodFigureInfos are the flood's entries in the figure table.
var floodFigureInfos = []FigureInfo{
	{Name: FloodRequests, Unit: Count, Meaning: "requests the API flood sent (its own count)", Needs: NeedsFlood, HigherIsBetter: true},
	{Name: FloodRejected, Unit: Count, Meaning: "the flood's requests the API server refused with 429 (API Priority and Fairness shedding)", Needs: NeedsFlood},
	{Name: FloodRejectedShare, Unit: Percent, Meaning: "share of the flood's requests refused with 429", Needs: NeedsFlood},
	{Name: FloodErrors, Unit: Count, Meaning: "the flood's requests that failed otherwise (another status, a timeout, a connection)", Needs: NeedsFlood},
	{Name: FloodLatencyP99, Unit: Seconds, Meaning: "the 99th percentile of the flood's request latency", Needs: NeedsFlood},
}
