package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/scenario"
)

// pool hands drills the cluster of their profile, reused across the drills
// of a run behind a health gate; a drill that left its cluster unhealthy
// gets it recreated for the next one instead of poisoning it.
type pool struct {
	mu        sync.Mutex
	providers map[string]cluster.Provider // by profile provider name
	connect   func(cluster.Cluster) (kubernetes.Interface, error)
	dir       string            // kubeconfigs go here (KubeconfigDir)
	run       string            // the run's ID, which providers tag what they launch with
	overrides map[string]string // Config.Overrides
	reuse     bool
	out       io.Writer

	live      map[string]cluster.Cluster // by profile
	unhealthy map[string]bool
	// created are the clusters this run made (and so may delete), by
	// name, with their provider; recorded before creation starts so a
	// Ctrl-C mid-creation still cleans up.
	created map[string]cluster.Provider
}

func newPool(providers map[string]cluster.Provider, connect func(cluster.Cluster) (kubernetes.Interface, error),
	dir, run string, overrides map[string]string, reuse bool, out io.Writer) *pool {
	return &pool{providers: providers, connect: connect, dir: dir, run: run, overrides: overrides, reuse: reuse, out: out,
		live: map[string]cluster.Cluster{}, unhealthy: map[string]bool{}, created: map[string]cluster.Provider{}}
}

// Spec is what a profile's provider needs of it: the provider's own
// conversion of its block (cluster.Registration.Spec), handed the site's
// overrides it registered (Config.Overrides).
func Spec(p *scenario.ClusterProfile, overrides map[string]string) (cluster.Spec, error) {
	reg, ok := cluster.Lookup(p.Provider)
	if !ok || p.Cluster == nil {
		return cluster.Spec{}, fmt.Errorf("profile %s: provider %q is not implemented yet", p.Name, p.Provider)
	}
	own := map[string]string{}
	for _, name := range reg.Env {
		if v := overrides[name]; v != "" {
			own[name] = v
		}
	}
	return reg.Spec(cluster.SpecInput{Profile: p.Name, Block: p.Cluster, Rel: p.Rel, Files: p.Files, Overrides: own})
}

func (p *pool) get(ctx context.Context, profile *scenario.ClusterProfile) (cluster.Cluster, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prov, ok := p.providers[profile.Provider]
	if !ok {
		return nil, fmt.Errorf("profile %s: provider %q is not implemented yet", profile.Name, profile.Provider)
	}
	spec, err := Spec(profile, p.overrides)
	if err != nil {
		return nil, err
	}
	if c, ok := p.live[profile.Name]; ok && !p.unhealthy[profile.Name] {
		return c, nil
	}
	if c, ok := p.live[profile.Name]; ok {
		fmt.Fprintf(p.out, "cluster %s was left unhealthy by the previous drill: recreating it\n", c.Name())
		if err := prov.Delete(ctx, c.Name()); err != nil {
			return nil, err
		}
		delete(p.live, profile.Name)
		delete(p.unhealthy, profile.Name)
	}
	c, created, err := prov.Up(ctx, cluster.UpInput{Spec: spec, Reuse: p.reuse, KubeconfigDir: p.dir, RunID: p.run})
	if created {
		p.created[spec.Name] = prov
	}
	if err != nil {
		return nil, err
	}
	p.live[profile.Name] = c
	return c, nil
}

func (p *pool) markUnhealthy(profile *scenario.ClusterProfile) {
	p.mu.Lock()
	p.unhealthy[profile.Name] = true
	p.mu.Unlock()
}

// release deletes the clusters this run created, or says how to reach them
// when kept. Clusters it reused were not its to delete; the probe objects
// are removed from every cluster that outlives the run.
func (p *pool) release(ctx context.Context, keep bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, c := range p.live {
		if _, made := p.created[c.Name()]; keep || !made {
			p.removeProbeObjects(ctx, c)
		}
	}
	kubeconfigs := map[string]string{}
	for _, c := range p.live {
		kubeconfigs[c.Name()] = c.KubeconfigPath()
	}
	for _, name := range slices.Sorted(maps.Keys(p.created)) {
		if keep {
			fmt.Fprintf(p.out, "KEEP_CLUSTER=1: kept cluster %s; kubeconfig %s (rerun with REUSE_CLUSTER=1 to reuse it)\n", name, kubeconfigs[name])
			continue
		}
		if err := p.created[name].Delete(ctx, name); err != nil {
			fmt.Fprintf(p.out, "ERROR: %v\n", err)
			errs = append(errs, err)
			continue
		}
		// The cluster's credentials go with it.
		if k := kubeconfigs[name]; k != "" && filepath.Dir(k) == p.dir {
			if err := os.Remove(k); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	for _, c := range p.live {
		if _, made := p.created[c.Name()]; !made {
			fmt.Fprintf(p.out, "reused cluster %s left in place\n", c.Name())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("release clusters: %w", errs[0])
	}
	return nil
}

// removeProbeObjects deletes the harness's namespace from a cluster that
// outlives the run, so the run leaves nothing behind in it; after a
// Ctrl-C the API may still be coming back from the fault, and
// RemoveNamespace waits for it, bounded.
func (p *pool) removeProbeObjects(ctx context.Context, c cluster.Cluster) {
	cs, err := p.connect(c)
	if err == nil {
		err = probe.RemoveNamespace(ctx, cs, p.out)
	}
	if err != nil {
		fmt.Fprintf(p.out, "WARNING: cluster %s: %v\n", c.Name(), err)
		return
	}
	fmt.Fprintf(p.out, "removed namespace %s from cluster %s\n", probe.Namespace, c.Name())
}

// KubeconfigDir is where a run writes the kubeconfigs of its clusters: the
// state folder, readable by its owner only, never the report folder.
func KubeconfigDir(stateDir string) string { return filepath.Join(stateDir, "kubeconfigs") }
