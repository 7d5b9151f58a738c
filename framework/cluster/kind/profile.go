package kind

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// Name is the provider's name in profiles (provider: kind).
const Name = "kind"

// EnvNodeImage names the site override of every kind profile's node
// image (a locally built or `kind load`ed one).
const EnvNodeImage = "KIND_NODE_IMAGE"

func init() {
	scenario.RegisterProvider(scenario.ProviderFormat{Name: Name, Key: "kindCluster", Rank: 1,
		New: func() scenario.ClusterBlock { return new(Profile) }, Needs: "clusterName, waitForReady, nodes"})
	cluster.Register(cluster.Registration{Name: Name, Env: []string{EnvNodeImage},
		// The provider keeps its records in cluster.StateDir(), which is
		// where Options.StateDir points too.
		New:  func(o cluster.Options) cluster.Provider { return NewProvider(o.Out) },
		Spec: profileSpec,
		// A kind cluster is made within the drill that first needs it:
		// its readiness wait, and five minutes for the rest.
		CreationTime: func(s cluster.Spec) time.Duration { return s.WaitForReady + 5*time.Minute }})
}

// profileSpec is the Spec of a kindCluster block; KIND_NODE_IMAGE replaces its
// node image.
func profileSpec(in cluster.SpecInput) (cluster.Spec, error) {
	p, ok := in.Block.(*Profile)
	if !ok {
		return cluster.Spec{}, fmt.Errorf("profile %s: a %T is no kindCluster block", in.Profile, in.Block)
	}
	settings := &Settings{Image: p.NodeImage, Network: p.Network, EtcdQuotaBackendBytes: p.EtcdQuotaBackendBytes}
	if image := in.Overrides[EnvNodeImage]; image != "" {
		settings.Image = image
	}
	s := cluster.Spec{Name: p.ClusterName, Profile: in.Profile, WaitForReady: p.WaitForReady, Settings: settings}
	for _, n := range p.Nodes {
		s.Nodes = append(s.Nodes, cluster.NodeSpec{Role: n.Role, Zone: n.Zone})
	}
	return s, nil
}

// Profile is the kindCluster block of a cluster profile: a kind
// cluster's shape.
type Profile struct {
	// ClusterName of the kind cluster; required, a DNS label. The harness only
	// ever reuses or deletes a cluster of this name that it created itself.
	ClusterName string `yaml:"clusterName"`
	// NodeImage; optional, KIND_NODE_IMAGE overrides it; one of the two is
	// needed at run time.
	NodeImage string `yaml:"nodeImage"`
	// WaitForReady bounds cluster creation's readiness wait; required, > 0.
	WaitForReady time.Duration `yaml:"waitForReady"`
	// Nodes; required, at least one control-plane.
	Nodes []scenario.NodeShape `yaml:"nodes"`
	// Network, optional: the cluster gets a docker network of its own with
	// fixed subnets instead of kind's shared one, so that a rebooted node
	// can be given back its address (kind issue 1689: docker hands a
	// restarted container whatever address is free, and etcd's peers and
	// the load balancer keep the old one).
	Network *Network `yaml:"network"`
	// EtcdQuotaBackendBytes, optional: etcd's --quota-backend-bytes on
	// every member (kubeadm's etcd.local.extraArgs), for drills that fill
	// etcd until it runs out of space (etcd-nospace); etcd's default is
	// 2 GiB. At least MinEtcdQuota, so that the cluster boots.
	EtcdQuotaBackendBytes int64 `yaml:"etcdQuotaBackendBytes"`
}

// Bounds of kindCluster.etcdQuotaBackendBytes: a fresh kind cluster's
// database is a few MiB and grows by its events and leases, so below
// 32 MiB the cluster may run out before a drill starts; etcd warns above
// 8 GiB.
const (
	MinEtcdQuota int64 = 32 << 20
	MaxEtcdQuota int64 = 8 << 30
)

// Network is a docker network made for one cluster: the profile's
// kindCluster.network, and the provider's setting.
type Network struct {
	// Name of the docker network; required, a DNS-1123 label.
	Name string `yaml:"name"`
	// Subnet (IPv4) and SubnetV6 (IPv6), both required: docker pins an
	// address only on a network whose subnets the user chose, and kind's
	// nodes are dual-stack.
	Subnet   string `yaml:"subnet"`
	SubnetV6 string `yaml:"subnetV6"`
}

// NodeShapes implements scenario.ClusterBlock.
func (p *Profile) NodeShapes() []scenario.NodeShape { return p.Nodes }

