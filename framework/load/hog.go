// Package load puts the machine under a known load beside a drill, and
// says whether a drill run beside it still proves what it proves on a
// quiet machine. Issue 26: on a busy machine (load average 20) docker exec
// took seconds and an etcd steady-state check timed out for five minutes,
// so two drills never reached their fault. The load suite (suites/load)
// runs drills through the runner (framework/run, Config.Load) beside a Hog
// and checks each with Check.
package load

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// Margin is how much longer than the limit Start is given the hog may
// run: the drill's deadline bounds its phases, but lifting the fault and
// reading back may still run a little past it, and the drill must be
// under load until it ends.
const Margin = 2 * time.Minute

// spin is the hog itself: a bash loop of builtins that ends by itself
// once bash's own SECONDS reaches $1. It makes no system call while it
// spins (reading the clock is the vDSO's), so it keeps exactly one core
// busy in user time, and it needs nothing but bash, which every machine
// that runs the Makefile has. Ending by itself is what bounds it when the
// harness is killed and never calls Stop.
const spin = `while (( SECONDS < $1 )); do :; done`

// hogName is the hog's $0: what ps shows of it, so that a hog left by a
// killed harness is recognised for what it is (it ends by itself anyway).
const hogName = "firedrill-cpu-hog"

// Hog keeps one core busy from Start to Stop, in a process of its own: its
// CPU is not the harness's (getrusage of the harness, its figures of its
// own overhead, do not count it), and it ends by itself after its bound
// even when the harness dies without calling Stop. One Hog serves one drill
// at a time; it implements framework/run's Load. The zero value is ready.
type Hog struct {
	mu   sync.Mutex
	cur  *proc
	runs []Run
}

// proc is the hog under way.
type proc struct {
	cmd  *exec.Cmd
	run  Run
	done chan struct{} // closed when the process has ended and been waited for
	// ended is when it ended (set before done is closed).
	ended time.Time
}

// Run is what one Start..Stop of the hog did.
type Run struct {
	// Drill is the drill the hog ran beside.
	Drill string
	PID   int
	// Started is when the process was started, Stopped when it ended.
	Started time.Time
	Stopped time.Time
	// Bound is how long it would have run before ending by itself.
	Bound time.Duration
	// CPU is the hog's own CPU time, user and system, as the kernel
	// accounted it when it ended.
	CPU time.Duration
	// EndedEarly: it ended before Stop (its bound ran out, or something
	// killed it), so the drill did not run under load throughout.
	EndedEarly bool
	// MachineBusy is the share of the whole machine's CPU time that was
	// busy while the hog ran (/proc/stat), valid when MachineBusyKnown:
	// a hog that got less than a core on a machine busy throughout was
	// starved by the load, not idle.
	MachineBusy      float64
	MachineBusyKnown bool
	started          cpuTimes
	startedKnown     bool
}

// Cores is how many cores the hog kept busy on average: 1 when it had a
// core to itself the whole time, less when the machine was busier still.
func (r Run) Cores() float64 {
	wall := r.Stopped.Sub(r.Started)
	if wall <= 0 {
		return 0
	}
	return r.CPU.Seconds() / wall.Seconds()
}

// Note is what the drill's record says of the load it ran under, so that
// nobody takes its figures for a quiet machine's.
func (r Run) Note() string {
	machine := ""
	if r.MachineBusyKnown {
		machine = fmt.Sprintf(", the machine's CPUs %.0f%% busy", 100*r.MachineBusy)
	}
	n := fmt.Sprintf("ran under load: a CPU hog (pid %d, one busy process beside the harness) from %s to %s, %.1f s of CPU in %.1f s (%.2f cores busy%s); these figures are a loaded machine's",
		r.PID, r.Started.UTC().Format("15:04:05"), r.Stopped.UTC().Format("15:04:05"), r.CPU.Seconds(), r.Stopped.Sub(r.Started).Seconds(), r.Cores(), machine)
	if r.EndedEarly {
		n += "; the hog ended before the drill did"
	}
	return n
}

// Start starts the hog beside the drill; it ends by itself after limit
// plus Margin, rounded up to the second. It is an error to start a hog
// that runs.
func (h *Hog) Start(drill string, limit time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur != nil {
		return fmt.Errorf("CPU hog: already running beside %s", h.cur.run.Drill)
	}
	if limit <= 0 {
		return fmt.Errorf("CPU hog: limit %s: the drill has no time left", limit)
	}
	return h.startFor(drill, time.Duration(math.Ceil((limit+Margin).Seconds()))*time.Second)
}

// startFor starts a hog that ends by itself after bound, whole seconds
// (bash counts the clock's whole seconds, so up to one less); h.mu is
// held.
func (h *Hog) startFor(drill string, bound time.Duration) error {
	bash, err := exec.LookPath("bash")
	if err != nil {
		return fmt.Errorf("CPU hog: %w", err)
	}
	// Left in the harness's process group on purpose: Ctrl-C at a
	// terminal ends it with the harness, at once.
	cmd := exec.Command(bash, "-c", spin, hogName, strconv.Itoa(int(bound/time.Second)))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("CPU hog: %w", err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), run: Run{Drill: drill, PID: cmd.Process.Pid, Started: time.Now(), Bound: bound}}
	p.run.started, p.run.startedKnown = readCPUTimes()
	go func() {
		_ = cmd.Wait() // its exit status says nothing: Stop kills it
		p.ended = time.Now()
		close(p.done)
	}()
	h.cur = p
	return nil
}

// Stop ends the hog and returns the drill's note on it (Run.Note). The
// error says that it had ended before Stop: the drill did not run under
// load throughout. Stop without a hog running does nothing, so a front
// end's cleanup may call it again.
func (h *Hog) Stop() (note string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.cur
	if p == nil {
		return "", nil
	}
	h.cur = nil
	select {
	case <-p.done:
		p.run.EndedEarly = true
	default:
		killErr := p.cmd.Process.Kill()
		<-p.done
		switch {
		case errors.Is(killErr, os.ErrProcessDone):
			// It ended, and was waited for, between the select and
			// the kill: an early end all the same.
			p.run.EndedEarly = true
		case killErr != nil:
			err = fmt.Errorf("CPU hog: kill pid %d: %w", p.run.PID, killErr)
		}
	}
	p.run.Stopped = p.ended
	if end, ok := readCPUTimes(); ok && p.run.startedKnown {
		p.run.MachineBusy, p.run.MachineBusyKnown = busyBetween(p.run.started, end)
	}
	if st := p.cmd.ProcessState; st != nil {
		p.run.CPU = st.UserTime() + st.SystemTime()
	}
	h.runs = append(h.runs, p.run)
	if p.run.EndedEarly {
		// "exit status 0": its bound ran out; a signal: something else
		// ended it (Ctrl-C at a terminal reaches it too).
		how := "ended"
		if st := p.cmd.ProcessState; st != nil {
			how += " (" + st.String() + ")"
		}
		err = fmt.Errorf("CPU hog (pid %d) %s %s after it started, before the drill %s did: the drill did not run under load throughout",
			p.run.PID, how, p.run.Stopped.Sub(p.run.Started).Round(time.Second), p.run.Drill)
	}
	return p.run.Note(), err
}

// Last is the hog's last ended run, false before any.
func (h *Hog) Last() (Run, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.runs) == 0 {
		return Run{}, false
	}
	return h.runs[len(h.runs)-1], true
}
