package probe

import (
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Without control-plane nodes (a managed control plane) the API servers
// and the static pods cannot be observed: both recovery conditions are
// named unobservable, under the names recovery.all reads them by.
func TestUnobservableWithoutControlPlane(t *testing.T) {
	if u := unobservableWithout([]cluster.Node{{Name: "cp1", Role: cluster.RoleControlPlane}}); len(u) != 0 {
		t.Errorf("with a control plane: %v", u)
	}
	u := unobservableWithout(nil)
	if len(u) != 2 {
		t.Fatalf("without a control plane: %v", u)
	}
	for _, x := range u {
		if _, ok := timeline.ConditionParts[x.Condition]; !ok || x.Why == "" {
			t.Errorf("%+v: not a recovery condition timeline knows, or no reason", x)
		}
	}
}
