package live

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// terminal is a fake terminal: what was written to it, byte for byte.
type terminal struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.Write(p)
}

// take returns what was written since the last take.
func (t *terminal) take() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.buf.String()
	t.buf.Reset()
	return s
}

// clock is a settable time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func liveLine(width int) (*Line, *terminal, *clock) {
	term := &terminal{}
	c := &clock{t: time.Date(2026, 12, 6, 8, 25, 29, 0, time.UTC)}
	l := New(term, true)
	l.now = c.now
	l.width = func() int { return width }
	return l, term, c
}

// On a terminal a drill has one line, rewritten in place (carriage return,
// erase to the end of the line) with its phase, the time since it began,
// its figures so far and what it waits for; what the run prints goes above
// it, and the line is drawn again below; End leaves its last state.
func TestLiveLine(t *testing.T) {
	l, term, c := liveLine(200)
	l.Begin("reboot-master")
	l.Phase("steady-state")
	if got, want := term.take(), "\r\x1b[K[reboot-master] steady-state 0s"; got != want {
		t.Errorf("first draw %q, want %q", got, want)
	}
	c.t = c.t.Add(40 * time.Second)
	l.Phase("recover")
	c.t = c.t.Add(12 * time.Second)
	asked := 0
	l.Figures(func() string { asked++; return "API down 3.2s so far" })
	if !l.Waiting("recovery", "12s elapsed of 2m0s; not yet: node a NotReady") {
		t.Error("Waiting in live mode says the line does not show it")
	}
	l.Draw()
	if got, want := term.take(), "\r\x1b[K[reboot-master] recover 0s (40s in all)\r\x1b[K[reboot-master] recover 12s (52s in all) | API down 3.2s so far | "+
		"waiting for recovery: 12s elapsed of 2m0s; not yet: node a NotReady"; got != want {
		t.Errorf("redraw %q, want %q", got, want)
	}
	// A line printed while the drill runs: the drill's line is erased,
	// the text printed, the line drawn again under it.
	fmt.Fprintf(l, "[reboot-master] injected in 1.2s\n")
	if got, want := term.take(), "\r\x1b[K[reboot-master] injected in 1.2s\n\r\x1b[K[reboot-master] recover 12s (52s in all) | API down 3.2s so far | "+
		"waiting for recovery: 12s elapsed of 2m0s; not yet: node a NotReady"; got != want {
		t.Errorf("a line above %q, want %q", got, want)
	}
	if asked != 1 {
		t.Errorf("figures asked %d times within a second, want once", asked)
	}
	// Half a line: the drill's line waits for its end.
	fmt.Fprint(l, "creating ")
	l.Draw()
	fmt.Fprint(l, "cluster\n")
	if got, want := term.take(), "\r\x1b[Kcreating cluster\n\r\x1b[K[reboot-master] recover 12s (52s in all) | API down 3.2s so far | "+
		"waiting for recovery: 12s elapsed of 2m0s; not yet: node a NotReady"; got != want {
		t.Errorf("half a line %q, want %q", got, want)
	}
	l.Waiting("recovery", "")
	c.t = c.t.Add(20 * time.Second)
	l.End("PASS")
	if got, want := term.take(), "\r\x1b[K[reboot-master] PASS after 1m12s; API down 3.2s so far\n"; got != want {
		t.Errorf("end %q, want %q", got, want)
	}
	// Between drills the run's lines pass as they are.
	fmt.Fprint(l, "report: reports/x/report.json\n")
	l.Draw()
	if got, want := term.take(), "report: reports/x/report.json\n"; got != want {
		t.Errorf("after the drill %q, want %q", got, want)
	}
}

// The line keeps to one row of the terminal, whatever it waits for.
func TestLiveLineFitsTheTerminal(t *testing.T) {
	l, term, _ := liveLine(40)
	l.Begin("lose-etcd-quorum")
	l.Phase("recover")
	l.Waiting("recovery", "not yet: "+strings.Repeat("etcd member down\n", 10))
	term.take()
	l.Draw()
	got := strings.TrimPrefix(term.take(), "\r\x1b[K")
	if n := len([]rune(got)); n != 39 || !strings.HasSuffix(got, "…") || strings.ContainsAny(got, "\r\n") {
		t.Errorf("line of %d columns: %q", n, got)
	}
}

// Off a terminal (a pipe, a CI log) what the run prints passes unchanged
// and the drill adds nothing: no carriage return, no escape, no line of
// its own; waitfor prints its own progress lines.
func TestPlainLine(t *testing.T) {
	var out bytes.Buffer
	l := New(&out, false)
	l.Begin("reboot-master")
	l.Phase("steady-state")
	fmt.Fprint(l, "[reboot-master] steady state: api\n")
	if l.Waiting("recovery", "not yet") {
		t.Error("Waiting in plain mode says the line shows it: waitfor would print no progress line")
	}
	l.Figures(func() string { return "API down 3.2s so far" })
	fmt.Fprint(l, "  waiting for recovery: 10s elapsed of 2m0s; not yet: x\n")
	l.Draw()
	l.End("PASS")
	if got, want := out.String(), "[reboot-master] steady state: api\n  waiting for recovery: 10s elapsed of 2m0s; not yet: x\n"; got != want {
		t.Errorf("plain output %q, want %q", got, want)
	}
	if l.Live() {
		t.Error("a plain line says it is live")
	}
	// A buffer is no terminal, and CI asks for plain lines on one too.
	if ForTerminal(&out, false).Live() {
		t.Error("a buffer taken for a terminal")
	}
	if ForTerminal(l, false) != l {
		t.Error("a Line wrapped again")
	}
}

// The line is redrawn every second while the drill runs, and no more
// after End.
func TestLiveLineTicks(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the ticker")
	}
	term := &terminal{}
	l := New(term, true)
	l.Begin("reboot-master")
	var drawn string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(drawn, "[reboot-master] starting"); {
		time.Sleep(50 * time.Millisecond)
		drawn += term.take()
	}
	l.End("PASS")
	if !strings.HasPrefix(drawn, "\r\x1b[K[reboot-master] starting ") {
		t.Errorf("not drawn by the ticker: %q", drawn)
	}
	if got := term.take(); !strings.HasPrefix(got, "\r\x1b[K[reboot-master] PASS after ") {
		t.Errorf("end: %q", got)
	}
	time.Sleep(1200 * time.Millisecond)
	if got := term.take(); got != "" {
		t.Errorf("drawn after End: %q", got)
	}
}

// Rendering stays free of Kubernetes (and of the drill): the runner tells
// the line its phases and figures as text.
func TestLinksNoKubernetes(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the package's dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/firedrill/firedrill/framework/live").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "k8s.io/") || strings.HasPrefix(dep, "sigs.k8s.io/") || strings.HasPrefix(dep, "github.com/firedrill/") &&
			dep != "github.com/firedrill/firedrill/framework/live" {
			t.Errorf("framework/live links %s", dep)
		}
	}
}
