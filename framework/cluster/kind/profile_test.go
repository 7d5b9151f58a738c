package kind

import (
	"slices"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// The kindCluster block becomes a Spec; KIND_NODE_IMAGE replaces the
// profile's image.
func TestSpecFromProfile(t *testing.T) {
	p := &Profile{ClusterName: "firedrill-ha", NodeImage: "kindest/node:v1.34.11", WaitForReady: time.Minute,
		Network: &Network{Name: "fd-ha", Subnet: "172.29.46.0/24", SubnetV6: "fc00:f1d2:1:2e::/64"},
		Nodes:   []scenario.NodeShape{{Role: cluster.RoleControlPlane, Zone: "a"}, {Role: cluster.RoleWorker, Zone: "a"}}}
	s, err := profileSpec(cluster.SpecInput{Profile: "kind-ha", Block: p, Overrides: map[string]string{EnvNodeImage: "node:v1"}})
	if err != nil {
		t.Fatal(err)
	}
	set := settingsOf(s)
	if s.Name != "firedrill-ha" || s.Profile != "kind-ha" || set.Image != "node:v1" || set.Network.Name != "fd-ha" ||
		len(s.Nodes) != 2 || s.Nodes[0].Role != cluster.RoleControlPlane || s.WaitForReady != time.Minute {
		t.Errorf("spec = %+v, settings %+v", s, set)
	}
	s, _ = profileSpec(cluster.SpecInput{Profile: "kind-ha", Block: p})
	if settingsOf(s).Image != "kindest/node:v1.34.11" {
		t.Errorf("image without the override: %s", settingsOf(s).Image)
	}
	if _, err := profileSpec(cluster.SpecInput{Profile: "x", Block: &struct{}{}}); err == nil {
		t.Error("another provider's block gave a kind spec")
	}
}

// A profile's etcd quota becomes a kubeadm patch of every member's
// extraArgs; none, no patch; one the cluster could not boot with is
// refused.
func TestEtcdQuota(t *testing.T) {
	p := &Profile{ClusterName: "firedrill-ha-small-quota", WaitForReady: time.Minute, EtcdQuotaBackendBytes: 100 << 20,
		Nodes: []scenario.NodeShape{{Role: cluster.RoleControlPlane, Zone: "a"}}}
	s, err := profileSpec(cluster.SpecInput{Profile: "kind-ha-small-quota", Block: p})
	if err != nil {
		t.Fatal(err)
	}
	cfg := kindConfig(s)
	want := []string{
		"apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\netcd:\n  local:\n    extraArgs:\n      quota-backend-bytes: \"104857600\"\n",
		"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\netcd:\n  local:\n    extraArgs:\n      - name: quota-backend-bytes\n        value: \"104857600\"\n",
	}
	if !slices.Equal(cfg.KubeadmConfigPatches, want) {
		t.Errorf("patches %q, want %q", cfg.KubeadmConfigPatches, want)
	}
	p.EtcdQuotaBackendBytes = 0
	s, _ = profileSpec(cluster.SpecInput{Profile: "kind-ha", Block: p})
	if n := len(kindConfig(s).KubeadmConfigPatches); n != 0 {
		t.Errorf("%d patches without a quota", n)
	}
}
