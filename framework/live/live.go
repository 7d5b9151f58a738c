// Package live shows, on a terminal, one line per drill that is rewritten
// in place while the drill runs: its phase, the time since it began, what
// it waits for and its figures so far (the API's downtime). Everything
// else the run prints scrolls above that line. Off a terminal (a pipe, a
// CI log) it prints what the run prints as it comes, unchanged: the plain
// progress lines.
//
// It renders text only: no Kubernetes, no drill; the runner tells it the
// phases and hands it the figures as text.
package live

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// erase returns the cursor to the start of the line and clears it.
const erase = "\r\x1b[K"

// Line is the run's output with, in live mode, the line of the drill
// under way at its bottom. Safe for concurrent use: the probes, the
// providers and the drill all write to it.
type Line struct {
	mu   sync.Mutex
	out  io.Writer
	live bool
	// now and width are the clock and the terminal's width (columns;
	// 0: unknown, 80 is assumed); tests set both.
	now   func() time.Time
	width func() int

	drill            string
	started, phaseAt time.Time
	phase            string
	// waiting is what the drill waits for and why not yet ("" when it
	// waits for nothing).
	waiting string
	// figures gives the drill's figures so far as text; nil before the
	// probes run. It is asked at most once a second (figAt): it derives
	// them from a timeline that grows the whole drill long.
	figures func() string
	figText string
	figAt   time.Time
	// shown: the drill's line is on the screen; midLine: what was
	// written last did not end its line, so the drill's line waits.
	shown, midLine bool

	stop chan struct{}
	done sync.WaitGroup
}

// New is a Line writing to out: live (the drill's line drawn and redrawn
// in place) or plain (out unchanged).
func New(out io.Writer, live bool) *Line {
	return &Line{out: out, live: live, now: time.Now, width: func() int { return 0 }}
}

// ForTerminal is a live Line when out is a terminal and plain is false
// (CI is set, run.Config.Plain), else a plain one. A Line is returned as
// it is.
func ForTerminal(out io.Writer, plain bool) *Line {
	if l, ok := out.(*Line); ok {
		return l
	}
	f, ok := out.(*os.File)
	if plain || !ok || !term.IsTerminal(int(f.Fd())) {
		return New(out, false)
	}
	l := New(out, true)
	l.width = func() int {
		w, _, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 0
		}
		return w
	}
	return l
}

// Live says whether the Line draws a drill's line (a terminal).
func (l *Line) Live() bool { return l.live }

// Write writes p above the drill's line: the line is erased, p written,
// and the line drawn again below it once p has ended its last line.
func (l *Line) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.live {
		return l.out.Write(p)
	}
	if l.shown {
		if _, err := io.WriteString(l.out, erase); err != nil {
			return 0, err
		}
		l.shown = false
	}
	n, err := l.out.Write(p)
	if len(p) > 0 {
		l.midLine = p[len(p)-1] != '\n'
	}
	if err == nil {
		l.draw()
	}
	return n, err
}

// Begin starts the line of a drill; in live mode it is redrawn every
// second until End.
func (l *Line) Begin(drill string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.drill, l.started, l.phase, l.phaseAt, l.waiting, l.figures = drill, now, "", now, "", nil
	if !l.live || l.stop != nil {
		return
	}
	l.stop = make(chan struct{})
	stop := l.stop
	l.done.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				l.Draw()
			}
		}
	})
}

// Phase is the drill's phase as it begins.
func (l *Line) Phase(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.phase, l.phaseAt, l.waiting = name, l.now(), ""
	l.draw()
}

// Waiting shows what the drill waits for and why it does not hold yet
// (waitfor's progress), state "" when the wait is over. It reports
// whether the line shows it: false in plain mode, where the caller prints
// its progress line as before.
func (l *Line) Waiting(what, state string) bool {
	if !l.live {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waiting = ""
	if state != "" {
		l.waiting = "waiting for " + what + ": " + state
	}
	return true
}

// Figures hands the line the drill's figures so far, as text ("API down
// 3.2s so far"); f is called at each redraw.
func (l *Line) Figures(f func() string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.figures, l.figAt = f, time.Time{}
}

// End ends the drill's line: in live mode it is written one last time,
// with the verdict, and stays above what follows.
func (l *Line) End(verdict string) {
	l.mu.Lock()
	stop := l.stop
	l.stop = nil
	l.mu.Unlock()
	if stop != nil {
		close(stop)
		l.done.Wait()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live && l.drill != "" {
		if l.shown {
			_, _ = io.WriteString(l.out, erase)
		} else if l.midLine {
			_, _ = io.WriteString(l.out, "\n")
		}
		text := fmt.Sprintf("[%s] %s after %s", l.drill, verdict, l.now().Sub(l.started).Round(time.Second))
		l.figAt = time.Time{}
		if f := l.figuresText(); f != "" {
			text += "; " + f
		}
		_, _ = io.WriteString(l.out, l.fit(text)+"\n")
	}
	l.drill, l.shown, l.midLine, l.figures = "", false, false, nil
}

// Draw draws the drill's line again (the elapsed time moves on).
func (l *Line) Draw() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.draw()
}

// draw draws the drill's line, unless none runs or a line written above
// it is not ended yet. l.mu is held.
func (l *Line) draw() {
	if !l.live || l.drill == "" || l.midLine {
		return
	}
	// The cursor is at the start of a row: the drill's line, or the
	// empty row below what was written last.
	if _, err := io.WriteString(l.out, erase+l.fit(l.status())); err == nil {
		l.shown = true
	}
}

// status is the drill's line: the phase and how long it has run, how
// long the drill has, the figures so far and what it waits for:
// "[reboot-master] recover 12s (1m12s in all) | API down 3.2s so far |
// waiting for recovery: ...".
func (l *Line) status() string {
	now := l.now()
	var b strings.Builder
	inPhase, inAll := now.Sub(l.phaseAt).Round(time.Second), now.Sub(l.started).Round(time.Second)
	fmt.Fprintf(&b, "[%s] %s %s", l.drill, cmp.Or(l.phase, "starting"), inPhase)
	if inAll != inPhase {
		fmt.Fprintf(&b, " (%s in all)", inAll)
	}
	if f := l.figuresText(); f != "" {
		b.WriteString(" | " + f)
	}
	if l.waiting != "" {
		b.WriteString(" | " + l.waiting)
	}
	return b.String()
}

func (l *Line) figuresText() string {
	if l.figures == nil {
		return ""
	}
	if now := l.now(); l.figAt.IsZero() || now.Sub(l.figAt) >= time.Second {
		l.figText, l.figAt = l.figures(), now
	}
	return l.figText
}

// fit keeps s within the terminal's width, less one column (a line that
// fills the last column wraps on some terminals, and erase would then
// clear only its second row), on one row.
func (l *Line) fit(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	w := l.width()
	if w <= 0 {
		w = 80
	}
	w--
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	var b bytes.Buffer
	for i, r := range []rune(s) {
		if i == w-1 {
			break
		}
		b.WriteRune(r)
	}
	return b.String() + "…"
}
