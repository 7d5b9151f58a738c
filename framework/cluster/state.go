package cluster

import (
	"os"
	"path/filepath"
)

// StateDir is firedrill's state folder, where what outlives a run lives
// (the providers' records of what they made, the undo journal, the
// kubeconfigs): $FIREDRILL_STATE, else $XDG_STATE_HOME/firedrill, else
// ~/.local/state/firedrill. Outside any checkout, so a fresh clone still
// knows what earlier runs on this machine created.
func StateDir() string {
	if d := os.Getenv("FIREDRILL_STATE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "firedrill")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "firedrill-state")
	}
	return filepath.Join(home, ".local", "state", "firedrill")
}
