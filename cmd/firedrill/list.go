package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	firedrillrun "github.com/firedrill/firedrill/framework/run"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// newListCmd lists what a run can be asked for: the scenarios, the
// figures budgets may name, and the cluster profiles.
func newListCmd() *cobra.Command {
	cfg := firedrillrun.FromEnv(".")
	cmd := &cobra.Command{
		Use:   "list scenarios|figures|profiles",
		Short: "list the scenarios, the figures a budget may name, or the cluster profiles",
		Long: "Lists the scenarios (name, cluster profile, what it does), the figures a budget may name (name,\n" +
			"unit, what it measures), or the cluster profiles (name, provider, nodes) of the catalog that\n" +
			"validate and run use.",
	}
	fs := cmd.PersistentFlags()
	fs.StringVar(&cfg.ScenariosDir, "scenario-dir", cfg.ScenariosDir, "folder of scenario files (default: ./scenarios if there is one, else the shipped scenarios)")
	fs.StringVar(&cfg.ClustersDir, "cluster-dir", cfg.ClustersDir, "folder of cluster profiles (default: ./clusters if there is one, else the shipped profiles)")
	catalog := func(cmd *cobra.Command, list func(*scenario.Catalog, io.Writer)) error {
		c, err := cfg.LoadCatalog()
		if err != nil {
			for _, e := range flatten(err) {
				fmt.Fprintln(cmd.ErrOrStderr(), e)
			}
			return exit(exitFail)
		}
		list(c, cmd.OutOrStdout())
		return nil
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "scenarios",
		Short: "the scenarios: name, cluster profile, what the drill does",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return catalog(cmd, listScenarios)
		},
	}, &cobra.Command{
		Use:   "figures",
		Short: "the figures a budget may name: name, unit, what it measures",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			listFigures(cmd.OutOrStdout())
			return nil
		},
	}, &cobra.Command{
		Use:   "profiles",
		Short: "the cluster profiles: name, provider, nodes",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return catalog(cmd, listProfiles)
		},
	})
	return cmd
}

func listScenarios(c *scenario.Catalog, out io.Writer) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tCLUSTER\tDESCRIPTION")
	for _, name := range slices.Sorted(maps.Keys(c.Scenarios)) {
		s := c.Scenarios[name]
		fmt.Fprintf(w, "%s\t%s\t%s\n", s.Name, s.Cluster, oneLine(s.Description))
	}
	_ = w.Flush()
}

func listFigures(out io.Writer) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tUNIT\tMEANING")
	for _, f := range timeline.Figures {
		fmt.Fprintf(w, "%s\t%s\t%s\n", f.Name, f.Unit, f.Meaning)
	}
	_ = w.Flush()
}

func listProfiles(c *scenario.Catalog, out io.Writer) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tPROVIDER\tNODES")
	for _, name := range slices.Sorted(maps.Keys(c.Profiles)) {
		p := c.Profiles[name]
		fmt.Fprintf(w, "%s\t%s\t%s\n", p.Name, p.Provider, nodes(p))
	}
	_ = w.Flush()
}

// nodes says how many nodes a profile has, and of which role:
// "3 (3 control-plane)", "4 (1 control-plane, 3 worker)".
func nodes(p *scenario.ClusterProfile) string {
	if p.Cluster == nil {
		return "?"
	}
	shapes := p.Cluster.NodeShapes()
	var parts []string
	for _, role := range scenario.NodeRoles {
		n := 0
		for _, s := range shapes {
			if s.Role == role {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, role))
		}
	}
	return fmt.Sprintf("%d (%s)", len(shapes), strings.Join(parts, ", "))
}

// oneLine is the first sentence of a description, on one line and at
// most 100 characters.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if r := []rune(s); len(r) > 100 {
		s = string(r[:99]) + "…"
	}
	return s
}
