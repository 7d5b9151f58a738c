package timeline

import (
	"testing"
)

// restoreTimeline: a write every second from 0 to 29 s at revision 100+s
// (acknowledged in 50 ms), a snapshot at 10.2 s holding revision 110, the
// wipe at 15 s, writes failing until the restore (steps from 20 s to 25 s),
// then acknowledged at bumped revisions. seen lists what the read-back
// found.
func restoreTimeline(seen func(seq int64) bool) Timeline {
	tl := Timeline{Start: at(0), End: at(30), Events: []Event{inject(15, 15.5)},
		Snapshot: &Snapshot{At: at(10.2), Done: at(10.4), Node: "cp1", Revision: 110, BumpRevision: 1_000_000_000},
		Steps: []Step{
			{Name: StepSnapshot, Start: at(10.2), End: at(10.4)},
			{Name: StepStopAPIServers, Start: at(20), End: at(21)},
			{Name: StepRestoreSnapshot, Start: at(21), End: at(22)},
			{Name: StepStartEtcd, Start: at(22), End: at(25)},
		}}
	check := &WriteCheck{At: at(29.5)}
	for s := int64(0); s < 30; s++ {
		w := Sample{Series: SeriesWrite, Start: at(float64(s)), End: at(float64(s) + 0.05), Seq: s + 1}
		switch {
		case s < 15:
			w.OK, w.Revision = true, 100+s
		case s < 26:
			w.Error = "etcdserver: request timed out"
		default:
			w.OK, w.Revision = true, 1_000_000_110+s
		}
		tl.Samples = append(tl.Samples, w)
		if w.OK && seen(w.Seq) {
			check.Seen = append(check.Seen, w.Seq)
		}
	}
	tl.WriteCheck = check
	return tl
}

// The restore keeps revisions up to 110 (writes 1-11) and loses 111-114
// (writes 12-15): those are the RPO window, not data loss.
func keptBySnapshot(seq int64) bool { return seq <= 11 || seq > 15 }

func TestRPOWindowIsReportedApartFromLoss(t *testing.T) {
	tests := []struct {
		name           string
		seen           func(int64) bool
		lost, rpo      float64
		lostNoteSuffix string
	}{
		{name: "restore keeps what the snapshot holds", seen: keptBySnapshot, lost: 0, rpo: 4},
		{name: "a write at or below the snapshot's revision missing is lost",
			seen: func(s int64) bool { return keptBySnapshot(s) && s != 3 }, lost: 1, rpo: 4},
		{name: "a write acknowledged after the restore missing is lost",
			seen: func(s int64) bool { return keptBySnapshot(s) && s != 28 }, lost: 1, rpo: 4},
		{name: "nothing lost at all", seen: func(int64) bool { return true }, lost: 0, rpo: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			figs := Derive(restoreTimeline(tt.seen))
			assertFigure(t, figs, WritesLost, tt.lost)
			assertFigure(t, figs, WritesRPO, tt.rpo)
		})
	}
}

// Without revisions (an older timeline), a write counts as the snapshot's
// when it was sent before the snapshot completed.
func TestRPOWindowWithoutRevisions(t *testing.T) {
	tl := restoreTimeline(keptBySnapshot)
	for i := range tl.Samples {
		tl.Samples[i].Revision = 0
	}
	figs := Derive(tl)
	// Write 12 was sent at 11 s, after the snapshot: in the window, as
	// are 13-15; write 11 (sent at 10 s, before the snapshot began) must be
	// kept.
	assertFigure(t, figs, WritesLost, 0)
	assertFigure(t, figs, WritesRPO, 4)
}

func TestNoSnapshotNoWindow(t *testing.T) {
	tl := restoreTimeline(keptBySnapshot)
	tl.Snapshot, tl.Steps = nil, nil
	figs := Derive(tl)
	assertFigure(t, figs, WritesLost, 4)
	if f := figureNamed(figs, WritesRPO); f.Name != "" {
		t.Errorf("%s derived without a procedure: %+v", WritesRPO, f)
	}
}

func TestRTOFigures(t *testing.T) {
	figs := Derive(restoreTimeline(keptBySnapshot))
	// Writes fail from 15 s; the first acknowledged after is sent at 26 s
	// and answered at 26.05 s: the outage ends at that answer, 11.05 s
	// after the wipe.
	assertFigure(t, figs, RTOWrites, 11.05)
	assertFigure(t, figs, StepFigure(StepStartEtcd), 3)
	if f := figureNamed(figs, StepFigure(StepKubeadmInit)); f.Measured {
		t.Errorf("a step the procedure does not have is measured: %+v", f)
	}
}

