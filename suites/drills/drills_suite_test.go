// Package drills turns every scenario file into a labelled Ginkgo spec that
// calls the runner (framework/run); nothing else lives here. Run it with
// `make e2e SCENARIO=name[,name]` (or the ginkgo CLI and --label-filter);
// see docs/running.md for the environment it reads.
package drills

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"

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
	c, err := run.FromWorkingDir()
	if err != nil {
		panic(err)
	}
	c.Out = GinkgoWriter
	return c
}

// The tree is run.Plan, one spec per drill: a broken catalog or an
// unknown SCENARIO name becomes a failing spec, never zero specs passing.
// Labels are filtered by Ginkgo (--label-filter). Ordered: Ginkgo would
// otherwise sort specs made in a loop by their text, and the plan's order
// matters for the kubelet's back-off (run.Select); ContinueOnFailure: one
// failed drill must not skip the others. Each spec is runner.RunDrill,
// whose failure (run.Failure) fails it.
var _ = Describe("drill", Ordered, ContinueOnFailure, func() {
	plan, err := run.Plan(cfg) // PROFILE: every drill on that profile
	if err != nil {
		It("plans the drills", func() { Fail(err.Error()) })
		return
	}
	for _, p := range plan {
		s := p.Scenario
		// The runner bounds the drill itself (p.Timeout); Ginkgo's limit
		// is a backstop past it.
		It(s.Name, Label(s.Labels...), SpecTimeout(p.Timeout+time.Minute), func(ctx SpecContext) {
			res, failure := runner.RunDrill(ctx, s)
			if res != nil {
				AddReportEntry("verdict", run.VerdictTable(res))
			}
			if failure != nil {
				Fail(fmt.Sprintf("drill %s: %v", s.Name, failure))
			}
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
