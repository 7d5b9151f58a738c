package kind

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// A fresh node runs as kind ran the lost one: what docker inspect said of
// a kind-ha control-plane node becomes the same docker run, with a new,
// empty /var and the address pinned on the cluster's network.
func TestReplacementRunsAsKindDid(t *testing.T) {
	data, err := os.ReadFile("testdata/inspect-control-plane.json")
	if err != nil {
		t.Fatal(err)
	}
	var list []container
	if err := json.Unmarshal(data, &list); err != nil || len(list) != 1 {
		t.Fatalf("inspect: %v", err)
	}
	args, err := list[0].runArgs("firedrill-ha")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(args, " ")
	for _, want := range []string{
		"run --detach --name firedrill-ha-control-plane2 --hostname firedrill-ha-control-plane2 --tty",
		"--network firedrill-ha --ip 172.29.46.",
		"--ip6 fc00:f1d2:1:2e::",
		"--label io.x-k8s.kind.cluster=firedrill-ha", "--label io.x-k8s.kind.role=control-plane",
		"--privileged", "--security-opt seccomp=unconfined",
		"--tmpfs /run", "--tmpfs /tmp",
		"--volume /lib/modules:/lib/modules:ro", "--volume /var ",
		"--publish 127.0.0.1:", ":6443/tcp",
		"--restart on-failure:1", "--cgroupns private",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("docker run lacks %q:\n%s", want, got)
		}
	}
	if args[len(args)-1] != list[0].Config.Image {
		t.Errorf("the image is not last: %v", args[len(args)-1])
	}
	if slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, "/var/lib/docker/volumes") }) {
		t.Errorf("the lost node's disk is mounted into the new one:\n%s", got)
	}
	if _, err := list[0].runArgs("kind"); err == nil {
		t.Error("a node not on the network was given a run on it")
	}
}
