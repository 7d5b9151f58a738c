package kind

import (
	"strings"
	"testing"
	"time"
)

// A cluster is firedrill's only when its containers are those firedrill
// recorded creating: never because of its name.
func TestOwnedContainers(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)
	ours := []nodeContainer{{ID: "aaa", Created: t0.Add(time.Second)}, {ID: "bbb", Created: t0.Add(2 * time.Second)}}
	complete := ownership{Cluster: "firedrill-single", Created: t0, Containers: []string{"aaa", "bbb"}}
	unfinished := ownership{Cluster: "firedrill-single", Created: t0}
	for _, tc := range []struct {
		name string
		rec  ownership
		cs   []nodeContainer
		want bool
		why  string
	}{
		{"the containers it recorded", complete, ours, true, ""},
		{"recreated by someone else under the same name", complete,
			[]nodeContainer{{ID: "ccc", Created: t0.Add(time.Hour)}}, false, "container ccc is not one firedrill created"},
		{"unfinished creation: containers made during it", unfinished, ours, true, ""},
		{"unfinished creation: a container older than it", unfinished,
			[]nodeContainer{{ID: "ddd", Created: t0.Add(-time.Minute)}}, false, "was not created during firedrill's unfinished creation"},
		{"unfinished creation: a cluster made long after it", unfinished,
			[]nodeContainer{{ID: "eee", Created: t0.Add(time.Hour)}}, false, "was not created during"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := ownedContainers(tc.rec, tc.cs)
			if got != tc.want || !strings.Contains(why, tc.why) {
				t.Errorf("ownedContainers = %v, %q; want %v, containing %q", got, why, tc.want, tc.why)
			}
		})
	}
}

func TestRecordPath(t *testing.T) {
	t.Setenv("FIREDRILL_STATE", "/x/state")
	if got := recordPath("c"); got != "/x/state/kind-clusters/c.json" {
		t.Errorf("recordPath = %s", got)
	}
}
