package procedure

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/shell"
)

// etcd's tools on a node. kind's published node images and a plain
// kubeadm host have no etcdctl or etcdutl: upstream ships them only inside
// the etcd image (registry.k8s.io/etcd), which every control-plane node
// already holds in its containerd because its etcd member runs from it.
// So a step runs them as an operator on such a node does: from that image,
// through containerd's own client (ctr, part of every containerd
// install; crictl is not), in a throwaway container on the host's network
// with only etcd's certificates and the procedure's work directory
// mounted. Nothing is installed on the node and nothing is left behind:
// the container is removed when the tool exits, and WorkDir with it once
// the procedure is done.

// WorkDir is the only directory of the node the tools write to: the
// snapshot is saved and restored from there, and the restore builds the
// new data directory in it before it replaces the old one. It sits on the
// same file system as etcd's data directory, so that replacing it is a
// rename.
const WorkDir = "/var/lib/firedrill-etcd"

// Where in WorkDir.
const (
	// NodeSnapshot is where the backup is saved and restored from on a
	// node; it is removed from there once copied out.
	NodeSnapshot = WorkDir + "/snapshot.db"
	// restoreDir is where etcdutl builds the new data directory.
	restoreDir = WorkDir + "/restore"
)

// toolBin is where the etcd image keeps its binaries (upstream's image
// and the ones built the same way): named by path, since the image need
// not put them on its PATH.
const toolBin = "/usr/local/bin/"

// containerdNamespace is the namespace the kubelet's images are in.
const containerdNamespace = "k8s.io"

// EtcdTools runs etcdctl and etcdutl from Image on a node.
type EtcdTools struct {
	// Image is the etcd image's full name in containerd
	// (containerdName of what the member's static pod names).
	Image string
}

// imageRef is what an image reference may be: a registry, a path, a tag
// and a digest in the characters of the reference grammar. It is checked
// before it goes into a script, since it was read from a node.
var imageRef = regexp.MustCompile(`^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)

// containerdName is the image's full name as containerd stores it: an
// image named without a registry is Docker Hub's (and without a path, its
// library's), as the kubelet pulled it.
func containerdName(image string) (string, error) {
	if !imageRef.MatchString(image) {
		return "", fmt.Errorf("etcd image %q is not an image reference", image)
	}
	first, rest, found := strings.Cut(image, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return image, nil
	}
	if !found {
		return "docker.io/library/" + image, nil
	}
	return "docker.io/" + first + "/" + rest, nil
}

// Define is the shell lines a script starts with to have etcdctl and
// etcdutl: shell functions that run the tool of that name from the etcd
// image, the image pulled first only when the node lacks it (a rebuilt
// machine that never ran etcd). The runbook shows them, so that an
// operator can type the same.
func (t EtcdTools) Define() string {
	img := shell.Quote(t.Image)
	ctr := "ctr -n " + containerdNamespace
	mount := func(dir, options string) string {
		dir = strings.TrimSuffix(dir, "/")
		return fmt.Sprintf("--mount type=bind,src=%[1]s,dst=%[1]s,options=rbind:%[2]s", dir, options)
	}
	run := func(tool string) string {
		return fmt.Sprintf(`%s() { %s run --rm --net-host %s %s %s firedrill-%s-$$ %s%s "$@"; }`,
			tool, ctr, mount(kubeadm.EtcdPKI, "ro"), mount(WorkDir, "rw"), img, tool, toolBin, tool)
	}
	return joinScript("mkdir -p "+WorkDir,
		fmt.Sprintf(`{ [ -n "$(%[1]s images ls -q name==%[2]s)" ] || %[1]s images pull %[2]s >/dev/null; }`, ctr, img),
		run("etcdctl"), run("etcdutl"))
}

// With is script with the tools defined before it.
func (t EtcdTools) With(script ...string) string {
	return joinScript(append([]string{t.Define()}, script...)...)
}
