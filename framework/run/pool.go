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
	"strings"
	"sync"

	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/cluster/aws"
	"github.com/firedrill/firedrill/framework/cluster/kind"
	"github.com/firedrill/firedrill/framework/cluster/ssh"
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
	dir       string // kubeconfigs go here (KubeconfigDir)
	overrides Overrides
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
	dir string, overrides Overrides, reuse bool, out io.Writer) *pool {
	return &pool{providers: providers, connect: connect, dir: dir, overrides: overrides, reuse: reuse, out: out,
		live: map[string]cluster.Cluster{}, unhealthy: map[string]bool{}, created: map[string]cluster.Provider{}}
}

// Overrides replace profile fields that differ by site, not by cluster
// shape (Config.Overrides); empty fields replace nothing.
type Overrides struct {
	NodeImage, SSHInventory, SSHEndpoint, AWSSSHKey string
}

// Spec is what a provider needs of a profile.
func Spec(p *scenario.ClusterProfile, o Overrides) (cluster.Spec, error) {
	switch b := p.Cluster.(type) {
	case *ssh.Profile:
		return machinesSpec(p, b, o), nil
	case *aws.Profile:
		return instancesSpec(p, b, o), nil
	case *kind.Profile:
		settings := &kind.Settings{Image: b.NodeImage, Network: b.Network}
		spec := cluster.Spec{Name: b.ClusterName, Profile: p.Name, WaitForReady: b.WaitForReady, Settings: settings}
		if o.NodeImage != "" {
			settings.Image = o.NodeImage
		}
		for _, n := range b.Nodes {
			spec.Nodes = append(spec.Nodes, cluster.NodeSpec{Role: n.Role, Zone: n.Zone})
		}
		return spec, nil
	}
	return cluster.Spec{}, fmt.Errorf("profile %s: provider %q is not implemented yet", p.Name, p.Provider)
}

// machinesSpec is the spec of an ssh profile; paths are relative to the
// profile's file.
func machinesSpec(p *scenario.ClusterProfile, sc *ssh.Profile, o Overrides) cluster.Spec {
	rel := p.Rel
	inventory := rel(sc.Inventory)
	if p.Files != nil {
		// A shipped profile's inventory is the sandbox's: the user's
		// machines are FIREDRILL_SSH_INVENTORY's.
		inventory = ""
	}
	if o.SSHInventory != "" {
		inventory = o.SSHInventory
	}
	endpoint := sc.ControlPlaneEndpoint
	if o.SSHEndpoint != "" {
		endpoint = o.SSHEndpoint
	}
	spec := cluster.Spec{Name: sc.ClusterName, Profile: p.Name, WaitForReady: sc.WaitForReady,
		Settings: &ssh.MachinesSpec{Inventory: inventory, KubeadmConfig: rel(sc.KubeadmConfig), Files: p.Files, ControlPlaneEndpoint: endpoint,
			KubernetesVersion: sc.KubernetesVersion, PodSubnet: sc.PodSubnet, CNIManifest: sc.CNIManifest,
			Attach: sc.Attach && sc.MayBreak}}
	for _, n := range sc.Nodes {
		spec.Nodes = append(spec.Nodes, cluster.NodeSpec{Role: n.Role, Zone: n.Zone, Host: n.Host})
	}
	return spec
}

// instancesSpec is the spec of an aws profile; paths are relative to the
// profile's file.
func instancesSpec(p *scenario.ClusterProfile, ac *aws.Profile, o Overrides) cluster.Spec {
	rel := p.Rel
	key := rel(ac.SSHKey)
	if rest, ok := strings.CutPrefix(ac.SSHKey, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			key = filepath.Join(home, rest)
		}
	}
	if o.AWSSSHKey != "" {
		key = o.AWSSSHKey
	}
	user := ac.SSHUser
	if user == "" {
		user = "root"
	}
	settings := &aws.Settings{Machines: ssh.MachinesSpec{KubeadmConfig: rel(ac.KubeadmConfig), Files: p.Files, ControlPlaneEndpoint: ac.ControlPlaneEndpoint,
		KubernetesVersion: ac.KubernetesVersion, PodSubnet: ac.PodSubnet, CNIManifest: ac.CNIManifest},
		Instances: aws.InstancesSpec{Region: ac.Region, InstanceType: ac.InstanceType, Image: ac.Image,
			KeyPair: ac.KeyPair, KeyPath: key, User: user, SecurityGroups: ac.SecurityGroups, Subnets: map[string]string{}}}
	for _, z := range ac.Zones {
		settings.Instances.Subnets[z.Name] = z.Subnet
	}
	spec := cluster.Spec{Name: ac.ClusterName, Profile: p.Name, WaitForReady: ac.WaitForReady, Settings: settings}
	for _, n := range ac.Nodes {
		spec.Nodes = append(spec.Nodes, cluster.NodeSpec{Role: n.Role, Zone: n.Zone})
	}
	return spec
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
	c, created, err := prov.Up(ctx, cluster.UpInput{Spec: spec, Reuse: p.reuse, KubeconfigDir: p.dir, RunID: filepath.Base(p.dir)})
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
