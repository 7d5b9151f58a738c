package scenario

import (
	"strings"
	"testing"
	"time"
)

const profileWithTimeouts = `apiVersion: firedrill.io/v1alpha1
kind: ClusterProfile
name: slow
provider: kind
kindCluster:
  clusterName: firedrill-slow
  waitForReady: 3m
  nodes:
    - role: control-plane
      zone: zone-a
timeouts:
  check: 10s
  recoveryPoll: 2s
`

// A profile overrides the harness's waits field by field; the rest keep
// their defaults.
func TestProfileTimeouts(t *testing.T) {
	dir := t.TempDir()
	p, err := LoadProfile(writeFile(t, dir, "slow.yaml", profileWithTimeouts))
	if err != nil {
		t.Fatal(err)
	}
	got := DefaultTimeouts().With(p.Timeouts)
	want := DefaultTimeouts()
	want.Check, want.RecoveryPoll = 10*time.Second, 2*time.Second
	if got != want {
		t.Errorf("timeouts = %+v\nwant %+v", got, want)
	}
	if d := DefaultTimeouts().With(nil); d != DefaultTimeouts() {
		t.Errorf("no overrides changed the defaults: %+v", d)
	}
}

func TestProfileTimeoutErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"negative", strings.Replace(profileWithTimeouts, "check: 10s", "check: -1s", 1),
			"slow.yaml:12:10: timeouts.check: must be > 0, got -1s (leave it out for the default 3s)"},
		{"unknown field", strings.Replace(profileWithTimeouts, "check: 10s", "chek: 10s", 1),
			`timeouts.chek: unknown field "chek" (did you mean "check"?)`},
		{"no unit", strings.Replace(profileWithTimeouts, "check: 10s", "check: 10", 1),
			"timeouts.check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadProfile(writeFile(t, t.TempDir(), "slow.yaml", tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
