package load

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on
// every architecture Linux builds for today.
const clockTicks = 100

// procCPU is a live process's CPU time, user and system, as
// /proc/<pid>/stat has it: fields 14 and 15, counted after the command
// name's closing parenthesis (the name may hold spaces).
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("the hog is not running: %v", err)
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// fields[0] is field 3 (state): utime is field 14, stime field 15.
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("/proc/%d/stat: %v", pid, err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// The hog keeps one core busy while it runs, in a process of its own, as
// the kernel counts it (/proc/<pid>/stat, not the hog's own account), and
// mostly in user time: a loop of bash builtins makes no system calls.
func TestHogBurnsOneCore(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc: this test reads the hog's CPU time from Linux's /proc")
	}
	h := &Hog{}
	if err := h.Start("reboot-master", time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = h.Stop() })
	pid := h.cur.run.PID
	if pid == os.Getpid() {
		t.Fatal("the hog is the test's own process")
	}
	// bash's start is not what is measured.
	time.Sleep(200 * time.Millisecond)
	cpu0, t0 := procCPU(t, pid), time.Now()
	time.Sleep(1500 * time.Millisecond)
	cpu1, t1 := procCPU(t, pid), time.Now()
	// Under one core: the machine may be shared (go test runs packages
	// side by side on CI's 2 cores); over it: not a single busy process.
	cores := (cpu1 - cpu0).Seconds() / t1.Sub(t0).Seconds()
	if cores < 0.6 || cores > 1.1 {
		t.Errorf("the hog kept %.2f cores busy over %s, want about one", cores, t1.Sub(t0).Round(time.Millisecond))
	}
	note, err := h.Stop()
	if err != nil {
		t.Fatal(err)
	}
	r, ok := h.Last()
	if !ok || r.Drill != "reboot-master" || r.EndedEarly {
		t.Fatalf("last run %+v, %v", r, ok)
	}
	// Its own account, from the kernel as it ended, agrees with /proc.
	if r.CPU < cpu1 || r.CPU > cpu1+time.Second {
		t.Errorf("run's CPU %s, /proc had %s shortly before it ended", r.CPU, cpu1)
	}
	if r.Cores() < 0.5 || r.Cores() > 1.1 {
		t.Errorf("run's cores %.2f (%s in %s)", r.Cores(), r.CPU, r.Stopped.Sub(r.Started))
	}
	if !strings.HasPrefix(note, "ran under load: a CPU hog (pid "+strconv.Itoa(pid)) || note != r.Note() {
		t.Errorf("note %q", note)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Errorf("pid %d still exists after Stop", pid)
	}
}

// The hog ends by itself once its bound is reached, with no Stop: a
// harness that dies leaves no hog burning for long. Stop afterwards says
// the drill was not under load throughout.
func TestHogEndsByItself(t *testing.T) {
	h := &Hog{}
	if err := h.Start("calibrate-reset-5s", 0); err == nil {
		t.Fatal("a drill with no time left got a hog")
	}
	// Start's bound is the limit plus Margin, minutes: this hog's is 2 s,
	// which bash's whole seconds make 1-2 s.
	start := time.Now()
	h.mu.Lock()
	err := h.startFor("calibrate-reset-5s", 2*time.Second)
	p := h.cur
	h.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(6 * time.Second):
		_, _ = h.Stop()
		t.Fatal("the hog did not end by itself within 6 s of a 2 s bound")
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("the hog ended after %s, before the whole second its 2 s bound leaves at least", took)
	}
	note, err := h.Stop()
	if err == nil || !strings.Contains(err.Error(), "(exit status 0)") || !strings.Contains(err.Error(), "before the drill calibrate-reset-5s did") {
		t.Errorf("Stop after the hog ended by itself: %v", err)
	}
	if !strings.HasSuffix(note, "the hog ended before the drill did") {
		t.Errorf("note %q does not say the hog ended early", note)
	}
	if r, _ := h.Last(); !r.EndedEarly || r.CPU < 500*time.Millisecond {
		t.Errorf("run %+v: want ended early, after burning most of a second at least", r)
	}
}

// One drill at a time; Stop again, or with nothing running, does nothing,
// so a suite's cleanup may call it after the runner did.
func TestHogOneAtATime(t *testing.T) {
	h := &Hog{}
	if note, err := h.Stop(); note != "" || err != nil {
		t.Errorf("Stop of a hog never started: %q, %v", note, err)
	}
	if _, ok := h.Last(); ok {
		t.Error("a hog never started has a last run")
	}
	if err := h.Start("a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := h.Start("b", time.Minute); err == nil || !strings.Contains(err.Error(), "already running beside a") {
		t.Errorf("a second Start: %v", err)
	}
	if _, err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	if note, err := h.Stop(); note != "" || err != nil {
		t.Errorf("a second Stop: %q, %v", note, err)
	}
	if r, _ := h.Last(); r.Drill != "a" || r.Bound != time.Minute+Margin {
		t.Errorf("last run %+v", r)
	}
}

// A hog something else ended (Ctrl-C at a terminal reaches it with the
// harness) is an early end too, and Stop says how it ended.
func TestHogKilledFromOutside(t *testing.T) {
	h := &Hog{}
	if err := h.Start("kill-etcd-leader", time.Minute); err != nil {
		t.Fatal(err)
	}
	p := h.cur
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_, _ = h.Stop()
		t.Fatal("the hog outlived SIGINT by 5 s")
	}
	// bash may die of the signal, or exit 130 as shells report it.
	_, err := h.Stop()
	if err == nil || !strings.Contains(err.Error(), "ended (signal: interrupt)") && !strings.Contains(err.Error(), "ended (exit status 130)") {
		t.Errorf("Stop after SIGINT: %v", err)
	}
}
