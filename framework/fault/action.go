package fault

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
)

// action is one fault action, whole: each action's file registers one
// from init, side by side, the way etcd's functional tester keeps each
// operation beside its un-operation. New, Undo and the scenario format's
// validation (scenario.RegisterAction) find actions here only.
type action struct {
	// name is what a scenario's fault.action says.
	name string
	// needs is what the action asks of a scenario, registered with the
	// format (scenario.RegisterAction) for validation.
	needs scenario.FaultAction
	// build makes the fault from the scenario's spec.
	build func(Build) (Fault, error)
	// evidence says what proves, on a target, that the fault took (the
	// What of its timeline.Evidence).
	evidence func(scenario.Fault) string
	// undo is what the journal replays for it after a run that could
	// not (kill -9); nil when nothing is left to undo.
	undo *JournalUndo
}

// Build is what an action is made from: the scenario's fault, the
// harness's waits and the undo journal (nil keeps none), with the action's
// own evidence and undo kind filled in.
type Build struct {
	Spec     scenario.Fault
	Timeouts scenario.Timeouts
	Book     *journal.Book
	// Evidence is the action's evidence for this spec.
	Evidence string
	// Undo is the action's journal undo kind ("" when it has none).
	Undo string
}

// held is a fault the harness holds and lifts, journaled under b.Undo and
// proven by b.Evidence.
func (b Build) held(name, shape, desc string, actions actionsFor) *held {
	return newHeld(name, b.Undo, shape, desc, b.Evidence, actions, b.Book)
}

// JournalUndo is an undo the journal names: its kind, written in each
// entry, and what replays it on the entry's node (shape is the entry's).
// An entry is read back from a file: Do checks what it takes from it.
type JournalUndo struct {
	Kind string
	Do   func(ctx context.Context, c cluster.Cluster, n cluster.Node, shape string) error
	// DoAPI, instead of Do, undoes an entry that names an object of the
	// cluster's API rather than a node, through the client the caller
	// connects.
	DoAPI func(ctx context.Context, cs kubernetes.Interface, shape string) error
}

var (
	actions = map[string]action{}
	undos   = map[string]*JournalUndo{} // by kind
)

// register adds an action; two actions may share an undo (the same
// *JournalUndo), never a name or an undo kind with another function.
func register(a action) {
	switch {
	case a.name == "" || a.build == nil || a.evidence == nil:
		panic(fmt.Sprintf("fault action %q registered without its name, build or evidence", a.name))
	case actions[a.name].name != "":
		panic(fmt.Sprintf("fault action %q registered twice", a.name))
	}
	if u := a.undo; u != nil {
		if prev := undos[u.Kind]; u.Kind == "" || (u.Do == nil) == (u.DoAPI == nil) || prev != nil && prev != u {
			panic(fmt.Sprintf("fault action %q: undo %q is empty or another action's", a.name, u.Kind))
		}
	}
	scenario.RegisterAction(a.name, a.needs)
	if a.undo != nil {
		undos[a.undo.Kind] = a.undo
	}
	actions[a.name] = a
}

// Actions are the registered actions' names, sorted.
func Actions() []string { return slices.Sorted(maps.Keys(actions)) }

// says is evidence that reads the same for every spec.
func says(what string) func(scenario.Fault) string {
	return func(scenario.Fault) string { return what }
}

// New returns the fault for a scenario's fault spec; t bounds its waits for
// evidence. Every action with something to undo is written to book before
// it is done and closed once undone (a nil book keeps no journal).
func New(spec scenario.Fault, t scenario.Timeouts, book *journal.Book) (Fault, error) {
	a, ok := actions[spec.Action]
	if !ok {
		return nil, fmt.Errorf("unknown fault action %q", spec.Action)
	}
	if a.needs.NeedsComponent && spec.Target.Component == "" {
		return nil, fmt.Errorf("%s needs target.component", spec.Action)
	}
	b := Build{Spec: spec, Timeouts: t, Book: book, Evidence: a.evidence(spec)}
	if a.undo != nil {
		b.Undo = a.undo.Kind
	}
	return a.build(b)
}

// Undo does what a journal entry left open says, on a node of c or
// through its API (a client from its RESTConfig): what `firedrill clean`
// replays after a run that could not (kill -9).
func Undo(ctx context.Context, c cluster.Cluster, e journal.Entry) error {
	return UndoWith(ctx, c, e, nil)
}

// UndoWith is Undo with the caller's way to an API client, for the
// entries undone through the API (nil: a client from the cluster's
// RESTConfig).
func UndoWith(ctx context.Context, c cluster.Cluster, e journal.Entry, connect func(cluster.Cluster) (kubernetes.Interface, error)) error {
	u, ok := undos[e.Undo]
	if !ok {
		return fmt.Errorf("unknown undo %q", e.Undo)
	}
	if u.DoAPI == nil {
		return u.Do(ctx, c, cluster.Node{Name: e.Node}, e.Shape)
	}
	if connect == nil {
		connect = func(c cluster.Cluster) (kubernetes.Interface, error) {
			cfg := c.RESTConfig()
			if cfg == nil || cfg.Host == "" {
				return nil, fmt.Errorf("cluster %s: no API endpoint to undo %s through", c.Name(), e.Undo)
			}
			return kubernetes.NewForConfig(cfg)
		}
	}
	cs, err := connect(c)
	if err != nil {
		return err
	}
	return u.DoAPI(ctx, cs, e.Shape)
}
