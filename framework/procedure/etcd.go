package procedure

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/shell"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Where kubeadm keeps a control-plane node's state, and where the
// procedure keeps what it moves aside.
const (
	// ManifestDir is the kubelet's static pod directory: a manifest moved
	// out of it stops its pod, moved back starts it.
	ManifestDir = "/etc/kubernetes/manifests"
	// HeldDir keeps the manifests the procedure (or a fault) moved aside,
	// outside the directory the kubelet watches.
	HeldDir = "/etc/kubernetes/firedrill-held"
	// EtcdDataDir is the member's data directory (kubeadm's default).
	EtcdDataDir = "/var/lib/etcd"
)

// BumpRevision is what a restore adds to the snapshot's revision. Every
// watcher and informer has seen revisions up to what the cluster reached
// before it failed, which is above the snapshot's; after the restore the
// revision must start above anything they saw, or they take new changes
// for old ones (etcd's and Kubernetes' restore documentation). What the
// cluster wrote after the snapshot is unknown to an operator with only the
// backup, so the bump is a bound no cluster reaches between two backups: a
// billion revisions, as the Kubernetes documentation uses (a busy cluster
// writes a few thousand a minute; the drills here, a few hundred). With
// --mark-compacted every revision below the bump is compacted, so a
// watcher resuming from an old one is told to list afresh.
const BumpRevision int64 = 1_000_000_000

// etcdctl reaches the member on its own node with kubeadm's health-check
// client certificate, as an operator on the node does (the tool itself
// comes from the etcd image: EtcdTools).
var etcdctl = "etcdctl --endpoints=https://127.0.0.1:" + kubeadm.EtcdClientPort +
	" --cacert=" + kubeadm.EtcdPKI + "ca.crt --cert=" + kubeadm.EtcdPKI + "healthcheck-client.crt --key=" + kubeadm.EtcdPKI + "healthcheck-client.key"

// Waits inside the steps' scripts.
const (
	stopWait     = 2 * time.Minute  // a static pod's processes gone
	stopPatience = 10 * time.Second // before what the kubelet did not stop is killed
	startWait    = 4 * time.Minute  // etcd healthy, an API server ready
)

// Member is one etcd member as its static manifest declares it.
type Member struct {
	Node    cluster.Node
	Name    string // --name
	PeerURL string // --initial-advertise-peer-urls
	// Image is the etcd image it runs, as containerd names it: the one
	// etcd's tools are run from on its node.
	Image string
}

// Tools runs etcd's tools on the member's node.
func (m Member) Tools() EtcdTools { return EtcdTools{Image: m.Image} }

// ReadMembers reads each control-plane node's etcd manifest (from the
// manifest directory, or from where a fault or the procedure moved it).
func ReadMembers(ctx context.Context, x cluster.NodeExec, controlPlane []cluster.Node) ([]Member, error) {
	var out []Member
	for _, n := range controlPlane {
		data, err := x.Exec(ctx, n, "sh", "-c", "cat "+ManifestDir+"/etcd.yaml 2>/dev/null || cat "+HeldDir+"/etcd.yaml")
		if err != nil {
			return nil, fmt.Errorf("etcd manifest of %s: %w", n.Name, err)
		}
		m, err := parseMember(data)
		if err != nil {
			return nil, fmt.Errorf("etcd manifest of %s: %w", n.Name, err)
		}
		m.Node = n
		out = append(out, m)
	}
	return out, nil
}

// parseMember reads a member's name and peer URL from its static pod.
func parseMember(manifest []byte) (Member, error) {
	var pod corev1.Pod
	if err := yaml.Unmarshal(manifest, &pod); err != nil {
		return Member{}, err
	}
	var m Member
	for _, c := range pod.Spec.Containers {
		for _, arg := range append(append([]string{}, c.Command...), c.Args...) {
			if v, ok := strings.CutPrefix(arg, "--name="); ok {
				m.Name = v
			}
			if v, ok := strings.CutPrefix(arg, "--initial-advertise-peer-urls="); ok {
				m.PeerURL = v
			}
		}
		if m.Name != "" && m.Image == "" {
			image, err := containerdName(c.Image)
			if err != nil {
				return m, err
			}
			m.Image = image
		}
	}
	if m.Name == "" || m.PeerURL == "" {
		return m, fmt.Errorf("no --name or --initial-advertise-peer-urls in the etcd container's command")
	}
	// Both go into the restore's scripts and its runbook: they are read
	// from a node, so they are checked for what they must be first.
	if len(m.Name) > 253 || !memberName.MatchString(m.Name) {
		return m, fmt.Errorf("etcd --name %q is not a DNS name, as kubeadm makes it (the node's name)", m.Name)
	}
	if err := checkPeerURL(m.PeerURL); err != nil {
		return m, fmt.Errorf("etcd --initial-advertise-peer-urls %q: %w", m.PeerURL, err)
	}
	return m, nil
}

