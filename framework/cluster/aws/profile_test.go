package aws

import (
	"path/filepath"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// The key is the profile file's path unless the site overrides it; the
// login defaults to root; each zone brings its subnet.
func TestSpecFromProfile(t *testing.T) {
	p := &Profile{ClusterName: "c", Region: "eu-west-1", SSHKey: "keys/fd.pem",
		Zones: []Zone{{Name: "eu-west-1a", Subnet: "subnet-a"}}, Nodes: []scenario.NodeShape{{Role: cluster.RoleControlPlane, Zone: "eu-west-1a"}}}
	rel := func(path string) string { return filepath.Join("/repo/clusters", path) }
	s, err := profileSpec(cluster.SpecInput{Profile: "aws-ha", Block: p, Rel: rel})
	if err != nil {
		t.Fatal(err)
	}
	if i := settingsOf(s).Instances; i.KeyPath != "/repo/clusters/keys/fd.pem" || i.User != "root" || i.Subnets["eu-west-1a"] != "subnet-a" {
		t.Errorf("aws spec: %+v", i)
	}
	s, _ = profileSpec(cluster.SpecInput{Profile: "aws-ha", Block: p, Rel: rel, Overrides: map[string]string{EnvSSHKey: "/site/fd.pem"}})
	if k := settingsOf(s).Instances.KeyPath; k != "/site/fd.pem" {
		t.Errorf("aws key with the override: %s", k)
	}
}
