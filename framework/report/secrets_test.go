package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every kind of credential a run could leak is found, in a file of any
// name, and a report folder with none is clean.
func TestCredentialsFound(t *testing.T) {
	leaks := map[string]string{
		"pem":        "x\n-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n",
		"client-key": "users:\n- name: admin\n  user:\n    client-key-data: LS0tLS1CRUdJTi\n",
		"kubeconfig": "apiVersion: v1\nkind: Config\nclusters: []\n",
		"join-error": "kubeadm join on node-2: exit status 1: kubeadm join 10.0.0.5:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00",
		"bearer":     "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.payload",
		"cert-key":   "--control-plane --certificate-key " + strings.Repeat("a1", 32),
	}
	for name, text := range leaks {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "summary.md"), []byte("# run\n"+text), 0o644); err != nil {
			t.Fatal(err)
		}
		found, err := Credentials(dir)
		if err != nil || len(found) == 0 {
			t.Errorf("%s: found %v (%v), want the leak found", name, found, err)
		}
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "reboot-master"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, text := range map[string]string{
		"firedrill-single.kubeconfig": "anything",
		"reboot-master/snapshot.db":   "anything",
	} {
		if err := os.WriteFile(filepath.Join(dir, path), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if found, _ := Credentials(dir); len(found) != 2 {
		t.Errorf("files that are credentials by their name: found %v, want 2", found)
	}

	clean := t.TempDir()
	if err := os.WriteFile(filepath.Join(clean, "summary.md"), []byte("# firedrill run: PASS\n| api.downtime.total | 1.2s |\ntoken bucket refilled\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if found, err := Credentials(clean); err != nil || len(found) != 0 {
		t.Errorf("a clean folder: found %v (%v)", found, err)
	}
}
