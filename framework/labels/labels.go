// Package labels reads the label filters of `firedrill run --labels` with
// Ginkgo's own parser, so that a filter means there what it means to
// `ginkgo --label-filter`. It stands apart from framework/run so that the
// runner does not link Ginkgo: the front ends parse, the runner matches.
package labels

import (
	"fmt"

	"github.com/onsi/ginkgo/v2/types"
)

// Filter is a parsed label filter; it satisfies run.LabelFilter.
type Filter struct {
	expr  string
	match types.LabelFilter
}

// Parse reads expr in Ginkgo's label-filter syntax ("single-master &&
// !calibration").
func Parse(expr string) (*Filter, error) {
	match, err := types.ParseLabelFilter(expr)
	if err != nil {
		return nil, fmt.Errorf("labels %q: %w", expr, err)
	}
	return &Filter{expr: expr, match: match}, nil
}

// Match says whether a scenario with these labels passes the filter.
func (f *Filter) Match(labels []string) bool { return f.match(labels) }

// String is the filter as written.
func (f *Filter) String() string { return f.expr }
