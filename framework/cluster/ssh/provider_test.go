package ssh

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
)

// testProvider is a provider whose machine files live in a temporary
// folder of this machine, reached over the in-process SSH server.
func testProvider(t *testing.T) (*Provider, Host, string) {
	t.Helper()
	h, _ := hostFor(t, true)
	root := t.TempDir()
	p := NewProvider(&bytes.Buffer{}, t.TempDir())
	p.mark, p.kubeletConf = filepath.Join(root, "firedrill", "cluster"), filepath.Join(root, "kubernetes", "kubelet.conf")
	t.Cleanup(p.client.Close)
	return p, h, root
}

func writeInventory(t *testing.T, h Host) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "inventory.yaml")
	inv := "hosts:\n  - name: " + h.Name + "\n    address: " + h.Address + "\n    port: " + strconv.Itoa(h.Port) +
		"\n    user: root\n    keyPath: " + h.KeyPath + "\n    knownHostsPath: " + h.KnownHostsPath + "\n"
	if err := os.WriteFile(path, []byte(inv), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func spec(inventory string) cluster.Spec {
	return cluster.Spec{Name: "firedrill-ssh-single", Profile: "ssh-single", WaitForReady: time.Minute,
		Nodes:    []cluster.NodeSpec{{Role: cluster.RoleControlPlane, Zone: "zone-a"}},
		Settings: &MachinesSpec{Inventory: inventory, KubeadmConfig: "unused.tmpl", KubernetesVersion: "v1.34.4", PodSubnet: "10.244.0.0/16"}}
}

// A machine that is a kubelet's node without firedrill's mark belongs to
// someone else's cluster: refused, and nothing written to it.
func TestUpRefusesAForeignNode(t *testing.T) {
	p, h, root := testProvider(t)
	if err := os.MkdirAll(filepath.Join(root, "kubernetes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.kubeletConf, []byte("apiVersion: v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, created, err := p.Up(context.Background(), cluster.UpInput{Spec: spec(writeInventory(t, h)), KubeconfigDir: t.TempDir()})
	if err == nil || created || !strings.Contains(err.Error(), "refusing machines that are nodes of a cluster firedrill did not make") ||
		!strings.Contains(err.Error(), "without firedrill's mark") {
		t.Fatalf("created %v, err %v", created, err)
	}
	if _, err := os.Stat(p.mark); !os.IsNotExist(err) {
		t.Errorf("the refused machine was marked: %v", err)
	}
	if names, _ := p.Made(context.Background()); len(names) != 0 {
		t.Errorf("a refused cluster was recorded as made: %v", names)
	}
}

// A machine marked for another cluster firedrill made is not this one's.
func TestUpRefusesAMachineMarkedForAnotherCluster(t *testing.T) {
	p, h, _ := testProvider(t)
	if err := os.MkdirAll(filepath.Dir(p.mark), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.mark, []byte("firedrill-ssh-ha\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := p.Up(context.Background(), cluster.UpInput{Spec: spec(writeInventory(t, h)), KubeconfigDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `marked for cluster "firedrill-ssh-ha"`) {
		t.Fatalf("err %v", err)
	}
}

// Delete takes down only what the record says this machine made.
func TestDeleteNeedsTheRecord(t *testing.T) {
	p, _, _ := testProvider(t)
	err := p.Delete(context.Background(), "someone-elses")
	if err == nil || !strings.Contains(err.Error(), "firedrill has no record of making it") {
		t.Fatalf("err %v", err)
	}
}

func TestHostsOf(t *testing.T) {
	inv := &Inventory{Hosts: []Host{{Name: "a"}, {Name: "b"}, {Name: "c"}}}
	s := cluster.Spec{Profile: "p", Settings: &MachinesSpec{Inventory: "inv"},
		Nodes: []cluster.NodeSpec{{Host: "c"}, {}, {}}}
	hosts, err := hostsOf(s, inv)
	if err != nil || hosts[0].Name != "c" || hosts[1].Name != "a" || hosts[2].Name != "b" {
		t.Fatalf("hosts %v, err %v", hosts, err)
	}
	s.Nodes = append(s.Nodes, cluster.NodeSpec{})
	if _, err := hostsOf(s, inv); err == nil || !strings.Contains(err.Error(), "only 3 hosts") {
		t.Errorf("too few hosts: %v", err)
	}
	// A host the inventory calls a worker is not given to a master.
	inv.Hosts[0].Role, inv.Hosts[0].Zone = cluster.RoleWorker, "zone-b"
	s.Nodes = []cluster.NodeSpec{{Role: cluster.RoleControlPlane, Zone: "zone-b"}}
	if _, err := hostsOf(s, inv); err == nil || !strings.Contains(err.Error(), "host a is a worker in zone-b") {
		t.Errorf("a role the inventory contradicts: %v", err)
	}
}

func TestLastHexLine(t *testing.T) {
	out := "[upload-certs] Using certificate key:\n" + strings.Repeat("ab", 32) + "\n"
	if got := lastHexLine(out); got != strings.Repeat("ab", 32) {
		t.Errorf("certificate key %q", got)
	}
}

// Attaching needs every machine to be a node already, and none marked
// for a cluster firedrill made under another name; a refusal writes and
// records nothing. An attached cluster's Delete only forgets it.
func TestAttach(t *testing.T) {
	attach := func(inventory string) cluster.Spec {
		s := spec(inventory)
		s.Settings = &MachinesSpec{Inventory: inventory, Attach: true}
		return s
	}
	p, h, root := testProvider(t)
	_, created, err := p.Up(context.Background(), cluster.UpInput{Spec: attach(writeInventory(t, h)), KubeconfigDir: t.TempDir()})
	if err == nil || created || !strings.Contains(err.Error(), "m1 ("+h.Address+") is no kubelet's node") {
		t.Errorf("attach to a machine with no cluster: created %v, %v", created, err)
	}
	if err := os.MkdirAll(filepath.Join(root, "kubernetes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.kubeletConf, []byte("apiVersion: v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(p.mark), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.mark, []byte("firedrill-ssh-ha\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = p.Up(context.Background(), cluster.UpInput{Spec: attach(writeInventory(t, h)), KubeconfigDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `marked for cluster "firedrill-ssh-ha"`) {
		t.Errorf("attach to a machine of another firedrill cluster: %v", err)
	}
	if names, _ := p.Made(context.Background()); len(names) != 0 {
		t.Errorf("a refused attach was recorded: %v", names)
	}

	// An attached cluster's record: Delete resets nothing and forgets it.
	if err := p.writeRecord(record{Cluster: "attached", Hosts: []Host{h}, Attached: true}); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(context.Background(), "attached"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.kubeletConf); err != nil {
		t.Errorf("Delete of an attached cluster touched its machine: %v", err)
	}
	if _, ok, _ := p.readRecord("attached"); ok {
		t.Error("the attached cluster is still recorded")
	}
}

// A machine marked with this cluster's name by a harness on another
// machine (or one that lost its state) is not this machine's: without a
// local record, or with another UID, Up refuses it and says how to free it
// on purpose; nothing is run on it.
func TestUpRefusesAMarkThisMachineDidNotMake(t *testing.T) {
	for _, tc := range []struct {
		name, recordUID, want string
	}{
		{"no record", "", "by a firedrill on another machine"},
		{"another uid", "0123456789abcdef", `but this machine made it with uid "0123456789abcdef"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, h, _ := testProvider(t)
			s := spec(writeInventory(t, h))
			if err := os.MkdirAll(filepath.Dir(p.mark), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p.mark, []byte(s.Name+" fedcba9876543210\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.recordUID != "" {
				if err := p.writeRecord(record{Cluster: s.Name, Hosts: []Host{h}, UID: tc.recordUID}); err != nil {
					t.Fatal(err)
				}
			}
			ran := filepath.Join(t.TempDir(), "reset-ran")
			p.resetCommands = "touch " + ran
			_, created, err := p.Up(context.Background(), cluster.UpInput{Spec: s, KubeconfigDir: t.TempDir()})
			if err == nil || created || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "free it first: ssh -p") {
				t.Fatalf("created %v, err %v", created, err)
			}
			if _, err := os.Stat(ran); err == nil {
				t.Error("the machine was reset")
			}
			if data, _ := os.ReadFile(p.mark); string(data) != s.Name+" fedcba9876543210\n" {
				t.Errorf("the mark was changed to %q", data)
			}
		})
	}
}

// Delete resets a machine only when its mark is the recorded cluster's,
// name and UID, checked in the same shell as the reset: a machine whose
// mark changed since the record was written is left.
func TestDeleteResetsOnlyTheRecordedMark(t *testing.T) {
	for _, tc := range []struct {
		mark      string
		wantReset bool
	}{
		{"firedrill-ssh-single 0123456789abcdef", true},
		{"firedrill-ssh-single fedcba9876543210", false},
	} {
		p, h, _ := testProvider(t)
		if err := os.MkdirAll(filepath.Dir(p.mark), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p.mark, []byte(tc.mark+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		rec := record{Cluster: "firedrill-ssh-single", Hosts: []Host{h}, UID: "0123456789abcdef"}
		if err := p.writeRecord(rec); err != nil {
			t.Fatal(err)
		}
		ran := filepath.Join(t.TempDir(), "reset-ran")
		p.resetCommands = "touch " + ran
		err := p.Delete(context.Background(), rec.Cluster)
		_, statErr := os.Stat(ran)
		if reset := statErr == nil; reset != tc.wantReset || (err == nil) != tc.wantReset {
			t.Errorf("mark %q: reset %v, err %v; want reset %v", tc.mark, reset, err, tc.wantReset)
		}
		// The same-shell check: the mark changes after the inspection.
		if tc.wantReset {
			if err := p.writeRecord(rec); err != nil {
				t.Fatal(err)
			}
			os.Remove(ran)
			script := p.resetScript(rec)
			if err := os.WriteFile(p.mark, []byte("someone-else 1111111111111111\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := p.client.run(context.Background(), h, script, nil); err == nil {
				t.Error("the reset ran although the mark changed under it")
			}
			if _, err := os.Stat(ran); err == nil {
				t.Error("a machine re-marked in between was reset")
			}
		}
	}
}

// The join command each machine runs is rebuilt from checked values; a
// printed one with anything else in it is refused, and a failed join's
// error does not carry the token.
func TestJoinCommand(t *testing.T) {
	const token, hash = "abcdef.0123456789abcdef", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	good := "kubeadm join 10.0.0.5:6443 --token " + token + " --discovery-token-ca-cert-hash " + hash + " \n"
	j, err := parseJoinCommand(good)
	if err != nil {
		t.Fatal(err)
	}
	if got := j.line("node-1", "", ""); got != "kubeadm join 10.0.0.5:6443 --token "+token+" --discovery-token-ca-cert-hash "+hash+" --node-name node-1" {
		t.Errorf("join line %q", got)
	}
	for _, bad := range []string{
		"kubeadm join 10.0.0.5:6443 --token " + token + " --discovery-token-ca-cert-hash " + hash + "; touch /tmp/x",
		"kubeadm join 10.0.0.5:6443 --token " + token + " --discovery-token-ca-cert-hash " + hash + " --ignore-preflight-errors all",
		"kubeadm join $(id):6443 --token " + token + " --discovery-token-ca-cert-hash " + hash,
		"kubeadm join 10.0.0.5:6443 --token '" + token + "' --discovery-token-ca-cert-hash " + hash,
		"echo kubeadm join",
	} {
		if _, err := parseJoinCommand(bad); err == nil {
			t.Errorf("accepted %q", bad)
		} else if strings.Contains(err.Error(), token) {
			t.Errorf("the refusal of %q carries the token: %v", bad, err)
		}
	}

	p, h, _ := testProvider(t)
	err = p.step(context.Background(), h, "kubeadm join", "false "+j.line("node-1", strings.Repeat("e", 64), "10.0.0.6"))
	if err == nil {
		t.Fatal("the failing join did not fail")
	}
	if err := redact(err, j.token, strings.Repeat("e", 64)); strings.Contains(err.Error(), token) || strings.Contains(err.Error(), strings.Repeat("e", 64)) {
		t.Errorf("a failed join's error carries a secret: %v", err)
	} else if !strings.Contains(err.Error(), "<redacted>") {
		t.Errorf("a failed join's error %q says nothing was hidden", err)
	}
}
