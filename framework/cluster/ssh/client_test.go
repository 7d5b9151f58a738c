package ssh

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/firedrill/firedrill/framework/internal/fakes/sshserver"
	"github.com/firedrill/firedrill/framework/shell"
)

// hostFor starts an SSH server (sshserver, /bin/sh on this machine) that
// lets in a new key, and returns the inventory host that reaches it with
// that key and a known_hosts file for it; trusted false writes another
// key in known_hosts.
func hostFor(t *testing.T, trusted bool) (Host, *sshserver.Server) {
	t.Helper()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "id_ed25519")
	srv := sshserver.Start(t, sshserver.WriteClientKey(t, keyPath))
	known := srv.HostKey.PublicKey()
	if !trusted {
		known = sshserver.NewPublicKey(t)
	}
	kh := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(srv.KnownHostsLine(known)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	host, _, _ := net.SplitHostPort(srv.Addr)
	return Host{Name: "m1", Address: host, Port: srv.Port(), User: "root", KeyPath: keyPath, KnownHostsPath: kh}, srv
}

func TestRunOverSSH(t *testing.T) {
	h, _ := hostFor(t, true)
	c := newClient()
	defer c.Close()
	ctx := context.Background()
	out, err := c.run(ctx, h, shell.Line("printf", "%s|", "a b", "it's"), nil)
	if err != nil || string(out) != "a b|it's|" {
		t.Fatalf("out %q, err %v: arguments must reach the shell as given", out, err)
	}
	out, err = c.run(ctx, h, "cat", strings.NewReader("from stdin"))
	if err != nil || string(out) != "from stdin" {
		t.Errorf("stdin: out %q, err %v", out, err)
	}
	_, err = c.run(ctx, h, "echo broken >&2; exit 3", nil)
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Status != 3 || !strings.Contains(err.Error(), "broken") {
		t.Errorf("a failed command must carry its status and output: %v", err)
	}
}

// A host whose key is not the one known_hosts holds is refused, also with
// trust on first use, and the error names the host and both fingerprints.
func TestChangedHostKeyRefused(t *testing.T) {
	for _, tofu := range []bool{false, true} {
		h, srv := hostFor(t, false)
		h.TrustOnFirstUse = tofu
		c := newClient()
		_, err := c.run(context.Background(), h, "true", nil)
		c.Close()
		var keyErr *knownhosts.KeyError
		if !errors.As(err, &keyErr) {
			t.Fatalf("tofu %v: a host with a changed key was accepted or failed otherwise: %v", tofu, err)
		}
		fp := ssh.FingerprintSHA256(srv.HostKey.PublicKey())
		if msg := err.Error(); !strings.Contains(msg, "host m1 ("+h.Addr()+")") || !strings.Contains(msg, fp) ||
			!strings.Contains(msg, "a changed host key is never trusted") || !strings.Contains(msg, h.KnownHostsPath+":1") {
			t.Errorf("tofu %v: the refusal does not name the host, its key %s and the known one: %v", tofu, fp, err)
		}
	}
}

// A host known_hosts does not name is refused with what to do, unless
// the inventory opted in to trust on first use: then its key is added,
// and a later connection checks against it.
func TestUnknownHostKeyAndTrustOnFirstUse(t *testing.T) {
	h, srv := hostFor(t, true)
	h.KnownHostsPath = filepath.Join(t.TempDir(), "known_hosts") // nothing known yet
	if err := os.WriteFile(h.KnownHostsPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClient()
	_, err := c.run(context.Background(), h, "true", nil)
	c.Close()
	fp := ssh.FingerprintSHA256(srv.HostKey.PublicKey())
	if err == nil || !strings.Contains(err.Error(), fp) || !strings.Contains(err.Error(), "trustOnFirstUse: true") || !strings.Contains(err.Error(), "ssh-keyscan") {
		t.Fatalf("an unknown host: %v, want a refusal naming %s and the way out", err, fp)
	}
	h.TrustOnFirstUse = true
	c = newClient()
	var notices strings.Builder
	c.notices = &notices
	if _, err := c.run(context.Background(), h, "true", nil); err != nil {
		t.Fatalf("trust on first use: %v", err)
	}
	c.Close()
	if !strings.Contains(notices.String(), "trusted host m1 ("+h.Addr()+") on first use") || !strings.Contains(notices.String(), fp) {
		t.Errorf("the first use was not reported: %q", notices.String())
	}
	data, err := os.ReadFile(h.KnownHostsPath)
	if err != nil || !strings.Contains(string(data), knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, srv.HostKey.PublicKey())) {
		t.Fatalf("known_hosts after first use: %q, %v", data, err)
	}
	h.TrustOnFirstUse = false // known now: no opt-in needed
	c = newClient()
	defer c.Close()
	if _, err := c.run(context.Background(), h, "true", nil); err != nil {
		t.Errorf("the key trusted on first use is not known after: %v", err)
	}
}

