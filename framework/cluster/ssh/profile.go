package ssh

import (
	"io/fs"

	"github.com/firedrill/firedrill/framework/cluster"
)

// MachinesSpec is a cluster bootstrapped with kubeadm on existing
// machines: the ssh provider's settings (cluster.Spec's Settings), and
// what the aws provider hands it once its instances run.
type MachinesSpec struct {
	// Inventory is the file listing the machines (name, address, port,
	// user, key, known_hosts).
	Inventory string
	// KubeadmConfig is the kubeadm configuration template rendered for
	// each control-plane node (Go template: .NodeName, .Address,
	// .ControlPlaneEndpoint, .KubernetesVersion, .PodSubnet).
	KubeadmConfig string
	// Files holds KubeadmConfig: nil for this machine's files, the
	// shipped catalog for a shipped profile's template.
	Files fs.FS
	// ControlPlaneEndpoint is the address clients and joining nodes use
	// for the API (a load balancer's, host:port); empty uses the first
	// control-plane machine's.
	ControlPlaneEndpoint string
	KubernetesVersion    string
	PodSubnet            string
	// CNIManifest is a path on the first control-plane node of the CNI's
	// manifest, applied once it is up ({{ .PodSubnet }} replaced).
	CNIManifest string
	// Attach uses the kubeadm cluster already on the machines, which the
	// profile says the drills may break: nothing is made, labelled or
	// reset, and the provider never deletes it.
	Attach bool
}

// machinesOf is the machines of spec, nil when it has none.
func machinesOf(spec cluster.Spec) *MachinesSpec {
	m, _ := spec.Settings.(*MachinesSpec)
	return m
}
