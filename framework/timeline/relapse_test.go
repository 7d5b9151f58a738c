package timeline

import (
	"strings"
	"testing"
	"time"
)

// figureOf is the figure name among figs.
func figureOf(t *testing.T, figs []Figure, name string) Figure {
	t.Helper()
	for _, f := range figs {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no figure %s", name)
	return Figure{}
}

// Relapse or stall, on a recorded kill-etcd-leader drill on kind-ha (the
// leader on firedrill-ha-control-plane SIGKILLed; its member served again
// about 2 s later), with a second failure added 20 s after the fault.
func TestRelapseOrStallOnARecordedDrill(t *testing.T) {
	const (
		target = "firedrill-ha-control-plane"
		other  = "firedrill-ha-control-plane3"
	)
	base := loadTimeline(t, "testdata/kill-etcd-leader-ha.json.gz")
	at, ok := InjectAt(base)
	if !ok {
		t.Fatal("the recorded drill has no fault")
	}
	before := figureOf(t, Derive(base), EtcdRecovery)
	if !before.Measured || before.Value > 5 {
		t.Fatalf("recorded etcd.recovery %v (%s), want measured within 5 s", before.Value, before.Note)
	}
	if r := figureOf(t, Derive(base), RecoveryStalled); !r.Measured || r.Value != 0 {
		t.Errorf("recorded recovery.stalled %v measured %v (%s), want 0", r.Value, r.Measured, r.Note)
	}
	sec := func(s float64) time.Time { return at.Add(time.Duration(s * float64(time.Second))) }
	timeout := "context deadline exceeded"
	failed := func(series string, from, to float64, err string) Sample {
		return Sample{Series: series, Start: sec(from), End: sec(to), Error: err}
	}
	with := func(extra ...Sample) Timeline {
		tl := base
		tl.Samples = append(append([]Sample(nil), base.Samples...), extra...)
		return tl
	}
	for _, tc := range []struct {
		name     string
		extra    []Sample
		moved    bool   // etcd.recovery moves to the second failure
		stallHas string // in recovery.stalled's note, when it is a stall
	}{
		{
			name: "a timeout of the faulted member together with one on an untouched node is a stall",
			extra: []Sample{failed(SeriesEtcdPrefix+target, 20, 21, timeout),
				failed(APISeries(other, "reused", "etcd"), 19.9, 20.9, timeout)},
			stallHas: "etcd member on " + target + " 20.00s after the fault",
		},
		{
			name: "a request the harness held back is no answer, as a timeout is none",
			extra: []Sample{failed(SeriesEtcdPrefix+target, 20, 21, timeout),
				failed(SeriesEtcdPrefix+target, 20.1, 20.1, "Get \"https://x\": client: "+HeldBack),
				failed(APISeries(other, "reused", "etcd"), 19.9, 20.9, timeout)},
			stallHas: "etcd member on " + target + " 20.00s after the fault",
		},
		{
			name:  "a timeout of the faulted member alone is a relapse",
			extra: []Sample{failed(SeriesEtcdPrefix+target, 20, 21, timeout)},
			moved: true,
		},
		{
			name: "a refusal is a relapse, whatever else timed out",
			extra: []Sample{failed(SeriesEtcdPrefix+target, 20, 20, "dial tcp: connect: connection refused"),
				failed(APISeries(other, "reused", "etcd"), 19.9, 20.9, timeout)},
			moved: true,
		},
		{
			name: "a timeout on the member's own node is no witness",
			extra: []Sample{failed(SeriesEtcdPrefix+other, 20, 21, timeout),
				failed(APISeries(other, "reused", "etcd"), 19.9, 20.9, timeout)},
			moved: true,
		},
		{
			name: "the harness's control series is a witness",
			extra: []Sample{failed(SeriesEtcdPrefix+other, 20, 21, timeout),
				failed(SeriesControl, 19.95, 20.95, timeout)},
			stallHas: "etcd member on " + other,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			figs := Derive(with(tc.extra...))
			rec, stalled := figureOf(t, figs, EtcdRecovery), figureOf(t, figs, RecoveryStalled)
			switch {
			case tc.moved:
				if !rec.Measured || rec.Value < 20 {
					t.Errorf("etcd.recovery %v (%s), want it moved past 20 s", rec.Value, rec.Note)
				}
			default:
				if !rec.Measured || rec.Value != before.Value {
					t.Errorf("etcd.recovery %v (%s), want the recorded %v", rec.Value, rec.Note, before.Value)
				}
				if !stalled.Measured || stalled.Value <= 0 || !strings.Contains(stalled.Note, tc.stallHas) {
					t.Errorf("recovery.stalled %v (%s), want > 0 naming %q", stalled.Value, stalled.Note, tc.stallHas)
				}
			}
		})
	}
}
