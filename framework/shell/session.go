package shell

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Session is a POSIX shell kept running, that runs the lines written to
// it one at a time. Starting a command in a kind node is a docker exec:
// the docker CLI, dockerd, containerd, its shim and runc together spend
// about 90 ms of CPU on each (measured on the 2-core CI machine), much
// of it in the tens of milliseconds after the command itself ran. A line
// through a session costs about 2 ms. A fault whose lift must not load
// the machine in the very milliseconds it measures (the end of an API cut)
// opens a session before and lifts through it.
type Session struct {
	stdin  *os.File
	outR   *os.File
	out    *bufio.Reader
	cancel context.CancelFunc
	exited chan struct{}
	// err is why the shell ended, once exited is closed.
	err error

	mu sync.Mutex // one line at a time
}

// ExitError is a line that exited with a non-zero status; Output is what
// it printed, standard error included.
type ExitError struct {
	Status int
	Output []byte
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("exit status %d: %s", e.Status, strings.TrimSpace(string(e.Output)))
}

// ErrSessionClosed is a line sent to a session that was closed or whose
// shell ended.
var ErrSessionClosed = errors.New("shell session closed")

// StartSession starts a shell with start, which runs it reading its
// standard input from stdin and writing its standard output and error to
// out until ctx ends (the shell is sh; start says where: `docker exec -i
// <node> sh`, say). The session lives until Close, not with the caller's
// context.
func StartSession(start func(ctx context.Context, stdin io.Reader, out io.Writer) error) (*Session, error) {
	// Operating-system pipes, not io.Pipe: os/exec hands an *os.File to
	// the process as it is, where it would copy from any other reader in
	// a goroutine that Wait waits for, and so never return after the
	// shell exited while the session's input is still open.
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{stdin: inW, outR: outR, out: bufio.NewReader(outR), cancel: cancel, exited: make(chan struct{})}
	go func() {
		err := start(ctx, inR, outW)
		if err == nil {
			err = ErrSessionClosed
		}
		s.err = err
		// The process has its own copies, and is gone: closing ours
		// ends a read waiting for a marker that will not come.
		inR.Close()
		outW.Close()
		close(s.exited)
	}()
	return s, nil
}

// Run runs line in the session and returns what it printed (standard
// error included); a non-zero exit is an *ExitError. When ctx ends first
// the session is closed: what the shell would print next is no answer to
// a later line.
func (s *Session) Run(ctx context.Context, line string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b [8]byte
	_, _ = rand.Read(b[:])
	marker := "firedrill-session-" + hex.EncodeToString(b[:])
	// The braces run the line in this shell; its input is not the
	// session's, so it cannot read the lines after it. The marker starts
	// a line of its own, whether or not the output ended with a newline.
	script := "{\n" + line + "\n} </dev/null 2>&1; printf '\\n%s %d\\n' " + marker + " $?\n"
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		if _, err := io.WriteString(s.stdin, script); err != nil {
			done <- result{err: fmt.Errorf("%w: %v", ErrSessionClosed, err)}
			return
		}
		var out []byte
		for {
			l, err := s.out.ReadString('\n')
			if err != nil {
				done <- result{out: out, err: fmt.Errorf("%w: %v", ErrSessionClosed, err)}
				return
			}
			if rest, ok := strings.CutPrefix(l, marker+" "); ok {
				out = out[:max(0, len(out)-1)] // the newline before the marker is the session's
				status, perr := strconv.Atoi(strings.TrimSpace(rest))
				switch {
				case perr != nil:
					done <- result{out: out, err: fmt.Errorf("shell session: exit status %q", rest)}
				case status != 0:
					done <- result{out: out, err: &ExitError{Status: status, Output: out}}
				default:
					done <- result{out: out}
				}
				return
			}
			out = append(out, l...)
		}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		s.cancel() // the line may never end: no grace
		s.Close()
		return nil, ctx.Err()
	}
}

// Exited says whether the shell ended (closed, or gone with its node).
func (s *Session) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// closeGrace is how long a shell whose input closed has to exit before
// the process that runs it is stopped.
const closeGrace = 5 * time.Second

// Close ends the shell: its input closes, and the process that runs it is
// stopped if the shell has not exited within closeGrace. It waits until
// start returned.
func (s *Session) Close() error {
	s.stdin.Close()
	select {
	case <-s.exited:
	case <-time.After(closeGrace):
		s.cancel()
		<-s.exited
	}
	s.cancel()
	s.outR.Close()
	if errors.Is(s.err, ErrSessionClosed) || errors.Is(s.err, context.Canceled) {
		return nil
	}
	return s.err
}
