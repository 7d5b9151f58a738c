package ssh

import (
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/firedrill/firedrill/framework/cluster"
)

// The site's overrides (read once, by the runner) replace the profile's
// inventory and endpoint; paths are the profile file's, and a shipped
// profile's inventory is never the user's.
func TestSpecFromProfile(t *testing.T) {
	p := &Profile{ClusterName: "c", Inventory: "../.vm-hosts/inventory.yaml", KubeadmConfig: "k.tmpl",
		ControlPlaneEndpoint: "lb:6443", Attach: true, Nodes: []Node{{Role: cluster.RoleControlPlane, Zone: "a", Host: "h1"}}}
	rel := func(path string) string { return filepath.Join("/repo/clusters", path) }
	s, err := profileSpec(cluster.SpecInput{Profile: "ssh-ha", Block: p, Rel: rel})
	if err != nil {
		t.Fatal(err)
	}
	if m := machinesOf(s); m.Inventory != "/repo/.vm-hosts/inventory.yaml" || m.ControlPlaneEndpoint != "lb:6443" || m.KubeadmConfig != "/repo/clusters/k.tmpl" || m.Attach {
		t.Errorf("ssh spec without overrides: %+v (attach needs mayBreak)", m)
	}
	if s.Nodes[0].Host != "h1" {
		t.Errorf("nodes %+v", s.Nodes)
	}
	s, _ = profileSpec(cluster.SpecInput{Profile: "ssh-ha", Block: p, Rel: rel,
		Overrides: map[string]string{EnvInventory: "/site/inv.yaml", EnvEndpoint: "10.0.0.10:6443"}})
	if m := machinesOf(s); m.Inventory != "/site/inv.yaml" || m.ControlPlaneEndpoint != "10.0.0.10:6443" {
		t.Errorf("ssh spec with overrides: %+v", m)
	}
	s, _ = profileSpec(cluster.SpecInput{Profile: "ssh-ha", Block: p, Rel: rel, Files: fstest.MapFS{}})
	if m := machinesOf(s); m.Inventory != "" {
		t.Errorf("a shipped profile's inventory: %q, want none", m.Inventory)
	}
}
