package run

import (
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/scenario"
)

func TestShards(t *testing.T) {
	var selected []*scenario.Scenario
	for _, d := range []struct{ name, cluster string }{
		{"kill-apiserver", "kind-ha"}, {"calibrate-reset-5s", "kind-single"}, {"kill-etcd-leader", "kind-ha"},
		{"reboot-master", "kind-single"}, {"kill-all-schedulers", "kind-ha"},
	} {
		selected = append(selected, &scenario.Scenario{Name: d.name, Cluster: d.cluster})
	}
	for _, tc := range []struct {
		shard, want, err string
	}{
		// The larger profile goes first, to shard 1; run order is kept.
		{"1/2", "kill-apiserver,kill-etcd-leader,kill-all-schedulers", ""},
		{"2/2", "calibrate-reset-5s,reboot-master", ""},
		{"1/1", "kill-apiserver,calibrate-reset-5s,kill-etcd-leader,reboot-master,kill-all-schedulers", ""},
		{"3/3", "", "shard 3/3 has no drill"},
		{"0/2", "", "want i/n"},
		{"3/2", "", "want i/n"},
		{"1/2x", "", "want i/n"},
	} {
		sh, err := ParseShard(tc.shard)
		var got []*scenario.Scenario
		if err == nil {
			got, err = sh.Of(selected)
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("shard %s: err %v, want %q", tc.shard, err, tc.err)
			}
			continue
		}
		if err != nil || joinNames(got) != tc.want {
			t.Errorf("shard %s = %s, %v; want %s", tc.shard, joinNames(got), err, tc.want)
		}
	}
}
