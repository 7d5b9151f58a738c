package procedure

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
)

// etcd out of space: once a member's database reaches its quota
// (--quota-backend-bytes), etcd raises the NOSPACE alarm and refuses every
// write that would add data, cluster-wide, until an operator disarms it;
// reads and deletes still pass. Deleting what filled it is not enough:
// the space freed is only reused after a compaction, and the database
// file only shrinks (below the quota, which it is measured against) once
// each member is defragmented. So the operator's procedure, as etcd's
// maintenance guide gives it: find the alarm, delete the culprit, compact
// to the current revision, defragment each member one at a time (a member
// defragmenting serves nothing, so never two at once), disarm.

// NoSpaceAlarm is how etcdctl alarm list names the alarm.
const NoSpaceAlarm = "NOSPACE"

// defragTimeout bounds one member's defragmentation: it rewrites the whole
// database (the quota's size at most), which etcdctl's default 5 s command
// timeout does not allow on a loaded machine.
const defragTimeout = 3 * time.Minute

// AlarmList prints member m's view of the cluster's alarms, one line
// each ("memberID:… alarm:NOSPACE"), nothing when there are none.
func AlarmList(m Member) string {
	return m.Tools().With(etcdctl + " alarm list")
}

// HasAlarm says whether AlarmList's output names the alarm.
func HasAlarm(out, alarm string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(strings.TrimSpace(line), "alarm:"+alarm) {
			return true
		}
	}
	return false
}

// findAlarm fails unless the member reports the NOSPACE alarm: what the
// operator looks for first, since a full database and an out-of-space one
// read the same in the API server's errors.
func findAlarm(m Member) string {
	return m.Tools().With("alarms=$("+etcdctl+" alarm list)",
		`echo "$alarms"`,
		// etcdctl ends each line with a space: "memberID:… alarm:NOSPACE ".
		`{ echo "$alarms" | grep -q 'alarm:`+NoSpaceAlarm+`[[:space:]]*$' || { echo 'no `+NoSpaceAlarm+` alarm raised' >&2; exit 1; }; }`)
}

// compactScript compacts the history up to the current revision (read
// from the member's status), waiting until it is physically gone: what
// the deleted objects held is then free for reuse. A revision compacted
// already (the API server compacts every 5 minutes) is no failure.
func compactScript(m Member) string {
	return m.Tools().With(`rev=$(`+etcdctl+` endpoint status -w fields | sed -n 's/^"Revision" : //p')`,
		`{ [ -n "$rev" ] || { echo 'no revision in the endpoint status' >&2; exit 1; }; }`,
		`echo "compact to revision $rev"`,
		`{ out=$(`+etcdctl+` compaction --physical "$rev" 2>&1) || { echo "$out" | grep -q 'has been compacted' || { echo "$out" >&2; exit 1; }; }; }`)
}

// defragScript defragments the member on this node only (its own
// endpoint), then prints its status, which has the database's size.
func defragScript(m Member) string {
	return m.Tools().With(fmt.Sprintf("%s --command-timeout=%s defrag", etcdctl, defragTimeout),
		etcdctl+" endpoint status -w table")
}

// disarmScript disarms every alarm, then requires none left and the
// member healthy again (etcdctl endpoint health counts an active alarm as
// unhealthy).
func disarmScript(m Member) string {
	return m.Tools().With(etcdctl+" alarm disarm >/dev/null",
		`{ [ -z "$(`+etcdctl+` alarm list)" ] || { echo 'an alarm is still raised after the disarm' >&2; exit 1; }; }`,
		etcdHealthy)
}

// DefragPlan is what DefragEtcd needs.
type DefragPlan struct {
	// Members are every member of the cluster; the first finds the alarm,
	// compacts and disarms.
	Members []Member
	// DeleteFiller deletes what filled etcd, from the harness through the
	// API (DeleteCommand says how an operator would); DeleteRest removes
	// what cannot go under the alarm (a namespace: deleting one first
	// writes its Terminating phase), once writes pass again.
	DeleteFiller      func(context.Context) error
	DeleteCommand     string
	DeleteRest        func(context.Context) error
	DeleteRestCommand string
}

// DefragEtcd frees an etcd that ran out of space, in etcd's order.
func DefragEtcd(p DefragPlan) []Step {
	first := p.Members[0]
	defrags := make([]Action, len(p.Members))
	for i, m := range p.Members {
		defrags[i] = On(m.Node, defragScript(m))
	}
	disarm := []Action{On(first.Node, disarmScript(first))}
	if p.DeleteRest != nil {
		disarm = append(disarm, Action{Do: p.DeleteRest, Command: p.DeleteRestCommand})
	}
	return []Step{
		{Name: timeline.StepFindAlarm, Why: "Writes fail with \"database space exceeded\": the alarm list says which alarm, and that it is etcd's quota, not the disk",
			Actions: []Action{On(first.Node, findAlarm(first))}},
		{Name: timeline.StepDeleteFiller, Why: "What filled etcd is deleted through the API: deletes pass under the NOSPACE alarm, writes do not",
			Actions: []Action{{Do: p.DeleteFiller, Command: p.DeleteCommand}}},
		{Name: timeline.StepCompact, Why: "The history is compacted to the current revision, so the space of everything deleted or overwritten is free for reuse",
			Actions: []Action{On(first.Node, compactScript(first))}},
		{Name: timeline.StepDefragment, Sequential: true, Why: "Each member is defragmented in turn, one at a time (a member serves nothing while it defragments), so that its database file shrinks below the quota it is measured against",
			Actions: defrags},
		{Name: timeline.StepDisarm, Sequential: true, Why: "The alarm is disarmed: writes pass again, and the member is healthy; then what could not be deleted under the alarm goes",
			Actions: disarm},
	}
}
