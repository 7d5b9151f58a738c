package probe

import (
	"context"
	"testing"
	"time"
)

// The control series answers while the harness runs and fails once its
// listener is gone: it measures the harness, never the cluster.
func TestControlSeries(t *testing.T) {
	c, err := StartControl()
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sampler(time.Second)
	if s.Series != "harness/control" {
		t.Errorf("series %q", s.Series)
	}
	for i := range 3 {
		if err := s.Do(context.Background(), int64(i)); err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Do(context.Background(), 4); err == nil {
		t.Error("control sample answered after its listener stopped")
	}
}