// Check implements scenario.ClusterBlock.
func (p *Profile) Check(f *scenario.Fields) {
	f.DNSLabel("clusterName", p.ClusterName, "firedrill")
	f.Positive("waitForReady", p.WaitForReady)
	if p.Network != nil {
		p.Network.check(f)
	}
	if q := p.EtcdQuotaBackendBytes; q != 0 && (q < MinEtcdQuota || q > MaxEtcdQuota) {
		f.Errorf("etcdQuotaBackendBytes", "must be from %d (32 MiB: the cluster must boot) to %d (8 GiB), got %d", MinEtcdQuota, MaxEtcdQuota, q)
	}
	if len(p.Nodes) == 0 {
		f.Errorf("nodes", "required: at least one node, one of them a control-plane")
		return
	}
	controlPlanes, badRoles := 0, 0
	for i, n := range p.Nodes {
		path := fmt.Sprintf("nodes[%d]", i)
		switch {
		case n.Role == "":
			f.Errorf(path+".role", "required: %s", scenario.QuoteList(scenario.NodeRoles))
			badRoles++
		case !slices.Contains(scenario.NodeRoles, n.Role):
			f.Errorf(path+".role", "unknown role %q: want %s", n.Role, scenario.QuoteList(scenario.NodeRoles))
			badRoles++
		case n.Role == scenario.RoleControlPlane:
			controlPlanes++
		}
		if n.Zone == "" {
			f.Errorf(path+".zone", "required: the node's topology.kubernetes.io/zone")
		}
	}
	if controlPlanes == 0 && badRoles == 0 {
		f.Errorf("nodes", "needs at least one control-plane node")
	}
}

func (n *Network) check(f *scenario.Fields) {
	if f.DNSLabel("network.name", n.Name, "firedrill-ha") && slices.Contains([]string{"kind", "bridge", "host", "none"}, n.Name) {
		f.Errorf("network.name", "%q is shared with others: give the cluster a network of its own", n.Name)
	}
	for _, field := range []struct {
		name, value string
		v4          bool
	}{{"subnet", n.Subnet, true}, {"subnetV6", n.SubnetV6, false}} {
		path := "network." + field.name
		family := "IPv6"
		if field.v4 {
			family = "IPv4"
		}
		if field.value == "" {
			f.Errorf(path, "required: an %s subnet in CIDR form that no other docker network uses", family)
			continue
		}
		prefix, err := netip.ParsePrefix(field.value)
		switch {
		case err != nil:
			f.Errorf(path, "not a subnet in CIDR form: %v", err)
		case prefix.Addr().Is4() != field.v4:
			f.Errorf(path, "must be an %s subnet, got %q", family, field.value)
		case prefix.Masked() != prefix:
			f.Errorf(path, "has host bits set: did you mean %s?", prefix.Masked())
		}
	}
}

// pinnedImage is an image reference that ends in a sha256 digest.
var pinnedImage = regexp.MustCompile(`^[^@\s]+@sha256:[a-f0-9]{64}$`)

// CheckSite implements scenario.SiteChecker: a kind profile names the
// node image it runs by digest, as kind's release notes print the images
// built for a release: a tag alone may point at an image built for
// another kind release, and kind then fails in ways far from the cause. A
// run that overrides the image (KIND_NODE_IMAGE) does not use it.
func (p *Profile) CheckSite(f *scenario.Fields, overrides map[string]string) {
	if overrides[EnvNodeImage] != "" {
		return
	}
	const how = "name the image kind's release notes list for the kind library in go.mod, with its digest " +
		"(kindest/node:vX.Y.Z@sha256:...), or set " + EnvNodeImage
	switch {
	case p.NodeImage == "":
		f.Errorf("nodeImage", "required unless %s is set: %s", EnvNodeImage, how)
	case !pinnedImage.MatchString(p.NodeImage):
		f.Errorf("nodeImage", "%q is not pinned by digest: %s", p.NodeImage, how)
	}
}

// Settings are what the kind provider needs of a profile beyond
// cluster.Spec's common fields: the Spec's Settings.
type Settings struct {
	// Image is the node image.
	Image string
	// Network, when set, is a docker network of the cluster's own with
	// fixed subnets, on which a rebooted node keeps its address.
	Network *Network
	// EtcdQuotaBackendBytes, when > 0, is every etcd member's
	// --quota-backend-bytes.
	EtcdQuotaBackendBytes int64
}

// settingsOf is the kind settings of spec; none is the zero Settings.
func settingsOf(spec cluster.Spec) Settings {
	if s, ok := spec.Settings.(*Settings); ok && s != nil {
		return *s
	}
	return Settings{}
}
