// Package journal is the undo journal. Before a fault touches a node, what
// it will do there and how to undo it is written to disk; the entry is
// closed once the node is back as it was. A run that ends however it ends
// (Ctrl-C, a panic, a spec timeout, kill -9, a power cut) leaves its open
// entries behind, and `firedrill clean` replays them. One file per entry,
// written to a temporary name and renamed, so a crash never leaves half an
// entry.
package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Entry is one action on one node, or on one object of the cluster's
// API, and its undo.
type Entry struct {
	// Provider and Cluster say where the node is (the profile's provider
	// name and the provider's cluster name).
	Provider string `json:"provider"`
	Cluster  string `json:"cluster"`
	Node     string `json:"node,omitempty"`
	// Object, for an action on the cluster's API rather than on a node,
	// names what it made ("kind/name"): a cluster-scoped object outlives
	// the probe namespace, so only its undo removes it.
	Object string `json:"object,omitempty"`
	// Action is what was done ("pause", "isolate-api", "reboot"); Undo
	// how to undo it ("unpause", "restore-api", "start"): a kind each
	// action's file in framework/fault registers with what replays it.
	Action string `json:"action"`
	Undo   string `json:"undo"`
	// Shape qualifies the action (the isolation's reset or drop).
	Shape string `json:"shape,omitempty"`
	// Scenario and Pid say which drill of which process wrote it.
	Scenario string    `json:"scenario"`
	Pid      int       `json:"pid"`
	At       time.Time `json:"at"`

	file string
}

func (e Entry) String() string {
	on := "node " + e.Node
	if e.Object != "" {
		on = e.Object
	}
	s := fmt.Sprintf("%s on %s of %s cluster %s (undo: %s", e.Action, on, e.Provider, e.Cluster, e.Undo)
	if e.Shape != "" {
		s += " " + e.Shape
	}
	return s + fmt.Sprintf("; drill %s, pid %d, %s)", e.Scenario, e.Pid, e.At.Format(time.RFC3339))
}

// Dir is the journal's folder under the tool's state folder.
func Dir(stateDir string) string { return filepath.Join(stateDir, "journal") }

// Book writes the entries of one drill on one cluster.
type Book struct {
	dir                         string
	provider, cluster, scenario string
}

// NewBook is the journal of a drill on a cluster, in dir.
func NewBook(dir, provider, cluster, scenario string) *Book {
	return &Book{dir: dir, provider: provider, cluster: cluster, scenario: scenario}
}

var seq atomic.Int64

// Begin writes the entry of an action about to be done on node, before it
// is done. Close the returned entry once the node is back as it was.
func (b *Book) Begin(node, action, undo, shape string) (*Open, error) {
	if b == nil {
		return &Open{}, nil
	}
	e := Entry{Provider: b.provider, Cluster: b.cluster, Node: node, Action: action, Undo: undo, Shape: shape,
		Scenario: b.scenario, Pid: os.Getpid(), At: time.Now()}
	return b.begin(e, node)
}

// begin writes e under a file name that names where (its node, or "api").
func (b *Book) begin(e Entry, where string) (*Open, error) {
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return nil, fmt.Errorf("undo journal: %w", err)
	}
	name := fmt.Sprintf("%s-%s-%s-%d-%d.json", b.cluster, where, e.Action, os.Getpid(), seq.Add(1))
	e.file = filepath.Join(b.dir, name)
	if err := write(e); err != nil {
		return nil, fmt.Errorf("undo journal: %w", err)
	}
	return &Open{entry: e}, nil
}

// BeginObject writes the entry of an action about to make object (a
// "kind/name" of the cluster's API), before it is made; shape is what the
// undo is given. Close it once the object is gone again.
func (b *Book) BeginObject(object, action, undo, shape string) (*Open, error) {
	if b == nil {
		return &Open{}, nil
	}
	e := Entry{Provider: b.provider, Cluster: b.cluster, Object: object, Action: action, Undo: undo, Shape: shape,
		Scenario: b.scenario, Pid: os.Getpid(), At: time.Now()}
	return b.begin(e, "api")
}

// Open is an entry written and not closed yet.
type Open struct{ entry Entry }

// Close removes the entry: the node is back as it was.
func (o *Open) Close() error {
	if o == nil || o.entry.file == "" {
		return nil
	}
	if err := os.Remove(o.entry.file); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("undo journal: %w", err)
	}
	return nil
}

func write(e Entry) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(e.file), ".entry-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), e.file)
}

// Pending are the entries left open in dir, oldest first. An entry it
// cannot read does not hide the others: they are returned with an error
// naming each unreadable file, so a caller undoes what it can and still
// fails.
func Pending(dir string) ([]Entry, error) {
	files, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	var errs []error
	for _, f := range files {
		if f.IsDir() || !strings.HasSuffix(f.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, f.Name())
		e, err := read(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("unreadable undo journal entry %s (undo it by hand, then remove the file): %w", path, err))
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return a.At.Compare(b.At) })
	return out, errors.Join(errs...)
}

func read(path string) (Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return Entry{}, err
	}
	if e.Provider == "" || e.Cluster == "" || (e.Node == "") == (e.Object == "") || e.Undo == "" {
		return Entry{}, fmt.Errorf("no provider, cluster, undo, or not exactly one of node and object in it")
	}
	e.file = path
	return e, nil
}

// Done closes a pending entry once `firedrill clean` undid it.
func Done(e Entry) error { return (&Open{entry: e}).Close() }
