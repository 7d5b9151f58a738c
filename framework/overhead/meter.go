package overhead

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
)

// Endpoints names the hosts ("host:port", as in a request's URL) the
// harness sends API requests to.
type Endpoints struct {
	// Client is the client endpoint's host (the kubeconfig's server).
	Client string
	// Servers are the API servers reached directly: host to node name.
	Servers map[string]string
	// ClientServer is the API server the client endpoint is, when the
	// cluster has one API server only: whatever is in front of it, every
	// request through the client endpoint reaches it. Empty otherwise.
	ClientServer string
}

// name is the endpoint a host is: the API server's node name, the client
// endpoint, or the host itself when it is neither. A client endpoint that
// is a server's own address (a single master reached by its address) is
// that server.
func (e Endpoints) name(host string) string {
	if n, ok := e.Servers[host]; ok {
		return n
	}
	if host == e.Client {
		return timeline.EndpointClient
	}
	return host
}

// rssEvery is how often a Meter reads the resident memory: a peak shorter
// than that between two readings is missed, and the figure's note says
// how many readings it is the most of.
const rssEvery = time.Second

// Meter measures the harness's cost over one window: Start it when the
// probes start, Stop it when they stop.
type Meter struct {
	ep    Endpoints
	read  readers
	start time.Time
	cpu0  cpuTimes
	req0  map[requestKey]int64
	cmd0  map[string]int64

	mu      sync.Mutex
	peak    int64
	samples int
	stop    chan struct{}
	done    chan struct{}
}

// readers read the process's own numbers; tests put fakes in their place.
type readers struct {
	cpu   func() cpuTimes
	rss   func() (int64, bool)
	every time.Duration
}

// cpuTimes is CPU seconds of the process and of its waited-for children.
type cpuTimes struct {
	self, children float64
	ok             bool
}

var processReaders = readers{cpu: readCPU, rss: readRSS, every: rssEvery}

// Start begins a window at start.
func Start(start time.Time, ep Endpoints) *Meter { return startWith(start, ep, processReaders) }

func startWith(start time.Time, ep Endpoints, r readers) *Meter {
	m := &Meter{ep: ep, read: r, start: start, cpu0: r.cpu(), req0: requests.snapshot(), cmd0: commands.snapshot(),
		stop: make(chan struct{}), done: make(chan struct{})}
	m.sampleRSS()
	go func() {
		defer close(m.done)
		t := time.NewTicker(r.every)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.sampleRSS()
			}
		}
	}()
	return m
}

func (m *Meter) sampleRSS() {
	b, ok := m.read.rss()
	if !ok {
		return
	}
	m.mu.Lock()
	m.samples++
	m.peak = max(m.peak, b)
	m.mu.Unlock()
}

// Stop ends the window at end and returns what the harness cost in it.
// Call it once.
func (m *Meter) Stop(end time.Time) timeline.Harness {
	cpu := m.read.cpu()
	req, cmd := requests.snapshot(), commands.snapshot()
	close(m.stop)
	<-m.done
	m.sampleRSS()
	h := timeline.Harness{Start: m.start, End: end, Requests: []timeline.RequestCount{}, NodeCommands: []timeline.CommandCount{}}
	if cpu.ok && m.cpu0.ok {
		self, children := cpu.self-m.cpu0.self, cpu.children-m.cpu0.children
		h.CPUSeconds, h.ChildCPUSeconds = &self, &children
	}
	m.mu.Lock()
	h.PeakRSSBytes, h.RSSSamples = m.peak, m.samples
	m.mu.Unlock()
	for _, n := range m.ep.Servers {
		h.Servers = append(h.Servers, n)
	}
	slices.Sort(h.Servers)
	h.ClientServer = m.ep.ClientServer
	for k, v := range req {
		if n := v - m.req0[k]; n > 0 {
			h.Requests = append(h.Requests, timeline.RequestCount{Endpoint: m.ep.name(k.host), Host: k.host, Kind: k.kind, Count: n})
		}
	}
	slices.SortFunc(h.Requests, func(a, b timeline.RequestCount) int {
		return strings.Compare(a.Host+" "+a.Kind, b.Host+" "+b.Kind)
	})
	for node, v := range cmd {
		if n := v - m.cmd0[node]; n > 0 {
			h.NodeCommands = append(h.NodeCommands, timeline.CommandCount{Node: node, Count: n})
		}
	}
	slices.SortFunc(h.NodeCommands, func(a, b timeline.CommandCount) int { return strings.Compare(a.Node, b.Node) })
	return h
}

// readCPU is the user and system CPU time of the whole process (every
// goroutine: the probes and all else the harness does), and of the
// children it waited for (the docker CLI it runs).
func readCPU() cpuTimes {
	var self, children syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) != nil {
		return cpuTimes{}
	}
	secs := func(r syscall.Rusage) float64 {
		return time.Duration(syscall.TimevalToNsec(r.Utime) + syscall.TimevalToNsec(r.Stime)).Seconds()
	}
	return cpuTimes{self: secs(self), children: secs(children), ok: true}
}

// readRSS is the process's resident memory now, from /proc/self/statm
// (its second field, in pages): getrusage's ru_maxrss is the peak of the
// process's whole life, which after a first drill says nothing of the
// next one's window.
func readRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
