// Package drills turns every scenario file into a labelled Ginkgo spec that
// calls the runner (framework/run); nothing else lives here. Run it with
// `make e2e SCENARIO=name[,name]` (or the ginkgo CLI and --label-filter);
// see the README for the environment it reads.
package drills

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"

	"github.com/firedrill/firedrill/framework/drill"
	"github.com/firedrill/firedrill/framework/report"
	"github.com/firedrill/firedrill/framework/run"
)

func TestDrills(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "firedrill drills")
}

var (
	cfg    = config()
	runner *run.Runner
)

func config() run.Config {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	root, err := run.RepoRoot(wd)
	if err != nil {
		panic("no go.mod above " + wd)
	}
	c := run.FromEnv(root)
	c.Out = GinkgoWriter
	return c
}

// The tree is built from the scenario files: a broken catalog or an unknown
// SCENARIO name becomes a failing spec, never zero specs passing. Labels
// are filtered by Ginkgo (--label-filter). Ordered: Ginkgo would otherwise
// sort specs made in a loop by their text, and the order matters for the
// kubelet's back-off (run.Select); ContinueOnFailure: one failed drill must
// not skip the others.
var _ = Describe("drill", Ordered, ContinueOnFailure, func() {
	catalog, err := cfg.LoadCatalog() // PROFILE: every drill on that profile
	if err != nil {
		It("loads the scenario catalog", func() { Fail(err.Error()) })
		return
	}
	selected, err := run.Select(catalog, cfg.Scenarios, nil)
	if err != nil {
		It("selects scenarios", func() { Fail(err.Error()) })
		return
	}
	for _, s := range selected {
		// The runner bounds the drill itself (run.DrillTimeout); Ginkgo's
		// limit is a backstop past it.
		It(s.Name, Label(s.Labels...), SpecTimeout(run.DrillTimeout(s, catalog.Profiles[s.Cluster])+time.Minute), func(ctx SpecContext) {
			res, err := runner.Drill(ctx, s)
			if res == nil {
				Expect(err).NotTo(HaveOccurred())
			}
			GinkgoWriter.Println(run.VerdictTable(res))
			AddReportEntry("verdict", run.VerdictTable(res))
			// INTERRUPTED and INVALID before anything else: neither an
			// error nor a budget of such a drill says anything about the
			// cluster.
			switch res.Verdict {
			case drill.VerdictInterrupted:
				Fail(fmt.Sprintf("INTERRUPTED: drill %s: %s", s.Name, res.Error))
			case drill.VerdictInvalid:
				Fail(fmt.Sprintf("INVALID: drill %s: %s", s.Name, res.Invalid))
			}
			Expect(err).NotTo(HaveOccurred(), "drill %s did not complete", s.Name)
			Expect(res.Verdict).To(Equal(drill.VerdictPass), "drill %s blew its budgets:\n%s", s.Name, run.Blown(res))
		})
	}
})

var _ = BeforeSuite(func() {
	var err error
	runner, err = run.New(cfg)
	Expect(err).NotTo(HaveOccurred())
})

// AfterSuite also runs after Ctrl-C: clusters this run created are deleted
// unless KEEP_CLUSTER=1.
var _ = AfterSuite(func(ctx SpecContext) {
	if runner != nil {
		Expect(runner.Close(ctx)).To(Succeed())
		// The report folder is uploaded and shown on job pages: no
		// kubeconfig, key or token may be in it, whatever the run did.
		leaks, err := report.Credentials(runner.Dir())
		Expect(err).NotTo(HaveOccurred())
		Expect(leaks).To(BeEmpty(), "credentials in the report folder %s", runner.Dir())
	}
}, NodeTimeout(6*time.Minute))

var _ = ReportAfterSuite("junit", func(r Report) {
	if runner == nil {
		return
	}
	Expect(reporters.GenerateJUnitReport(r, filepath.Join(runner.Dir(), "ginkgo-junit.xml"))).To(Succeed())
	fmt.Fprintf(GinkgoWriter, "report: %s\n", filepath.Join(runner.Dir(), "report.json"))
})
