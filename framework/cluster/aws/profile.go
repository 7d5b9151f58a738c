package aws

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/cluster/ssh"
	"github.com/firedrill/firedrill/framework/scenario"
)

// Name is the provider's name in profiles (provider: aws).
const Name = "aws"

// EnvSSHKey names the site override of aws profiles' sshKey: the private
// key of the EC2 key pair is where the site keeps it.
const EnvSSHKey = "FIREDRILL_AWS_SSH_KEY"

func init() {
	scenario.RegisterProvider(scenario.ProviderFormat{Name: Name, Key: "awsCluster", Rank: 3,
		New: func() scenario.ClusterBlock { return new(Profile) },
		Needs: "clusterName, region, instanceType, image, keyPair, sshKey, securityGroups, zones, kubeadmConfig, " +
			"kubernetesVersion, podSubnet, waitForReady, nodes"})
	cluster.Register(cluster.Registration{Name: Name, Env: []string{EnvSSHKey},
		New: func(o cluster.Options) cluster.Provider {
			return NewProvider(Options{Out: o.Out, StateDir: o.StateDir, DryRun: o.DryRun})
		},
		Spec: profileSpec,
		DryRun: &cluster.DryRun{Flag: "print every EC2 call (operation and input) instead of sending it",
			Usage: "prints every EC2 call\nwith its input, answered by a simulation, and sends none: no credentials are needed."},
		Sweep: sweep})
}

// profileSpec is the Spec of an awsCluster block; paths are relative to the
// profile's file (~/ to the home folder), and the site's override
// replaces the SSH key.
func profileSpec(in cluster.SpecInput) (cluster.Spec, error) {
	p, ok := in.Block.(*Profile)
	if !ok {
		return cluster.Spec{}, fmt.Errorf("profile %s: a %T is no awsCluster block", in.Profile, in.Block)
	}
	key := in.Rel(p.SSHKey)
	if rest, ok := strings.CutPrefix(p.SSHKey, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			key = filepath.Join(home, rest)
		}
	}
	if v := in.Overrides[EnvSSHKey]; v != "" {
		key = v
	}
	user := p.SSHUser
	if user == "" {
		user = "root"
	}
	settings := &Settings{Machines: ssh.MachinesSpec{KubeadmConfig: in.Rel(p.KubeadmConfig), Files: in.Files, ControlPlaneEndpoint: p.ControlPlaneEndpoint,
		KubernetesVersion: p.KubernetesVersion, PodSubnet: p.PodSubnet, CNIManifest: p.CNIManifest},
		Instances: InstancesSpec{Region: p.Region, InstanceType: p.InstanceType, Image: p.Image,
			KeyPair: p.KeyPair, KeyPath: key, User: user, SecurityGroups: p.SecurityGroups, Subnets: map[string]string{}}}
	for _, z := range p.Zones {
		settings.Instances.Subnets[z.Name] = z.Subnet
	}
	s := cluster.Spec{Name: p.ClusterName, Profile: in.Profile, WaitForReady: p.WaitForReady, Settings: settings}
	for _, n := range p.Nodes {
		s.Nodes = append(s.Nodes, cluster.NodeSpec{Role: n.Role, Zone: n.Zone})
	}
	return s, nil
}