// agent: true logs in with the keys of the agent at $SSH_AUTH_SOCK.
func TestAgentLogin(t *testing.T) {
	h, _ := hostFor(t, true)
	raw, err := os.ReadFile(h.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.ParseRawPrivateKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: key}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go agent.ServeAgent(keyring, conn)
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
	h.KeyPath, h.Agent = "", true
	c := newClient()
	defer c.Close()
	if out, err := c.run(context.Background(), h, "echo via-agent", nil); err != nil || strings.TrimSpace(string(out)) != "via-agent" {
		t.Fatalf("login with the agent: %q, %v", out, err)
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	if _, err := newClient().run(context.Background(), Host{Name: "m2", Address: "127.0.0.1", Agent: true, KnownHostsPath: h.KnownHostsPath}, "true", nil); err == nil || !strings.Contains(err.Error(), "SSH_AUTH_SOCK is not set") {
		t.Errorf("no agent: %v", err)
	}
}

// A host behind a bastion is reached through it (ssh -J): the bastion
// opens the TCP connection, and both host keys are checked.
func TestBastion(t *testing.T) {
	h, target := hostFor(t, true)
	jump, bastion := hostFor(t, true)
	// The bastion accepts the same login in this test: its own key.
	jump.Name = "bastion"
	h.Bastion = &jump
	// Both keys in one known_hosts: the target's and the bastion's.
	both := filepath.Join(t.TempDir(), "known_hosts")
	lines := knownhosts.Line([]string{knownhosts.Normalize(target.Addr)}, target.HostKey.PublicKey()) + "\n" +
		knownhosts.Line([]string{knownhosts.Normalize(bastion.Addr)}, bastion.HostKey.PublicKey()) + "\n"
	if err := os.WriteFile(both, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	h.KnownHostsPath, jump.KnownHostsPath = both, both
	c := newClient()
	defer c.Close()
	if out, err := c.run(context.Background(), h, "echo behind", nil); err != nil || strings.TrimSpace(string(out)) != "behind" {
		t.Fatalf("through the bastion: %q, %v", out, err)
	}
	if n := bastion.Jumps(); n != 1 {
		t.Errorf("the bastion opened %d connections, want 1", n)
	}
	if n := target.Jumps(); n != 0 {
		t.Errorf("the target forwarded %d connections", n)
	}
	// A bastion whose key is not known is refused, and the host with it.
	bad := h
	b := jump
	b.KnownHostsPath = filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(b.KnownHostsPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bad.Bastion = &b
	if _, err := newClient().run(context.Background(), bad, "true", nil); err == nil || !strings.Contains(err.Error(), "through its bastion") || !strings.Contains(err.Error(), "host bastion") {
		t.Errorf("an unknown bastion: %v", err)
	}
}

func TestReadInventory(t *testing.T) {
	dir := t.TempDir()
	inv := `network: vmh-1
hosts:
  - name: vmh-1-1
    address: 172.29.0.11
    port: 22
    user: root
    keyPath: id_ed25519
    knownHostsPath: /abs/known_hosts
`
	path := filepath.Join(dir, "inventory.yaml")
	if err := os.WriteFile(path, []byte(inv), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadInventory(path)
	if err != nil {
		t.Fatal(err)
	}
	h := got.Hosts[0]
	if h.Addr() != "172.29.0.11:22" || h.KeyPath != filepath.Join(dir, "id_ed25519") || h.KnownHostsPath != "/abs/known_hosts" {
		t.Errorf("host %+v", h)
	}
	if err := os.WriteFile(path, []byte("hosts:\n  - name: a\n    address: 1.2.3.4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadInventory(path); err == nil || !strings.Contains(err.Error(), "hosts[0].") {
		t.Errorf("a host without key or known_hosts must be an error naming it: %v", err)
	}

	// Defaults fill in the login, the agent, known_hosts and the bastion.
	withDefaults := `defaults:
  user: ops
  agent: true
  knownHostsPath: known_hosts
  bastion: {address: 203.0.113.10, user: jump}
hosts:
  - {name: m1, address: 10.0.1.10, role: control-plane, zone: zone-a}
  - {name: m2, address: 10.0.1.11, user: root, keyPath: m2.key}
`
	if err := os.WriteFile(path, []byte(withDefaults), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = ReadInventory(path)
	if err != nil {
		t.Fatal(err)
	}
	m1, m2 := got.Hosts[0], got.Hosts[1]
	if m1.User != "ops" || !m1.Agent || m1.KeyPath != "" || m1.KnownHostsPath != filepath.Join(dir, "known_hosts") || m1.Role != "control-plane" {
		t.Errorf("m1 = %+v", m1)
	}
	if m1.Bastion == nil || m1.Bastion.Addr() != "203.0.113.10:22" || m1.Bastion.User != "jump" || !m1.Bastion.Agent || m1.Bastion.KnownHostsPath != m1.KnownHostsPath {
		t.Errorf("m1's bastion = %+v", m1.Bastion)
	}
	if m2.User != "root" || m2.Agent || m2.KeyPath != filepath.Join(dir, "m2.key") || m2.Bastion == nil {
		t.Errorf("m2 = %+v (its own user and key win over the defaults)", m2)
	}
	if m1.route() == m1.Addr() || !strings.HasPrefix(m1.route(), "203.0.113.10:22") {
		t.Errorf("the route through the bastion is %q", m1.route())
	}
}

// The example inventory in clusters/ reads as an inventory.
func TestExampleInventory(t *testing.T) {
	inv, err := ReadInventory("../../../clusters/ssh-hosts.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Hosts) < 4 || inv.Hosts[0].Role == "" || inv.Hosts[0].Zone == "" || inv.Hosts[0].Bastion == nil {
		t.Errorf("the example has %d hosts, the first %+v: want roles, zones and a bastion", len(inv.Hosts), inv.Hosts[0])
	}
}
