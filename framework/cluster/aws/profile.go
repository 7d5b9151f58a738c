package aws

import (
	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/cluster/ssh"
)

// Settings are what the aws provider needs of a profile beyond
// cluster.Spec's common fields (the Spec's Settings): the instances to
// launch, and how kubeadm makes a cluster of them once they run (the
// inventory is the provider's to write).
type Settings struct {
	Instances InstancesSpec
	Machines  ssh.MachinesSpec
}

// InstancesSpec is the cloud instances a cluster is made on: one per
// node, in the subnet of the node's zone, tagged with the cluster and the
// run so that they can always be found and terminated again.
type InstancesSpec struct {
	Region       string
	InstanceType string
	// Image is the machine image (an AMI id): Linux with containerd,
	// kubelet and kubeadm installed, as on the sandbox's vm-hosts.
	Image string
	// KeyPair is the cloud's name of the SSH key pair the instances get;
	// KeyPath the private key the harness logs in with; User the login.
	KeyPair, KeyPath, User string
	SecurityGroups         []string
	// Subnets maps each zone (availability zone) to the subnet its nodes
	// are launched in.
	Subnets map[string]string
}

// settingsOf is the aws settings of spec, nil when it has none.
func settingsOf(spec cluster.Spec) *Settings {
	s, _ := spec.Settings.(*Settings)
	return s
}
