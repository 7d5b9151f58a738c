package scenario

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// FieldError is one problem in one file, at the line and column of the
// value (or, for a missing value, of the nearest enclosing key) and named by
// its field path in YAML keys, e.g. "budgets[2].max".
//
// Its message reads FILE:LINE:COL: FIELD.PATH: message. A problem with the
// file as a whole (empty, not a mapping, bad YAML syntax) has an empty Path,
// written as "(document)".
type FieldError struct {
	File string
	Line int
	Col  int
	Path string
	Msg  string
}

// DocumentPath is how a FieldError with an empty Path names its field.
const DocumentPath = "(document)"

func (e *FieldError) Error() string {
	path := e.Path
	if path == "" {
		path = DocumentPath
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Col, path, e.Msg)
}

// joinSorted joins errs ordered by file, line, column and path; errors that
// are not *FieldError keep their order and sort first within their file,
// which they cannot name (they are I/O errors that already name it).
func joinSorted(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	sorted := slices.Clone(errs)
	slices.SortStableFunc(sorted, func(a, b error) int {
		var fa, fb *FieldError
		okA, okB := errors.As(a, &fa), errors.As(b, &fb)
		switch {
		case !okA && !okB:
			return 0
		case !okA:
			return -1
		case !okB:
			return 1
		}
		return cmp.Or(
			cmp.Compare(fa.File, fb.File),
			cmp.Compare(fa.Line, fb.Line),
			cmp.Compare(fa.Col, fb.Col),
			cmp.Compare(fa.Path, fb.Path),
		)
	})
	return errors.Join(sorted...)
}

// fieldErrors converts a slice of *FieldError into errors.
func fieldErrors(fes []*FieldError) []error {
	out := make([]error, len(fes))
	for i, fe := range fes {
		out[i] = fe
	}
	return out
}
