package health

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
)

// statusOut is etcdStatusScript's output on a follower of a kind-ha
// cluster (etcd 3.6.5), recorded here.
const statusOut = `readyz 200
{"header":{"cluster_id":"2490269293430916604", "member_id":"4542109236731846004", "revision":"826", "raft_term":"2"}, "version":"3.6.5", "dbSize":"1880064", "leader":"5531209883206056258", "raftIndex":"895", "raftTerm":"2", "raftAppliedIndex":"895", "dbSizeInUse":"1875968", "storageVersion":"3.6.0", "downgradeInfo":{}}`

func TestParseEtcdStatus(t *testing.T) {
	m := parseEtcdStatus("cp2", statusOut)
	if m.Err != nil || !m.Ready || m.Leader || m.Revision != 826 || m.RaftTerm != 2 || m.DBSize != 1880064 {
		t.Errorf("follower: %+v", m)
	}
	leader := strings.Replace(statusOut, `"leader":"5531209883206056258"`, `"leader":"4542109236731846004"`, 1)
	if m := parseEtcdStatus("cp1", leader); !m.Leader || m.Err != nil {
		t.Errorf("leader: %+v", m)
	}
	// A member without a leader: the gateway leaves the zero field out.
	noLeader := strings.Replace(statusOut, `"leader":"5531209883206056258", `, "", 1)
	if m := parseEtcdStatus("cp2", strings.Replace(noLeader, "readyz 200", "readyz 503", 1)); m.Leader || m.Ready || m.Err == nil || !strings.Contains(m.Err.Error(), "HTTP 503") {
		t.Errorf("no leader: %+v", m)
	}
	if m := parseEtcdStatus("cp3", "readyz 000\n"); m.Ready || m.Err == nil || !strings.Contains(m.Err.Error(), "etcd on cp3") {
		t.Errorf("down: %+v", m)
	}
	if m := parseEtcdStatus("cp3", "OCI runtime exec failed"); m.Err == nil || !strings.Contains(m.Err.Error(), "no readyz answer") {
		t.Errorf("garbage: %+v", m)
	}
}

// execFunc is a cluster.NodeExec answering with a function.
type execFunc func(n cluster.Node, command string, args ...string) ([]byte, error)

func (f execFunc) Exec(_ context.Context, n cluster.Node, command string, args ...string) ([]byte, error) {
	return f(n, command, args...)
}

// One command per member, and the error of a failed one wins over the
// half output it left.
func TestEtcdMembersOneCommandEach(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	x := execFunc(func(n cluster.Node, command string, args ...string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		calls[n.Name]++
		if command != "sh" || len(args) != 2 || args[1] != etcdStatusScript || strings.Contains(args[1], "/metrics") {
			t.Errorf("command %s %q", command, args)
		}
		if n.Name == "cp3" {
			return []byte("readyz 200\n"), errors.New("exit status 7: curl: (7) Failed to connect")
		}
		return []byte(statusOut), nil
	})
	ms := EtcdMembers(context.Background(), x, []cluster.Node{{Name: "cp1"}, {Name: "cp2"}, {Name: "cp3"}})
	if len(calls) != 3 || calls["cp1"] != 1 || calls["cp3"] != 1 {
		t.Errorf("calls %v", calls)
	}
	if ms[2].Err == nil || !strings.Contains(ms[2].Err.Error(), "Failed to connect") {
		t.Errorf("cp3: %+v", ms[2])
	}
	if err := EtcdReady(ms); err == nil || !strings.Contains(err.Error(), "etcd on cp3") {
		t.Errorf("ready: %v", err)
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
