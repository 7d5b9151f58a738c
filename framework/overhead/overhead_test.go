package overhead

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/timeline"
)

// fakeReaders read CPU and memory from the test: each CPU reading is the
// next of cpu, each memory reading the next of rss (its last repeated).
func fakeReaders(cpu []cpuTimes, rss []int64) readers {
	var mu sync.Mutex
	next := func(i *int, n int) int {
		mu.Lock()
		defer mu.Unlock()
		k := min(*i, n-1)
		*i++
		return k
	}
	var ci, ri int
	return readers{
		cpu:   func() cpuTimes { return cpu[next(&ci, len(cpu))] },
		rss:   func() (int64, bool) { return rss[next(&ri, len(rss))], true },
		every: time.Hour, // the test reads at both ends only
	}
}

// Every request a counted client sends is counted under its host and
// kind, where it leaves: client-go's (a counted rest.Config), a probe's
// own transport, a request its context marks as a burst; the meter keeps
// only those of its window, and names each host's endpoint.
func TestMeterCountsRequestsAndCommands(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	host := hostOf(t, srv.URL)
	cs, err := kubernetes.NewForConfig(Counted(&rest.Config{Host: srv.URL}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	readyz := func(ctx context.Context) {
		if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
			t.Fatal(err)
		}
	}
	readyz(ctx) // before the window: not counted
	NodeCommand("cp")

	m := startWith(time.Unix(100, 0), Endpoints{Client: host, Servers: map[string]string{"10.0.0.2:6443": "cp"}, ClientServer: "cp"},
		fakeReaders([]cpuTimes{{self: 10, children: 1, ok: true}, {self: 12.5, children: 1.5, ok: true}}, []int64{50 << 20, 80 << 20, 60 << 20}))
	readyz(ctx)
	readyz(DefaultKind(ctx, timeline.RequestCheck))
	readyz(WithKind(DefaultKind(ctx, timeline.RequestCheck), timeline.RequestBurst))
	// A kind already set stays: a burst's probe request is a burst.
	probe := &http.Client{Transport: Transport(http.DefaultTransport, timeline.RequestProbe)}
	for _, c := range []context.Context{ctx, DefaultKind(WithKind(ctx, timeline.RequestBurst), timeline.RequestProbe)} {
		req, _ := http.NewRequestWithContext(c, http.MethodGet, srv.URL+"/x", nil)
		resp, err := probe.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	NodeCommand("cp")
	NodeCommand("cp")
	NodeCommand("")
	h := m.Stop(time.Unix(110, 0))

	want := map[string]int64{timeline.RequestClient: 1, timeline.RequestCheck: 1, timeline.RequestBurst: 2, timeline.RequestProbe: 1}
	got := map[string]int64{}
	for _, r := range h.Requests {
		if r.Host != host || r.Endpoint != timeline.EndpointClient {
			t.Errorf("request %+v: want host %s named %s", r, host, timeline.EndpointClient)
		}
		got[r.Kind] += r.Count
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s requests: %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	wantCmd := map[string]int64{"cp": 2, "": 1}
	for _, c := range h.NodeCommands {
		if c.Count != wantCmd[c.Node] {
			t.Errorf("commands on %q: %d, want %d", c.Node, c.Count, wantCmd[c.Node])
		}
	}
	if len(h.NodeCommands) != len(wantCmd) {
		t.Errorf("commands %v, want %v", h.NodeCommands, wantCmd)
	}
	if h.CPUSeconds == nil || *h.CPUSeconds != 2.5 || h.ChildCPUSeconds == nil || *h.ChildCPUSeconds != 0.5 {
		t.Errorf("CPU %v, children %v: want 2.5 s and 0.5 s", h.CPUSeconds, h.ChildCPUSeconds)
	}
	if h.PeakRSSBytes != 80<<20 || h.RSSSamples != 2 {
		t.Errorf("peak RSS %d of %d readings, want %d of 2", h.PeakRSSBytes, h.RSSSamples, 80<<20)
	}
	if h.ClientServer != "cp" || len(h.Servers) != 1 || h.Servers[0] != "cp" || !h.Start.Equal(time.Unix(100, 0)) || !h.End.Equal(time.Unix(110, 0)) {
		t.Errorf("window and servers: %+v", h)
	}
}

// A CPU time that could not be read leaves the figure's data missing
// (not measured), never 0.
func TestMeterWithoutCPU(t *testing.T) {
	m := startWith(time.Unix(0, 0), Endpoints{}, fakeReaders([]cpuTimes{{}}, []int64{1}))
	if h := m.Stop(time.Unix(1, 0)); h.CPUSeconds != nil || h.ChildCPUSeconds != nil {
		t.Errorf("CPU %v, %v without a reading", h.CPUSeconds, h.ChildCPUSeconds)
	}
}

// The process's own readings work here (Linux): a CPU time that grows, a
// resident size of at least a MiB.
func TestProcessReaders(t *testing.T) {
	a := readCPU()
	for i := 0; i < 2e7; i++ {
		_ = i * i
	}
	b := readCPU()
	if !a.ok || !b.ok || b.self < a.self {
		t.Errorf("CPU readings %+v then %+v", a, b)
	}
	if rss, ok := readRSS(); !ok || rss < 1<<20 {
		t.Errorf("RSS %d (%v)", rss, ok)
	}
}

func hostOf(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
