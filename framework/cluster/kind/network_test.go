package kind

import (
	"encoding/json"
	"os"
	"testing"
)

// Docker's own words for a node's endpoint: pinned only when the static
// config names the addresses it has.
func TestEndpointPinned(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		pinned     bool
	}{
		{"as kind made it", `{"IPAMConfig":null,"IPAddress":"172.29.46.3","GlobalIPv6Address":"fc00:f1d2:1:2e::3"}`, false},
		{"pinned", `{"IPAMConfig":{"IPv4Address":"172.29.46.3","IPv6Address":"fc00:f1d2:1:2e::3"},"IPAddress":"172.29.46.3","GlobalIPv6Address":"fc00:f1d2:1:2e::3"}`, true},
		{"pinned elsewhere", `{"IPAMConfig":{"IPv4Address":"172.29.46.9","IPv6Address":"fc00:f1d2:1:2e::3"},"IPAddress":"172.29.46.3","GlobalIPv6Address":"fc00:f1d2:1:2e::3"}`, false},
		{"IPv4 only pinned", `{"IPAMConfig":{"IPv4Address":"172.29.46.3"},"IPAddress":"172.29.46.3","GlobalIPv6Address":"fc00:f1d2:1:2e::3"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e endpoint
			if err := json.Unmarshal([]byte(tc.json), &e); err != nil {
				t.Fatal(err)
			}
			if got := e.pinned(); got != tc.pinned {
				t.Errorf("pinned = %v, want %v", got, tc.pinned)
			}
		})
	}
}

// kind reads the network from the environment: set for the creation only,
// and put back as it was.
func TestWithNetworkRestoresTheEnvironment(t *testing.T) {
	t.Setenv(networkEnv, "theirs")
	var during string
	if err := withNetwork("firedrill-ha", func() error { during = os.Getenv(networkEnv); return nil }); err != nil {
		t.Fatal(err)
	}
	if during != "firedrill-ha" || os.Getenv(networkEnv) != "theirs" {
		t.Errorf("during %q, after %q; want firedrill-ha, then theirs", during, os.Getenv(networkEnv))
	}
	os.Unsetenv(networkEnv)
	_ = withNetwork("firedrill-ha", func() error { return nil })
	if v, set := os.LookupEnv(networkEnv); set {
		t.Errorf("left %s=%q set", networkEnv, v)
	}
}
