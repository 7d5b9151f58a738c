package drill

import (
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/procedure"
	"github.com/firedrill/firedrill/framework/scenario"
)

func etcdMembers(names ...string) []procedure.Member {
	var out []procedure.Member
	for _, n := range names {
		out = append(out, procedure.Member{Node: cluster.Node{Name: n, Role: cluster.RoleControlPlane}, Name: n, PeerURL: "https://" + n + ":2380"})
	}
	return out
}

// The member the fault wiped is the one replaced, from a member it
// spared, with every member in the new initial cluster.
func TestReplacePlan(t *testing.T) {
	d := &drillRun{s: &scenario.Scenario{Path: "scenarios/replace-etcd-member.yaml"}, targets: []cluster.Node{{Name: "cp1"}},
		proc: procedureRun{members: etcdMembers("cp1", "cp2", "cp3")}}
	p, err := d.replacePlan()
	if err != nil {
		t.Fatal(err)
	}
	if p.Lost.Name != "cp1" || p.From.Name != "cp2" || len(p.All) != 3 {
		t.Errorf("plan: lost %s, from %s, %d members", p.Lost.Name, p.From.Name, len(p.All))
	}
	d.targets = []cluster.Node{{Name: "cp1"}, {Name: "cp2"}}
	if _, err := d.replacePlan(); err == nil || !strings.Contains(err.Error(), "count must be one") {
		t.Errorf("two lost: %v", err)
	}
	d.targets = []cluster.Node{{Name: "cp9"}}
	if _, err := d.replacePlan(); err == nil {
		t.Error("a target that is no member gave a plan")
	}
	d.targets, d.proc.members = []cluster.Node{{Name: "cp1"}}, etcdMembers("cp1")
	if _, err := d.replacePlan(); err == nil {
		t.Error("a lone member was replaced from no healthy one")
	}
}

// The procedures that repair in place take no snapshot, but read the
// etcd members in the backup phase; the ones that touch no etcd member
// have no backup phase.
func TestInPlaceProceduresTakeNoSnapshot(t *testing.T) {
	for p, want := range map[string][2]bool{scenario.ProcedureRestoreEtcd: {true, true}, scenario.ProcedureRebuildControlPlane: {true, true},
		scenario.ProcedureDefragEtcd: {false, true}, scenario.ProcedureReplaceEtcdMember: {false, true},
		scenario.ProcedureRemoveWebhook: {false, false}, scenario.ProcedureRenewCertificates: {false, false}} {
		d := &drillRun{s: &scenario.Scenario{Recovery: scenario.Recovery{Procedure: p}}}
		if got := [2]bool{scenario.TakesSnapshot(p), d.hasBackup()}; got != want {
			t.Errorf("%s: takes a snapshot, has a backup phase = %v, want %v", p, got, want)
		}
	}
}

// recovery.startAfter counts from the fault's start: an injection that
// took 5.4 s to prove itself leaves 4.6 s of a 10 s wait, and one that
// took longer than the wait leaves none.
func TestProcedureWaitCountsFromTheFault(t *testing.T) {
	at := time.Date(2026, 12, 6, 17, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		injected time.Duration // how long after the fault's start the injection returned
		want     time.Duration
	}{{0, 10 * time.Second}, {5400 * time.Millisecond, 4600 * time.Millisecond}, {12 * time.Second, 0}} {
		if got := procedureWait(10*time.Second, at, at.Add(tc.injected)); got != tc.want {
			t.Errorf("injection done after %s: waits %s, want %s", tc.injected, got, tc.want)
		}
	}
}
