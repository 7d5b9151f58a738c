package procedure

import (
	"fmt"

	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/shell"
	"github.com/firedrill/firedrill/framework/timeline"
)

// A member whose data is gone for good cannot come back as itself: the
// others know it by its member ID and its raft log, and a member started
// on an empty data directory under the old ID would claim a log it does
// not have. etcd's runtime reconfiguration guide and kubeadm's (replacing
// a failed etcd member) give the procedure: remove the member from the
// cluster, add it back as a new member with the same name and peer URL,
// and start it on a fresh data directory with --initial-cluster naming
// every member and --initial-cluster-state=existing, so that it joins and
// is sent the data by the leader. The other members keep quorum all along
// (two of three before the removal, two of two after it, two of three once
// it is added and not started), so the cluster serves throughout.

// memberIDOf prints the ID of the member named name, from a member list
// (etcdctl's simple output: "id, status, name, peer URLs, client URLs,
// learner").
func memberIDOf(name string) string {
	return fmt.Sprintf(`%s member list | grep -F %s | cut -d, -f1`, etcdctl, shell.Quote(", "+name+", "))
}

// removeMemberScript removes the member named name, run from a healthy
// member's node.
func removeMemberScript(from, lost Member) string {
	return from.Tools().With("id=$("+memberIDOf(lost.Name)+")",
		fmt.Sprintf(`{ [ -n "$id" ] || { echo %s >&2; exit 1; }; }`, shell.Quote("no member named "+lost.Name)),
		etcdctl+` member remove "$id"`)
}

// addMemberScript adds it back under the same name and peer URL.
func addMemberScript(from, lost Member) string {
	return from.Tools().With(fmt.Sprintf("%s member add %s --peer-urls=%s", etcdctl, shell.Quote(lost.Name), shell.Quote(lost.PeerURL)))
}

// rejoinManifest edits the held manifest of the member: --initial-cluster
// names every member, and --initial-cluster-state=existing (kubeadm writes
// it for the members that joined; the first member has none, so it is
// removed and written again after --initial-cluster).
func rejoinManifest(all []Member) string {
	expr := fmt.Sprintf(`/--initial-cluster-state=/d; s|^\( *\)- --initial-cluster=.*$|\1- --initial-cluster=%s\n\1- --initial-cluster-state=existing|`, initialCluster(all))
	manifest := HeldDir + "/" + kubeadm.Etcd + ".yaml"
	return joinScript("sed -i -e "+shell.Quote(expr)+" "+manifest,
		fmt.Sprintf(`{ grep -q -- '--initial-cluster-state=existing' %[1]s || { echo 'the manifest has no --initial-cluster= line to edit' >&2; exit 1; }; }`, manifest))
}

// startMemberScript starts the new member on a fresh data directory.
func startMemberScript(lost Member, all []Member) string {
	return lost.Tools().With("rm -rf "+EtcdDataDir+"/member",
		rejoinManifest(all),
		startStatic(kubeadm.Etcd),
		etcdHealthy,
		removeWorkDir)
}

// ReplacePlan is what ReplaceEtcdMember needs.
type ReplacePlan struct {
	// Lost is the member whose data is gone (its manifest held aside, its
	// process stopped); From a healthy member the reconfiguration runs
	// on; All every member, Lost included, as the manifests declared them.
	Lost, From Member
	All        []Member
}

// ReplaceEtcdMember replaces a member that lost its data, keeping quorum.
func ReplaceEtcdMember(p ReplacePlan) []Step {
	return []Step{
		{Name: timeline.StepRemoveMember, Why: fmt.Sprintf("The lost member %s is removed from the cluster, from a healthy member: its ID and raft log cannot come back", p.Lost.Name),
			Actions: []Action{On(p.From.Node, removeMemberScript(p.From, p.Lost))}},
		{Name: timeline.StepAddMember, Why: "It is added back as a new member with the same name and peer URL; the cluster keeps quorum with it not started yet",
			Actions: []Action{On(p.From.Node, addMemberScript(p.From, p.Lost))}},
		{Name: timeline.StepStartMember, Why: "It starts on a fresh data directory with every member in --initial-cluster and --initial-cluster-state=existing, joins and is sent the data by the leader; done when it answers a quorum read",
			Actions: []Action{On(p.Lost.Node, startMemberScript(p.Lost, p.All))}},
	}
}