// Profile is the awsCluster block of a cluster profile: a cluster on EC2
// instances the harness launches (one per node, in the subnet of the
// node's availability zone), bootstrapped with kubeadm over SSH as an
// sshCluster is, and terminated at the end.
type Profile struct {
	// ClusterName names the cluster (the firedrill:cluster tag of its
	// instances, its kubeconfig); required, a DNS label.
	ClusterName  string `yaml:"clusterName"`
	Region       string `yaml:"region"`       // required, e.g. eu-west-1
	InstanceType string `yaml:"instanceType"` // required, e.g. m6i.large
	// Image is the AMI: Linux with containerd, kubelet and kubeadm, and
	// cloud-init printing the SSH host keys on the console; required.
	Image string `yaml:"image"`
	// KeyPair is the EC2 key pair's name; SSHKey the path of its private
	// key (FIREDRILL_AWS_SSH_KEY overrides it); SSHUser the login (default
	// root). All required but SSHUser.
	KeyPair        string   `yaml:"keyPair"`
	SSHKey         string   `yaml:"sshKey"`
	SSHUser        string   `yaml:"sshUser"`
	SecurityGroups []string `yaml:"securityGroups"` // required, at least one
	// Zones are the availability zones nodes go to, each with its subnet;
	// required, every node's zone among them.
	Zones []Zone `yaml:"zones"`
	// ControlPlaneEndpoint is the API's address for clients and joining
	// nodes (host:port of a load balancer in front of the control-plane
	// instances); empty uses the first control-plane instance's, which a
	// lost zone may take with it.
	ControlPlaneEndpoint string `yaml:"controlPlaneEndpoint"`
	// KubeadmConfig, KubernetesVersion, PodSubnet, CNIManifest and
	// WaitForReady are as in sshCluster.
	KubeadmConfig     string               `yaml:"kubeadmConfig"`
	KubernetesVersion string               `yaml:"kubernetesVersion"`
	PodSubnet         string               `yaml:"podSubnet"`
	CNIManifest       string               `yaml:"cniManifest"`
	WaitForReady      time.Duration        `yaml:"waitForReady"`
	Nodes             []scenario.NodeShape `yaml:"nodes"`
}

// Zone is an availability zone and the subnet nodes there are launched
// in.
type Zone struct {
	Name   string `yaml:"name"`
	Subnet string `yaml:"subnet"`
}

// NodeShapes implements scenario.ClusterBlock.
func (p *Profile) NodeShapes() []scenario.NodeShape { return p.Nodes }

// Check implements scenario.ClusterBlock.
func (p *Profile) Check(f *scenario.Fields) {
	f.DNSLabel("clusterName", p.ClusterName, "firedrill-aws")
	for _, field := range [][2]string{{"region", p.Region}, {"instanceType", p.InstanceType}, {"image", p.Image},
		{"keyPair", p.KeyPair}, {"sshKey", p.SSHKey}, {"kubeadmConfig", p.KubeadmConfig}} {
		f.Require(field[0], field[1])
	}
	f.KubernetesVersion("kubernetesVersion", p.KubernetesVersion)
	if len(p.SecurityGroups) == 0 {
		f.Errorf("securityGroups", "required: at least one security group id (sg-...) that lets the harness reach SSH and the API, and the nodes each other")
	}
	f.PodSubnet("podSubnet", p.PodSubnet, true)
	f.Positive("waitForReady", p.WaitForReady)
	zones := map[string]bool{}
	for i, z := range p.Zones {
		path := fmt.Sprintf("zones[%d]", i)
		f.Require(path+".name", z.Name)
		f.Require(path+".subnet", z.Subnet)
		if zones[z.Name] {
			f.Errorf(path+".name", "zone %q is listed twice", z.Name)
		}
		zones[z.Name] = true
	}
	if len(p.Nodes) == 0 {
		f.Errorf("nodes", "required: at least one node, the first a control-plane")
		return
	}
	for i, n := range p.Nodes {
		path := fmt.Sprintf("nodes[%d]", i)
		if !slices.Contains(scenario.NodeRoles, n.Role) {
			f.Errorf(path+".role", "want %s, got %q", scenario.QuoteList(scenario.NodeRoles), n.Role)
		}
		if !zones[n.Zone] {
			f.Errorf(path+".zone", "%q is not one of %s", n.Zone, f.Path("zones"))
		}
	}
	if p.Nodes[0].Role != scenario.RoleControlPlane {
		f.Errorf("nodes[0].role", "the first node must be a control-plane node: kubeadm init runs there")
	}
}

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
