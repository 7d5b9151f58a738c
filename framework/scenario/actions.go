package scenario

import (
	"fmt"
	"maps"
	"slices"
)

// FaultAction says what an action needs of a scenario: a Duration (the
// harness holds it and lifts it), a target.component (it acts on a
// process, not a whole node), and whether the kubelet restarts a container
// after it (then fault.kubeletBackoff is required).
type FaultAction struct {
	NeedsDuration, NeedsComponent, RestartsContainer bool
	// Component, when set, is the only target.component it acts on.
	Component string
	// Procedure, when set, is the recovery procedure that undoes it:
	// nothing in the cluster does, so the scenario must name it
	// (recovery.procedure), and that procedure recovers this action only.
	Procedure string
	// Role, when set, is the only target.role it takes.
	Role string
	// Floods: the action floods the API and counts its own requests
	// (the figures timeline.NeedsFlood).
	Floods bool
}

// The fault actions the format accepts. Each is registered by its own
// file in framework/fault, which knows how to do and undo it; a program
// that loads scenarios imports that package (the scenario package's own
// tests do so from an external test package).
var actions = map[string]FaultAction{}

// RegisterAction adds a fault action the format accepts, with what it
// needs. A name registered twice, a procedure two actions claim, or a
// component, role or procedure the format does not know is a mistake of
// the program: it panics at start. Call it from init only.
func RegisterAction(name string, needs FaultAction) {
	_, dup := actions[name]
	switch {
	case name == "":
		panic("fault action registered without a name")
	case dup:
		panic(fmt.Sprintf("fault action %q registered twice", name))
	case needs.Component != "" && (!needs.NeedsComponent || !slices.Contains(Components, needs.Component)):
		panic(fmt.Sprintf("fault action %q: component %q is unknown or the action takes none", name, needs.Component))
	case needs.Role != "" && !slices.Contains(targetRoles, needs.Role):
		panic(fmt.Sprintf("fault action %q: unknown role %q", name, needs.Role))
	case needs.Procedure != "" && !slices.Contains(Procedures, needs.Procedure):
		panic(fmt.Sprintf("fault action %q: unknown procedure %q", name, needs.Procedure))
	}
	if owners := recoveredBy(needs.Procedure); len(owners) > 0 && !sharedProcedures[needs.Procedure] {
		panic(fmt.Sprintf("fault actions %q and %q both claim procedure %q", owners[0], name, needs.Procedure))
	}
	actions[name] = needs
}

// LookupAction is what a registered action needs.
func LookupAction(name string) (FaultAction, bool) {
	a, ok := actions[name]
	return a, ok
}

// ActionNames are the registered actions, sorted.
func ActionNames() []string {
	return slices.Sorted(maps.Keys(actions))
}

// recoveredBy are the actions a procedure recovers, sorted (none when
// none is registered); only a shared procedure has more than one.
func recoveredBy(procedure string) []string {
	var out []string
	for name, a := range actions {
		if procedure != "" && a.Procedure == procedure {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
