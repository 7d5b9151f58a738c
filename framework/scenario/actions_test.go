// The scenario files these tests load (the repository's and testdata's)
// name fault actions, and each action registers itself from its own file
// in framework/fault, which imports this package: only an external test
// package can import fault without an import cycle. Importing it here
// registers every action for all of this package's tests, the internal
// ones too, since a test binary initialises all its packages before any
// test runs.
package scenario_test

import (
	"slices"
	"testing"

	"github.com/firedrill/firedrill/framework/fault"
	"github.com/firedrill/firedrill/framework/scenario"
)

// The format knows exactly the actions fault can do.
func TestActionsAreRegistered(t *testing.T) {
	if got, want := scenario.ActionNames(), fault.Actions(); len(got) == 0 || !slices.Equal(got, want) {
		t.Errorf("scenario knows %v, fault registered %v", got, want)
	}
}
