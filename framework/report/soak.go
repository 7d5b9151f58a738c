package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Soak summarises a run that repeated its drills: per scenario, how many
// attempts passed, and the minimum, median and maximum of every figure
// over the attempts that measured it (an attempt that did not measure a
// figure is counted apart, never as 0).
func Soak(r *Run) string {
	type series struct {
		unit   timeline.Unit
		values []float64
		missed int
	}
	type scen struct {
		attempts, passed int
		verdicts         map[record.Verdict]int
		figures          map[string]*series
		order            []string
	}
	byName := map[string]*scen{}
	var names []string
	for _, s := range r.Drills {
		sc, ok := byName[s.Name]
		if !ok {
			sc = &scen{verdicts: map[record.Verdict]int{}, figures: map[string]*series{}}
			byName[s.Name] = sc
			names = append(names, s.Name)
		}
		sc.attempts++
		sc.verdicts[s.Verdict]++
		if s.Verdict == record.VerdictPass {
			sc.passed++
		}
		for _, f := range s.Figures {
			fs, ok := sc.figures[f.Name]
			if !ok {
				fs = &series{unit: f.Unit}
				sc.figures[f.Name] = fs
				sc.order = append(sc.order, f.Name)
			}
			if f.Measured {
				fs.values = append(fs.values, f.Value)
			} else {
				fs.missed++
			}
		}
	}
	var b strings.Builder
	for _, name := range names {
		sc := byName[name]
		var vs []string
		for _, v := range slices.Sorted(maps.Keys(sc.verdicts)) {
			vs = append(vs, fmt.Sprintf("%d %s", sc.verdicts[v], v))
		}
		fmt.Fprintf(&b, "## soak: %s, %d of %d passed (%s)\n\n", name, sc.passed, sc.attempts, strings.Join(vs, ", "))
		b.WriteString("| figure | min | median | max | measured in |\n|---|---|---|---|---|\n")
		for _, fname := range sc.order {
			fs := sc.figures[fname]
			if len(fs.values) == 0 {
				fmt.Fprintf(&b, "| %s | - | - | - | 0 of %d |\n", fname, fs.missed)
				continue
			}
			v := slices.Sorted(slices.Values(fs.values))
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %d of %d |\n", fname, budget.Format(v[0], fs.unit), budget.Format(median(v), fs.unit),
				budget.Format(v[len(v)-1], fs.unit), len(v), len(v)+fs.missed)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// median of sorted values.
func median(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
