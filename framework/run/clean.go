package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/fault"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/packetfilter"
	"github.com/firedrill/firedrill/framework/probe"
)

// CleanInput is what `firedrill clean` looks through.
type CleanInput struct {
	Backends Backends
	// StateDir holds the undo journal.
	StateDir string
	// Apply removes what was found; without it Clean only lists it (a dry
	// run).
	Apply bool
	// KeepClusters leaves the clusters this tool made in place (their
	// probe objects and filter rules are still removed).
	KeepClusters bool
	Out          io.Writer
}

// Leftover is one thing a run left behind, and how to remove it.
type Leftover struct {
	What   string
	remove func(context.Context) error
}

// Clean finds what runs left behind and, with in.Apply, removes it, in
// this order: the undo journal's open entries (a node still paused, cut
// off or stopped, a webhook left in place), packet filter rules marked as
// firedrill's in the nodes of clusters it made or touched, its webhook
// configurations and probe namespace in clusters it did not make, and the
// clusters it made. It never touches a cluster it did
// not make beyond its own objects, and never an entry of a run still alive.
// It returns what it found.
func Clean(ctx context.Context, in CleanInput) ([]Leftover, error) {
	var found, stage []Leftover
	var errs []error
	add := func(l Leftover) {
		stage = append(stage, l)
		fmt.Fprintf(in.Out, "found: %s\n", l.What)
	}
	// Each stage is removed before the next looks: undoing a cut makes
	// the API, and so the probe namespace behind it, reachable again.
	endStage := func() {
		found = append(found, stage...)
		if in.Apply {
			for _, l := range stage {
				if err := l.remove(ctx); err != nil {
					fmt.Fprintf(in.Out, "ERROR: %s: %v\n", l.What, err)
					errs = append(errs, fmt.Errorf("%s: %w", l.What, err))
					continue
				}
				fmt.Fprintf(in.Out, "removed: %s\n", l.What)
			}
		}
		stage = nil
	}
	attached := map[string]cluster.Cluster{} // by provider/name
	attach := func(provider, name string) (cluster.Cluster, error) {
		key := provider + "/" + name
		if c, ok := attached[key]; ok {
			return c, nil
		}
		a, ok := in.Backends.Providers[provider].(cluster.Attacher)
		if !ok {
			return nil, fmt.Errorf("provider %q cannot act on a cluster by name", provider)
		}
		c, err := a.Attach(ctx, name)
		if err != nil {
			return nil, err
		}
		attached[key] = c
		return c, nil
	}

	// 1. The journal: what was done to a node and not undone.
	// An unreadable entry is reported and fails the clean, and does not
	// hide the entries that can be read.
	pending, err := journal.Pending(journal.Dir(in.StateDir))
	if err != nil {
		fmt.Fprintf(in.Out, "ERROR: %v\n", err)
		errs = append(errs, err)
	}
	for _, e := range pending {
		if e.Pid != os.Getpid() && alive(e.Pid) {
			fmt.Fprintf(in.Out, "skipped: %s: its run (pid %d) is still going\n", e, e.Pid)
			continue
		}
		c, err := attach(e.Provider, e.Cluster)
		if errors.Is(err, cluster.ErrNotFound) {
			add(Leftover{What: fmt.Sprintf("journal entry of a cluster that is gone: %s", e),
				remove: func(context.Context) error { return journal.Done(e) }})
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e, err))
			continue
		}
		add(Leftover{What: "not undone: " + e.String(), remove: func(ctx context.Context) error {
			if err := fault.UndoWith(ctx, c, e, in.Backends.Connect); err != nil {
				return err
			}
			return journal.Done(e)
		}})
	}

	// The journal's undos are a stage of their own: a node it unpauses or
	// starts again can be read only then (docker exec refuses a paused or
	// stopped container), and its rules are listed in the next stage.
	endStage()

	// 2. The clusters this tool made, and those the journal names.
	made := map[string][]string{} // provider -> names
	for _, pname := range slices.Sorted(maps.Keys(in.Backends.Providers)) {
		names, err := in.Backends.Providers[pname].Made(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		made[pname] = names
		for _, name := range names {
			if _, err := attach(pname, name); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(attached)) {
		c := attached[key]
		rules, err := filterRules(ctx, c, in.Out)
		if err != nil {
			errs = append(errs, err)
		}
		for _, l := range rules {
			add(l)
		}
	}

	endStage()

	// 3. Probe objects in clusters this tool did not make (reused or
	// opted in): they are its own, so it removes them there too.
	for _, pname := range slices.Sorted(maps.Keys(in.Backends.Providers)) {
		a, ok := in.Backends.Providers[pname].(cluster.Attacher)
		if !ok {
			continue
		}
		all, err := a.All(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, name := range all {
			if slices.Contains(made[pname], name) && !in.KeepClusters {
				continue // deleted below, with everything in it
			}
			c, err := attach(pname, name)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			// A webhook configuration first: it outlives the namespace
			// its backend was in, and would refuse the next run's writes.
			for _, l := range webhookConfigurations(ctx, in.Backends, c, in.Out) {
				add(l)
			}
			if l, ok := probeNamespace(ctx, in.Backends, c, in.Out); ok {
				add(l)
			}
		}
	}
	endStage()

	// 4. The clusters this tool made.
	if !in.KeepClusters {
		for _, pname := range slices.Sorted(maps.Keys(made)) {
			prov := in.Backends.Providers[pname]
			for _, name := range made[pname] {
				add(Leftover{What: fmt.Sprintf("%s cluster %s, recorded by firedrill (made by it: taken down; attached: forgotten)", pname, name),
					remove: func(ctx context.Context) error { return prov.Delete(ctx, name) }})
			}
		}
	}

	endStage()
	switch {
	case len(found) == 0 && len(errs) > 0:
		fmt.Fprintln(in.Out, "nothing found, but not everything could be looked at (errors above)")
	case len(found) == 0:
		fmt.Fprintln(in.Out, "nothing left behind")
	case !in.Apply:
		fmt.Fprintf(in.Out, "dry run: %d leftovers; `firedrill clean --yes` removes them\n", len(found))
	}
	return found, errors.Join(errs...)
}

// alive says whether a process of that pid exists (signal 0).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// filterRules are the packet filter rules marked as firedrill's in the
// nodes of c (iptables -S lists them as they were added; -D with the same
// words deletes one). A node that is paused or off cannot be read: it is
// named on out, not failed (the journal's undo wakes it when it is
// firedrill's doing, and a clean after that lists its rules).
func filterRules(ctx context.Context, c cluster.Cluster, out io.Writer) ([]Leftover, error) {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return nil, nil
	}
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name(), err)
	}
	var left []Leftover
	var errs []error
	for _, n := range nodes {
		if why := unreadable(ctx, c, n); why != "" {
			fmt.Fprintf(out, "not looked at: the rules of node %s of cluster %s: it is %s\n", n.Name, c.Name(), why)
			continue
		}
		run := cluster.FilterRun(x, n)
		cctx, cancel := context.WithTimeout(ctx, 40*time.Second)
		found, err := packetfilter.List(cctx, run)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("node %s of %s: %w", n.Name, c.Name(), err))
		}
		for _, f := range found {
			left = append(left, Leftover{What: fmt.Sprintf("%s rule in node %s of cluster %s: %s", f.Tool, n.Name, c.Name(), f.Rule),
				remove: func(ctx context.Context) error { return f.Remove(ctx, run) }})
		}
	}
	return left, errors.Join(errs...)
}

