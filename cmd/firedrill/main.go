// Command firedrill is the harness's command line.
//
//	firedrill validate [--scenarios DIR] [--clusters DIR] [FILE...]
//	firedrill run [--scenario a,b] [--labels EXPR] [--keep-cluster] [--reuse-cluster]
//	firedrill observe [--context NAME] [--duration 5m] [flags]
//	firedrill clean [--yes] [--keep-clusters]
//	firedrill clean --provider aws --region R [--older-than 6h] [--yes]
//	firedrill cluster up|down --profile NAME [--dry-run]
//	firedrill report [--out DIR] [--scenarios DIR] [--history DIR] RUN_DIR
//	firedrill report merge [--out DIR] RUN_DIR...   (also: firedrill merge)
//	firedrill report --history DIR [--min-runs N]
//	firedrill version
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"github.com/firedrill/firedrill"
	"io"
	"os"

	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and found problems
	exitUsage = 2 // the command line is wrong
)

// command is one subcommand; args are those after its name.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands are the subcommands: adding one is one entry here.
var commands = []command{
	{"validate", "check scenario and cluster profile files", runValidate},
	{"run", "run drills on real clusters, as make e2e does, and report", runRun},
	{"observe", "probe an existing cluster without a fault and report (upgrades, maintenance)", runObserve},
	{"merge", "merge the reports of several runs (CI shards) into one", runMerge},
	{"report", "replay a recorded run offline (--scenarios: new budgets); report merge: shards into one; report --history: trends", runReport},
	{"clean", "list what runs left behind (undone faults, clusters, probe objects); remove it with --yes", runClean},
	{"cluster", "make a profile's cluster and leave it up, or take it down (aws: --dry-run prints every EC2 call)", runCluster},
	{"version", "print the version, the commit, and the kind and Kubernetes versions it was measured with", runVersion},
}

// run is the whole program for args (os.Args[1:]) and returns its exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "firedrill: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: firedrill COMMAND [ARGS]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'firedrill COMMAND -h' for a command's flags.")
}

// parseNoArgs parses a command's flags and refuses any other argument,
// saying so on stderr; false means exit with exitUsage.
func parseNoArgs(fs *flag.FlagSet, args []string, stderr io.Writer) bool {
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return false
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q\n", fs.Name(), rest)
		return false
	}
	return true
}

// parseInterspersed parses fs's flags wherever they stand among args and
// returns the other arguments, so "validate a.yaml --clusters x" works.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		remaining := fs.Args()
		if n := len(args) - len(remaining); n > 0 && args[n-1] == "--" {
			return append(rest, remaining...), nil // all after "--" are files
		}
		if len(remaining) == 0 {
			return rest, nil
		}
		rest = append(rest, remaining[0])
		args = remaining[1:]
	}
}

// validateFlags are the flags of validate.
type validateFlags struct {
	set       *flag.FlagSet
	scenarios *string
	clusters  *string
}

func newValidateFlags(out io.Writer) *validateFlags {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(out)
	cfg := firedrillrun.FromEnv(".")
	f := &validateFlags{
		set:       fs,
		scenarios: fs.String("scenarios", cfg.ScenariosDir, "folder of scenario files, used without FILE arguments (default: ./scenarios if there is one, else the shipped scenarios)"),
		clusters:  fs.String("clusters", cfg.ClustersDir, "folder of cluster profiles (default: ./clusters if there is one, else the shipped profiles)"),
	}
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: firedrill validate [--scenarios DIR] [--clusters DIR] [FILE...]

Without FILE, loads and cross-checks every scenario and cluster profile.
With FILE, checks just those files (scenarios or profiles); a scenario's
cluster is checked against the profiles in --clusters.

Prints each problem as FILE:LINE:COL: FIELD.PATH: message on stderr and
exits 1 if there is any; prints "ok: N files" otherwise.`)
		fs.PrintDefaults()
	}
	return f
}

func runValidate(args []string, stdout, stderr io.Writer) int {
	// flag prints the usage before it says whether -h asked for it: to
	// stdout then, else to stderr with the problem.
	var flagOut bytes.Buffer
	f := newValidateFlags(&flagOut)
	files, err := parseInterspersed(f.set, args)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = flagOut.WriteTo(stdout)
		return exitOK
	}
	if err != nil {
		_, _ = flagOut.WriteTo(stderr)
		return exitUsage
	}

	// A provider's site rules hold unless the site overrides the field
	// (a kind profile's node image must be pinned unless KIND_NODE_IMAGE
	// replaces it).
	opts := firedrillrun.FromEnv(".").LoadOptions()
	var n int
	if len(files) == 0 {
		var c *scenario.Catalog
		c, err = scenario.LoadCatalogFrom(firedrillrun.CatalogDir(*f.scenarios, firedrill.ScenariosDir),
			firedrillrun.CatalogDir(*f.clusters, firedrill.ClustersDir), opts...)
		if c != nil {
			n = len(c.Scenarios) + len(c.Profiles)
		}
	} else {
		err = scenario.ValidateFilesWith(files, firedrillrun.CatalogDir(*f.clusters, firedrill.ClustersDir), opts...)
		n = len(files)
	}
	if err != nil {
		for _, e := range flatten(err) {
			fmt.Fprintln(stderr, e)
		}
		return exitFail
	}
	fmt.Fprintf(stdout, "ok: %d files\n", n)
	return exitOK
}

// flatten lists the leaves of a tree of joined errors.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