// memberName is a DNS subdomain: kubeadm names a member after its node.
var memberName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)

// checkPeerURL requires one http(s) URL of an address and port, nothing
// else: the one peer URL kubeadm gives a member.
func checkPeerURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("not an http(s) URL")
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return fmt.Errorf("has more than a scheme, address and port")
	case net.ParseIP(u.Hostname()) == nil && !memberName.MatchString(u.Hostname()):
		return fmt.Errorf("host %q is neither an IP address nor a DNS name", u.Hostname())
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("no port")
	}
	return nil
}

// initialCluster is etcd's --initial-cluster for the members.
func initialCluster(ms []Member) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Name + "=" + m.PeerURL
	}
	return strings.Join(parts, ",")
}

// stopStatic moves a component's manifest aside, so the kubelet stops its
// pod and does not restart it, and waits until its process is gone. The
// kubelet gives a static pod its 30 s grace period, and an API server does
// not finish draining in it (measured here: 30 s with etcd healthy, 55-89 s
// with etcd wiped, as the kubelet's own calls to the API hang too); it
// holds no state, so what still runs after stopPatience is killed. A
// manifest moved aside already stays there.
func stopStatic(component string) string {
	running := "pgrep -f '^" + component + "( |$)' >/dev/null"
	return joinScript("mkdir -p "+HeldDir,
		fmt.Sprintf("if [ -f %[1]s/%[3]s.yaml ]; then mv %[1]s/%[3]s.yaml %[2]s/%[3]s.yaml; fi", ManifestDir, HeldDir, component),
		"{ "+waitUntil(component+" stopped by the kubelet", "! "+running, stopPatience)+" || true; }",
		fmt.Sprintf("{ pkill -KILL -f '^%s( |$)' || true; }", component),
		waitUntil(component+" stopped", "! "+running, stopWait))
}

// startStatic moves a component's manifest back.
func startStatic(component string) string {
	return fmt.Sprintf("mv %[2]s/%[3]s.yaml %[1]s/%[3]s.yaml", ManifestDir, HeldDir, component)
}

// etcdHealthy waits until the member on this node answers a quorum read
// (etcdctl defined: EtcdTools).
var etcdHealthy = waitUntil("etcd healthy", etcdctl+" endpoint health >/dev/null 2>&1", startWait)

// removeWorkDir ends the tools' use on a node: what they wrote there
// (the snapshot has every Secret of the cluster) goes.
var removeWorkDir = "rm -rf " + WorkDir

// apiServerReady waits until the API server on this node is ready. Its
// certificate is checked for the name "kubernetes", which kubeadm always
// puts in it: 127.0.0.1 is there only on kind (plain kubeadm names the
// advertise and service addresses), and the wait would never end.
var apiServerReady = waitUntil("kube-apiserver ready",
	"kubectl --kubeconfig /etc/kubernetes/admin.conf --server https://127.0.0.1:"+kubeadm.APIServerPort+
		" --tls-server-name kubernetes get --raw /readyz >/dev/null 2>&1", startWait)

// WipeScript stops the member and deletes its data: what the wipe-etcd
// fault does.
func WipeScript() string {
	return joinScript(stopStatic(kubeadm.Etcd), "rm -rf "+EtcdDataDir+"/member")
}

