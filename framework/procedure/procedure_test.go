package procedure

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/timeline"
)

func members(n int) []Member {
	var out []Member
	for i := 1; i <= n; i++ {
		node := cluster.Node{Name: fmt.Sprintf("cp%d", i), Role: cluster.RoleControlPlane, Address: fmt.Sprintf("10.0.0.%d", i)}
		out = append(out, Member{Node: node, Name: node.Name, PeerURL: "https://" + node.Address + ":2380", Image: "registry.k8s.io/etcd:3.6.5-0"})
	}
	return out
}

func plan(ms []Member, running []cluster.Node) EtcdPlan {
	var cps []cluster.Node
	for _, m := range ms {
		cps = append(cps, m.Node)
	}
	nodes := append(slices.Clone(cps), cluster.Node{Name: "w1", Role: cluster.RoleWorker})
	return EtcdPlan{Members: ms, ControlPlane: cps, Nodes: nodes, Running: running, Snapshot: "/reports/etcd-snapshot.db",
		Token: "firedrill-restore-1", Bump: BumpRevision, Verify: func(context.Context) error { return nil }, VerifyCommand: "kubectl scale"}
}

func names(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Name)
	}
	return out
}

// The order Kubernetes' restore documentation gives: API servers stop
// before etcd is touched, every member is restored before any starts,
// etcd is back before the API servers, and the caching components restart
// last, before the proof that controllers work.
func TestRestoreEtcdOrder(t *testing.T) {
	want := []string{timeline.StepStopAPIServers, timeline.StepCopySnapshot, timeline.StepRestoreSnapshot, timeline.StepStartEtcd,
		timeline.StepStartAPIServers, timeline.StepRestartComponents, timeline.StepRestartKubelets, timeline.StepVerifyControllers}
	if got := names(RestoreEtcd(plan(members(1), nil), nil)); !slices.Equal(got, want) {
		t.Errorf("wiped member:\n got %v\nwant %v", got, want)
	}
	ms := members(3)
	survivor := []cluster.Node{ms[2].Node}
	withSurvivor := slices.Insert(slices.Clone(want), 1, timeline.StepStopEtcd)
	if got := names(RestoreEtcd(plan(ms, survivor), nil)); !slices.Equal(got, withSurvivor) {
		t.Errorf("with a survivor:\n got %v\nwant %v", got, withSurvivor)
	}
	// The order of the steps follows timeline.Steps, which the reports
	// and the runbook list in.
	for _, s := range RestoreEtcd(plan(ms, survivor), nil) {
		if !slices.Contains(timeline.Steps, s.Name) {
			t.Errorf("step %s is not in timeline.Steps: it would have no figure", s.Name)
		}
	}
}

// Every member restores the one snapshot as a member of one new cluster:
// the same token, the full initial cluster, its own name and peer URL, the
// revision bumped and compacted below.
func TestRestoreEtcdMembers(t *testing.T) {
	ms := members(3)
	p := plan(ms, nil)
	steps := RestoreEtcd(p, nil)
	byName := map[string]Step{}
	for _, s := range steps {
		byName[s.Name] = s
	}
	restore := byName[timeline.StepRestoreSnapshot]
	if len(restore.Actions) != 3 {
		t.Fatalf("restore has %d actions, want one per member", len(restore.Actions))
	}
	initial := "cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380"
	for i, a := range restore.Actions {
		m := ms[i]
		for _, want := range []string{"--name " + m.Name, "--initial-advertise-peer-urls " + m.PeerURL, "--initial-cluster " + initial,
			"--initial-cluster-token firedrill-restore-1", "--bump-revision 1000000000", "--mark-compacted", "snapshot restore " + NodeSnapshot} {
			if !strings.Contains(a.Script, want) {
				t.Errorf("restore on %s lacks %q:\n%s", a.Node.Name, want, a.Script)
			}
		}
		if a.Node.Name != m.Node.Name {
			t.Errorf("restore of member %s runs on %s", m.Name, a.Node.Name)
		}
	}
	copies := 0
	for _, a := range byName[timeline.StepCopySnapshot].Actions {
		if a.Node == nil && strings.Contains(a.Command, p.Snapshot+" to ") {
			copies++
		}
	}
	if copies != 3 {
		t.Errorf("the snapshot is copied to %d nodes, want 3", copies)
	}
	if n := len(byName[timeline.StepRestartKubelets].Actions); n != 4 {
		t.Errorf("%d kubelets restart, want every node's (4)", n)
	}
	for _, a := range byName[timeline.StepStartEtcd].Actions {
		back := strings.Index(a.Script, "mv "+HeldDir+"/etcd.yaml "+ManifestDir+"/etcd.yaml")
		if back < 0 || back > strings.Index(a.Script, "endpoint health") {
			t.Errorf("start-etcd on %s does not put the manifest back before it waits for etcd:\n%s", a.Node.Name, a.Script)
		}
	}
}

