package kind

import "github.com/firedrill/firedrill/framework/cluster"

// Settings are what the kind provider needs of a profile beyond
// cluster.Spec's common fields: the Spec's Settings.
type Settings struct {
	// Image is the node image.
	Image string
	// Network, when set, is a docker network of the cluster's own with
	// fixed subnets, on which a rebooted node keeps its address.
	Network *Network
}

// Network is a docker network made for one cluster.
type Network struct {
	Name             string
	Subnet, SubnetV6 string
}

// settingsOf is the kind settings of spec; none is the zero Settings.
func settingsOf(spec cluster.Spec) Settings {
	if s, ok := spec.Settings.(*Settings); ok && s != nil {
		return *s
	}
	return Settings{}
}
