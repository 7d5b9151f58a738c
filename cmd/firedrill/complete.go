package main

import (
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	firedrillrun "github.com/firedrill/firedrill/framework/run"
)

// completeCatalog completes a flag with names from the catalog the
// command's --scenario-dir and --cluster-dir name: scenario names, or
// profile names when profiles is set. A comma-separated list (run
// --scenario a,b) is completed after its last comma.
func completeCatalog(profiles bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		cfg := firedrillrun.FromEnv(".")
		if dir, _ := cmd.Flags().GetString("scenario-dir"); dir != "" {
			cfg.ScenariosDir = dir
		}
		if dir, _ := cmd.Flags().GetString("cluster-dir"); dir != "" {
			cfg.ClustersDir = dir
		}
		cfg.Profile = ""
		c, _ := cfg.LoadCatalog()
		if c == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names, prefix := slices.Sorted(maps.Keys(c.Scenarios)), ""
		if profiles {
			names = slices.Sorted(maps.Keys(c.Profiles))
		} else if i := strings.LastIndex(toComplete, ","); i >= 0 {
			prefix = toComplete[:i+1]
		}
		given := strings.Split(prefix, ",")
		var out []string
		for _, n := range names {
			if !slices.Contains(given, n) {
				out = append(out, prefix+n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