func TestParseMember(t *testing.T) {
	data, err := os.ReadFile("testdata/etcd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseMember(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "firedrill-single-control-plane" || m.PeerURL != "https://172.18.0.3:2380" || m.Image != "registry.k8s.io/etcd:3.6.5-0" {
		t.Errorf("got %+v", m)
	}
	// The image goes into a script on the node: anything but an image
	// reference is refused where it is read.
	bad := strings.Replace(string(data), "image: registry.k8s.io/etcd:3.6.5-0", "image: 'etcd;reboot'", 1)
	if _, err := parseMember([]byte(bad)); err == nil || !strings.Contains(err.Error(), "not an image reference") {
		t.Errorf("an image with a shell command in it: %v", err)
	}
	if _, err := parseMember([]byte("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command: [etcd]\n")); err == nil {
		t.Error("a manifest without --name parsed")
	}
	// The name and the peer URL go into the restore's scripts too.
	for _, edit := range [][2]string{
		{"--name=firedrill-single-control-plane", "--name=cp;reboot"},
		{"--name=firedrill-single-control-plane", "--name=$(reboot)"},
		{"--initial-advertise-peer-urls=https://172.18.0.3:2380", "--initial-advertise-peer-urls=https://172.18.0.3:2380/$(reboot)"},
		{"--initial-advertise-peer-urls=https://172.18.0.3:2380", "--initial-advertise-peer-urls=https://172.18.0.3:2380,https://x:1"},
		{"--initial-advertise-peer-urls=https://172.18.0.3:2380", "--initial-advertise-peer-urls=file:///etc/shadow"},
	} {
		bad := strings.Replace(string(data), edit[0], edit[1], 1)
		if bad == string(data) {
			t.Fatalf("testdata has no %q", edit[0])
		}
		if _, err := parseMember([]byte(bad)); err == nil {
			t.Errorf("a member with %s parsed", edit[1])
		}
	}
}

func TestParseStatus(t *testing.T) {
	out := []byte("Snapshot saved at /var/lib/firedrill/etcd-snapshot.db\n" +
		`{"hash":446963973,"revision":620,"totalKey":384,"totalSize":1335328,"version":"3.6.0"}` + "\n")
	st, err := parseStatus(out)
	if err != nil || st.Revision != 620 || st.Hash != 446963973 || st.TotalKey != 384 {
		t.Errorf("got %+v, %v", st, err)
	}
	if _, err := parseStatus([]byte("Error: snapshot file has no content\n")); err == nil {
		t.Error("no status parsed from an error")
	}
}

// scriptedCluster is the plan's nodes, running nothing: each script is
// recorded (Ran) and those that contain fail fail.
func scriptedCluster(p EtcdPlan, fail string) *fakes.Cluster {
	c := fakes.NewCluster("fake", p.Nodes...)
	c.Commands = func(_ context.Context, _ cluster.Node, argv []string) ([]byte, error) {
		if script := argv[len(argv)-1]; fail != "" && strings.Contains(script, fail) {
			return nil, errors.New("exit status 1: etcd healthy: not after 4m0s")
		}
		return nil, nil
	}
	return c
}

