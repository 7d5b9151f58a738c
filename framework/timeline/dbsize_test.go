package timeline

import "testing"

// sized gives each observation of a member the database size size(t).
func sized(obs []EtcdObservation, size func(t float64) int64) []EtcdObservation {
	for i := range obs {
		obs[i].DBSize = size(obs[i].ObservedAt.Sub(t0).Seconds())
	}
	return obs
}

func TestDBSizeFigures(t *testing.T) {
	// Fault at 10 s fills the database from 20 MB to 100 MB by 30 s; the
	// procedure begins at 40 s and defragments each member by 50 s.
	const mb = 1 << 20
	fill := func(t float64) int64 {
		switch {
		case t < 10:
			return 20 * mb
		case t < 30:
			return int64(20*mb + (t-10)*4*mb)
		case t < 45:
			return 100 * mb
		}
		return 3 * mb
	}
	tl := Timeline{Start: at(0), End: at(60),
		Events: []Event{inject(10, 30)},
		Etcd: concat(sized(member("cp1", 0, 60, 1, true, true), fill),
			sized(member("cp2", 0.5, 60, 1, true, false), func(t float64) int64 { return fill(t) - mb }),
			// an unanswered status has no size and is passed over
			unreachable("cp3", 0.7, 60, 1, "timeout")),
		Steps: []Step{{Name: StepFindAlarm, Start: at(40), End: at(41)}, {Name: StepDefragment, Start: at(42), End: at(50)}},
	}
	figs := byFigureName(Derive(tl))
	if f := figs[EtcdDBSizeBefore]; !f.Measured || f.Value != 100*mb {
		t.Errorf("%s = %+v, want 100 MiB when the procedure began", EtcdDBSizeBefore, f)
	}
	if f := figs[EtcdDBSizeAfter]; !f.Measured || f.Value != 3*mb {
		t.Errorf("%s = %+v, want 3 MiB at the end", EtcdDBSizeAfter, f)
	}

	// Without a procedure the size before is the one at the fault.
	tl.Steps = nil
	if f := byFigureName(Derive(tl))[EtcdDBSizeBefore]; !f.Measured || f.Value != 20*mb {
		t.Errorf("%s without a procedure = %+v, want 20 MiB at the fault", EtcdDBSizeBefore, f)
	}
	// No size told: not measured, never a zero.
	tl.Etcd = unreachable("cp3", 0.7, 60, 1, "timeout")
	for _, name := range []string{EtcdDBSizeBefore, EtcdDBSizeAfter} {
		if f := byFigureName(Derive(tl))[name]; f.Measured {
			t.Errorf("%s with no size told = %+v, want unmeasured", name, f)
		}
	}
}

func TestWritesDetect(t *testing.T) {
	// Writes every 0.5 s; from 23 s on every write is refused (etcd out of
	// space) until 40 s, reads never fail.
	writes := probe(SeriesWrite, 0, 60, 0.5, refusedDuring([2]float64{23, 40}))
	for i := range writes {
		if !writes[i].OK {
			writes[i].Error = "etcdserver: mvcc: database space exceeded"
		}
	}
	tl := Timeline{Start: at(0), End: at(60), Events: []Event{inject(10, 30)}, Samples: writes}
	f := byFigureName(Derive(tl))[WritesDetect]
	if !f.Measured || f.Value < 12.99 || f.Value > 13.01 || f.Note != "etcdserver: mvcc: database space exceeded" {
		t.Errorf("%s = %+v, want 13 s after the fault, naming the error", WritesDetect, f)
	}
	tl.Samples = probe(SeriesWrite, 0, 60, 0.5, refusedDuring())
	if f := byFigureName(Derive(tl))[WritesDetect]; f.Measured {
		t.Errorf("%s with no failed write = %+v, want unmeasured", WritesDetect, f)
	}
}

func byFigureName(figs []Figure) map[string]Figure {
	m := map[string]Figure{}
	for _, f := range figs {
		m[f.Name] = f
	}
	return m
}
