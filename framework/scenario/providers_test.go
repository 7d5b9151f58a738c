package scenario_test

// The shipped providers register their blocks of the profile format
// (kindCluster, sshCluster, awsCluster) from their packages' init, and
// those packages import scenario: only an external test package can
// import them. Being in the same test binary, the imports register them
// for the package's own tests too, which load the shipped profiles and
// pin the providers' messages.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster/aws"
	"github.com/firedrill/firedrill/framework/cluster/kind"
	"github.com/firedrill/firedrill/framework/cluster/ssh"
	"github.com/firedrill/firedrill/framework/scenario"
)

// The providers register in Rank order whatever order Go initializes
// their packages in.
func TestProvidersRegistered(t *testing.T) {
	var got []string
	for _, f := range scenario.ProviderFormats() {
		got = append(got, f.Name+":"+f.Key)
	}
	if want := kind.Name + ":kindCluster," + ssh.Name + ":sshCluster," + aws.Name + ":awsCluster"; strings.Join(got, ",") != want {
		t.Errorf("registered %s, want %s", strings.Join(got, ","), want)
	}
}

// The kindCluster block decodes into the kind provider's type.
func TestLoadKindProfile(t *testing.T) {
	p, err := scenario.LoadProfile("testdata/clusters/kind-single.yaml")
	if err != nil {
		t.Fatal(err)
	}
	k, ok := p.Cluster.(*kind.Profile)
	if !ok || k.ClusterName != "firedrill-single" || k.NodeImage != "kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d" || k.WaitForReady != 5*time.Minute {
		t.Fatalf("profile = %+v, kindCluster = %+v", p, p.Cluster)
	}
	if len(k.Nodes) != 2 || k.Nodes[0] != (scenario.NodeShape{Role: scenario.RoleControlPlane, Zone: "zone-a"}) ||
		k.Nodes[1] != (scenario.NodeShape{Role: scenario.RoleWorker, Zone: "zone-a"}) {
		t.Errorf("nodes = %+v", k.Nodes)
	}
}

const sshAttachProfile = `apiVersion: firedrill.io/v1alpha1
kind: ClusterProfile
name: ssh-attach
provider: ssh
sshCluster:
  clusterName: prod-like
  inventory: hosts.yaml
  attach: true
  mayBreak: true
  waitForReady: 5m
  nodes:
    - {role: control-plane, zone: zone-a}
    - {role: worker, zone: zone-b}
`

// Attaching to a cluster the harness did not make needs the explicit
// mayBreak, and then none of what making one needs.
func TestSSHAttachProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssh-attach.yaml")
	if err := os.WriteFile(path, []byte(sshAttachProfile), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := scenario.LoadProfile(path)
	if err != nil {
		t.Fatalf("a valid attach profile: %v", err)
	}
	if sc, ok := p.Cluster.(*ssh.Profile); !ok || !sc.Attach || !sc.MayBreak {
		t.Errorf("sshCluster = %+v", p.Cluster)
	}
	for _, tt := range []struct{ name, old, new, want string }{
		{"attach without mayBreak", "  mayBreak: true\n", "", `sshCluster.mayBreak: required with attach: true: the drills break the attached cluster's control plane`},
		{"mayBreak without attach", "  attach: true\n", "", `sshCluster.mayBreak: only with attach: true`},
		{"making one needs kubeadm's", "  attach: true\n  mayBreak: true\n", "", `sshCluster.kubeadmConfig: required`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(strings.Replace(sshAttachProfile, tt.old, tt.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := scenario.LoadProfile(path); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %s", err, tt.want)
			}
		})
	}
}
