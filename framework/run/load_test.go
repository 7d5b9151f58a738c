package run

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/record"
)

// fakeLoad is a Load that records when it was started and stopped.
type fakeLoad struct {
	mu               sync.Mutex
	drills           []string
	limits           []time.Duration
	started, stopped time.Time
	startErr         error
	stopErr          error
}

func (l *fakeLoad) Start(drill string, limit time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.startErr != nil {
		return l.startErr
	}
	l.drills = append(l.drills, drill)
	l.limits = append(l.limits, limit)
	l.started = time.Now()
	return nil
}

func (l *fakeLoad) Stop() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = time.Now()
	return "ran under a fake load", l.stopErr
}

// The load starts once the drill's cluster is ready, before its first
// phase, within the drill's own time limit, and stops after its last
// phase; the report says the drill ran under it.
func TestRunBesideLoad(t *testing.T) {
	l := &fakeLoad{}
	fr := runFake(t, func(w *world) { w.load = l }, "", 0)
	d := fr.checkEnd(t, record.VerdictPass, ExitOK)
	if !slices.Equal(l.drills, []string{"pause-masters"}) {
		t.Fatalf("load started beside %v, want once beside pause-masters", l.drills)
	}
	limit := DrillTimeout(fr.r.Catalog.Scenarios["pause-masters"], fr.r.Catalog.Profiles["fake-ha"])
	if l.limits[0] <= 0 || l.limits[0] > limit {
		t.Errorf("load's limit %s, want within the drill's %s", l.limits[0], limit)
	}
	if !l.started.Before(d.Phases[0].Started) {
		t.Errorf("load started at %s, after the drill's first phase (%s at %s)", l.started, d.Phases[0].Name, d.Phases[0].Started)
	}
	if l.stopped.Before(d.Finished) {
		t.Errorf("load stopped at %s, before the drill finished at %s", l.stopped, d.Finished)
	}
	if !slices.Contains(d.Notes, "ran under a fake load") {
		t.Errorf("the report does not say the drill ran under load: notes %q", d.Notes)
	}
}

// A load that ended before the drill did fails the run: the drill did not
// run under it throughout, whatever its verdict, and the note stays.
func TestRunLoadEndedEarly(t *testing.T) {
	l := &fakeLoad{stopErr: errors.New("the hog ended by itself")}
	fr := runFake(t, func(w *world) { w.load = l }, "", 0)
	d := fr.checkEnd(t, record.VerdictPass, ExitFail)
	if !strings.Contains(fr.err.String(), "pause-masters: load beside the drill: the hog ended by itself") {
		t.Errorf("stderr does not say why the run failed:\n%s", fr.err.String())
	}
	if !slices.Contains(d.Notes, "ran under a fake load") {
		t.Errorf("notes %q lack the load's", d.Notes)
	}
}

// A load that cannot start leaves a drill that proves nothing: INVALID,
// never run, and the cluster deleted all the same.
func TestRunLoadCannotStart(t *testing.T) {
	l := &fakeLoad{startErr: errors.New("no bash")}
	fr := runFake(t, func(w *world) { w.load = l }, "", 0)
	d := fr.drill(t)
	if d.Verdict != record.VerdictInvalid || fr.code != ExitFail {
		t.Fatalf("verdict %s, exit %d; want INVALID, 1\nstderr:\n%s", d.Verdict, fr.code, fr.err.String())
	}
	if !strings.Contains(d.Invalid, "load beside the drill: no bash") || len(d.Phases) != 0 {
		t.Errorf("invalid %q, phases %v: want the load's error and no phase run", d.Invalid, d.Phases)
	}
	if !l.stopped.IsZero() {
		t.Error("a load that never started was stopped")
	}
	if !slices.Equal(fr.prov.Deletes(), []string{"fake-ha"}) {
		t.Errorf("deleted %v, want the cluster the run created", fr.prov.Deletes())
	}
}