// unreadable says why no command can run on n now ("paused", "off"), or
// "" when one can (or the cluster cannot tell).
func unreadable(ctx context.Context, c cluster.Cluster, n cluster.Node) string {
	if p, ok := c.(cluster.Pauser); ok {
		if paused, err := p.Paused(ctx, n); err == nil && paused {
			return "paused"
		}
	}
	if s, ok := c.(cluster.Stopper); ok {
		if running, err := s.Running(ctx, n); err == nil && !running {
			return "off"
		}
	}
	return ""
}

// webhookConfigurations are the validating webhook configurations
// webhook-down made in c and no undo removed (a journal lost with its
// machine): those with firedrill's owner label and a name it gives; their
// backend goes with the probe namespace.
func webhookConfigurations(ctx context.Context, b Backends, c cluster.Cluster, out io.Writer) []Leftover {
	cs, err := b.Connect(c)
	if err != nil {
		return nil // probeNamespace says so
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(cctx, metav1.ListOptions{LabelSelector: probe.OwnerLabel + "=firedrill"})
	if err != nil {
		fmt.Fprintf(out, "cluster %s: webhook configurations not listed (%v)\n", c.Name(), err)
		return nil
	}
	var left []Leftover
	for _, w := range l.Items {
		if !fault.IsWebhookName(w.Name) {
			continue
		}
		left = append(left, Leftover{What: fmt.Sprintf("validating webhook configuration %s in cluster %s", w.Name, c.Name()),
			remove: func(ctx context.Context) error { return fault.RemoveWebhookConfiguration(ctx, cs, w.Name) }})
	}
	return left
}

// probeNamespace is the harness's namespace in c, if its API answers and
// the namespace is there.
func probeNamespace(ctx context.Context, b Backends, c cluster.Cluster, out io.Writer) (Leftover, bool) {
	cs, err := b.Connect(c)
	if err != nil {
		fmt.Fprintf(out, "cluster %s: no API client (%v): namespace %s not checked\n", c.Name(), err, probe.Namespace)
		return Leftover{}, false
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ns, err := cs.CoreV1().Namespaces().Get(cctx, probe.Namespace, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return Leftover{}, false
	}
	if err != nil {
		fmt.Fprintf(out, "cluster %s: API not answering (%v): namespace %s not checked\n", c.Name(), err, probe.Namespace)
		return Leftover{}, false
	}
	if !probe.Owned(ns) {
		fmt.Fprintf(out, "not ours: namespace %s in cluster %s has no %s label: left as it is\n", probe.Namespace, c.Name(), probe.OwnerLabel)
		return Leftover{}, false
	}
	return Leftover{What: fmt.Sprintf("namespace %s in cluster %s", probe.Namespace, c.Name()),
		remove: func(ctx context.Context) error { return probe.RemoveNamespace(ctx, cs, out) }}, true
}
