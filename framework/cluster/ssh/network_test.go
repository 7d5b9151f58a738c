package ssh

import (
	"context"
	"slices"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
)

// The load balancer named as the control-plane endpoint is on the
// cluster's network (a partition cuts a zone off from it); an endpoint
// that is a node's own address adds nothing.
func TestLoadBalancerIsAnEndpoint(t *testing.T) {
	nodes := []cluster.Node{{Name: "cp-1", Address: "172.29.0.11"}, {Name: "cp-2", Address: "172.29.0.12"}}
	for _, tt := range []struct {
		endpoint string
		want     []string // nil: no endpoint
	}{
		{"", nil},
		{"172.29.0.11:6443", nil},
		{"172.29.0.10:6443", []string{"172.29.0.10"}},
		{"172.29.0.10", []string{"172.29.0.10"}},
		{"localhost:6443", []string{"127.0.0.1"}},
	} {
		c := &Cluster{name: "ha", nodes: nodes, endpoint: tt.endpoint}
		lb, err := c.loadBalancer(context.Background())
		if err != nil {
			t.Errorf("%q: %v", tt.endpoint, err)
			continue
		}
		switch {
		case tt.want == nil && lb != nil:
			t.Errorf("%q: endpoint %+v, want none", tt.endpoint, lb)
		case tt.want != nil && (lb == nil || !slices.Contains(lb.Addresses, tt.want[0]) || lb.Role != ""):
			t.Errorf("%q: endpoint %+v, want a load balancer at %v", tt.endpoint, lb, tt.want)
		}
	}
}
