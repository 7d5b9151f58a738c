package timeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Harness is what the harness itself cost over the probe window, as the
// harness process counted it: a harness heavier than its budget perturbs
// what it measures (the API servers serve its probes, the machine runs its
// commands), so its own figures are judged with the cluster's.
type Harness struct {
	// Start and End bound the measurement: the probes' window.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// CPUSeconds is the user and system CPU time of the whole harness
	// process over the window (getrusage RUSAGE_SELF): the probes and
	// everything else it did meanwhile (checks, faults, the live line).
	// ChildCPUSeconds is that of the commands it ran and waited for
	// (RUSAGE_CHILDREN: the docker CLI on kind). Nil: not read.
	CPUSeconds      *float64 `json:"cpuSeconds,omitempty"`
	ChildCPUSeconds *float64 `json:"childCPUSeconds,omitempty"`
	// PeakRSSBytes is the most resident memory of the process among
	// RSSSamples readings taken over the window (one a second, and at
	// both ends); 0 with no reading: not measured.
	PeakRSSBytes int64 `json:"peakRSSBytes,omitempty"`
	RSSSamples   int   `json:"rssSamples,omitempty"`
	// Servers are the API servers, by node name, the probes reached
	// directly; ClientServer is the one the client endpoint is, when it is
	// an API server itself (a single master: no load balancer in between),
	// else empty.
	Servers      []string `json:"servers,omitempty"`
	ClientServer string   `json:"clientServer,omitempty"`
	// Requests are the HTTP requests the harness sent to the cluster's
	// API in the window, counted where they leave the process.
	Requests []RequestCount `json:"requests"`
	// NodeCommands are the commands it ran on the nodes (docker exec and
	// the docker CLI on kind, SSH sessions on machines).
	NodeCommands []CommandCount `json:"nodeCommands"`
}

// RequestCount is how many requests of one kind went to one endpoint.
type RequestCount struct {
	// Endpoint is EndpointClient, an API server's node name, or the
	// host itself when it is neither.
	Endpoint string `json:"endpoint"`
	Host     string `json:"host"`
	// Kind is what sent them (the Request* kinds).
	Kind  string `json:"kind"`
	Count int64  `json:"count"`
}

// Request kinds: which part of the harness sent a request.
const (
	RequestProbe = "probe" // the API series' samples
	// RequestBurst are samples sent closer together around an outage's
	// edge: a budget "outside the edges' bursts" leaves them out.
	RequestBurst = "burst"
	RequestWrite = "write" // the writer's counter
	RequestPoll  = "poll"  // the Poller's lists
	RequestCheck = "check" // steady-state and recovery checks
	// RequestClient is every other client-go request: the informers'
	// lists and watches, the faults' and procedures' own calls.
	RequestClient = "client"
)

// CommandCount is how many commands ran on one node ("" for docker
// commands on the host that name no node).
type CommandCount struct {
	Node  string `json:"node"`
	Count int64  `json:"count"`
}

// The harness's own figures.
const (
	// HarnessCPU is the process's CPU over the window, in % of one core.
	HarnessCPU = "harness.cpu"
	// HarnessRSSPeak is its peak resident memory in the window (bytes).
	HarnessRSSPeak = "harness.rss.peak"
	// HarnessRequestsRate is the busiest API server's requests per second
	// from the harness, the edges' bursts left out.
	HarnessRequestsRate = "harness.requests.rate"
	// HarnessExecRate is the commands per second on the nodes.
	HarnessExecRate = "harness.exec.rate"
)

// harnessFigureInfos are the harness's own entries in the figure table.
var harnessFigureInfos = []FigureInfo{
	{Name: HarnessCPU, Unit: Percent, Meaning: "CPU of the whole harness process over the probe window, in % of one core (getrusage)"},
	{Name: HarnessRSSPeak, Unit: Count, Meaning: "bytes: the harness process's peak resident memory over the probe window (read once a second)"},
	{Name: HarnessRequestsRate, Unit: Rate, Meaning: "requests per second the harness sent to its busiest API server over the probe window, " +
		"edge bursts left out; behind a load balancer each server is counted with all of the client endpoint's requests (an upper bound)"},
	{Name: HarnessExecRate, Unit: Rate, Meaning: "commands per second the harness ran on the nodes (docker exec and docker commands on kind, SSH sessions; a shell kept open in a node for an API cut counts once, when opened)"},
}

// HarnessCost says whether a figure is one of the harness's own cost: a
// budget on it is of kind harness, and judged as such.
func HarnessCost(name string) bool {
	return slices.ContainsFunc(harnessFigureInfos, func(f FigureInfo) bool { return f.Name == name })
}

