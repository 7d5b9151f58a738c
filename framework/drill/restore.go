package drill

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/fault"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/procedure"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// A drill with a recovery procedure (recovery.procedure) has two phases
// more: backup, before the fault, takes the etcd snapshot an operator
// would have; restore, after it, runs the procedure, each step timed on
// the timeline. The runbook of what ran is written whatever happened.

// procedureRun is what the procedure phases hand to each other.
type procedureRun struct {
	members []procedure.Member
	snap    timeline.Snapshot
	// took: a snapshot step ran (snap is worth recording).
	took  bool
	steps []timeline.Step
	check *probe.ScaleCheck
}

func (d *drillRun) hasProcedure() bool { return d.s.Recovery.Procedure != "" }

// hasBackup: the procedure works on etcd's members, which the backup
// phase reads (and snapshots, for a procedure that restores one);
// remove-webhook and renew-certificates need neither.
func (d *drillRun) hasBackup() bool {
	return slices.Contains(scenario.EtcdProcedures, d.s.Recovery.Procedure)
}

// backup reads the etcd members, then, for a snapshot taken before the
// fault, takes it and lets recovery.snapshotAge pass: the writes
// acknowledged meanwhile are the expected recovery point window.
func (d *drillRun) backup(ctx context.Context) error {
	x, ok := d.in.Cluster.(cluster.NodeExec)
	if !ok {
		return fmt.Errorf("cluster %s cannot run commands on nodes: no recovery procedure", d.in.Cluster.Name())
	}
	var err error
	if d.proc.members, err = procedure.ReadMembers(ctx, x, d.bench.chk.controlPlane); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// A procedure that repairs in place (defrag-etcd, replace-etcd-member)
	// restores no snapshot, so none is taken.
	if d.s.Recovery.Snapshot == scenario.SnapshotSurvivor || !scenario.TakesSnapshot(d.s.Recovery.Procedure) {
		return nil
	}
	// A rebuild needs the cluster's PKI and the node's kubeadm
	// configuration too, kept beside the snapshot.
	var extra []procedure.Action
	if d.s.Recovery.Procedure == scenario.ProcedureRebuildControlPlane {
		kc, ok := d.in.Cluster.(cluster.KubeadmConfigured)
		if !ok {
			return fmt.Errorf("cluster %s does not say where its nodes' kubeadm configuration is: no rebuild", d.in.Cluster.Name())
		}
		fc, _ := d.in.Cluster.(cluster.FileCopier)
		extra = procedure.BackupFiles(d.proc.members[0].Node, fc, d.in.BackupDir, kc.KubeadmConfigPath())
	}
	if err := d.snapshot(ctx, d.proc.members[0], extra...); err != nil {
		return err
	}
	if age := d.s.Recovery.SnapshotAge; age > 0 {
		fmt.Fprintf(d.out, "[%s] the snapshot ages %s before the fault (writes go on)\n", d.s.Name, age)
		return sleep(ctx, age)
	}
	return nil
}

