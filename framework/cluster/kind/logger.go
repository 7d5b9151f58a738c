package kind

import (
	"fmt"
	"io"

	"sigs.k8s.io/kind/pkg/log"
)

// logger forwards kind's status lines ("Preparing nodes", "Starting
// control-plane") as progress; kind's verbose levels are dropped.
type logger struct{ out io.Writer }

func (l logger) Warn(m string)                     { fmt.Fprintln(l.out, "kind: WARNING:", m) }
func (l logger) Warnf(f string, a ...interface{})  { l.Warn(fmt.Sprintf(f, a...)) }
func (l logger) Error(m string)                    { fmt.Fprintln(l.out, "kind: ERROR:", m) }
func (l logger) Errorf(f string, a ...interface{}) { l.Error(fmt.Sprintf(f, a...)) }
func (l logger) V(level log.Level) log.InfoLogger {
	if level > 0 {
		return discard{}
	}
	return info(l)
}

type info logger

func (i info) Info(m string)                    { fmt.Fprintln(i.out, "kind:", m) }
func (i info) Infof(f string, a ...interface{}) { i.Info(fmt.Sprintf(f, a...)) }
func (i info) Enabled() bool                    { return true }

type discard struct{}

func (discard) Info(string)                  {}
func (discard) Infof(string, ...interface{}) {}
func (discard) Enabled() bool                { return false }