// restoreScript restores the snapshot into the member's data directory as
// a member of a new cluster: every member from the same snapshot, with the
// same new token and the full initial cluster.
func restoreScript(m Member, all []Member, token string, bump int64) string {
	q := shell.Quote
	return m.Tools().With("rm -rf "+restoreDir,
		fmt.Sprintf("etcdutl snapshot restore %s --name %s --initial-cluster %s --initial-cluster-token %s --initial-advertise-peer-urls %s --data-dir %s --bump-revision %d --mark-compacted",
			NodeSnapshot, q(m.Name), q(initialCluster(all)), q(token), q(m.PeerURL), restoreDir, bump),
		"rm -rf "+EtcdDataDir+"/member",
		"mkdir -p "+EtcdDataDir,
		"mv "+restoreDir+"/member "+EtcdDataDir+"/member",
		removeWorkDir)
}

// EtcdPlan is what RestoreEtcd needs.
type EtcdPlan struct {
	// Members are every member of the cluster, restored as a new one.
	Members []Member
	// ControlPlane are the nodes running an API server, scheduler and
	// controller-manager; Nodes every node (each has a kubelet).
	ControlPlane, Nodes []cluster.Node
	// Running are members the fault left running (a survivor): they stop
	// before the restore.
	Running []cluster.Node
	// Snapshot is the backup on the harness's machine.
	Snapshot string
	// Token is the new cluster's --initial-cluster-token.
	Token string
	Bump  int64
	// Verify proves that the controllers and the scheduler work, from the
	// harness (VerifyCommand says how, for the runbook).
	Verify        func(context.Context) error
	VerifyCommand string
}

// RestoreEtcd is the restore of every etcd member from one snapshot, in
// the order Kubernetes' documentation gives: no API server may write while
// etcd is rebuilt, every member restores the same snapshot as a new
// cluster, etcd comes back before the API servers, and every component
// that caches (scheduler, controller-manager, kubelets) restarts so that
// nothing acts on state from before the restore.
func RestoreEtcd(p EtcdPlan, c cluster.FileCopier) []Step {
	each := func(nodes []cluster.Node, script func(cluster.Node) string) []Action {
		out := make([]Action, len(nodes))
		for i, n := range nodes {
			out[i] = On(n, script(n))
		}
		return out
	}
	eachMember := func(script func(Member) string) []Action {
		out := make([]Action, len(p.Members))
		for i, m := range p.Members {
			out[i] = On(m.Node, script(m))
		}
		return out
	}
	steps := []Step{{Name: timeline.StepStopAPIServers, Why: "No API server may write to etcd while it is rebuilt, nor serve from a cache of the old state",
		Actions: each(p.ControlPlane, func(cluster.Node) string { return stopStatic(kubeadm.APIServer) })}}
	if len(p.Running) > 0 {
		steps = append(steps, Step{Name: timeline.StepStopEtcd, Why: "The members the failure left running are restored too: every member must start from the same snapshot",
			Actions: each(p.Running, func(cluster.Node) string { return stopStatic(kubeadm.Etcd) })})
	}
	copies := eachMember(func(Member) string { return "mkdir -p " + WorkDir })
	for _, m := range p.Members {
		copies = append(copies, copyTo(c, m.Node, p.Snapshot, NodeSnapshot))
	}
	steps = append(steps,
		Step{Name: timeline.StepCopySnapshot, Sequential: true, Why: "The backup, kept outside the cluster, onto every member's node", Actions: copies},
		Step{Name: timeline.StepRestoreSnapshot, Why: fmt.Sprintf("Every member from the one snapshot, as a new cluster (new token, the full initial cluster), the revision bumped by %d and everything below it marked compacted; etcdutl runs from the etcd image", p.Bump),
			Actions: eachMember(func(m Member) string { return restoreScript(m, p.Members, p.Token, p.Bump) })},
		Step{Name: timeline.StepStartEtcd, Why: "Each member's etcd starts again; done when each answers a quorum read",
			Actions: eachMember(func(m Member) string { return m.Tools().With(startStatic(kubeadm.Etcd), etcdHealthy, removeWorkDir) })},
		Step{Name: timeline.StepStartAPIServers, Why: "The API servers back on the restored etcd; done when each is ready",
			Actions: each(p.ControlPlane, func(cluster.Node) string { return joinScript(startStatic(kubeadm.APIServer), apiServerReady) })},
		Step{Name: timeline.StepRestartComponents, Why: "The scheduler and the controller-manager drop what they cached before the restore",
			Actions: each(p.ControlPlane, func(cluster.Node) string {
				return joinScript(stopStatic(kubeadm.Scheduler), stopStatic(kubeadm.ControllerManager),
					startStatic(kubeadm.Scheduler), startStatic(kubeadm.ControllerManager))
			})},
		Step{Name: timeline.StepRestartKubelets, Why: "Every kubelet drops what it cached before the restore",
			Actions: each(p.Nodes, func(cluster.Node) string { return "systemctl restart kubelet" })},
		Step{Name: timeline.StepVerifyControllers, Why: "A Deployment is created and scaled: the controllers and the scheduler act on the restored state",
			Actions: []Action{{Do: p.Verify, Command: p.VerifyCommand}}},
	)
	return steps
}

