package cluster

import "testing"

func TestStateDir(t *testing.T) {
	t.Setenv("FIREDRILL_STATE", "/x/state")
	if got := StateDir(); got != "/x/state" {
		t.Errorf("StateDir = %s", got)
	}
	t.Setenv("FIREDRILL_STATE", "")
	t.Setenv("XDG_STATE_HOME", "/xdg")
	if got := StateDir(); got != "/xdg/firedrill" {
		t.Errorf("StateDir = %s", got)
	}
}