// A procedure stops at the first step that fails, names it, and keeps
// every step that ran on the record, the failed one too.
func TestRunStopsAtTheFailedStep(t *testing.T) {
	var recorded []timeline.Step
	p := plan(members(3), nil)
	c := scriptedCluster(p, "endpoint health")
	copies := 0
	steps := RestoreEtcd(p, nil)
	for i := range steps {
		for j := range steps[i].Actions {
			if steps[i].Actions[j].Node == nil && steps[i].Name == timeline.StepCopySnapshot {
				steps[i].Actions[j].Do = func(context.Context) error { copies++; return nil }
			}
		}
	}
	err := Run(context.Background(), Input{Cluster: c, Name: "t", Out: &strings.Builder{}, Record: func(s timeline.Step) { recorded = append(recorded, s) }}, steps)
	var se *StepError
	if !errors.As(err, &se) || se.Step != timeline.StepStartEtcd {
		t.Fatalf("got %v, want the step start-etcd named", err)
	}
	if got := names2(recorded); !slices.Equal(got, []string{timeline.StepStopAPIServers, timeline.StepCopySnapshot, timeline.StepRestoreSnapshot, timeline.StepStartEtcd}) {
		t.Errorf("recorded %v", got)
	}
	last := recorded[len(recorded)-1]
	if last.Error == "" || last.End.IsZero() || len(last.Actions) != 3 || last.Actions[0].Error == "" {
		t.Errorf("the failed step is not on the record with its error: %+v", last)
	}
	if copies != 3 {
		t.Errorf("%d copies, want 3", copies)
	}
	for _, r := range c.Ran() {
		if strings.Contains(r, "kube-apiserver.yaml "+ManifestDir) {
			t.Errorf("an API server started after etcd failed: %s", r)
		}
	}
	book := Runbook("t", nil, recorded)
	if !strings.Contains(book, "**Step start-etcd FAILED**") || strings.Contains(book, "start-apiservers") {
		t.Errorf("runbook does not stop at the failed step:\n%s", book)
	}
}

func names2(steps []timeline.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Name)
	}
	return out
}

// A rebuild puts the machine back before anything goes onto it, the PKI
// and the data before kubeadm runs, and restarts the workers' kubelets
// once the control plane is back.
func TestRebuildControlPlaneOrder(t *testing.T) {
	m := members(1)[0]
	p := RebuildPlan{Node: m.Node, Member: m, Workers: []cluster.Node{{Name: "w1"}, {Name: "w2"}}, Backup: "/reports/drill",
		KubeadmConfig: "/kind/kubeadm.conf", Token: "t", Bump: BumpRevision, Verify: func(context.Context) error { return nil }}
	steps := RebuildControlPlane(p, nil, nil)
	want := []string{timeline.StepReplaceNode, timeline.StepRestorePKI, timeline.StepCopySnapshot, timeline.StepRestoreSnapshot,
		timeline.StepKubeadmInit, timeline.StepRestartKubelets, timeline.StepVerifyControllers}
	if got := names(steps); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	var pki []string
	for _, a := range steps[1].Actions {
		pki = append(pki, a.command())
	}
	if !strings.Contains(strings.Join(pki, "\n"), "/reports/drill/pki to cp1:"+PKIDir) ||
		!strings.Contains(strings.Join(pki, "\n"), "/reports/drill/kubeadm.conf to cp1:/kind/kubeadm.conf") {
		t.Errorf("restore-pki does not put the PKI and the configuration back:\n%s", strings.Join(pki, "\n"))
	}
	if s := steps[3].Actions[0].Script; !strings.Contains(s, "--initial-cluster cp1=https://10.0.0.1:2380 ") {
		t.Errorf("the lone member is not restored as a cluster of one:\n%s", s)
	}
	if s := steps[4].Actions[0].Script; !strings.Contains(s, "kubeadm init --config /kind/kubeadm.conf") {
		t.Errorf("kubeadm-init:\n%s", s)
	}
	if n := len(steps[5].Actions); n != 2 {
		t.Errorf("%d kubelets restart, want the 2 workers'", n)
	}
}

// The readiness check of a restarted API server reaches it on 127.0.0.1
// but checks its certificate for "kubernetes": a plain kubeadm
// certificate names the advertise and service addresses and not
// 127.0.0.1 (only kind adds it), so checking the address failed on every
// machine over SSH until the step's 4 minutes ran out.
func TestAPIServerReadyChecksTheNameKubeadmCertifies(t *testing.T) {
	for _, s := range RestoreEtcd(plan(members(1), nil), nil) {
		if s.Name != timeline.StepStartAPIServers {
			continue
		}
		for _, a := range s.Actions {
			if !strings.Contains(a.Script, "--server https://127.0.0.1:6443 --tls-server-name kubernetes ") {
				t.Errorf("start-apiservers does not check the name kubernetes:\n%s", a.Script)
			}
		}
		return
	}
	t.Fatal("no start-apiservers step")
}
