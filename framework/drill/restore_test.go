package drill

import (
	"strings"
	"testing"

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

// The procedures that repair in place take no snapshot.
func TestInPlaceProceduresTakeNoSnapshot(t *testing.T) {
	for p, want := range map[string]bool{scenario.ProcedureRestoreEtcd: true, scenario.ProcedureRebuildControlPlane: true,
		scenario.ProcedureDefragEtcd: false, scenario.ProcedureReplaceEtcdMember: false} {
		if got := scenario.RestoresSnapshot(p); got != want {
			t.Errorf("RestoresSnapshot(%s) = %v, want %v", p, got, want)
		}
	}
}
