package report

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strings"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/record"
)

// JUnit renders junit.xml from the report: one test case per drill, in
// one test suite per run the drills came from (a merged report keeps its
// shards apart), each figure a property. A FAIL is a failure naming the
// blown budgets; INVALID and INTERRUPTED are errors, never passes or
// skips: nobody proved anything. It is derived from report.json alone, so
// replays and merges have it too.
func JUnit(f File) ([]byte, error) {
	out := junitSuites{Name: "firedrill " + f.Run}
	bySuite := map[string]*junitSuite{}
	var order []string
	for _, s := range f.Scenarios {
		run := f.Run
		if s.Environment != nil && s.Environment.Run != "" {
			run = s.Environment.Run
		}
		suite, ok := bySuite[run]
		if !ok {
			suite = &junitSuite{Name: "firedrill run " + run, Timestamp: s.Started.UTC().Format("2006-01-02T15:04:05")}
			if e := s.Environment; e != nil {
				suite.Properties = []junitProperty{
					{Name: "run", Value: e.Run}, {Name: "provider", Value: e.Provider}, {Name: "profile", Value: e.Profile},
					{Name: "kubernetes", Value: e.KubernetesVersion}, {Name: "firedrill", Value: e.Firedrill + " " + e.Commit},
					{Name: "machine", Value: e.Machine.Hostname},
				}
			}
			bySuite[run] = suite
			order = append(order, run)
		}
		suite.Cases = append(suite.Cases, junitCase(s))
	}
	for _, run := range order {
		suite := bySuite[run]
		suite.Tests = len(suite.Cases)
		for _, c := range suite.Cases {
			suite.Time += c.Time
			if c.Failure != nil {
				suite.Failures++
			}
			if c.Error != nil {
				suite.Errors++
			}
		}
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Errors += suite.Errors
		out.Time += suite.Time
		out.Suites = append(out.Suites, *suite)
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render junit.xml: %w", err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func junitCase(s record.Drill) junitTestCase {
	c := junitTestCase{Name: s.Key(), Classname: "firedrill." + s.Cluster, Status: string(s.Verdict)}
	if !s.Started.IsZero() && s.Finished.After(s.Started) {
		c.Time = s.Finished.Sub(s.Started).Seconds()
	}
	c.Properties = append(c.Properties, junitProperty{Name: "verdict", Value: string(s.Verdict)})
	if s.Environment != nil {
		c.Properties = append(c.Properties, junitProperty{Name: "run", Value: s.Environment.Run},
			junitProperty{Name: "machine", Value: s.Environment.Machine.Hostname})
	}
	if s.CriticalPath != nil && s.CriticalPath.Text != "" {
		c.Properties = append(c.Properties, junitProperty{Name: "critical-path", Value: s.CriticalPath.Text})
		if s.CriticalPath.OrderText != "" {
			c.Properties = append(c.Properties, junitProperty{Name: "recovery-order", Value: s.CriticalPath.OrderText})
		}
	}
	var blown []string
	for _, fig := range s.Figures {
		c.Properties = append(c.Properties, junitProperty{Name: fig.Name, Value: figureText(fig, s.Verdict.BudgetsJudged())})
		if v := fig.Budget; v != nil && !v.Pass {
			blown = append(blown, fmt.Sprintf("%s %s, budget %s: %s", v.Figure, measuredText(v), v.Limit(), v.Reason()))
		}
	}
	detail := strings.TrimSpace(strings.Join(slices.Concat([]string{s.Error}, blown), "\n"))
	switch s.Verdict {
	case record.VerdictPass:
	case record.VerdictFail:
		c.Failure = &junitMessage{Message: firstLine(detail, "failed"), Type: string(record.VerdictFail), Text: detail}
	case record.VerdictInvalid:
		c.Error = &junitMessage{Message: string(record.VerdictInvalid) + ": " + s.Invalid, Type: string(record.VerdictInvalid), Text: s.Invalid}
	case record.VerdictInterrupted:
		c.Error = &junitMessage{Message: "INTERRUPTED: the drill was stopped before it completed", Type: string(record.VerdictInterrupted), Text: detail}
	default:
		c.Error = &junitMessage{Message: "unknown verdict " + string(s.Verdict), Type: string(s.Verdict), Text: detail}
	}
	return c
}

// figureText is a figure's value with its budget, as one property value;
// judged false: the drill's budgets were not judged.
func figureText(fig record.Figure, judged bool) string {
	v := "not measured"
	if fig.Measured {
		v = budget.Format(fig.Value, fig.Unit)
	}
	b := fig.Budget
	if b == nil {
		if fig.Note != "" && !fig.Measured {
			v += " (" + fig.Note + ")"
		}
		return v
	}
	v += "; budget " + b.Limit()
	switch {
	case !judged:
		v += " not judged"
	case !b.Pass:
		v += " BLOWN"
	}
	return v + ": " + b.Reason()
}

func measuredText(v *budget.Verdict) string {
	if !v.Measured {
		return "not measured"
	}
	return budget.Format(v.Value, v.Unit)
}

func firstLine(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	line, _, _ := strings.Cut(s, "\n")
	return line
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       float64         `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitTestCase `xml:"testcase"`
}

type junitTestCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Status     string          `xml:"status,attr"`
	Time       float64         `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Failure    *junitMessage   `xml:"failure,omitempty"`
	Error      *junitMessage   `xml:"error,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}
