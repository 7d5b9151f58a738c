package fault

import (
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

func TestSelect(t *testing.T) {
	nodes := []cluster.Node{
		{Name: "c-worker2", Role: "worker", Zone: "zone-b"},
		{Name: "c-control-plane2", Role: "control-plane", Zone: "zone-b"},
		{Name: "c-control-plane", Role: "control-plane", Zone: "zone-a"},
		{Name: "c-worker", Role: "worker", Zone: "zone-a"},
	}
	cases := []struct {
		target  scenario.Target
		want    string
		wantErr string
	}{
		{scenario.Target{Role: "control-plane", Count: "all"}, "c-control-plane,c-control-plane2", ""},
		{scenario.Target{Role: "control-plane", Count: "one"}, "c-control-plane", ""},
		{scenario.Target{Role: "any", Count: "3"}, "c-control-plane,c-control-plane2,c-worker", ""},
		{scenario.Target{Role: "worker", Zone: "zone-b", Count: "all"}, "c-worker2", ""},
		{scenario.Target{Role: "worker", Zone: "zone-c", Count: "all"}, "", "no node has role worker in zone zone-c"},
		{scenario.Target{Role: "worker", Count: "3"}, "", "only 2 nodes have role worker"},
		{scenario.Target{Role: "worker", Count: "0"}, "", `target count "0"`},
	}
	for _, c := range cases {
		got, err := Select(nodes, c.target)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Select(%+v) err = %v, want %q", c.target, err, c.wantErr)
			}
			continue
		}
		var names []string
		for _, n := range got {
			names = append(names, n.Name)
		}
		if err != nil || strings.Join(names, ",") != c.want {
			t.Errorf("Select(%+v) = %v, %v; want %s", c.target, names, err, c.want)
		}
	}
}