// snapshot takes the backup from member m into the backup folder.
func (d *drillRun) snapshot(ctx context.Context, m procedure.Member, extra ...procedure.Action) error {
	fc, _ := d.in.Cluster.(cluster.FileCopier)
	d.proc.took = true
	d.proc.snap = timeline.Snapshot{At: time.Now(), BumpRevision: procedure.BumpRevision}
	err := d.runSteps(ctx, []procedure.Step{procedure.SnapshotPlan(m, fc, d.in.BackupDir, &d.proc.snap, extra...)})
	d.proc.snap.Done = time.Now()
	if err != nil {
		d.proc.snap.Error = err.Error()
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(d.out, "[%s] snapshot: revision %d, %d keys, %d bytes, hash %d, from %s, kept at %s\n", d.s.Name,
		d.proc.snap.Revision, d.proc.snap.Keys, d.proc.snap.Bytes, d.proc.snap.Hash, m.Node.Name, d.proc.snap.Path)
	return nil
}

// runSteps runs procedure steps and keeps each on the drill's record.
func (d *drillRun) runSteps(ctx context.Context, steps []procedure.Step) error {
	return procedure.Run(ctx, procedure.Input{Cluster: d.in.Cluster, Name: d.s.Name, Out: d.out,
		Record: func(s timeline.Step) {
			d.proc.steps = append(d.proc.steps, s)
			if rec := d.probes.Recorder(); rec != nil {
				rec.Step(s)
			}
		}}, steps)
}

// procedureWait is how long the procedure still waits at now for its
// startAfter, counted from the fault's start at injectAt.
func procedureWait(startAfter time.Duration, injectAt, now time.Time) time.Duration {
	return max(startAfter-now.Sub(injectAt), 0)
}

// restore waits recovery.startAfter (an operator noticing), takes a
// survivor's snapshot when the scenario says so, and runs the procedure.
// A failed step ends the drill naming it; the cluster is then marked for
// recreation and the snapshot stays in the drill's folder.
func (d *drillRun) restore(ctx context.Context) error {
	if wait := d.s.Recovery.StartAfter; wait > 0 {
		// From the fault's start, as rto.* count: an injection that takes
		// seconds to prove itself (a webhook's backend draining) must not
		// push the operator's start later than the scenario says.
		left := procedureWait(wait, d.injectAt, time.Now())
		fmt.Fprintf(d.out, "[%s] the procedure starts %s after the fault (in %s)\n", d.s.Name, wait, left.Round(100*time.Millisecond))
		if err := sleep(ctx, left); err != nil {
			return err
		}
	}
	var running []cluster.Node
	if d.s.Recovery.Snapshot == scenario.SnapshotSurvivor {
		var survivors []procedure.Member
		for _, m := range d.proc.members {
			if !slices.ContainsFunc(d.targets, func(t cluster.Node) bool { return t.Name == m.Node.Name }) {
				survivors = append(survivors, m)
				running = append(running, m.Node)
			}
		}
		if len(survivors) == 0 {
			return fmt.Errorf("%s: recovery.snapshot: no etcd member survived the fault", d.s.Path)
		}
		if err := d.snapshot(ctx, survivors[0]); err != nil {
			return err
		}
	}
	d.proc.check = &probe.ScaleCheck{CS: d.bench.cs, Name: fmt.Sprintf("verify-%s-%d", d.s.Name, d.injectAt.Unix()),
		Image: d.bench.image, Timeout: 2 * time.Minute, Out: d.out}
	fc, _ := d.in.Cluster.(cluster.FileCopier)
	var steps []procedure.Step
	switch d.s.Recovery.Procedure {
	case scenario.ProcedureRestoreEtcd:
		steps = procedure.RestoreEtcd(procedure.EtcdPlan{
			Members: d.proc.members, ControlPlane: d.bench.chk.controlPlane, Nodes: d.bench.nodes, Running: running,
			Snapshot: d.proc.snap.Path, Token: fmt.Sprintf("firedrill-restore-%d", d.injectAt.Unix()), Bump: d.proc.snap.BumpRevision,
			Verify: d.proc.check.Run, VerifyCommand: d.proc.check.Command(),
		}, fc)
	case scenario.ProcedureRebuildControlPlane:
		plan, err := d.rebuildPlan()
		if err != nil {
			return err
		}
		r, _ := d.in.Cluster.(cluster.Replacer)
		steps = procedure.RebuildControlPlane(plan, r, fc)
	case scenario.ProcedureRemoveWebhook:
		cs, name := d.bench.cs, fault.WebhookName(d.runID())
		steps = procedure.RemoveWebhook(procedure.WebhookPlan{Name: name,
			Remove:       func(ctx context.Context) error { return fault.RemoveWebhookConfiguration(ctx, cs, name) },
			Write:        func(ctx context.Context) error { return fault.DryRunWrite(ctx, cs) },
			WriteCommand: fault.DryRunWriteCommand})
	case scenario.ProcedureRenewCertificates:
		var err error
		steps, err = procedure.RenewCertificates(procedure.RenewPlan{ControlPlane: d.targets,
			Certs:  fault.ExpiredCertificates(d.s.Fault.Action),
			Verify: d.proc.check.Run, VerifyCommand: d.proc.check.Command()})
		if err != nil {
			return fmt.Errorf("%s: recovery.procedure: %w", d.s.Path, err)
		}
	case scenario.ProcedureDefragEtcd:
		f, ok := d.flt.(fault.Filler)
		if !ok {
			return fmt.Errorf("%s: recovery.procedure: %s frees what a fill wrote, and fault %s wrote nothing", d.s.Path, scenario.ProcedureDefragEtcd, d.s.Fault.Action)
		}
		// The members' status as the operator finds it, on the timeline:
		// no check runs between the fault and the procedure, and the
		// database's size before the procedure (etcd.dbsize.before) is
		// this. Its verdict does not matter here.
		_ = d.bench.chk.check(ctx, []string{scenario.CheckEtcd})
		c, ns := d.in.Cluster, f.FillerNamespace()
		steps = procedure.DefragEtcd(procedure.DefragPlan{Members: d.proc.members,
			DeleteFiller: func(ctx context.Context) error { return f.DeleteFiller(ctx, c) }, DeleteCommand: fault.DeleteFillerCommand(ns),
			DeleteRest: func(ctx context.Context) error { return f.DeleteNamespace(ctx, c) }, DeleteRestCommand: fault.DeleteNamespaceCommand(ns)})
	case scenario.ProcedureReplaceEtcdMember:
		plan, err := d.replacePlan()
		if err != nil {
			return err
		}
		steps = procedure.ReplaceEtcdMember(plan)
	default:
		return fmt.Errorf("%s: recovery.procedure: %q is not implemented", d.s.Path, d.s.Recovery.Procedure)
	}
	if err := d.runSteps(ctx, steps); err != nil {
		note := fmt.Sprintf("the recovery procedure failed (%v): the cluster is marked for recreation", err)
		if d.proc.took {
			note += "; the snapshot stays at " + d.proc.snap.Path
		}
		d.res.Notes = append(d.res.Notes, note)
		return fmt.Errorf("restore: %w", err)
	}
	// A watcher opened now lists the restored cluster afresh: its revision
	// must not be below any the first watcher saw.
	if scenario.TakesSnapshot(d.s.Recovery.Procedure) {
		d.probes.WatchAgain(probe.WatcherAfter)
	}
	return nil
}

// rebuildPlan rebuilds the one control-plane node the fault destroyed.
func (d *drillRun) rebuildPlan() (procedure.RebuildPlan, error) {
	if len(d.targets) != 1 || len(d.proc.members) != 1 {
		return procedure.RebuildPlan{}, fmt.Errorf("%s: recovery.procedure: %s rebuilds a single control plane (%d lost, %d etcd members)",
			d.s.Path, scenario.ProcedureRebuildControlPlane, len(d.targets), len(d.proc.members))
	}
	kc, _ := d.in.Cluster.(cluster.KubeadmConfigured)
	p := procedure.RebuildPlan{Node: d.targets[0], Member: d.proc.members[0], Backup: d.in.BackupDir, KubeadmConfig: kc.KubeadmConfigPath(),
		Token: fmt.Sprintf("firedrill-restore-%d", d.injectAt.Unix()), Bump: d.proc.snap.BumpRevision,
		Verify: d.proc.check.Run, VerifyCommand: d.proc.check.Command()}
	for _, n := range d.bench.nodes {
		if n.Role == cluster.RoleWorker {
			p.Workers = append(p.Workers, n)
		}
	}
	return p, nil
}

// replacePlan replaces the one member the fault wiped, from a member it
// spared.
func (d *drillRun) replacePlan() (procedure.ReplacePlan, error) {
	if len(d.targets) != 1 {
		return procedure.ReplacePlan{}, fmt.Errorf("%s: recovery.procedure: %s replaces one member (%d lost): fault.target.count must be one",
			d.s.Path, scenario.ProcedureReplaceEtcdMember, len(d.targets))
	}
	p := procedure.ReplacePlan{All: d.proc.members}
	lost, from := false, false
	for _, m := range d.proc.members {
		switch {
		case m.Node.Name == d.targets[0].Name:
			p.Lost, lost = m, true
		case !from:
			p.From, from = m, true
		}
	}
	if !lost || !from {
		return procedure.ReplacePlan{}, fmt.Errorf("%s: recovery.procedure: %s needs the lost member and a healthy one among %d members",
			d.s.Path, scenario.ProcedureReplaceEtcdMember, len(d.proc.members))
	}
	return p, nil
}

// writeRunbook writes the procedure as it ran into the drill's folder and
// puts the snapshot on the timeline.
func (d *drillRun) writeRunbook() {
	if !d.hasProcedure() {
		return
	}
	if d.proc.took {
		snap := d.proc.snap
		d.res.Timeline.Snapshot = &snap
		if snap.Error == "" {
			d.res.Notes = append(d.res.Notes, fmt.Sprintf("etcd snapshot: revision %d, %d keys, %d bytes, hash %d, from %s, kept at %s; restored with the revision bumped by %d",
				snap.Revision, snap.Keys, snap.Bytes, snap.Hash, snap.Node, snap.Path, snap.BumpRevision))
		}
	}
	if d.in.ArtifactDir == "" {
		return
	}
	path := filepath.Join(d.in.ArtifactDir, procedure.RunbookFile)
	text := procedure.Runbook(fmt.Sprintf("%s (%s) on %s, %s", d.s.Name, d.s.Recovery.Procedure, d.in.Cluster.Name(),
		d.res.Started.UTC().Format("2006-01-02 15:04 MST")), d.res.Timeline.Snapshot, d.proc.steps)
	if err := os.MkdirAll(d.in.ArtifactDir, 0o755); err == nil {
		err = os.WriteFile(path, []byte(text), 0o644)
		if err == nil {
			d.res.Notes = append(d.res.Notes, "runbook: "+path)
			return
		}
		fmt.Fprintf(d.out, "[%s] warning: runbook not written: %v\n", d.s.Name, err)
	}
}