func TestFailedStepIsNotMeasured(t *testing.T) {
	tl := restoreTimeline(keptBySnapshot)
	tl.Steps[3].Error = "etcd not healthy after 2m"
	f := figureNamed(Derive(tl), StepFigure(StepStartEtcd))
	if f.Measured || f.Note != "step failed: etcd not healthy after 2m" {
		t.Errorf("got %+v, want unmeasured naming the failure", f)
	}
}

func TestRevisionsBackwards(t *testing.T) {
	obs := func(revs ...int64) []RevisionObservation {
		var out []RevisionObservation
		for i, r := range revs {
			w := "before"
			if i >= 3 {
				w = "after"
			}
			out = append(out, RevisionObservation{ObservedAt: at(float64(i)), Watcher: w, Revision: r})
		}
		return out
	}
	tests := []struct {
		name string
		revs []int64
		want float64
	}{
		{"bumped restore", []int64{100, 104, 114, 1_000_000_112, 1_000_000_120}, 0},
		{"restore without a bump", []int64{100, 104, 114, 112, 120}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := restoreTimeline(keptBySnapshot)
			tl.Revisions = obs(tt.revs...)
			assertFigure(t, Derive(tl), RevisionsBackwards, tt.want)
		})
	}
	// The watcher opened after the restore saw nothing: no 0, no figure.
	tl := restoreTimeline(keptBySnapshot)
	tl.Revisions = obs(100, 104, 114)
	if f := figureNamed(Derive(tl), RevisionsBackwards); f.Measured {
		t.Errorf("%s measured with one watcher: %+v", RevisionsBackwards, f)
	}
}

func figureNamed(figs []Figure, name string) Figure {
	for _, f := range figs {
		if f.Name == name {
			return f
		}
	}
	return Figure{}
}

func assertFigure(t *testing.T, figs []Figure, name string, want float64) {
	t.Helper()
	f := figureNamed(figs, name)
	if !f.Measured || !near(f.Value, want) {
		t.Errorf("%s = %v (measured %v, %q), want %v", name, f.Value, f.Measured, f.Note, want)
	}
}

// A wipe-etcd drill on kind-single (2026-11-29): a snapshot at revision
// 620, writes every 200 ms going on for 5 s until the wipe, the restore
// with the revision bumped by a billion. The file keeps the write samples
// (each with the revision it was acknowledged at), the read-back, the
// snapshot, the steps and the revisions two watchers saw.
func TestRecordedWipeEtcd(t *testing.T) {
	tl := loadTimeline(t, "testdata/wipe-etcd.json")
	figs := Derive(tl)
	assertFigure(t, figs, WritesLost, 0)
	assertFigure(t, figs, WritesRPO, 29)
	assertFigure(t, figs, RevisionsBackwards, 0)
	assertFigure(t, figs, StepFigure(StepStopAPIServers), 55.45)

	// Every write the oracle keeps is at or below the snapshot's revision
	// or acknowledged after the restore; drop one of them from the
	// read-back and it is lost, not put down to the recovery point.
	var kept int64
	for _, s := range tl.Samples {
		if s.OK && s.Revision > 0 && s.Revision <= tl.Snapshot.Revision {
			kept = s.Seq
		}
	}
	lossy := tl
	lossy.WriteCheck = &WriteCheck{At: tl.WriteCheck.At}
	for _, seq := range tl.WriteCheck.Seen {
		if seq != kept {
			lossy.WriteCheck.Seen = append(lossy.WriteCheck.Seen, seq)
		}
	}
	assertFigure(t, Derive(lossy), WritesLost, 1)

	// The same restore without the bump: every revision after it is a
	// billion lower, and the watchers go back in time.
	unbumped := tl
	unbumped.Revisions = nil
	for _, o := range tl.Revisions {
		if o.Revision > tl.Snapshot.BumpRevision {
			o.Revision -= tl.Snapshot.BumpRevision
		}
		unbumped.Revisions = append(unbumped.Revisions, o)
	}
	if f := figureNamed(Derive(unbumped), RevisionsBackwards); !f.Measured || f.Value < 1 {
		t.Errorf("%s without the bump = %+v, want at least 1", RevisionsBackwards, f)
	}
}
