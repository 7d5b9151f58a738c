package timeline

import (
	"strings"
	"testing"
	"time"
)

func cpu(x float64) *float64 { return &x }

// The harness's own cost, from what it counted over a 100 s window: CPU in
// % of a core, the peak of its memory readings, the busiest API server's
// requests a second without the edges' bursts, node commands a second.
func TestHarnessFigures(t *testing.T) {
	t0 := time.Unix(5000, 0)
	single := Harness{Start: t0, End: t0.Add(100 * time.Second), CPUSeconds: cpu(6), ChildCPUSeconds: cpu(2),
		PeakRSSBytes: 90 << 20, RSSSamples: 101, Servers: []string{"cp"}, ClientServer: "cp",
		Requests: []RequestCount{
			{Endpoint: EndpointClient, Host: "127.0.0.1:6443", Kind: RequestProbe, Count: 4000},
			{Endpoint: EndpointClient, Host: "127.0.0.1:6443", Kind: RequestPoll, Count: 300},
			{Endpoint: EndpointClient, Host: "127.0.0.1:6443", Kind: RequestBurst, Count: 700},
			{Endpoint: "cp", Host: "10.0.0.2:6443", Kind: RequestCheck, Count: 100},
		},
		NodeCommands: []CommandCount{{Node: "cp", Count: 150}, {Node: "", Count: 50}}}
	figs := Derive(Timeline{Start: t0, End: t0.Add(100 * time.Second), Harness: &single})
	for name, want := range map[string]float64{
		HarnessCPU:     6,
		HarnessRSSPeak: 90 << 20,
		// The client endpoint is the only server: 4000 + 300 + 100 in
		// 100 s, the 700 burst requests left out.
		HarnessRequestsRate: 44,
		HarnessExecRate:     2,
	} {
		f := figureOf(t, figs, name)
		if !f.Measured || f.Value != want {
			t.Errorf("%s = %v (measured %v, %s), want %v", name, f.Value, f.Measured, f.Note, want)
		}
	}
	if n := figureOf(t, figs, HarnessRequestsRate).Note; !strings.Contains(n, "700 edge-burst requests left out") || !strings.Contains(n, "client 43.0/s") {
		t.Errorf("requests note %q: want the per-endpoint breakdown and the bursts left out", n)
	}
	if n := figureOf(t, figs, HarnessCPU).Note; !strings.Contains(n, "2.0% more") {
		t.Errorf("cpu note %q: want the commands' own CPU", n)
	}

	// Behind a load balancer the harness cannot tell which server got
	// the client endpoint's requests: the busiest server is counted with
	// all of them.
	ha := Harness{Start: t0, End: t0.Add(10 * time.Second), CPUSeconds: cpu(1), PeakRSSBytes: 1, RSSSamples: 1,
		Servers: []string{"cp1", "cp2"},
		Requests: []RequestCount{
			{Endpoint: EndpointClient, Host: "lb:6443", Kind: RequestProbe, Count: 200},
			{Endpoint: "cp1", Host: "10.0.0.2:6443", Kind: RequestProbe, Count: 50},
			{Endpoint: "cp2", Host: "10.0.0.3:6443", Kind: RequestProbe, Count: 60},
		}}
	f := figureOf(t, Derive(Timeline{Harness: &ha}), HarnessRequestsRate)
	if !f.Measured || f.Value != 26 || !strings.Contains(f.Note, "busiest cp2") || !strings.Contains(f.Note, "upper bound") {
		t.Errorf("HA requests rate = %v (%s), want 26 on cp2, an upper bound", f.Value, f.Note)
	}
	// No command and no request is a measured zero, not a missing value.
	idle := Harness{Start: t0, End: t0.Add(10 * time.Second)}
	if f := figureOf(t, Derive(Timeline{Harness: &idle}), HarnessExecRate); !f.Measured || f.Value != 0 {
		t.Errorf("no command: %+v, want a measured 0", f)
	}
}

// What was not read is not measured, never 0: a timeline recorded before
// the harness measured itself, and a reading that failed.
func TestHarnessFiguresNotMeasured(t *testing.T) {
	t0 := time.Unix(5000, 0)
	for _, f := range Derive(Timeline{Start: t0, End: t0.Add(time.Minute)}) {
		if HarnessCost(f.Name) && (f.Measured || f.Note != noHarness) {
			t.Errorf("no harness data: %+v, want not measured", f)
		}
	}
	unread := Harness{Start: t0, End: t0.Add(time.Minute)}
	figs := Derive(Timeline{Harness: &unread})
	for _, name := range []string{HarnessCPU, HarnessRSSPeak} {
		if f := figureOf(t, figs, name); f.Measured {
			t.Errorf("%s measured without a reading: %+v", name, f)
		}
	}
	if f := figureOf(t, Derive(Timeline{Harness: &Harness{Start: t0, End: t0}}), HarnessCPU); f.Measured {
		t.Errorf("empty window: %+v, want not measured", f)
	}
}
