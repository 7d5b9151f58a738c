package health

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/firedrill/firedrill/framework/cluster"
)

// etcdLocal is kubeadm's etcd metrics listener, plain HTTP on the node's
// loopback: it answers while client TLS is unreachable from outside, and
// carries etcd's own view (leader or not, ready or not).
const etcdLocal = "http://127.0.0.1:2381"

// EtcdMember is one member's own status.
type EtcdMember struct {
	Node   string
	Leader bool
	// Ready is etcd's /readyz: the member serves linearizable reads, i.e.
	// it has a leader and has applied what the leader committed.
	Ready bool
	// LeaderChanges is etcd_server_leader_changes_seen_total.
	LeaderChanges int64
	Err           error
}

// EtcdMembers asks the etcd member on each control-plane node, in
// parallel.
func EtcdMembers(ctx context.Context, x cluster.NodeExec, controlPlane []cluster.Node) []EtcdMember {
	out := make([]EtcdMember, len(controlPlane))
	var wg sync.WaitGroup
	for i, n := range controlPlane {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = etcdMember(ctx, x, n)
		}()
	}
	wg.Wait()
	return out
}

func etcdMember(ctx context.Context, x cluster.NodeExec, n cluster.Node) EtcdMember {
	m := EtcdMember{Node: n.Name}
	metrics, err := x.Exec(ctx, n, "curl", "-sS", "--max-time", "2", etcdLocal+"/metrics")
	if err != nil {
		m.Err = fmt.Errorf("etcd on %s: metrics: %w", n.Name, err)
		return m
	}
	m.Leader = metricValue(string(metrics), "etcd_server_is_leader") == "1"
	m.LeaderChanges, _ = strconv.ParseInt(metricValue(string(metrics), "etcd_server_leader_changes_seen_total"), 10, 64)
	code, err := x.Exec(ctx, n, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", etcdLocal+"/readyz")
	if err != nil {
		m.Err = fmt.Errorf("etcd on %s: readyz: %w", n.Name, err)
		return m
	}
	m.Ready = strings.TrimSpace(string(code)) == "200"
	if !m.Ready {
		m.Err = fmt.Errorf("etcd on %s: /readyz answered HTTP %s", n.Name, strings.TrimSpace(string(code)))
	}
	return m
}

// metricValue is the value of an unlabelled Prometheus metric, "" if absent.
func metricValue(text, name string) string {
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == name {
			return f[1]
		}
	}
	return ""
}

// EtcdReady requires every member ready and exactly one leader.
func EtcdReady(members []EtcdMember) error {
	var problems []string
	leaders := 0
	for _, m := range members {
		if m.Err != nil {
			problems = append(problems, m.Err.Error())
		}
		if m.Leader {
			leaders++
		}
	}
	if leaders != 1 && len(problems) == 0 {
		problems = append(problems, fmt.Sprintf("%d etcd members say they lead, want 1", leaders))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}
