package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/firedrill/firedrill"
)

// runVersion prints what the binary is: its module version (what go
// install asked for, or "(devel)" for a build from a checkout), the commit
// it was built from when the build knew it, and the kind library and
// Kubernetes version its budgets were measured with.
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "version: unexpected arguments %q\n", args)
		return exitUsage
	}
	fmt.Fprint(stdout, versionText(debug.ReadBuildInfo()))
	return exitOK
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
