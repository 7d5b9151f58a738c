package procedure

import (
	"regexp"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Kubernetes' manifests name images as the kubelet pulls them; containerd
// keeps them under their full name.
func TestContainerdName(t *testing.T) {
	for in, want := range map[string]string{
		"registry.k8s.io/etcd:3.6.5-0":                   "registry.k8s.io/etcd:3.6.5-0",
		"localhost/etcd:3.6.5-0":                         "localhost/etcd:3.6.5-0",
		"registry.local:5000/k8s/etcd:3.6.5-0":           "registry.local:5000/k8s/etcd:3.6.5-0",
		"quay.io/coreos/etcd:v3.6.5":                     "quay.io/coreos/etcd:v3.6.5",
		"bitnami/etcd:3.6":                               "docker.io/bitnami/etcd:3.6",
		"etcd:3.6":                                       "docker.io/library/etcd:3.6",
		"registry.k8s.io/etcd@sha256:" + sha(64):         "registry.k8s.io/etcd@sha256:" + sha(64),
		"registry.k8s.io/etcd:3.6.5-0@sha256:" + sha(64): "registry.k8s.io/etcd:3.6.5-0@sha256:" + sha(64),
	} {
		if got, err := containerdName(in); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "etcd; reboot", "etcd:3.6 && rm -rf /", "$(id)", "Registry/Etcd", "etcd:3.6\n"} {
		if got, err := containerdName(in); err == nil {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
}

func sha(n int) string { return strings.Repeat("a", n) }

// tool is a call of etcdctl or etcdutl in a script.
var tool = regexp.MustCompile(`(^|[\s;&|(])(etcdctl|etcdutl)\s`)

// A stock node (kind's published images, a kubeadm host) has no etcd
// tools: every script that calls one first defines it as the tool of that
// name in the member's etcd image, run through the node's containerd, and
// removes what the tools wrote once it is done with them. Before, the
// scripts called etcdctl and etcdutl from the node's PATH.
func TestEtcdToolsComeFromTheEtcdImage(t *testing.T) {
	ms := members(3)
	var scripts []Action
	for _, s := range RestoreEtcd(plan(ms, []cluster.Node{ms[2].Node}), nil) {
		scripts = append(scripts, s.Actions...)
	}
	snap := SnapshotPlan(ms[0], nil, t.TempDir(), &timeline.Snapshot{})
	scripts = append(scripts, snap.Actions...)
	rebuild := RebuildControlPlane(RebuildPlan{Node: ms[0].Node, Member: ms[0], KubeadmConfig: "/kind/kubeadm.conf", Bump: BumpRevision}, nil, nil)
	for _, s := range rebuild {
		scripts = append(scripts, s.Actions...)
	}
	calls := 0
	for _, a := range scripts {
		if a.Node == nil {
			continue
		}
		for _, name := range []string{"etcdctl", "etcdutl"} {
			def := name + "() { ctr -n k8s.io run --rm --net-host "
			used := false
			for _, m := range tool.FindAllStringSubmatch(a.Script, -1) {
				used = used || m[2] == name
			}
			if !used {
				continue
			}
			calls++
			d := strings.Index(a.Script, def)
			if d < 0 {
				t.Errorf("a script on %s calls %s from the node's PATH:\n%s", a.Node.Name, name, a.Script)
				continue
			}
			line := a.Script[d:]
			line = line[:strings.Index(line, "\n")]
			for _, want := range []string{" registry.k8s.io/etcd:3.6.5-0 firedrill-" + name + "-$$ /usr/local/bin/" + name + ` "$@"; }`,
				"src=" + WorkDir + ",dst=" + WorkDir} {
				if !strings.Contains(line, want) {
					t.Errorf("%s on %s is not run from the etcd image (%q missing):\n%s", name, a.Node.Name, want, line)
				}
			}
		}
	}
	if calls < 6 {
		t.Errorf("only %d scripts call etcd's tools: the plans changed and this test no longer sees them", calls)
	}
	// The snapshot (every Secret of the cluster) does not stay on the node.
	last := snap.Actions[2]
	if last.Script != "rm -rf "+WorkDir {
		t.Errorf("the snapshot step ends with %q, want the work directory removed", last.Script)
	}
}
