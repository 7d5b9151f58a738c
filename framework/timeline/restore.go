package timeline

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The steps of a recovery procedure, by name: the procedure package runs
// them, and each has a figure "step.<name>", its duration. A step a
// procedure does not have stays unmeasured.
const (
	StepSnapshot          = "snapshot"           // save, verify and copy the backup out of the cluster
	StepStopAPIServers    = "stop-apiservers"    // no API server writes while etcd is rebuilt
	StepStopEtcd          = "stop-etcd"          // stop the members a fault left running
	StepReplaceNode       = "replace-node"       // a fresh machine in place of the lost one
	StepRestorePKI        = "restore-pki"        // the cluster's certificates onto the new machine
	StepCopySnapshot      = "copy-snapshot"      // the backup onto every member's node
	StepRestoreSnapshot   = "restore-snapshot"   // etcdutl snapshot restore into each member's data directory
	StepStartEtcd         = "start-etcd"         // every member back, the cluster healthy
	StepStartAPIServers   = "start-apiservers"   // every API server back and ready
	StepKubeadmInit       = "kubeadm-init"       // the control plane rebuilt on the new machine
	StepRestartComponents = "restart-components" // scheduler and controller-manager drop their caches
	StepRestartKubelets   = "restart-kubelets"   // every kubelet drops its cache
	StepVerifyControllers = "verify-controllers" // a Deployment is created and scales: controllers and scheduler work
	StepRemoveWebhook     = "remove-webhook"     // the admission webhook whose backend is gone deleted
	StepVerifyWrites      = "verify-writes"      // a write where the webhook refused them is admitted again
	StepCheckExpiration   = "check-expiration"   // kubeadm certs check-expiration: what expired, on every control-plane node
	StepRenewCertificates = "renew-certificates" // kubeadm certs renew of what expired, on every control-plane node
	StepRestartAPIServers = "restart-apiservers" // every API server restarted, to load its renewed certificate

	// defrag-etcd: a database out of space.
	StepFindAlarm    = "find-alarm"    // etcdctl alarm list names NOSPACE
	StepDeleteFiller = "delete-filler" // what filled etcd deleted (deletes pass under the alarm)
	StepCompact      = "compact"       // history compacted to the current revision
	StepDefragment   = "defragment"    // each member defragmented, one at a time
	StepDisarm       = "disarm-alarm"  // the alarm disarmed, writes served again

	// replace-etcd-member: a member whose data is gone for good.
	StepRemoveMember = "remove-member" // etcdctl member remove, from a healthy member
	StepAddMember    = "add-member"    // etcdctl member add, same name and peer URL
	StepStartMember  = "start-member"  // a fresh data directory, initial-cluster-state existing, healthy
)

// Steps lists every step name, in the order a procedure may run them.
var Steps = []string{StepSnapshot, StepStopAPIServers, StepStopEtcd, StepReplaceNode, StepRestorePKI, StepCopySnapshot,
	StepRestoreSnapshot, StepStartEtcd, StepStartAPIServers, StepKubeadmInit, StepCheckExpiration, StepRenewCertificates,
	StepRestartAPIServers, StepRestartComponents, StepRestartKubelets, StepVerifyControllers, StepRemoveWebhook, StepVerifyWrites,
	StepFindAlarm, StepDeleteFiller, StepCompact, StepDefragment, StepDisarm, StepRemoveMember, StepAddMember, StepStartMember}

// StepFigure is the name of a step's duration figure.
func StepFigure(step string) string { return "step." + step }

// stepFigures are one figure per step: how long it took. A step that
// failed is unmeasured, and says where it failed.
func stepFigures(tl Timeline) []result {
	var rs []result
	for _, name := range Steps {
		fig := StepFigure(name)
		i := slices.IndexFunc(tl.Steps, func(s Step) bool { return s.Name == name })
		switch {
		case i < 0:
			rs = append(rs, unknown(fig, "the procedure has no step "+name))
		case tl.Steps[i].Error != "":
			rs = append(rs, unrecovered(fig, "step failed: "+tl.Steps[i].Error))
		case tl.Steps[i].End.IsZero():
			rs = append(rs, unrecovered(fig, "step did not finish"))
		default:
			s := tl.Steps[i]
			rs = append(rs, measured(fig, s.End.Sub(s.Start).Seconds(), stepNote(s)))
		}
	}
	return rs
}

// stepNote names the slowest action of a step on several nodes.
func stepNote(s Step) string {
	if len(s.Actions) < 2 {
		return ""
	}
	slowest := slices.MaxFunc(s.Actions, func(a, b StepAction) int {
		return cmpDuration(a.End.Sub(a.Start), b.End.Sub(b.Start))
	})
	where := slowest.Node
	if where == "" {
		where = "the harness"
	}
	return fmt.Sprintf("%d actions; slowest %.1fs on %s", len(s.Actions), slowest.End.Sub(slowest.Start).Seconds(), where)
}

