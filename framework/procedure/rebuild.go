package procedure

import (
	"context"
	"fmt"
	"path"
	"path/filepath"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/timeline"
)

// PKIDir is where kubeadm keeps the cluster's certificates and keys: the
// CA that every kubelet and client trusts, the service-account signing
// key, etcd's CA. A control plane rebuilt with new ones would be a new
// cluster that no worker trusts.
const PKIDir = "/etc/kubernetes/pki"

// BackupFiles are what a rebuild needs beside the etcd snapshot, copied
// off a control-plane node into the backup folder: the PKI and the
// kubeadm configuration the node was built with (kubeadmConfig, a path on
// the node). Each is kept under its base name.
func BackupFiles(n cluster.Node, c cluster.FileCopier, dir, kubeadmConfig string) []Action {
	var out []Action
	for _, p := range []string{PKIDir, kubeadmConfig} {
		local := filepath.Join(dir, path.Base(p))
		out = append(out, Action{Command: copyCommand(c, n.Name+":"+p, local),
			Do: func(ctx context.Context) error {
				if c == nil {
					return fmt.Errorf("the cluster cannot copy files from its nodes")
				}
				return c.CopyFrom(ctx, n, p, local)
			}})
	}
	return out
}

// RebuildPlan is what RebuildControlPlane needs.
type RebuildPlan struct {
	// Node is the control-plane node that was lost, and Member its etcd
	// member as its manifest declared it.
	Node   cluster.Node
	Member Member
	// Workers are the nodes whose kubelets outlived the loss.
	Workers []cluster.Node
	// Backup is the folder with the snapshot, the PKI and the kubeadm
	// configuration (SnapshotPlan, BackupFiles); KubeadmConfig is where
	// the configuration goes on the node.
	Backup, KubeadmConfig string
	Token                 string
	Bump                  int64
	Verify                func(context.Context) error
	VerifyCommand         string
}

// RebuildControlPlane is the recovery of a single control plane whose
// machine is gone, from its backup (what bootkube recover did for
// self-hosted clusters): a fresh machine in its place with the same name
// and address, the cluster's PKI and kubeadm configuration put back, etcd
// restored from the snapshot into its data directory, and kubeadm init
// building the control plane on it, which finds the certificates and the
// data and uses them. The workers keep running and rejoin with the
// credentials they have, since the CA is the same; their kubelets restart
// to drop what they cached.
func RebuildControlPlane(p RebuildPlan, r cluster.Replacer, c cluster.FileCopier) []Step {
	n := p.Node
	replace := "create a new node " + n.Name + " with the lost one's name, address and machine image"
	if r != nil {
		replace = r.ReplaceCommand(n)
	}
	copyIn := func(local, nodePath string) Action {
		return copyTo(c, n, local, nodePath)
	}
	restarts := make([]Action, len(p.Workers))
	for i, w := range p.Workers {
		restarts[i] = On(w, "systemctl restart kubelet")
	}
	return []Step{
		{Name: timeline.StepReplaceNode, Sequential: true, Why: "A fresh machine in place of the lost one: the same name and address, nothing on its disk but the machine image",
			Actions: []Action{
				{Command: replace,
					Do: func(ctx context.Context) error {
						if r == nil {
							return fmt.Errorf("the cluster cannot replace nodes")
						}
						return r.Replace(ctx, n)
					}},
				On(n, waitUntil("containerd running", "systemctl is-active --quiet containerd", stopWait)),
			}},
		{Name: timeline.StepRestorePKI, Sequential: true, Why: "The cluster's certificates and keys and its kubeadm configuration onto the new machine, so the rebuilt control plane is the same cluster",
			Actions: []Action{
				On(n, "mkdir -p "+path.Dir(PKIDir)+" "+path.Dir(p.KubeadmConfig)),
				copyIn(filepath.Join(p.Backup, path.Base(PKIDir)), PKIDir),
				copyIn(filepath.Join(p.Backup, path.Base(p.KubeadmConfig)), p.KubeadmConfig),
			}},
		{Name: timeline.StepCopySnapshot, Sequential: true, Why: "The backup, kept outside the cluster, onto the new machine",
			Actions: []Action{On(n, "mkdir -p "+WorkDir), copyIn(filepath.Join(p.Backup, SnapshotFile), NodeSnapshot)}},
		{Name: timeline.StepRestoreSnapshot, Why: fmt.Sprintf("The member's data directory from the snapshot, as a new cluster, the revision bumped by %d and everything below it marked compacted; etcdutl runs from the etcd image, pulled first if the new machine lacks it", p.Bump),
			Actions: []Action{On(n, restoreScript(p.Member, []Member{p.Member}, p.Token, p.Bump))}},
		{Name: timeline.StepKubeadmInit, Why: "The control plane built on the new machine by kubeadm init, which uses the certificates and the etcd data it finds, and waits for the API server",
			Actions: []Action{On(n, joinScript("kubeadm init --config "+p.KubeadmConfig+" --skip-phases=preflight --skip-token-print >/var/log/firedrill-kubeadm-init.log 2>&1 || { tail -20 /var/log/firedrill-kubeadm-init.log >&2; exit 1; }",
				apiServerReady))}},
		{Name: timeline.StepRestartKubelets, Why: "Every worker's kubelet drops what it cached before the loss", Actions: restarts},
		{Name: timeline.StepVerifyControllers, Why: "A Deployment is created and scaled: the controllers and the scheduler act on the restored state",
			Actions: []Action{{Do: p.Verify, Command: p.VerifyCommand}}},
	}
}
