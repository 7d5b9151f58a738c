// Package stats is the arithmetic over a figure's values across runs:
// percentiles, and whether the latest runs shifted away from the earlier
// ones. History reports and budgets derived from history share it.
package stats

import (
	"math"
	"slices"
)

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of xs: a
// value that occurred, never an interpolation between two runs. NaN for
// no values.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(xs))
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// Median is the 50th percentile, by nearest rank.
func Median(xs []float64) float64 { return Percentile(xs, 50) }

// Shift is the strongest single change-point of a series: the split
// into an earlier and a later segment (each at least minSegment long)
// whose means differ the most, in units of their pooled standard error
// (Welch's t without the degrees of freedom).
type Shift struct {
	// At is the index of the first value of the later segment.
	At int
	// Before and After are the two segments' means.
	Before, After float64
	// T is the difference of the means over its standard error; +Inf
	// when both segments are flat and differ.
	T float64
}

// ChangePoint finds the strongest shift of xs; ok is false when xs is too
// short for two segments of minSegment values.
func ChangePoint(xs []float64, minSegment int) (Shift, bool) {
	minSegment = max(minSegment, 2)
	if len(xs) < 2*minSegment {
		return Shift{}, false
	}
	var best Shift
	found := false
	for k := minSegment; k <= len(xs)-minSegment; k++ {
		a, b := xs[:k], xs[k:]
		ma, mb := mean(a), mean(b)
		se := math.Sqrt(variance(a, ma)/float64(len(a)) + variance(b, mb)/float64(len(b)))
		t := math.Abs(mb - ma)
		switch {
		case t == 0:
		case se == 0:
			t = math.Inf(1)
		default:
			t /= se
		}
		if !found || t > best.T {
			best, found = Shift{At: k, Before: ma, After: mb, T: t}, true
		}
	}
	return best, found
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// variance is the sample variance (n-1).
func variance(xs []float64, m float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return s / float64(len(xs)-1)
}
