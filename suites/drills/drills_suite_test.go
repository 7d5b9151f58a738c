// Package drills turns every scenario file into a labelled Ginkgo spec. Run
// it with `make e2e SCENARIO=name[,name]` (or the ginkgo CLI and
// --label-filter); see the README for the environment it reads.
package drills

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/drill"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/report"
	"github.com/firedrill/firedrill/framework/scenario"
)

func TestDrills(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "firedrill drills")
}

var (
	root    = repoRoot()
	catalog *scenario.Catalog
	run     *report.Run
	pool    *clusterPool
)

// The tree is built from the scenario files: a broken catalog or an unknown
// SCENARIO name becomes a failing spec, never zero specs passing. Ordered:
// Ginkgo would otherwise sort specs made in a loop by their text, and the
// order matters for the kubelet's back-off (see selectScenarios);
// ContinueOnFailure: one failed drill must not skip the others.
var _ = Describe("drill", Ordered, ContinueOnFailure, func() {
	var err error
	catalog, err = scenario.LoadCatalog(filepath.Join(root, "scenarios"), filepath.Join(root, "clusters"))
	if err != nil {
		It("loads the scenario catalog", func() { Fail(err.Error()) })
		return
	}
	selected, err := selectScenarios(catalog, os.Getenv("SCENARIO"))
	if err != nil {
		It("selects scenarios", func() { Fail(err.Error()) })
		return
	}
	for _, s := range selected {
		It(s.Name, Label(s.Labels...), SpecTimeout(specTimeout(s, catalog.Profiles[s.Cluster])), func(ctx SpecContext) {
			runDrill(ctx, s)
		})
	}
})

func selectScenarios(c *scenario.Catalog, names string) ([]*scenario.Scenario, error) {
	if strings.TrimSpace(names) == "" {
		var all []string
		for n := range c.Scenarios {
			all = append(all, n)
		}
		// Drills that hit every instance of a component run after those
		// that hit one: a one-target drill with kubeletBackoff
		// choose-target then still finds a node the kubelet has not put in
		// restart back-off, and the kill-all drills take one back-off at
		// most, as their budgets say.
		sort.Slice(all, func(i, j int) bool {
			ai, aj := c.Scenarios[all[i]].Fault.Target.Count == "all", c.Scenarios[all[j]].Fault.Target.Count == "all"
			if ai != aj {
				return aj
			}
			return all[i] < all[j]
		})
		return c.Select(all)
	}
	var list []string
	for _, n := range strings.Split(names, ",") {
		if n = strings.TrimSpace(n); n != "" {
			list = append(list, n)
		}
	}
	return c.Select(list)
}

func runDrill(ctx context.Context, s *scenario.Scenario) {
	budgets, err := catalog.Budgets(s.Name)
	Expect(err).NotTo(HaveOccurred())
	profile := catalog.Profiles[s.Cluster]
	c, err := pool.get(ctx, profile)
	Expect(err).NotTo(HaveOccurred(), "cluster for profile %s", profile.Name)

	image := os.Getenv("AGNHOST_IMAGE")
	if image == "" {
		image = probe.DefaultImage
	}
	res, runErr := drill.Run(ctx, drill.Input{Scenario: s, Budgets: budgets, Cluster: c, Nodes: len(profile.KindCluster.Nodes),
		ProbeImage: image, Out: GinkgoWriter})
	if !res.Healthy {
		pool.markUnhealthy(profile)
	}
	run.Results = append(run.Results, res)
	run.Finished = time.Now()
	Expect(report.Write(run)).To(Succeed())
	GinkgoWriter.Println(verdictTable(res))
	AddReportEntry("verdict", verdictTable(res))

	// INVALID before anything else: without proof that the fault took,
	// neither an error nor a budget says anything about the cluster.
	if res.Verdict == drill.VerdictInvalid {
		Fail(fmt.Sprintf("INVALID: drill %s: %s", s.Name, res.Invalid))
	}
	Expect(runErr).NotTo(HaveOccurred(), "drill %s did not complete", s.Name)
	Expect(res.Pass).To(BeTrue(), "drill %s blew its budgets:\n%s", s.Name, blown(res))
}

var _ = BeforeSuite(func() {
	var err error
	run, err = report.NewRunDir(reportsRoot(), time.Now())
	Expect(err).NotTo(HaveOccurred())
	GinkgoWriter.Printf("reports: %s\n", run.Dir)
	Expect(probe.ClientLogTo(filepath.Join(run.Dir, "client-go.log"))).To(Succeed())
	pool = newClusterPool(run.Dir)
})

// AfterSuite also runs after Ctrl-C: clusters this run created are deleted
// unless KEEP_CLUSTER=1.
var _ = AfterSuite(func(ctx SpecContext) {
	if pool != nil {
		pool.release(ctx, os.Getenv("KEEP_CLUSTER") == "1")
	}
}, NodeTimeout(5*time.Minute))

var _ = ReportAfterSuite("junit", func(r Report) {
	if run == nil {
		return
	}
	Expect(reporters.GenerateJUnitReport(r, filepath.Join(run.Dir, "junit.xml"))).To(Succeed())
	fmt.Fprintf(GinkgoWriter, "report: %s\n", filepath.Join(run.Dir, "report.json"))
})

func verdictTable(res *drill.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", res.Scenario, res.Verdict)
	if res.Invalid != "" {
		fmt.Fprintf(&b, "  INVALID: %s\n", res.Invalid)
	}
	fmt.Fprintf(&b, "  %-40s %-13s %-14s %-12s %-10s %s\n", "figure", "kind", "value", "budget", "margin", "lower bound")
	for _, v := range res.Verdicts {
		val, margin, lower := "not measured", "-", "-"
		if v.Measured {
			val = budget.Format(v.Value, v.Unit)
		}
		if v.Margin != nil {
			margin = budget.Format(*v.Margin, v.Unit)
		}
		if v.LowerBound != nil {
			lower = budget.Format(*v.LowerBound, v.Unit)
		}
		mark := "ok"
		switch {
		case v.BelowLowerBound:
			mark = "BELOW LOWER BOUND"
		case !v.Pass:
			mark = "BLOWN"
		}
		fmt.Fprintf(&b, "  %-40s %-13s %-14s %-12s %-10s %-11s %s\n", v.Figure, v.Kind, val, v.Limit(), margin, lower, mark)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}

func blown(res *drill.Result) string {
	var b strings.Builder
	for _, v := range res.Verdicts {
		if !v.Pass {
			val := "not measured (" + v.Note + ")"
			if v.Measured {
				val = budget.Format(v.Value, v.Unit)
			}
			fmt.Fprintf(&b, "  %s = %s, budget %s\n", v.Figure, val, v.Limit())
		}
	}
	return b.String()
}

func specTimeout(s *scenario.Scenario, p *scenario.ClusterProfile) time.Duration {
	d := s.SteadyState.Timeout + s.Fault.Duration + s.Recovery.Timeout + s.Recovery.ObserveAfter + 5*time.Minute
	if p != nil && p.KindCluster != nil {
		d += p.KindCluster.WaitForReady + 5*time.Minute
	}
	return d
}

func reportsRoot() string {
	if d := os.Getenv("FIREDRILL_REPORTS"); d != "" {
		return d
	}
	return filepath.Join(root, "reports")
}

// repoRoot is the folder with go.mod above the test's working directory.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			panic("no go.mod above " + dir)
		}
	}
}
