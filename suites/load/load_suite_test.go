// Package underload runs drills beside a CPU hog (framework/load) and
// checks that they get the verdict they get on a quiet machine, PASS,
// with every budget met and a calibration drill within its error bound
// (issue 26 item 5, "proof under load"). Each drill runs through the
// runner (framework/run) as in suites/drills, with the hog as the run's
// Load; nothing else lives here. Run it with `make e2e-load`; SCENARIO
// names other drills than load.DefaultDrills (docs/running.md).
package underload

import (
	"errors"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/firedrill/firedrill/framework/load"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/report"
	"github.com/firedrill/firedrill/framework/run"
)

func TestLoad(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "firedrill drills under load")
}

var cfg = config()

func config() run.Config {
	c, err := run.FromWorkingDir()
	if err != nil {
		panic(err)
	}
	c.Out = GinkgoWriter
	if len(c.Scenarios) == 0 {
		c.Scenarios = load.DefaultDrills
	}
	return c
}

// One ordered container per cluster profile (load.ByCluster), each with
// its own runner and hog: its cluster is deleted before the next
// profile's is made, so no idle cluster adds to the hog's load. A broken
// catalog or an unknown name is a failing spec, never zero specs passing;
// ContinueOnFailure: one drill that fails under load must not keep the
// others from running.
var _ = Describe("under load", Ordered, ContinueOnFailure, func() {
	plan, err := run.Plan(cfg)
	if err != nil {
		It("plans the drills", func() { Fail(err.Error()) })
		return
	}
	for _, group := range load.ByCluster(plan) {
		Describe(group[0].Scenario.Cluster, func() {
			var runner *run.Runner
			hog := &load.Hog{}
			BeforeAll(func() {
				c := cfg
				c.Scenarios = load.Names(group)
				c.Load = hog
				var err error
				runner, err = run.New(c)
				Expect(err).NotTo(HaveOccurred())
				// Also after a failure or Ctrl-C: the hog stopped (the
				// runner stops it after each drill, and it ends by itself
				// anyway), the cluster deleted unless KEEP_CLUSTER=1, and
				// the report folder, uploaded by CI, free of credentials.
				DeferCleanup(func(ctx SpecContext) {
					_, _ = hog.Stop()
					Expect(runner.Close(ctx)).To(Succeed())
					leaks, err := report.Credentials(runner.Dir())
					Expect(err).NotTo(HaveOccurred())
					Expect(leaks).To(BeEmpty(), "credentials in the report folder %s", runner.Dir())
					fmt.Fprintf(GinkgoWriter, "report: %s\n", runner.Dir())
				}, NodeTimeout(6*time.Minute))
			})
			for _, p := range group {
				s := p.Scenario
				// The runner bounds the drill itself (p.Timeout); Ginkgo's
				// limit is a backstop past it.
				It(s.Name, Label(append([]string{"load"}, s.Labels...)...), SpecTimeout(p.Timeout+time.Minute), func(ctx SpecContext) {
					res, failure := runner.RunDrill(ctx, s)
					if res != nil {
						AddReportEntry("verdict", run.VerdictTable(res))
					}
					hogRun, ran := hog.Last()
					if !ran {
						Fail(fmt.Sprintf("drill %s: the hog never ran beside it: %v", s.Name, failure))
					}
					AddReportEntry("load", hogRun.Note())
					// Judged as the report keeps it: what a reader of the
					// report sees must say the drill ran under load.
					rec, err := report.Read(runner.Dir())
					Expect(err).NotTo(HaveOccurred())
					var d *record.Drill
					for i := range rec.Drills {
						if rec.Drills[i].Name == s.Name {
							d = &rec.Drills[i]
						}
					}
					Expect(d).NotTo(BeNil(), "drill %s is not in the report in %s", s.Name, runner.Dir())
					if err := errors.Join(failure, load.Check(s, d, hogRun)); err != nil {
						Fail(fmt.Sprintf("drill %s under load:\n%v", s.Name, err))
					}
				})
			}
		})
	}
})
