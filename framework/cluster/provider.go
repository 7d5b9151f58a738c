package cluster

import (
	"context"
	"io/fs"
	"time"
)

// Spec is a cluster to make or reuse: what a provider needs of a cluster
// profile, with no knowledge of scenario files.
type Spec struct {
	// Name is the provider's name of the cluster.
	Name string
	// Profile is the profile the cluster serves; providers mark it on the
	// nodes (ProfileLabel) and reuse only a cluster marked for it.
	Profile string
	Nodes   []NodeSpec
	// Image is the node image, for providers that boot images (kind).
	Image string
	// WaitForReady bounds creation's readiness wait.
	WaitForReady time.Duration
	// Network, when set, is a network of the cluster's own with fixed
	// subnets, on which a rebooted node keeps its address (providers that
	// make networks: kind).
	Network *NetworkSpec
	// Machines, for providers handed existing machines (ssh), says where
	// they are and how kubeadm makes a cluster of them; a provider that
	// launches machines (aws) fills in the inventory.
	Machines *MachinesSpec
	// Instances, for providers that launch machines (aws), says what to
	// launch and where.
	Instances *InstancesSpec
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
	// RunID tags what this run launched (firedrill:run).
	RunID string
}

// MachinesSpec is a cluster bootstrapped with kubeadm on existing
// machines.
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

// NetworkSpec is a network made for one cluster.
type NetworkSpec struct {
	Name             string
	Subnet, SubnetV6 string
}

// NodeSpec is one node of a Spec.
type NodeSpec struct {
	Role string // RoleControlPlane or RoleWorker
	Zone string
	// Host names the machine of an inventory the node is made on
	// (Machines); empty takes the inventory's hosts in order.
	Host string
}

// UpInput asks a provider for the cluster of a Spec.
type UpInput struct {
	Spec Spec
	// Reuse allows reusing an existing cluster of the name, if this tool
	// made it for this profile (or it was explicitly opted in) and it is
	// healthy.
	Reuse bool
	// KubeconfigDir receives the cluster's kubeconfig file; the user's
	// ~/.kube/config is never touched.
	KubeconfigDir string
}

// Provider makes, reuses and deletes clusters (kind now; ssh and aws
// later). Node abilities stay separate interfaces on Cluster (Rebooter,
// NodeExec, ...), so a fault asks for exactly what it needs.
type Provider interface {
	// Up returns the cluster of in.Spec: an existing one when in.Reuse
	// allows it, else a new one; created says whether this call made it
	// (and so whether the caller may delete it). A cluster this tool did
	// not make is refused before any change.
	Up(ctx context.Context, in UpInput) (c Cluster, created bool, err error)
	// Delete removes a cluster this tool made; it refuses any other,
	// whatever its name.
	Delete(ctx context.Context, name string) error
	// Made lists the clusters this tool made that exist now.
	Made(ctx context.Context) ([]string, error)
}
