// Package sshserver is an SSH server in the test process that runs each
// exec request with /bin/sh on this machine, so the real client,
// handshake and host key check run against it; it forwards direct-tcpip
// channels as sshd does for a jump host (ssh -J).
//
// It is test support (framework/internal): only _test.go files import it.
// It is a package of its own so that only the tests that want the SSH
// library link it.
package sshserver

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Server is a running server.
type Server struct {
	// Addr is where it listens (127.0.0.1:port).
	Addr string
	// HostKey is its host key.
	HostKey ssh.Signer
	// jumps counts the TCP connections it opened for clients (ssh -J).
	jumps atomic.Int32
}

// Start runs a server, until the test ends, that lets in the client key
// only.
func Start(t testing.TB, clientKey ssh.PublicKey) *Server {
	t.Helper()
	hostKey, err := ssh.NewSignerFromKey(newKey(t))
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
	srv := &Server{Addr: l.Addr().String(), HostKey: hostKey}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go srv.serve(c, cfg)
		}
	}()
	return srv
}

// Jumps is how many TCP connections it opened for clients (ssh -J).
func (srv *Server) Jumps() int { return int(srv.jumps.Load()) }

// Port is the port it listens on.
func (srv *Server) Port() int {
	_, port, _ := net.SplitHostPort(srv.Addr)
	var p int
	fmt.Sscan(port, &p)
	return p
}

// KnownHostsLine is the known_hosts line for the server with key (its
// own host key, or another to make it untrusted).
func (srv *Server) KnownHostsLine(key ssh.PublicKey) string {
	return knownhosts.Line([]string{knownhosts.Normalize(srv.Addr)}, key)
}

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// NewPublicKey is a key nobody holds (a host key the server does not
// have).
func NewPublicKey(t testing.TB) ssh.PublicKey {
	t.Helper()
	s, err := ssh.NewSignerFromKey(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return s.PublicKey()
}

// WriteClientKey writes a new private key to path, as ssh-keygen would
// (OpenSSH PEM, mode 0600), and returns its public key.
func WriteClientKey(t testing.TB, path string) ssh.PublicKey {
	t.Helper()
	priv := newKey(t)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// forward opens the TCP connection a direct-tcpip channel asks for and
// copies both ways, as sshd does for a jump.
func (srv *Server) forward(nc ssh.NewChannel) {
	var to struct {
		Host       string
		Port       uint32
		OriginHost string
		OriginPort uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &to); err != nil {
		nc.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	conn, err := net.Dial("tcp", net.JoinHostPort(to.Host, fmt.Sprint(to.Port)))
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		conn.Close()
		return
	}
	srv.jumps.Add(1)
	go ssh.DiscardRequests(reqs)
	go func() { io.Copy(ch, conn); ch.CloseWrite() }()
	go func() { io.Copy(conn, ch); conn.Close() }()
}

func (srv *Server) serve(c net.Conn, cfg *ssh.ServerConfig) {
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
		if nc.ChannelType() == "direct-tcpip" {
			go srv.forward(nc)
			continue
		}
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
