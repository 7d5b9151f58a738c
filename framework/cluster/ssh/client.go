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
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/firedrill/firedrill/framework/overhead"
)

// client keeps one SSH connection per host, dialled on demand and dialled
// again once broken: a reboot ends every connection to the host.
type client struct {
	mu    sync.Mutex
	conns map[string]*ssh.Client
	// notices is where a key trusted on first use is reported (the run's
	// log; standard error when unset).
	notices io.Writer
}

func newClient() *client { return &client{conns: map[string]*ssh.Client{}, notices: os.Stderr} }

// dialTimeout bounds one TCP connect and SSH handshake.
const dialTimeout = 10 * time.Second

// config logs in with the host's key (or ssh-agent's) and accepts only
// the host key its known_hosts file holds: a host that changed its key is
// refused, and so is one nobody recorded unless the inventory opted in to
// trust on first use.
// The returned closer ends what the login holds open (the agent's
// connection) once the handshake is done.
func config(h Host, notices io.Writer) (*ssh.ClientConfig, io.Closer, error) {
	if h.TrustOnFirstUse {
		if err := touch(h.KnownHostsPath); err != nil {
			return nil, nil, fmt.Errorf("host %s: known hosts: %w", h.Name, err)
		}
	}
	known, err := knownhosts.New(h.KnownHostsPath)
	if err != nil {
		return nil, nil, fmt.Errorf("host %s: known hosts: %w", h.Name, err)
	}
	algorithms, err := knownAlgorithms(h)
	if err != nil {
		return nil, nil, err
	}
	auth, closer, err := authOf(h)
	if err != nil {
		return nil, nil, err
	}
	return &ssh.ClientConfig{User: h.User, Auth: []ssh.AuthMethod{auth},
		HostKeyCallback: hostKeyCheck(h, known, notices), HostKeyAlgorithms: algorithms, Timeout: dialTimeout}, closer, nil
}

// noClose is a login that holds nothing open.
type noClose struct{}

func (noClose) Close() error { return nil }

// authOf is the host's login: its key file, or the agent's keys (over a
// connection to the agent that the handshake's signatures use).
func authOf(h Host) (ssh.AuthMethod, io.Closer, error) {
	if h.Agent {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, nil, fmt.Errorf("host %s: agent: true, but SSH_AUTH_SOCK is not set (no ssh-agent running)", h.Name)
		}
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, nil, fmt.Errorf("host %s: ssh-agent at %s: %w", h.Name, sock, err)
		}
		return ssh.PublicKeysCallback(agent.NewClient(conn).Signers), conn, nil
	}
	key, err := os.ReadFile(h.KeyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("host %s: key: %w", h.Name, err)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("host %s: key %s: %w", h.Name, h.KeyPath, err)
	}
	return ssh.PublicKeys(signer), noClose{}, nil
}

// hostKeyCheck is known_hosts' check with errors that name the host, the
// key's fingerprint and what to do; with trust on first use, a host the
// file does not name is added to it.
func hostKeyCheck(h Host, known ssh.HostKeyCallback, notices io.Writer) ssh.HostKeyCallback {
	var mu sync.Mutex
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := known(hostname, remote, key)
		var keyErr *knownhosts.KeyError
		if err == nil || !errors.As(err, &keyErr) {
			return err
		}
		fp := ssh.FingerprintSHA256(key)
		if len(keyErr.Want) > 0 {
			var held []string
			for _, w := range keyErr.Want {
				held = append(held, fmt.Sprintf("%s (%s:%d)", ssh.FingerprintSHA256(w.Key), w.Filename, w.Line))
			}
			return fmt.Errorf("host %s (%s) offered the %s key %s, but known_hosts holds %s: refused, a changed host key is never trusted (if the host was rebuilt, remove its line and check the new key out of band): %w",
				h.Name, h.Addr(), key.Type(), fp, strings.Join(held, ", "), err)
		}
		if !h.TrustOnFirstUse {
			return fmt.Errorf("host %s (%s) offered the %s key %s, which %s does not hold: refused (check the fingerprint out of band and add it, e.g. ssh-keyscan -p %d %s >> %s; or set trustOnFirstUse: true in the inventory): %w",
				h.Name, h.Addr(), key.Type(), fp, h.KnownHostsPath, portOf(h), h.Address, h.KnownHostsPath, err)
		}
		mu.Lock()
		defer mu.Unlock()
		f, ferr := os.OpenFile(h.KnownHostsPath, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if ferr != nil {
			return fmt.Errorf("host %s: trust on first use: %w", h.Name, ferr)
		}
		defer f.Close()
		if _, ferr := fmt.Fprintln(f, knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, key)); ferr != nil {
			return fmt.Errorf("host %s: trust on first use: %w", h.Name, ferr)
		}
		fmt.Fprintf(notices, "ssh: trusted host %s (%s) on first use: %s key %s, added to %s\n", h.Name, h.Addr(), key.Type(), fp, h.KnownHostsPath)
		return nil
	}
}

func portOf(h Host) int {
	if h.Port == 0 {
		return 22
	}
	return h.Port
}

// touch creates an empty file where none is.
func touch(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
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
	conn, ok := c.conns[h.route()]
	c.mu.Unlock()
	if ok {
		return conn, nil
	}
	cfg, login, err := config(h, c.notices)
	if err != nil {
		return nil, err
	}
	defer login.Close()
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	var raw net.Conn
	if h.Bastion != nil {
		// ssh -J: a TCP connection opened by the bastion, then the host's
		// own SSH handshake inside it, host key checked end to end.
		jump, err := c.conn(ctx, *h.Bastion)
		if err != nil {
			return nil, fmt.Errorf("ssh %s through its bastion: %w", h.Name, err)
		}
		if raw, err = jump.DialContext(dctx, "tcp", h.Addr()); err != nil {
			c.forget(*h.Bastion, jump)
			return nil, fmt.Errorf("ssh %s (%s) through bastion %s: %w", h.Name, h.Addr(), h.Bastion.Addr(), err)
		}
	} else if raw, err = (&net.Dialer{}).DialContext(dctx, "tcp", h.Addr()); err != nil {
		return nil, fmt.Errorf("ssh %s (%s): %w", h.Name, h.Addr(), err)
	}
	// The handshake has no context of its own, and a connection through
	// a bastion takes no deadline: the connection is closed under it.
	handshook := make(chan struct{})
	go func() {
		select {
		case <-dctx.Done():
			raw.Close()
		case <-handshook:
		}
	}()
	sc, chans, reqs, err := ssh.NewClientConn(raw, h.Addr(), cfg)
	close(handshook)
	if err != nil {
		raw.Close()
		if dctx.Err() != nil {
			err = fmt.Errorf("%w (handshake: %w)", dctx.Err(), err)
		}
		return nil, fmt.Errorf("ssh %s (%s): %w", h.Name, h.Addr(), err)
	}
	conn = ssh.NewClient(sc, chans, reqs)
	c.mu.Lock()
	if old, ok := c.conns[h.route()]; ok {
		c.mu.Unlock()
		conn.Close()
		return old, nil
	}
	c.conns[h.route()] = conn
	c.mu.Unlock()
	return conn, nil
}

// forget drops a connection that failed, so the next call dials again.
func (c *client) forget(h Host, conn *ssh.Client) {
	c.mu.Lock()
	if c.conns[h.route()] == conn {
		delete(c.conns, h.route())
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
		if err == nil {
			overhead.NodeCommand(h.Name)
		}
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
