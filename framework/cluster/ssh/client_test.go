package ssh

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// testServer is an SSH server in the test process that runs each exec
// request with /bin/sh on this machine: the real client, handshake and
// host key check against it.
type testServer struct {
	addr    string
	hostKey ssh.Signer
}

func startServer(t *testing.T, clientKey ssh.PublicKey) *testServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
		if string(key.Marshal()) == string(clientKey.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("unknown key")
	}}
	cfg.AddHostKey(hostKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serve(c, cfg)
		}
	}()
	return &testServer{addr: l.Addr().String(), hostKey: hostKey}
}

func serve(c net.Conn, cfg *ssh.ServerConfig) {
	// As sshd does: the client's end of the connection, for commands
	// that need to know where the session comes from.
	remote, rport, _ := net.SplitHostPort(c.RemoteAddr().String())
	_, lport, _ := net.SplitHostPort(c.LocalAddr().String())
	env := append(os.Environ(), "SSH_CLIENT="+remote+" "+rport+" "+lport)
	_, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		ch, reqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer ch.Close()
			for req := range reqs {
				if req.Type != "exec" {
					req.Reply(false, nil)
					continue
				}
				n := binary.BigEndian.Uint32(req.Payload)
				cmd := exec.Command("/bin/sh", "-c", string(req.Payload[4:4+n]))
				cmd.Env = env
				cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
				req.Reply(true, nil)
				status := 0
				if err := cmd.Run(); err != nil {
					status = 255
					var exit *exec.ExitError
					if errors.As(err, &exit) {
						status = exit.ExitCode()
					}
				}
				ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
				return
			}
		}()
	}
}

// hostFor writes a key and a known_hosts file for the server and returns
// the inventory host; trusted false writes another key in known_hosts.
func hostFor(t *testing.T, trusted bool) (Host, *testServer) {
	t.Helper()
	dir := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, sshPub)
	known := srv.hostKey.PublicKey()
	if !trusted {
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		s, _ := ssh.NewSignerFromKey(other)
		known = s.PublicKey()
	}
	host, port, _ := net.SplitHostPort(srv.addr)
	kh := filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(srv.addr)}, known)
	if err := os.WriteFile(kh, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var p int
	fmt.Sscan(port, &p)
	return Host{Name: "m1", Address: host, Port: p, User: "root", KeyPath: keyPath, KnownHostsPath: kh}, srv
}

func TestRunOverSSH(t *testing.T) {
	h, _ := hostFor(t, true)
	c := newClient()
	defer c.Close()
	ctx := context.Background()
	out, err := c.run(ctx, h, commandLine("printf", "%s|", "a b", "it's"), nil)
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

// A host whose key is not the one known_hosts holds is refused: never
// trusted on first use, never a silent new key.
func TestUnknownHostKeyRefused(t *testing.T) {
	h, _ := hostFor(t, false)
	c := newClient()
	defer c.Close()
	_, err := c.run(context.Background(), h, "true", nil)
	var keyErr *knownhosts.KeyError
	if !errors.As(err, &keyErr) {
		t.Fatalf("a host with an unrecorded key was accepted or failed otherwise: %v", err)
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
}
