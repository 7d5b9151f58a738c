package drill

import (
	"strings"
	"testing"
)

// /configz as kube-controller-manager v1.34 answered on kind-ha, cut down.
const configz134 = `{"kubecontrollermanager.config.k8s.io":{"Generic":{"Port":0},"NodeLifecycleController":{"NodeEvictionRate":0.1,"SecondaryNodeEvictionRate":0.01,"NodeStartupGracePeriod":"1m0s","NodeMonitorGracePeriod":"50s","LargeClusterSizeThreshold":50,"UnhealthyZoneThreshold":0.55}}}`

func TestParseConfigz(t *testing.T) {
	s, err := parseConfigz([]byte(configz134), "ha-control-plane")
	if err != nil || s.NodeMonitorGracePeriod != 50 || !strings.Contains(s.NodeMonitorGracePeriodFrom, "/configz on ha-control-plane") {
		t.Fatalf("parseConfigz = %+v, %v", s, err)
	}
	for _, bad := range []string{`{}`, `{"kubecontrollermanager.config.k8s.io":{"NodeLifecycleController":{}}}`, `not json`,
		`{"kubecontrollermanager.config.k8s.io":{"NodeLifecycleController":{"NodeMonitorGracePeriod":"fifty"}}}`} {
		if s, err := parseConfigz([]byte(bad), "n"); err == nil {
			t.Errorf("parseConfigz(%s) = %+v, want an error", bad, s)
		}
	}
}
