package health

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/kubeadm"
)

// etcdStatusScript asks the member on the node's loopback, in one command,
// for just what a check needs: /readyz on kubeadm's plain-HTTP metrics
// listener (it answers while client TLS is unreachable from outside), and
// the Maintenance Status call through etcd's gRPC gateway on the client
// port with kubeadm's health-check certificate: leader, revision, raft
// term, database size; a few hundred bytes. It replaces two commands and
// etcd's whole /metrics text (175-340 KB per member per poll), which on a
// loaded machine did not come back within the check's deadline. The text
// is a constant: nothing read from a node or a file becomes a command.
var etcdStatusScript = `echo "readyz $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:2381/readyz)"; ` +
	`curl -sS --max-time 2 --cacert ` + kubeadm.EtcdPKI + `ca.crt --cert ` + kubeadm.EtcdPKI + `healthcheck-client.crt --key ` + kubeadm.EtcdPKI + `healthcheck-client.key ` +
	`-X POST -d '{}' https://127.0.0.1:` + kubeadm.EtcdClientPort + `/v3/maintenance/status`

// EtcdMember is one member's own status.
type EtcdMember struct {
	Node   string
	Leader bool
	// Ready is etcd's /readyz: the member serves linearizable reads, i.e.
	// it has a leader and has applied what the leader committed.
	Ready bool
	// Revision is the store's revision as the member has applied it;
	// RaftTerm its raft term, which each election advances (and which a
	// restart keeps, unlike etcd_server_leader_changes_seen_total);
	// DBSize the backend's size in bytes. Zero when the status call failed.
	Revision, RaftTerm, DBSize int64
	Err                        error
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
	out, err := x.Exec(ctx, n, "sh", "-c", etcdStatusScript)
	m := parseEtcdStatus(n.Name, string(out))
	if err != nil {
		// The command's error carries curl's own words (connection
		// refused, timeout), which say more than the missing JSON.
		m.Err = fmt.Errorf("etcd on %s: %w", n.Name, err)
	}
	return m
}

// etcdStatus is the gateway's JSON for a StatusResponse: the header's
// fields keep their proto names, the rest are camelCase; 64-bit numbers
// come as strings.
type etcdStatus struct {
	Header struct {
		MemberID string `json:"member_id"`
		Revision string `json:"revision"`
		RaftTerm string `json:"raft_term"`
	} `json:"header"`
	Leader string `json:"leader"`
	DBSize string `json:"dbSize"`
}

// parseEtcdStatus reads etcdStatusScript's output: the readyz line, then
// the status JSON (or curl's error).
func parseEtcdStatus(node, out string) EtcdMember {
	m := EtcdMember{Node: node}
	first, rest, _ := strings.Cut(out, "\n")
	code, ok := strings.CutPrefix(strings.TrimSpace(first), "readyz ")
	if !ok {
		m.Err = fmt.Errorf("etcd on %s: no readyz answer in %q", node, shorten(out))
		return m
	}
	m.Ready = code == "200"
	var st etcdStatus
	if err := json.Unmarshal([]byte(strings.TrimSpace(rest)), &st); err != nil || st.Header.MemberID == "" {
		m.Err = fmt.Errorf("etcd on %s: status: %s", node, shorten(strings.TrimSpace(rest)))
		return m
	}
	m.Leader = st.Leader != "" && st.Leader == st.Header.MemberID
	m.Revision, _ = strconv.ParseInt(st.Header.Revision, 10, 64)
	m.RaftTerm, _ = strconv.ParseInt(st.Header.RaftTerm, 10, 64)
	m.DBSize, _ = strconv.ParseInt(st.DBSize, 10, 64)
	if !m.Ready {
		m.Err = fmt.Errorf("etcd on %s: /readyz answered HTTP %s", node, code)
	}
	return m
}

func shorten(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
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
