package timeline

import (
	"math"
	"strings"
	"testing"
	"time"
)

// Tests write times as float seconds from t0, rounded to the microsecond so
// that float noise (0.1*3) never shifts an instant.
var t0 = time.Date(2026, 3, 14, 10, 21, 7, 0, time.UTC)

func at(s float64) time.Time {
	return t0.Add(time.Duration(math.Round(s*1e6)) * time.Microsecond)
}

func iv(from, to float64) Interval { return Interval{From: at(from), To: at(to)} }

// answer is how the probed service answers a request sent at start (seconds
// from t0): when the answer comes back, and whether it is a success.
type answer func(start float64) (end float64, ok bool)

// probe sends one request every `every` seconds in [from, to).
func probe(series string, from, to, every float64, a answer) []Sample {
	var out []Sample
	for k := 0; ; k++ {
		start := from + float64(k)*every
		if start >= to-1e-9 {
			return out
		}
		end, ok := a(start)
		s := Sample{Series: series, Start: at(start), End: at(end), OK: ok}
		if !ok {
			s.Error = "connect: connection refused"
		}
		out = append(out, s)
	}
}

// refusedDuring answers in 10ms, except during the outages [from, to),
// where the connection is refused within 1ms.
func refusedDuring(outages ...[2]float64) answer {
	return func(start float64) (float64, bool) {
		for _, o := range outages {
			if start >= o[0] && start < o[1] {
				return start + 0.001, false
			}
		}
		return start + 0.010, true
	}
}

func inject(atS, doneS float64) Event {
	return Event{Kind: EventInject, Action: "reboot", Target: "cp1", At: at(atS), Done: at(doneS)}
}

func undo(atS, doneS float64) Event {
	return Event{Kind: EventRecover, Action: "unpause", Target: "cp1", At: at(atS), Done: at(doneS)}
}

// renewals are the observations of a Lease held by holder, renewed at the
// given instants and each seen 50ms later.
func renewals(ns, name, holder string, acquire float64, transitions int32, renews ...float64) []LeaseObservation {
	var out []LeaseObservation
	for _, r := range renews {
		out = append(out, LeaseObservation{
			ObservedAt: at(r + 0.05), Namespace: ns, Name: name, Holder: holder,
			Transitions: transitions, DurationSeconds: 15,
			AcquireTime: at(acquire), RenewTime: at(r),
		})
	}
	return out
}

func concat[T any](parts ...[]T) []T {
	var out []T
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// want is what a test expects of some figures: a value (measured) or a
// fragment of the note (unmeasured), and a fragment of the note of any
// figure in notes. Figures not named are not checked.
type want struct {
	values     map[string]float64
	unmeasured map[string]string
	notes      map[string]string
}

const tolerance = 1e-6

func checkFigures(t *testing.T, figs []Figure, w want) {
	t.Helper()
	byName := map[string]Figure{}
	for _, f := range figs {
		byName[f.Name] = f
	}
	for name, v := range w.values {
		f := byName[name]
		if !f.Measured {
			t.Errorf("%s unmeasured (%q), want %v", name, f.Note, v)
		} else if math.Abs(f.Value-v) > tolerance {
			t.Errorf("%s = %v, want %v (note %q)", name, f.Value, v, f.Note)
		}
	}
	for name, note := range w.unmeasured {
		f := byName[name]
		if f.Measured {
			t.Errorf("%s measured %v (note %q), want unmeasured with note %q", name, f.Value, f.Note, note)
		} else if !strings.Contains(f.Note, note) {
			t.Errorf("%s note = %q, want it to contain %q", name, f.Note, note)
		}
	}
	for name, note := range w.notes {
		if f := byName[name]; !strings.Contains(f.Note, note) {
			t.Errorf("%s note = %q, want it to contain %q", name, f.Note, note)
		}
	}
}

func checkIntervals(t *testing.T, got, want []Interval) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d intervals %v, want %d %v", len(got), seconds(got), len(want), seconds(want))
	}
	for i := range got {
		if !got[i].From.Equal(want[i].From) || !got[i].To.Equal(want[i].To) {
			t.Errorf("interval %d = %v, want %v", i, seconds(got[i:i+1]), seconds(want[i:i+1]))
		}
	}
}

// seconds renders intervals as offsets from t0 for failure messages.
func seconds(ivs []Interval) [][2]float64 {
	out := make([][2]float64, len(ivs))
	for i, v := range ivs {
		out[i] = [2]float64{v.From.Sub(t0).Seconds(), v.To.Sub(t0).Seconds()}
	}
	return out
}

// every is from, from+step, ... up to and including to.
func every(from, to, step float64) []float64 {
	var out []float64
	for x := from; x <= to+1e-9; x += step {
		out = append(out, math.Round(x*1e6)/1e6)
	}
	return out
}
