// Command firedrill is the harness's command line.
//
//	firedrill validate [--scenario-dir DIR] [--cluster-dir DIR] [FILE...]
//	firedrill run [--scenario a,b] [--labels EXPR] [--keep-cluster] [--reuse-cluster]
//	firedrill observe [--context NAME] [--duration 5m] [flags]
//	firedrill clean [--yes] [--keep-clusters]
//	firedrill clean --provider aws --region R [--older-than 6h] [--yes]
//	firedrill cluster up|down --profile NAME [--dry-run]
//	firedrill report [--out DIR] [--scenario-dir DIR] [--history DIR] RUN_DIR|TIMELINE
//	firedrill report merge [--out DIR] RUN_DIR...   (also: firedrill merge)
//	firedrill report --history DIR [--min-runs N]
//	firedrill version
//	firedrill completion bash|zsh|fish
//	firedrill help [COMMAND]
//
// Each command is a cobra command; --scenarios and --clusters (folders)
// are kept as deprecated aliases of --scenario-dir and --cluster-dir.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/firedrill/firedrill"
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

// exitError ends a command with its exit code; what went wrong has been
// said on stderr already.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exit is a command's RunE result for its exit code: nil for exitOK.
func exit(code int) error {
	if code == exitOK {
		return nil
	}
	return &exitError{code}
}

// newRoot is the command tree, writing to stdout and stderr.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "firedrill",
		Short: "chaos and disaster-recovery drills for Kubernetes control planes",
		Long: "firedrill breaks a Kubernetes control plane on purpose (reboots, kills, partitions, lost quorum),\n" +
			"measures how long it takes to heal, and judges the figures against each scenario's budgets.",
		SilenceErrors: true,
		SilenceUsage:  true,
		// Without a command it is a usage error, as it always was.
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(stderr)
			_ = cmd.Usage()
			return exit(exitUsage)
		},
	}
	root.AddCommand(newValidateCmd(), newRunCmd(), newListCmd(), newObserveCmd(), newMergeCmd(), newReportCmd(),
		newCleanCmd(), newClusterCmd(), newVersionCmd())
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs([]string{})
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		// cobra's help of an unknown command prints the root's usage and
		// exits 0: a typo in a script would pass unseen.
		if c.Name() == "help" {
			c.Run, c.RunE = nil, help
		}
	}
	// pflag says "Flag --scenarios has been deprecated" on the flag set's
	// output, which cobra would copy to stdout: stderr it is, so that
	// stdout stays what a script reads.
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().SetOutput(stderr)
		// A group of commands (completion) without one of them is a
		// usage error, not its help and exit 0.
		if !c.Runnable() && c.HasSubCommands() {
			c.RunE = missingCommand
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return root
}

// run is the whole program for args (os.Args[1:]) and returns its exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	}
	// Anything cobra refuses (an unknown command or flag, a flag without
	// its value) is a usage error.
	fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", cmd.CommandPath(), err, cmd.CommandPath())
	return exitUsage
}

// missingCommand is the RunE of a command that only groups others: called
// without one of them (or with an unknown one) it is a usage error.
func missingCommand(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s: unknown command %q\n", cmd.CommandPath(), args[0])
	}
	cmd.SetOut(cmd.ErrOrStderr())
	_ = cmd.Usage()
	return exit(exitUsage)
}

// help is the RunE of `firedrill help [COMMAND...]`: the command's help
// on stdout, or, for a command there is not, a usage error naming it.
func help(c *cobra.Command, args []string) error {
	cmd, rest, err := c.Root().Find(args)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("unknown command %q for %q", rest[0], cmd.CommandPath())
	}
	if cmd == nil || err != nil {
		fmt.Fprintf(c.ErrOrStderr(), "%s: %v\nRun '%s' for the commands.\n", c.CommandPath(), err, c.CommandPath())
		return exit(exitUsage)
	}
	cmd.InitDefaultHelpFlag()
	cmd.InitDefaultVersionFlag()
	return cmd.Help()
}

// noArgs refuses any argument, as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments %q", args)
	}
	return nil
}

// dirFlags adds a folder flag and its old name, deprecated, both setting
// p: --scenario-dir and --scenarios, --cluster-dir and --clusters.
func dirFlag(fs *pflag.FlagSet, p *string, name, old, value, usage string) {
	fs.StringVar(p, name, value, usage)
	fs.StringVar(p, old, value, usage)
	_ = fs.MarkDeprecated(old, "use --"+name+" instead")
}

func newValidateCmd() *cobra.Command {
	cfg := firedrillrun.FromEnv(".")
	scenarios, clusters := cfg.ScenariosDir, cfg.ClustersDir
	cmd := &cobra.Command{
		Use:   "validate [FILE...]",
		Short: "check scenario and cluster profile files",
		Long: `Without FILE, loads and cross-checks every scenario and cluster profile.
With FILE, checks just those files (scenarios or profiles); a scenario's
cluster is checked against the profiles in --cluster-dir.

Prints each problem as FILE:LINE:COL: FIELD.PATH: message on stderr and
exits 1 if there is any; prints "ok: N files" otherwise.`,
		RunE: func(cmd *cobra.Command, files []string) error {
			return exit(runValidate(scenarios, clusters, files, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	dirFlag(cmd.Flags(), &scenarios, "scenario-dir", "scenarios", cfg.ScenariosDir,
		"folder of scenario files, used without FILE arguments (default: ./scenarios if there is one, else the shipped scenarios)")
	dirFlag(cmd.Flags(), &clusters, "cluster-dir", "clusters", cfg.ClustersDir,
		"folder of cluster profiles (default: ./clusters if there is one, else the shipped profiles)")
	return cmd
}

func runValidate(scenarios, clusters string, files []string, stdout, stderr io.Writer) int {
	// A provider's site rules hold unless the site overrides the field
	// (a kind profile's node image must be pinned unless KIND_NODE_IMAGE
	// replaces it).
	opts := firedrillrun.FromEnv(".").LoadOptions()
	var n int
	var err error
	if len(files) == 0 {
		var c *scenario.Catalog
		c, err = scenario.LoadCatalogFrom(firedrillrun.CatalogDir(scenarios, firedrill.ScenariosDir),
			firedrillrun.CatalogDir(clusters, firedrill.ClustersDir), opts...)
		if c != nil {
			n = len(c.Scenarios) + len(c.Profiles)
		}
	} else {
		err = scenario.ValidateFilesWith(files, firedrillrun.CatalogDir(clusters, firedrill.ClustersDir), opts...)
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
