package timeline

import "testing"

// The calibration figure on a recorded calibrate-drop-60s on kind-single
// (a 60.383 s drop of the API port, probes.edges every 10 ms): the
// path's cheapest answer ends its outage within a few hundredths of the
// lift, while the quorum reads over new connections answered 111 ms after
// it and the reused connections 215 ms after it (TCP's retransmission
// back-off), which api.downtime.error.new and .reused keep reporting.
func TestCalibrationErrorOfThePath(t *testing.T) {
	figs := recordedCalibration(t, "testdata/calibrate-drop-60s.json.gz", 60, 61)
	path := figureOf(t, figs, APIDowntimeErrorPath)
	if !path.Measured || path.Value > 0.05 {
		t.Errorf("api.downtime.error.path %v measured %v (%s), want within 0.05 s", path.Value, path.Measured, path.Note)
	}
	for _, name := range []string{APIDowntimeErrorNew, APIDowntimeErrorReused} {
		if f := figureOf(t, figs, name); !f.Measured || f.Value <= path.Value+0.05 {
			t.Errorf("%s %v measured %v (%s), want it measured and more than 0.05 s over the path's %v: the recording's etcd reads and reused connections answered later",
				name, f.Value, f.Measured, f.Note, path.Value)
		}
	}
}

// A timeline without the new connections' cache series says why the
// path's error is not measured, never 0.
func TestCalibrationErrorOfThePathNotMeasured(t *testing.T) {
	tl := loadTimeline(t, "testdata/calibrate-drop-60s.json.gz")
	var kept []Sample
	for _, s := range tl.Samples {
		if s.Series != "api/client/new/cache" {
			kept = append(kept, s)
		}
	}
	tl.Samples = kept
	f := figureOf(t, Derive(tl), APIDowntimeErrorPath)
	if f.Measured || f.Note != "no samples of series api/client/new/*/cache" {
		t.Errorf("api.downtime.error.path %v measured %v (%q), want not measured, naming the missing series", f.Value, f.Measured, f.Note)
	}
}

// A recorded calibrate-reset-5s on kind-single (a 5.027 s reset of the
// API port): the path's ping went unanswered 2.2 ms before the node's
// stamp of the cut, while the cache series' last answered request was
// still out (sent 12 ms before the stamp, answered 2 ms before it); its
// next request, 88 ms later, failed. The outage starts at that last
// answer, not at the next failure: on the old code the path's error was
// 0.079 s.
func TestCalibrationErrorAnswerAcrossTheCut(t *testing.T) {
	figs := recordedCalibration(t, "testdata/calibrate-reset-5s.json.gz", 5, 5.1)
	if path := figureOf(t, figs, APIDowntimeErrorPath); !path.Measured || path.Value > 0.02 {
		t.Errorf("api.downtime.error.path %v measured %v (%s), want within 0.02 s", path.Value, path.Measured, path.Note)
	}
}

// recordedCalibration derives the figures of a recorded calibration whose
// stamped cut lasted between lo and hi seconds.
func recordedCalibration(t *testing.T, file string, lo, hi float64) []Figure {
	t.Helper()
	figs := Derive(loadTimeline(t, file))
	window := figureOf(t, figs, FaultWindow)
	if !window.Measured || window.Value < lo || window.Value > hi {
		t.Fatalf("%s: fault.window %v (%s), want %v-%v s", file, window.Value, window.Note, lo, hi)
	}
	return figs
}
