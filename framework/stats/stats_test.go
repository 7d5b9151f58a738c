package stats

import (
	"math"
	"testing"
)

func TestPercentileNearestRank(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, tc := range []struct{ p, want float64 }{{50, 5}, {95, 10}, {99, 10}, {10, 1}, {11, 2}} {
		if got := Percentile(xs, tc.p); got != tc.want {
			t.Errorf("P%g = %g, want %g", tc.p, got, tc.want)
		}
	}
	if !math.IsNaN(Percentile(nil, 50)) {
		t.Error("the percentile of nothing must be NaN, not 0")
	}
}

func TestChangePointFindsAStep(t *testing.T) {
	xs := []float64{10, 10.5, 9.8, 10.2, 10.1, 9.9, 15, 15.2, 14.9, 15.1}
	s, ok := ChangePoint(xs, 3)
	if !ok || s.At != 6 || s.T < 4 || math.Abs(s.Before-10.08) > 0.01 || math.Abs(s.After-15.05) > 0.01 {
		t.Errorf("shift %+v, want at 6 from about 10.1 to 15.1", s)
	}
	flat := []float64{10, 10.3, 9.7, 10.1, 9.9, 10.2, 9.8, 10}
	if s, _ := ChangePoint(flat, 3); s.T >= 4 {
		t.Errorf("noise flagged as a shift: %+v", s)
	}
	if _, ok := ChangePoint([]float64{1, 2, 3}, 3); ok {
		t.Error("three values cannot hold two segments of three")
	}
}
