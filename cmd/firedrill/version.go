package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/firedrill/firedrill"
)

// newVersionCmd prints what the binary is: its module version (what go
// install asked for, or "(devel)" for a build from a checkout), the commit
// it was built from when the build knew it, and the kind library and
// Kubernetes version its budgets were measured with.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version, the commit, and the kind and Kubernetes versions it was measured with",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.OutOrStdout(), versionText(debug.ReadBuildInfo()))
			return nil
		},
	}
}

func versionText(info *debug.BuildInfo, ok bool) string {
	version, commit, kind := "unknown", "unknown", "unknown"
	if ok {
		version = info.Main.Version
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					commit += " (with uncommitted changes)"
				}
			}
		}
		for _, d := range info.Deps {
			if d.Path == "sigs.k8s.io/kind" {
				kind = d.Version
			}
		}
	}
	return fmt.Sprintf("firedrill %s\ncommit: %s\nkind library: %s\nmeasured on: Kubernetes %s\n",
		version, commit, kind, firedrill.MeasuredKubernetes)
}
