package timeline

import (
	"math"
	"testing"
)

// writes.detect is the first failed write after the fault, by its End;
// reads that keep serving do not move it, and a write path that never
// failed leaves it unmeasured.
func TestWritesDetectIsTheFirstFailedWrite(t *testing.T) {
	reads := probe(APISeries(EndpointClient, "new", "etcd"), 0, 20, 0.1, refusedDuring())
	writes := probe(SeriesWrite, 0, 20, 0.25, refusedDuring([2]float64{5.3, 12}))
	tl := Timeline{Start: at(0), End: at(20), Events: []Event{inject(5, 5.2)}, Samples: append(reads, writes...)}
	got := writesDetect(writes, fault{at: at(5), injected: true})
	if !got.Measured || math.Abs(got.Value-0.501) > 1e-6 {
		t.Errorf("writes.detect = %+v, want 0.501 s (the write sent at 5.5 s failed at 5.501 s)", got)
	}
	if r := apiDetect(tl, fault{at: at(5), injected: true}); r.Measured {
		t.Errorf("api.detect measured %v with every read served", r.Value)
	}
	served := probe(SeriesWrite, 0, 20, 0.25, refusedDuring())
	if r := writesDetect(served, fault{at: at(5), injected: true}); r.Measured || r.Note != "no write failed after the fault" {
		t.Errorf("writes.detect with no failed write: %+v", r)
	}
	if r := writesDetect(writes, fault{}); r.Measured || r.Note != noFault {
		t.Errorf("writes.detect without a fault: %+v", r)
	}
}
