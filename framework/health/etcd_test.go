package health

import (
	"errors"
	"strings"
	"testing"
)

func TestMetricValue(t *testing.T) {
	text := "# HELP etcd_server_is_leader Whether or not this member is a leader.\n# TYPE etcd_server_is_leader gauge\netcd_server_is_leader 1\netcd_server_is_learner 0\n"
	if v := metricValue(text, "etcd_server_is_leader"); v != "1" {
		t.Errorf("is_leader = %q", v)
	}
	if v := metricValue(text, "etcd_server_has_leader"); v != "" {
		t.Errorf("absent metric = %q", v)
	}
}

func TestEtcdReady(t *testing.T) {
	ok := []EtcdMember{{Node: "a", Leader: true, Ready: true}, {Node: "b", Ready: true}}
	if err := EtcdReady(ok); err != nil {
		t.Errorf("healthy members: %v", err)
	}
	noLeader := []EtcdMember{{Node: "a", Ready: true}, {Node: "b", Ready: true}}
	if err := EtcdReady(noLeader); err == nil || !strings.Contains(err.Error(), "0 etcd members say they lead") {
		t.Errorf("no leader: %v", err)
	}
	down := []EtcdMember{{Node: "a", Leader: true, Ready: true}, {Node: "b", Err: errors.New("etcd on b: readyz: exit 7")}}
	if err := EtcdReady(down); err == nil || !strings.Contains(err.Error(), "etcd on b") {
		t.Errorf("member down: %v", err)
	}
}
