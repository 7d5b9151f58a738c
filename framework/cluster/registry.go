package cluster

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"
)

// Registration is a provider as it registers itself (Register, from its
// package's init): what the runner and the command line need of it. Its
// block of the profile format is registered apart, with the scenario
// package, under the same name.
type Registration struct {
	// Name is the value of a profile's provider field.
	Name string
	// Env names the environment variables the provider takes as site
	// overrides of its profiles' fields (where its machines are, which
	// image they boot): read once by the runner and handed to Spec.
	Env []string
	// New makes the provider.
	New func(Options) Provider
	// Spec makes the Spec of a profile's block.
	Spec func(SpecInput) (Spec, error)
	// CreationTime, when set, is what a drill's deadline adds for making
	// the cluster of a spec; nil adds nothing.
	CreationTime func(Spec) time.Duration
	// DryRun, when set, says what `firedrill cluster up --dry-run` does
	// with the provider's profiles; New is then given Options.DryRun.
	DryRun *DryRun
	// Sweep, when set, is the provider's part of `firedrill clean
	// --provider NAME`.
	Sweep *Sweep
}

// Options are what every provider is made with.
type Options struct {
	Out io.Writer
	// StateDir is firedrill's state folder (StateDir), where providers
	// keep their records of what they made.
	StateDir string
	// DryRun asks for a provider that shows what it would do instead of
	// doing it (Registration.DryRun).
	DryRun bool
}

// SpecInput is a profile's block and what making a Spec of it needs.
type SpecInput struct {
	// Profile is the profile's name.
	Profile string
	// Block is the profile's block, of the type the provider registered
	// for it with the scenario package.
	Block any
	// Rel resolves a path the profile gives against the profile's file.
	Rel func(string) string
	// Files holds the profile's files: nil for this machine's, the
	// shipped catalog for a shipped profile.
	Files fs.FS
	// Overrides are the site's overrides the provider takes
	// (Registration.Env), by variable name; unset ones are absent.
	Overrides map[string]string
}

// DryRun is how `firedrill cluster` describes a provider's --dry-run.
type DryRun struct {
	// Flag completes the flag's help, Usage the command's: a sentence
	// after "--dry-run, for NAME profiles, ".
	Flag, Usage string
}

// ErrDryRun ends a provider's Up in a dry run where what follows needs
// real machines; a provider's own error wraps it.
var ErrDryRun = errors.New("dry run")

// Sweep is a provider's part of `firedrill clean --provider NAME`: what
// runs left outside this machine's records (in a cloud account), listed,
// and removed with --yes.
type Sweep struct {
	// What completes the --provider flag's help ("NAME: What"); Usage is
	// the paragraph of clean's usage about it.
	What, Usage string
	// Flags adds the sweep's own flags to clean's; the function it
	// returns runs the sweep once they are parsed. A *UsageError says
	// the flags do not do.
	Flags func(fs *flag.FlagSet) func(context.Context, SweepInput) error
}

// SweepInput is what a sweep is run with.
type SweepInput struct {
	StateDir string
	// Apply removes what was found; without it the sweep only lists.
	Apply bool
	Out   io.Writer
}

// UsageError is a command called the wrong way (it exits 2), not one
// that failed at what it did.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

var registry struct {
	sync.Mutex
	byName map[string]Registration
}

// Register adds a provider; each provider calls it from its package's
// init. A name registered twice, or a registration without New or Spec,
// is a programming error: it panics.
func Register(r Registration) {
	registry.Lock()
	defer registry.Unlock()
	if r.Name == "" || r.New == nil || r.Spec == nil {
		panic(fmt.Sprintf("cluster.Register(%q): Name, New and Spec are required", r.Name))
	}
	if _, dup := registry.byName[r.Name]; dup {
		panic(fmt.Sprintf("cluster.Register(%q): registered twice", r.Name))
	}
	if registry.byName == nil {
		registry.byName = map[string]Registration{}
	}
	registry.byName[r.Name] = r
}

// Lookup is the registration of the named provider.
func Lookup(name string) (Registration, bool) {
	registry.Lock()
	defer registry.Unlock()
	r, ok := registry.byName[name]
	return r, ok
}

// Registrations are the registered providers, by name.
func Registrations() []Registration {
	registry.Lock()
	defer registry.Unlock()
	out := make([]Registration, 0, len(registry.byName))
	for _, r := range registry.byName {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Registration) int { return strings.Compare(a.Name, b.Name) })
	return out
}