const noHarness = "not measured in this run (recorded before the harness measured itself)"

// harnessLoadFigures are the harness's own cost, from tl.Harness.
func harnessLoadFigures(tl Timeline) []result {
	h := tl.Harness
	if h == nil {
		return allUnknown([]string{HarnessCPU, HarnessRSSPeak, HarnessRequestsRate, HarnessExecRate}, noHarness)
	}
	window := h.End.Sub(h.Start).Seconds()
	if window <= 0 {
		return allUnknown([]string{HarnessCPU, HarnessRSSPeak, HarnessRequestsRate, HarnessExecRate}, emptyWindowNote)
	}
	rs := make([]result, 0, 4)
	if h.CPUSeconds == nil {
		rs = append(rs, unknown(HarnessCPU, "the process's CPU time could not be read"))
	} else {
		note := fmt.Sprintf("%.1f s of CPU in %.0f s", *h.CPUSeconds, window)
		if h.ChildCPUSeconds != nil {
			note += fmt.Sprintf("; the commands it ran used %.1f%% more", 100**h.ChildCPUSeconds/window)
		}
		rs = append(rs, measured(HarnessCPU, 100**h.CPUSeconds/window, note))
	}
	if h.RSSSamples == 0 || h.PeakRSSBytes <= 0 {
		rs = append(rs, unknown(HarnessRSSPeak, "the process's resident memory could not be read"))
	} else {
		rs = append(rs, measured(HarnessRSSPeak, float64(h.PeakRSSBytes),
			fmt.Sprintf("%.0f MiB, the most of %d readings", float64(h.PeakRSSBytes)/(1<<20), h.RSSSamples)))
	}
	rs = append(rs, requestsRate(h, window))
	var cmds int64
	var per []string
	for _, c := range h.NodeCommands {
		cmds += c.Count
		node := c.Node
		if node == "" {
			node = "host"
		}
		per = append(per, fmt.Sprintf("%s %d", node, c.Count))
	}
	slices.Sort(per)
	note := fmt.Sprintf("%d commands in %.0f s", cmds, window)
	if len(per) > 0 {
		note += ": " + strings.Join(per, ", ")
	}
	rs = append(rs, measured(HarnessExecRate, float64(cmds)/window, note))
	return rs
}

// requestsRate is the busiest API server's rate, bursts left out. A
// server gets the requests sent to it directly and those through the
// client endpoint: all of them when the client endpoint is that server
// (exact), and all of them too behind a load balancer, which the harness
// cannot see past: an HTTP/2 connection through it stays on one server,
// so one server may get every one of them (an upper bound).
func requestsRate(h *Harness, window float64) result {
	perEndpoint := map[string]int64{}
	perKind := map[string]map[string]int64{}
	var bursts int64
	for _, r := range h.Requests {
		if r.Kind == RequestBurst {
			bursts += r.Count
			continue
		}
		perEndpoint[r.Endpoint] += r.Count
		if perKind[r.Endpoint] == nil {
			perKind[r.Endpoint] = map[string]int64{}
		}
		perKind[r.Endpoint][r.Kind] += r.Count
	}
	servers := slices.Clone(h.Servers)
	if h.ClientServer != "" && !slices.Contains(servers, h.ClientServer) {
		servers = append(servers, h.ClientServer)
	}
	if len(servers) == 0 {
		// No API server is known by name (observe mode on a managed
		// control plane): the client endpoint is all there is.
		servers = []string{EndpointClient}
	}
	slices.Sort(servers)
	busiest, most := "", int64(-1)
	for _, s := range servers {
		n := perEndpoint[s]
		if s != EndpointClient {
			n += perEndpoint[EndpointClient]
		}
		if n > most {
			busiest, most = s, n
		}
	}
	var parts []string
	for _, ep := range slices.Sorted(maps.Keys(perEndpoint)) {
		var kinds []string
		for _, k := range slices.Sorted(maps.Keys(perKind[ep])) {
			kinds = append(kinds, fmt.Sprintf("%s %.1f", k, float64(perKind[ep][k])/window))
		}
		parts = append(parts, fmt.Sprintf("%s %.1f/s (%s)", ep, float64(perEndpoint[ep])/window, strings.Join(kinds, ", ")))
	}
	how := "the client endpoint is that server"
	if h.ClientServer == "" && len(h.Servers) > 0 {
		how = "with every request through the load balancer (an upper bound)"
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	note := fmt.Sprintf("busiest %s, %s; sent to: %s", busiest, how, strings.Join(parts, ", "))
	if bursts > 0 {
		note += fmt.Sprintf("; %d edge-burst requests left out", bursts)
	}
	return measured(HarnessRequestsRate, float64(most)/window, note)
}
