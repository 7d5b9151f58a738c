package drills

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/cluster/kind"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/scenario"
)

// clusterPool hands drills the cluster of their profile, reused across the
// drills of a run behind a health gate; a drill that left its cluster
// unhealthy gets it recreated for the next one instead of poisoning it.
type clusterPool struct {
	mu        sync.Mutex
	kind      *kind.Provider
	dir       string
	live      map[string]*kind.Cluster // by profile
	unhealthy map[string]bool
	// created are the cluster names this run made (and so may delete),
	// recorded before creation starts so a Ctrl-C mid-creation still
	// cleans up.
	created map[string]bool
}

func newClusterPool(dir string) *clusterPool {
	return &clusterPool{kind: kind.NewProvider(GinkgoWriter), dir: dir,
		live: map[string]*kind.Cluster{}, unhealthy: map[string]bool{}, created: map[string]bool{}}
}

func (p *clusterPool) get(ctx context.Context, profile *scenario.ClusterProfile) (cluster.Cluster, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if profile.Provider != scenario.ProviderKind {
		return nil, fmt.Errorf("profile %s: provider %q is not implemented yet", profile.Name, profile.Provider)
	}
	name := kind.ClusterName(profile)
	if c, ok := p.live[profile.Name]; ok && !p.unhealthy[profile.Name] {
		return c, nil
	}
	if p.unhealthy[profile.Name] {
		GinkgoWriter.Printf("cluster %s was left unhealthy by the previous drill: recreating it\n", name)
		if err := p.kind.Delete(name, p.live[profile.Name].KubeconfigPath()); err != nil {
			return nil, err
		}
		delete(p.live, profile.Name)
		delete(p.unhealthy, profile.Name)
	}
	reuse := os.Getenv("REUSE_CLUSTER") == "1"
	exists, err := p.kind.Exists(name)
	if err != nil {
		return nil, err
	}
	// Only a cluster this run is about to create is its to delete: one that
	// exists already is someone's (an earlier run's at best), whatever its
	// name, and Up refuses or reuses it.
	if !exists {
		p.created[name] = true
	}
	cl, created, err := p.kind.Up(ctx, kind.UpInput{Profile: profile, NodeImage: os.Getenv("KIND_NODE_IMAGE"), Reuse: reuse,
		KubeconfigDir: p.dir, Out: GinkgoWriter})
	if created {
		p.created[name] = true
	}
	if err != nil {
		return nil, err
	}
	p.live[profile.Name] = cl
	return cl, nil
}

func (p *clusterPool) markUnhealthy(profile *scenario.ClusterProfile) {
	p.mu.Lock()
	p.unhealthy[profile.Name] = true
	p.mu.Unlock()
}

// release deletes the clusters this run created, or says how to reach them
// when kept. Clusters it reused were not its to delete.
func (p *clusterPool) release(ctx context.Context, keep bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var names []string
	for n := range p.created {
		names = append(names, n)
	}
	sort.Strings(names)
	kubeconfigs := map[string]string{}
	for _, cl := range p.live {
		kubeconfigs[cl.Name()] = cl.KubeconfigPath()
	}
	for _, cl := range p.live {
		if keep || !p.created[cl.Name()] {
			removeProbeObjects(ctx, cl)
		}
	}
	for _, n := range names {
		if keep {
			GinkgoWriter.Printf("KEEP_CLUSTER=1: kept kind cluster %s; kubeconfig %s (rerun with REUSE_CLUSTER=1 to reuse it)\n", n, kubeconfigs[n])
			continue
		}
		if err := p.kind.Delete(n, kubeconfigs[n]); err != nil {
			GinkgoWriter.Printf("ERROR: %v\n", err)
		}
	}
	for _, cl := range p.live {
		if !p.created[cl.Name()] {
			GinkgoWriter.Printf("reused kind cluster %s left in place\n", cl.Name())
		}
	}
}

// removeProbeObjects deletes the harness's namespace from a cluster that
// outlives the run, so the run leaves nothing behind in it.
func removeProbeObjects(ctx context.Context, cl cluster.Cluster) {
	cs, err := kubernetes.NewForConfig(cl.RESTConfig())
	if err == nil {
		err = probe.RemoveNamespace(ctx, cs)
	}
	if err != nil {
		GinkgoWriter.Printf("WARNING: cluster %s: %v\n", cl.Name(), err)
		return
	}
	GinkgoWriter.Printf("removed namespace %s from cluster %s\n", probe.Namespace, cl.Name())
}
