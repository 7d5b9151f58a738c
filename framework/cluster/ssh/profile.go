package ssh

import (
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// Name is the provider's name in profiles (provider: ssh).
const Name = "ssh"

// Site overrides of ssh profiles: where the machines are differs by site.
const (
	// EnvInventory replaces the profiles' inventory (and gives a shipped
	// profile one).
	EnvInventory = "FIREDRILL_SSH_INVENTORY"
	// EnvEndpoint replaces the profiles' control-plane endpoint.
	EnvEndpoint = "FIREDRILL_SSH_ENDPOINT"
)

func init() {
	scenario.RegisterProvider(scenario.ProviderFormat{Name: Name, Key: "sshCluster", Rank: 2,
		New:   func() scenario.ClusterBlock { return new(Profile) },
		Needs: "clusterName, inventory, kubeadmConfig, kubernetesVersion, podSubnet, waitForReady, nodes"})
	cluster.Register(cluster.Registration{Name: Name, Env: []string{EnvInventory, EnvEndpoint},
		New:  func(o cluster.Options) cluster.Provider { return NewProvider(o.Out, o.StateDir) },
		Spec: profileSpec})
}

// profileSpec is the Spec of an sshCluster block; paths are relative to the
// profile's file, and the site's overrides replace the inventory and the
// endpoint.
func profileSpec(in cluster.SpecInput) (cluster.Spec, error) {
	p, ok := in.Block.(*Profile)
	if !ok {
		return cluster.Spec{}, fmt.Errorf("profile %s: a %T is no sshCluster block", in.Profile, in.Block)
	}
	inventory := in.Rel(p.Inventory)
	if in.Files != nil {
		// A shipped profile's inventory is the sandbox's: the user's
		// machines are FIREDRILL_SSH_INVENTORY's.
		inventory = ""
	}
	if v := in.Overrides[EnvInventory]; v != "" {
		inventory = v
	}
	endpoint := p.ControlPlaneEndpoint
	if v := in.Overrides[EnvEndpoint]; v != "" {
		endpoint = v
	}
	s := cluster.Spec{Name: p.ClusterName, Profile: in.Profile, WaitForReady: p.WaitForReady,
		Settings: &MachinesSpec{Inventory: inventory, KubeadmConfig: in.Rel(p.KubeadmConfig), Files: in.Files, ControlPlaneEndpoint: endpoint,
			KubernetesVersion: p.KubernetesVersion, PodSubnet: p.PodSubnet, CNIManifest: p.CNIManifest,
			Attach: p.Attach && p.MayBreak}}
	for _, n := range p.Nodes {
		s.Nodes = append(s.Nodes, cluster.NodeSpec{Role: n.Role, Zone: n.Zone, Host: n.Host})
	}
	return s, nil
}

// Profile is the sshCluster block of a cluster profile: a cluster
// bootstrapped with kubeadm on machines reached over SSH (any Linux hosts
// with containerd, kubelet and kubeadm).
type Profile struct {
	// ClusterName names the cluster (its kubeconfig, the mark on its
	// machines); required, a DNS label.
	ClusterName string `yaml:"clusterName"`
	// Inventory lists the machines (vm-hosts' inventory.yaml format);
	// relative to the profile file; FIREDRILL_SSH_INVENTORY overrides it.
	Inventory string `yaml:"inventory"`
	// KubeadmConfig is the kubeadm configuration template (Go template:
	// .NodeName, .Address, .ControlPlaneEndpoint, .KubernetesVersion,
	// .PodSubnet, .Role), relative to the profile file; required.
	KubeadmConfig     string `yaml:"kubeadmConfig"`
	KubernetesVersion string `yaml:"kubernetesVersion"` // required
	PodSubnet         string `yaml:"podSubnet"`         // required, CIDR
	// ControlPlaneEndpoint is the API's address for clients and joining
	// nodes (host:port of a load balancer in front of the control-plane
	// machines); empty uses the first machine's. FIREDRILL_SSH_ENDPOINT
	// overrides it.
	ControlPlaneEndpoint string `yaml:"controlPlaneEndpoint"`
	// CNIManifest is a path, on the first control-plane machine, of the
	// CNI's manifest ({{ .PodSubnet }} replaced); optional.
	CNIManifest  string        `yaml:"cniManifest"`
	WaitForReady time.Duration `yaml:"waitForReady"` // required, > 0
	Nodes        []Node        `yaml:"nodes"`
	// Attach uses the kubeadm cluster already on the machines instead of
	// making one: its admin kubeconfig is read from the first
	// control-plane machine, nothing is installed, labelled or reset, and
	// the cluster is left as the drills leave it. The drills break its
	// control plane, so MayBreak must say, explicitly, that they may;
	// kubeadmConfig, kubernetesVersion and podSubnet are not needed.
	Attach   bool `yaml:"attach"`
	MayBreak bool `yaml:"mayBreak"`
}

// Node is one node of an sshCluster: its role, zone and, optionally, the
// inventory's host it is made on (default: the hosts in order).
type Node struct {
	Role string `yaml:"role"`
	Zone string `yaml:"zone"`
	Host string `yaml:"host"`
}

// NodeShapes implements scenario.ClusterBlock.
func (p *Profile) NodeShapes() []scenario.NodeShape {
	out := make([]scenario.NodeShape, 0, len(p.Nodes))
	for _, n := range p.Nodes {
		out = append(out, scenario.NodeShape{Role: n.Role, Zone: n.Zone})
	}
	return out
}

// Check implements scenario.ClusterBlock.
func (p *Profile) Check(f *scenario.Fields) {
	f.DNSLabel("clusterName", p.ClusterName, "firedrill-ssh")
	switch {
	case p.Attach && !p.MayBreak:
		f.Errorf("mayBreak", "required with attach: true: the drills break the attached cluster's control plane; set mayBreak: true to say they may")
	case p.MayBreak && !p.Attach:
		f.Errorf("mayBreak", "only with attach: true (a cluster the harness makes is its own to break)")
	}
	if !p.Attach {
		f.Require("kubeadmConfig", p.KubeadmConfig)
		f.KubernetesVersion("kubernetesVersion", p.KubernetesVersion)
	}
	f.PodSubnet("podSubnet", p.PodSubnet, !p.Attach)
	f.Positive("waitForReady", p.WaitForReady)
	if len(p.Nodes) == 0 {
		f.Errorf("nodes", "required: at least one node, the first a control-plane")
		return
	}
	for i, n := range p.Nodes {
		path := fmt.Sprintf("nodes[%d]", i)
		if !slices.Contains(scenario.NodeRoles, n.Role) {
			f.Errorf(path+".role", "want %s, got %q", scenario.QuoteList(scenario.NodeRoles), n.Role)
		}
		if n.Zone == "" {
			f.Errorf(path+".zone", "required: the node's topology.kubernetes.io/zone")
		}
	}
	if p.Nodes[0].Role != scenario.RoleControlPlane {
		f.Errorf("nodes[0].role", "the first node must be a control-plane node: kubeadm init runs there (or, attached, the admin kubeconfig is read there)")
	}
}

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
