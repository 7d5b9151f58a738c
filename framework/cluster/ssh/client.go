package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// client keeps one SSH connection per host, dialled on demand and dialled
// again once broken: a reboot ends every connection to the host.
type client struct {
	mu    sync.Mutex
	conns map[string]*ssh.Client
}

func newClient() *client { return &client{conns: map[string]*ssh.Client{}} }

// dialTimeout bounds one TCP connect and SSH handshake.
const dialTimeout = 10 * time.Second

// config logs in with the host's key and accepts only the host key its
// known_hosts file holds: a host that changed its key, or one nobody
// recorded, is refused.
func config(h Host) (*ssh.ClientConfig, error) {
	key, err := os.ReadFile(h.KeyPath)
	if err != nil {
		return nil, fmt.Errorf("host %s: key: %w", h.Name, err)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("host %s: key %s: %w", h.Name, h.KeyPath, err)
	}
	hostKey, err := knownhosts.New(h.KnownHostsPath)
	if err != nil {
		return nil, fmt.Errorf("host %s: known hosts: %w", h.Name, err)
	}
	algorithms, err := knownAlgorithms(h)
	if err != nil {
		return nil, err
	}
	return &ssh.ClientConfig{User: h.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKey, HostKeyAlgorithms: algorithms, Timeout: dialTimeout}, nil
}

// knownAlgorithms are the types of the host's keys in known_hosts. The
// handshake must ask for one of them: a server offers several keys, and
// one the file does not hold fails the check even when the one it holds
// is the server's (golang/go#29286).
func knownAlgorithms(h Host) ([]string, error) {
	data, err := os.ReadFile(h.KnownHostsPath)
	if err != nil {
		return nil, fmt.Errorf("host %s: known hosts: %w", h.Name, err)
	}
	want := knownhosts.Normalize(h.Addr())
	var algorithms []string
	for len(data) > 0 {
		_, hosts, key, _, rest, err := ssh.ParseKnownHosts(data)
		if err != nil {
			break // io.EOF, or a line the callback reports itself
		}
		data = rest
		for _, pattern := range hosts {
			if knownhosts.Normalize(pattern) == want {
				algorithms = append(algorithms, algorithmsOf(key.Type())...)
			}
		}
	}
	// None found (a hashed entry, or no entry): the handshake's defaults,
	// and the callback's own error if the key is not there.
	return algorithms, nil
}

// algorithmsOf is the signature algorithms of a key type: an RSA key
// signs with SHA-2 too.
func algorithmsOf(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

func (c *client) conn(ctx context.Context, h Host) (*ssh.Client, error) {
	c.mu.Lock()
	conn, ok := c.conns[h.Addr()]
	c.mu.Unlock()
	if ok {
		return conn, nil
	}
	cfg, err := config(h)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(dctx, "tcp", h.Addr())
	if err != nil {
		return nil, fmt.Errorf("ssh %s (%s): %w", h.Name, h.Addr(), err)
	}
	// The handshake has no context of its own: a deadline on the socket.
	deadline, _ := dctx.Deadline()
	_ = raw.SetDeadline(deadline)
	sc, chans, reqs, err := ssh.NewClientConn(raw, h.Addr(), cfg)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("ssh %s (%s): %w", h.Name, h.Addr(), err)
	}
	_ = raw.SetDeadline(time.Time{})
	conn = ssh.NewClient(sc, chans, reqs)
	c.mu.Lock()
	if old, ok := c.conns[h.Addr()]; ok {
		c.mu.Unlock()
		conn.Close()
		return old, nil
	}
	c.conns[h.Addr()] = conn
	c.mu.Unlock()
	return conn, nil
}

// forget drops a connection that failed, so the next call dials again.
func (c *client) forget(h Host, conn *ssh.Client) {
	c.mu.Lock()
	if c.conns[h.Addr()] == conn {
		delete(c.conns, h.Addr())
	}
	c.mu.Unlock()
	conn.Close()
}

// Close closes every connection.
func (c *client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for addr, conn := range c.conns {
		conn.Close()
		delete(c.conns, addr)
	}
}

// ExitError is a command that ran and failed: its status and output.
type ExitError struct {
	Host, Command string
	Status        int
	Output        string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("%s on %s: exit status %d: %s", shorten(e.Command), e.Host, e.Status, strings.TrimSpace(e.Output))
}

// run runs a shell command on the host (sshd hands it to the user's
// shell) with stdin, and returns its standard output. A connection that
// broke before the command started is dialled again once; one that breaks
// while it runs is an error (the command may have run: a reboot).
func (c *client) run(ctx context.Context, h Host, command string, stdin io.Reader) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		conn, err := c.conn(ctx, h)
		if err != nil {
			return nil, err
		}
		sess, err := conn.NewSession()
		if err != nil {
			c.forget(h, conn)
			if attempt == 0 {
				continue
			}
			return nil, fmt.Errorf("ssh %s: new session: %w", h.Name, err)
		}
		return c.session(ctx, h, conn, sess, command, stdin)
	}
}

func (c *client) session(ctx context.Context, h Host, conn *ssh.Client, sess *ssh.Session, command string, stdin io.Reader) ([]byte, error) {
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr, sess.Stdin = &stdout, &stderr, stdin
	done := make(chan error, 1)
	go func() { done <- sess.Run(command) }()
	select {
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGKILL)
		return stdout.Bytes(), fmt.Errorf("%s on %s: %w", shorten(command), h.Name, ctx.Err())
	case err := <-done:
		var exit *ssh.ExitError
		switch {
		case err == nil:
			return stdout.Bytes(), nil
		case errors.As(err, &exit):
			return stdout.Bytes(), &ExitError{Host: h.Name, Command: command, Status: exit.ExitStatus(),
				Output: stderr.String() + stdout.String()}
		default:
			// The connection broke (the host went down): dial anew next time.
			c.forget(h, conn)
			return stdout.Bytes(), fmt.Errorf("%s on %s: %w", shorten(command), h.Name, err)
		}
	}
}

// quote makes a word safe for a POSIX shell.
func quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// commandLine is a command and its arguments as one shell line.
func commandLine(command string, args ...string) string {
	words := []string{quote(command)}
	for _, a := range args {
		words = append(words, quote(a))
	}
	return strings.Join(words, " ")
}

// shorten keeps an error's command to its first line and 120 characters.
func shorten(s string) string {
	line, _, cut := strings.Cut(s, "\n")
	if len(line) > 120 {
		line, cut = line[:120], true
	}
	if cut {
		line += " …"
	}
	return line
}