func cmpDuration(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// restoreFigures are the recovery objectives of a drill that restores
// from a snapshot: how long until writes are served again and until the
// cluster is healthy (RTO), and what the snapshot could not keep (RPO).
func restoreFigures(tl Timeline, f fault, byName map[string]result) []result {
	rtoWrites := rtoWritesFigure(tl, f)
	return []result{rtoWrites, rtoHealthy(rtoWrites, byName[RecoveryAll], f), writesRPO(tl), revisionsBackwards(tl)}
}

// rtoWritesFigure: from the fault until the last write outage ended (a
// recovery is the last one; an outage ends at the earliest answer after
// it).
func rtoWritesFigure(tl Timeline, f fault) result {
	if !f.injected {
		return unknown(RTOWrites, noFault)
	}
	o := downOf(tl, func(s string) bool { return s == SeriesWrite })
	if rs, ok := usable([]string{RTOWrites}, o, tl, "no samples of series "+SeriesWrite); !ok {
		return rs[0]
	}
	from, to := o.window(tl)
	return outageRecovery(RTOWrites, "writes", Clip(o.intervals, from, to), o, f)
}

// rtoHealthy is the later of writes served again and every component
// healthy again (recovery.all).
func rtoHealthy(writes, all result, f fault) result {
	switch {
	case !f.injected:
		return unknown(RTOHealthy, noFault)
	case writes.unrecovered || all.unrecovered:
		return unrecovered(RTOHealthy, joinNotes([]string{writes.Note, all.Note}))
	case !writes.Measured || !all.Measured:
		return unknown(RTOHealthy, "not measured: "+joinNotes([]string{RTOWrites + ": " + writes.Note, RecoveryAll + ": " + all.Note}))
	case writes.Value > all.Value:
		return measured(RTOHealthy, writes.Value, "slowest: "+RTOWrites)
	}
	return measured(RTOHealthy, all.Value, "slowest: "+RecoveryAll+" ("+all.Note+")")
}

// restoreStart is when the procedure began to put data back: writes
// acknowledged after it went to the restored cluster and must stay.
func restoreStart(tl Timeline) (time.Time, bool) {
	for _, s := range tl.Steps {
		if s.Name != StepSnapshot {
			return s.Start, true
		}
	}
	return time.Time{}, false
}

// inRPOWindow says whether an acknowledged write is one a restore from the
// snapshot may lose: acknowledged at a revision above the snapshot's (or,
// revision unknown, sent after the snapshot was complete) and before the
// restore began. Every other acknowledged write must survive.
func inRPOWindow(s Sample, snap *Snapshot, restore time.Time) bool {
	if snap == nil || restore.IsZero() || !s.Start.Before(restore) {
		return false
	}
	if s.Revision > 0 {
		return s.Revision > snap.Revision
	}
	return s.Start.After(snap.Done)
}

// writesRPO counts the acknowledged writes the restore lost that the
// snapshot could not hold: the expected window, reported, never hidden in
// writes.lost nor in a pass.
func writesRPO(tl Timeline) result {
	snap := tl.Snapshot
	if snap == nil {
		return unknown(WritesRPO, "no snapshot taken")
	}
	if snap.Error != "" {
		return unknown(WritesRPO, "snapshot failed: "+snap.Error)
	}
	restore, ok := restoreStart(tl)
	if !ok {
		return unknown(WritesRPO, "no restore step ran")
	}
	check := tl.WriteCheck
	if check == nil || check.Error != "" {
		return unknown(WritesRPO, "counter not read back after recovery")
	}
	seen := make(map[int64]bool, len(check.Seen))
	for _, n := range check.Seen {
		seen[n] = true
	}
	var window, lost int
	var last time.Time
	for _, s := range tl.Samples {
		if s.Series != SeriesWrite || !answered(s) || !inRPOWindow(s, snap, restore) {
			continue
		}
		window++
		if !seen[s.Seq] {
			lost++
			last = later(last, s.End)
		}
	}
	note := fmt.Sprintf("%d writes acknowledged above snapshot revision %d before the restore, %d of them kept", window, snap.Revision, window-lost)
	if lost > 0 {
		note += fmt.Sprintf("; the last of them was acknowledged %.1fs after the snapshot began", last.Sub(snap.At).Seconds())
	}
	return measured(WritesRPO, float64(lost), note)
}

// revisionsBackwards counts the times a watcher saw the cluster revision
// lower than one any watcher had seen before: a restore without a bump
// sends informers back in time, and they keep stale objects.
func revisionsBackwards(tl Timeline) result {
	if len(tl.Revisions) == 0 {
		return unknown(RevisionsBackwards, "no revisions observed")
	}
	obs := slices.Clone(tl.Revisions)
	slices.SortStableFunc(obs, func(a, b RevisionObservation) int { return a.ObservedAt.Compare(b.ObservedAt) })
	var high RevisionObservation
	var back []string
	watchers := map[string]bool{}
	for _, o := range obs {
		watchers[o.Watcher] = true
		if o.Revision < high.Revision {
			back = append(back, fmt.Sprintf("%s saw %d after %s saw %d", o.Watcher, o.Revision, high.Watcher, high.Revision))
			continue
		}
		high = o
	}
	names := make([]string, 0, len(watchers))
	for w := range watchers {
		names = append(names, w)
	}
	slices.Sort(names)
	// One watcher alone proves nothing about a restore: the check needs
	// one opened before the fault and one that listed afresh after it.
	if len(names) < 2 {
		return unknown(RevisionsBackwards, "only watcher "+strings.Join(names, ", ")+" saw a revision: none opened after the restore listed")
	}
	note := fmt.Sprintf("watchers %s; highest revision %d", strings.Join(names, ", "), high.Revision)
	if len(back) > 0 {
		note += "; " + strings.Join(back[:min(len(back), 3)], "; ")
	}
	return measured(RevisionsBackwards, float64(len(back)), note)
}
