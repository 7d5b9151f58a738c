package fakes

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/firedrill/firedrill/framework/cluster"
)

// Provider is a cluster.Provider and cluster.Attacher in memory: the
// clusters it sees, which of them this tool made, and what it was asked.
// Up makes a cluster (Make, or a Cluster with a node per NodeSpec), reuses
// one this tool made when asked to, and refuses any other; Delete deletes
// only what this tool made.
type Provider struct {
	// Make, when set, makes the cluster Up creates; an error from it is
	// Up's, and nothing is made.
	Make func(ctx context.Context, in cluster.UpInput) (cluster.Cluster, error)
	// FailUp, when set, fails every Up before anything else.
	FailUp error

	mu       sync.Mutex
	clusters map[string]*seen
	runs     []string
	deletes  []string
}

type seen struct {
	c    cluster.Cluster
	made bool
}

var (
	_ cluster.Provider = (*Provider)(nil)
	_ cluster.Attacher = (*Provider)(nil)
)

// NewProvider is a provider that sees no cluster.
func NewProvider() *Provider { return &Provider{clusters: map[string]*seen{}} }

// Add makes c a cluster the provider sees, made by this tool or not.
func (p *Provider) Add(c cluster.Cluster, made bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clusters[c.Name()] = &seen{c: c, made: made}
}

// Exists says whether a cluster of that name exists, and whether this
// tool made it.
func (p *Provider) Exists(name string) (exists, made bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.clusters[name]
	return ok, ok && s.made
}

// Runs are the run IDs of every Up, in order (UpInput.RunID).
func (p *Provider) Runs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.runs)
}

// Deletes are the names of every Delete, in order, refused ones too.
func (p *Provider) Deletes() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.deletes)
}

// Up implements cluster.Provider.
func (p *Provider) Up(ctx context.Context, in cluster.UpInput) (cluster.Cluster, bool, error) {
	p.mu.Lock()
	p.runs = append(p.runs, in.RunID)
	s, exists := p.clusters[in.Spec.Name]
	p.mu.Unlock()
	switch {
	case p.FailUp != nil:
		return nil, false, p.FailUp
	case exists && !s.made:
		return nil, false, fmt.Errorf("refused: cluster %s exists and this tool did not make it", in.Spec.Name)
	case exists && !in.Reuse:
		return nil, false, fmt.Errorf("refused: cluster %s exists (reuse not allowed)", in.Spec.Name)
	case exists:
		return s.c, false, nil
	}
	var c cluster.Cluster
	if p.Make != nil {
		var err error
		if c, err = p.Make(ctx, in); err != nil {
			return nil, false, err
		}
	} else {
		var nodes []cluster.Node
		for i, n := range in.Spec.Nodes {
			nodes = append(nodes, cluster.Node{Name: fmt.Sprintf("%s-%s-%d", in.Spec.Name, n.Role, i+1), Role: n.Role, Zone: n.Zone,
				Address: fmt.Sprintf("10.0.0.%d", i+1)})
		}
		c = NewCluster(in.Spec.Name, nodes...)
	}
	p.Add(c, true)
	return c, true, nil
}

// Delete implements cluster.Provider: a cluster this tool did not make
// is refused.
func (p *Provider) Delete(_ context.Context, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deletes = append(p.deletes, name)
	s, ok := p.clusters[name]
	if !ok || !s.made {
		return fmt.Errorf("refused: cluster %s was not made by this tool", name)
	}
	delete(p.clusters, name)
	return nil
}

// Made implements cluster.Provider.
func (p *Provider) Made(context.Context) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, name := range slices.Sorted(maps.Keys(p.clusters)) {
		if p.clusters[name].made {
			out = append(out, name)
		}
	}
	return out, nil
}

// Attach implements cluster.Attacher.
func (p *Provider) Attach(_ context.Context, name string) (cluster.Cluster, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.clusters[name]
	if !ok {
		return nil, cluster.ErrNotFound
	}
	return s.c, nil
}

// All implements cluster.Attacher: every cluster it sees, by name.
func (p *Provider) All(context.Context) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(maps.Keys(p.clusters)), nil
}
