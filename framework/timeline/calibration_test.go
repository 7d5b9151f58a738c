package timeline

import "testing"

// The calibration figure on a recorded calibrate-drop-60s on kind-single
// (a 60.383 s drop of the API port, probes.edges every 10 ms): the
// path's cheapest answer ends its outage within a few hundredths of the
// lift, while the quorum reads over new connections answered 111 ms after
// it and the reused connections 215 ms after it (TCP's retransmission
// back-off), which api.downtime.error.new and .reused keep reporting.
func TestCalibrationErrorOfThePath(t *testing.T) {
	tl := loadTimeline(t, "testdata/calibrate-drop-60s.json.gz")
	figs := Derive(tl)
	window := figureOf(t, figs, FaultWindow)
	if !window.Measured || window.Value < 60 || window.Value > 61 {
		t.Fatalf("recorded fault.window %v (%s), want the 60 s drop", window.Value, window.Note)
	}
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