// copyCommand is a copy as the cluster's copier does it ("node:path" on
// a node).
func copyCommand(c cluster.FileCopier, from, to string) string {
	if c == nil {
		return "copy " + from + " to " + to
	}
	return c.CopyCommand(from, to)
}

// copyTo copies a file of the harness's machine onto a node.
func copyTo(c cluster.FileCopier, n cluster.Node, local, nodePath string) Action {
	return Action{Command: copyCommand(c, local, n.Name+":"+nodePath),
		Do: func(ctx context.Context) error {
			if c == nil {
				return fmt.Errorf("the cluster cannot copy files to its nodes")
			}
			return c.CopyTo(ctx, n, local, nodePath)
		}}
}

// snapshotStatus is etcdutl snapshot status -w json.
type snapshotStatus struct {
	Hash      uint32 `json:"hash"`
	Revision  int64  `json:"revision"`
	TotalKey  int64  `json:"totalKey"`
	TotalSize int64  `json:"totalSize"`
}

// parseStatus reads the JSON line of etcdutl snapshot status out of a
// script's output.
func parseStatus(out []byte) (snapshotStatus, error) {
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var st snapshotStatus
		if err := json.Unmarshal([]byte(line), &st); err == nil && st.Revision > 0 {
			return st, nil
		}
	}
	return snapshotStatus{}, fmt.Errorf("no snapshot status in the output: %q", strings.TrimSpace(string(out)))
}

// SnapshotPlan takes a backup of member m into dir on the harness's
// machine: save it through the member's client API (a member without
// quorum still streams its data), verify it with etcdutl, copy it out of
// the cluster and remove it from the node, so that a restore can only use
// the copy kept outside. What it finds fills snap.
// Extra actions (BackupFiles) run after the copy.
func SnapshotPlan(m Member, c cluster.FileCopier, dir string, snap *timeline.Snapshot, extra ...Action) Step {
	n := m.Node
	local := filepath.Join(dir, SnapshotFile)
	save := On(n, m.Tools().With(etcdctl+" snapshot save "+NodeSnapshot+" >/dev/null",
		"etcdutl snapshot status "+NodeSnapshot+" -w json"))
	save.Output = func(out []byte) error {
		st, err := parseStatus(out)
		if err != nil {
			return err
		}
		snap.Node, snap.Revision, snap.Hash, snap.Keys = n.Name, st.Revision, st.Hash, st.TotalKey
		return nil
	}
	copyOut := Action{Command: copyCommand(c, n.Name+":"+NodeSnapshot, local),
		Do: func(ctx context.Context) error {
			if c == nil {
				return fmt.Errorf("the cluster cannot copy files from its nodes")
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			if err := c.CopyFrom(ctx, n, NodeSnapshot, local); err != nil {
				return err
			}
			fi, err := os.Stat(local)
			if err != nil {
				return err
			}
			snap.Path, snap.Bytes = local, fi.Size()
			return nil
		}}
	return Step{Name: timeline.StepSnapshot, Sequential: true,
		Why:     "Save the backup from a member, verify it (hash, revision, keys) and keep it outside the cluster only",
		Actions: append([]Action{save, copyOut, On(n, removeWorkDir)}, extra...)}
}

// SnapshotFile is the backup's name in the drill's backup folder.
const SnapshotFile = "etcd-snapshot.db"
