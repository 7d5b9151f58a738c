// Package aws is the provider of clusters on EC2 instances: it launches
// one instance per node with the SDK (aws-sdk-go-v2), tagged with the
// cluster and the run, waits for them with the SDK's waiters, reads their
// SSH host keys from their console output, and hands them to the ssh
// provider, which makes the cluster with kubeadm. It terminates what it
// launched at the end, and only that: an instance whose id is not in this
// machine's record, or that lost its tags, is never touched, whatever its
// tags say. Node faults that the cloud does better than a shell
// (reboot, power off) go through the EC2 API.
package aws

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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"go.yaml.in/yaml/v3"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/cluster/ssh"
)

// Tags on every instance (and its volumes) the provider launches: what
// Delete and `firedrill clean --provider aws` look for.
const (
	TagCluster = "firedrill:cluster"
	TagProfile = "firedrill:profile"
	TagRun     = "firedrill:run"
	TagNode    = "firedrill:node"
)

// ErrDryRun ends Up in a dry run once the instances are "launched": what
// follows (host keys, kubeadm over SSH) needs real machines.
var ErrDryRun = fmt.Errorf("%w: no instances were launched, so the cluster is not made", cluster.ErrDryRun)

// Options configure the provider; the zero value of each field is the
// default.
type Options struct {
	Out io.Writer
	// StateDir holds the records of what was launched
	// (aws-clusters/<name>.json) and each cluster's inventory and
	// known_hosts (aws-clusters/<name>/).
	StateDir string
	// Config is the SDK configuration; nil loads the default chain
	// (environment, shared files, instance role) for the profile's region.
	// Tests set one whose HTTP client serves recorded EC2 responses.
	Config *aws.Config
	// DryRun prints every EC2 call with its input instead of sending it;
	// a simulation answers, so the calls that depend on earlier answers
	// are printed too.
	DryRun bool
	// MinDelay and MaxDelay bound the waiters' polling (0: the SDK's, 15 s
	// to 120 s); HostKeyPoll is how often the console output is read.
	MinDelay, MaxDelay, HostKeyPoll time.Duration
	// WaitLimit bounds each wait for instances (default 10 min).
	WaitLimit time.Duration
}

// Provider makes clusters on EC2 instances.
type Provider struct {
	opts Options
	ssh  *ssh.Provider
	sim  *simulation

	mu      sync.Mutex
	clients map[string]*ec2.Client // by region
	// now is the clock of what is recorded and tagged (tests set one).
	now func() time.Time
}

// NewProvider returns the aws provider.
func NewProvider(opts Options) *Provider {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.WaitLimit == 0 {
		opts.WaitLimit = 10 * time.Minute
	}
	if opts.HostKeyPoll == 0 {
		opts.HostKeyPoll = 10 * time.Second
	}
	// The ssh provider keeps its records of these clusters apart from its
	// own: they are taken down by terminating the instances, not by
	// kubeadm reset.
	p := &Provider{opts: opts, ssh: ssh.NewProvider(opts.Out, filepath.Join(opts.StateDir, "aws-clusters", "ssh")), clients: map[string]*ec2.Client{}, now: time.Now}
	if opts.DryRun {
		p.sim = newSimulation()
	}
	return p
}

// client is the EC2 client of a region, made once.
func (p *Provider) client(ctx context.Context, region string) (*ec2.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[region]; ok {
		return c, nil
	}
	var cfg aws.Config
	switch {
	case p.opts.Config != nil:
		cfg = p.opts.Config.Copy()
	case p.opts.DryRun:
		// Nothing is sent: no credentials are needed.
		cfg = aws.Config{Credentials: aws.AnonymousCredentials{}}
	default:
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(region)); err != nil {
			return nil, fmt.Errorf("aws configuration for region %s: %w", region, err)
		}
	}
	cfg.Region = region
	c := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if p.sim != nil {
			o.APIOptions = append(o.APIOptions, dryRun(p.opts.Out, p.sim))
		}
	})
	p.clients[region] = c
	return c, nil
}

// record is what the provider launched for a cluster: written before the
// first instance is launched, the instances added as they are, removed
// once every one is terminated.
type record struct {
	Cluster   string            `json:"cluster"`
	Profile   string            `json:"profile"`
	Region    string            `json:"region"`
	Run       string            `json:"run"`
	Created   time.Time         `json:"created"`
	Instances map[string]string `json:"instances"` // node name -> instance id
	// Subnets (zone -> subnet) and PodSubnet let a later process heal a
	// zone network a killed run left cut off.
	Subnets   map[string]string `json:"subnets,omitempty"`
	PodSubnet string            `json:"podSubnet,omitempty"`
}

func (p *Provider) dir(name string) string {
	return filepath.Join(p.opts.StateDir, "aws-clusters", name)
}

func (p *Provider) recordPath(name string) string {
	return filepath.Join(p.opts.StateDir, "aws-clusters", name+".json")
}

func (p *Provider) readRecord(name string) (record, bool, error) {
	var r record
	ok, err := cluster.ReadRecord(p.recordPath(name), &r)
	return r, ok, err
}

// writeRecord writes the record, except in a dry run, which launches
// nothing.
func (p *Provider) writeRecord(r record) error {
	if p.opts.DryRun {
		return nil
	}
	return cluster.WriteRecord(p.recordPath(r.Cluster), r)
}

// nodeName is the Kubernetes name of the i-th node: the cluster's name,
// its role and its place.
func nodeName(spec cluster.Spec, i int) string {
	role := "worker"
	if spec.Nodes[i].Role == cluster.RoleControlPlane {
		role = "cp"
	}
	return fmt.Sprintf("%s-%s-%d", spec.Name, role, i+1)
}

// Up implements cluster.Provider: an instance per node in its zone's
// subnet, running and answering SSH with the host key its console printed,
// then kubeadm on them through the ssh provider. Instances tagged for the
// cluster that this machine has no record of launching are refused before
// anything is launched.
func (p *Provider) Up(ctx context.Context, in cluster.UpInput) (cluster.Cluster, bool, error) {
	spec := in.Spec
	set := settingsOf(spec)
	if set == nil {
		return nil, false, fmt.Errorf("profile %s: the aws provider needs instances (region, image, subnets) and a kubeadm configuration", spec.Profile)
	}
	is := &set.Instances
	for i, n := range spec.Nodes {
		if is.Subnets[n.Zone] == "" {
			return nil, false, fmt.Errorf("profile %s: node %d is in zone %q, which has no subnet", spec.Profile, i, n.Zone)
		}
	}
	ec, err := p.client(ctx, is.Region)
	if err != nil {
		return nil, false, err
	}
	rec, recorded, err := p.readRecord(spec.Name)
	if err != nil {
		return nil, false, err
	}
	live, err := p.tagged(ctx, ec, spec.Name)
	if err != nil {
		return nil, false, err
	}
	// A tag is no proof of who launched an instance: another machine's
	// cluster of the same name has it, and anyone may set it. Only the
	// instance ids of this machine's record are; the rest is refused,
	// record or not, before anything is launched, reused or terminated.
	mine, foreign := split(spec.Name, rec.Instances, live)
	if len(foreign) > 0 {
		return nil, false, fmt.Errorf("refusing cluster %s: %d instances in %s are tagged %s=%s but this machine has no record of launching them (%s): %s; left as they are. %s",
			spec.Name, len(foreign), is.Region, TagCluster, spec.Name, p.recordPath(spec.Name), strings.Join(names(foreign), ", "),
			notOursHelp(is.Region, foreign))
	}
	if recorded && in.Reuse && len(mine) == len(spec.Nodes) {
		if c, created, err := p.handOver(ctx, in, rec, mine); err == nil {
			fmt.Fprintf(p.opts.Out, "reusing cluster %s on %d EC2 instances\n", spec.Name, len(mine))
			return c, created, nil
		}
	}
	// Delete terminates only what the record names, so a stale record
	// takes down nothing but its own instances that are still tagged.
	if recorded {
		if err := p.Delete(ctx, spec.Name); err != nil {
			return nil, false, err
		}
	}
	rec = record{Cluster: spec.Name, Profile: spec.Profile, Region: is.Region, Run: in.RunID, Created: time.Now().UTC(),
		Instances: map[string]string{}, Subnets: is.Subnets, PodSubnet: set.Machines.PodSubnet}
	if err := p.writeRecord(rec); err != nil {
		return nil, false, err
	}
	// From here on the caller owns what was launched, also on an error.
	instances, err := p.launch(ctx, ec, spec, in.RunID, &rec)
	if err != nil {
		return nil, true, err
	}
	if p.opts.DryRun {
		fmt.Fprintf(p.opts.Out, "dry run: then each instance's SSH host keys are read (ec2:GetConsoleOutput, until its console shows them) "+
			"and the ssh provider makes the cluster with kubeadm on %s; at the end of the run (or on Ctrl-C):\n",
			strings.Join(names(instances), ", "))
		if err := p.terminate(ctx, ec, instances); err != nil {
			return nil, false, err
		}
		return nil, false, ErrDryRun
	}
	c, _, err := p.handOver(ctx, cluster.UpInput{Spec: spec, KubeconfigDir: in.KubeconfigDir, RunID: in.RunID}, rec, instances)
	return c, true, err
}

// handOver writes the inventory of the instances (with the host keys
// their consoles printed) and has the ssh provider make or reuse the
// cluster on them.
func (p *Provider) handOver(ctx context.Context, in cluster.UpInput, rec record, instances []instance) (cluster.Cluster, bool, error) {
	spec := in.Spec
	set := settingsOf(spec)
	ec, err := p.client(ctx, set.Instances.Region)
	if err != nil {
		return nil, false, err
	}
	inventory, err := p.writeInventory(ctx, ec, spec.Name, set.Instances, instances)
	if err != nil {
		return nil, false, err
	}
	machines := set.Machines
	machines.Inventory = inventory
	spec.Settings = &machines
	byName := map[string]instance{}
	for _, i := range instances {
		byName[i.node] = i
	}
	spec.Nodes = append([]cluster.NodeSpec(nil), spec.Nodes...)
	for i := range spec.Nodes {
		spec.Nodes[i].Host = nodeName(in.Spec, i)
	}
	c, created, err := p.ssh.Up(ctx, cluster.UpInput{Spec: spec, Reuse: in.Reuse, KubeconfigDir: in.KubeconfigDir})
	if c == nil {
		return nil, created, err
	}
	sc, ok := c.(*ssh.Cluster)
	if !ok {
		return nil, created, fmt.Errorf("cluster %s: the ssh provider returned a %T", spec.Name, c)
	}
	return &Cluster{Cluster: sc, name: spec.Name, p: p, ec: ec, instances: byName,
		run: in.RunID, region: set.Instances.Region, subnets: set.Instances.Subnets, podSubnet: set.Machines.PodSubnet}, created, err
}

// writeInventory writes the ssh provider's inventory of the instances and
// a known_hosts file with the host keys each instance printed on its
// console at first boot: the keys are trusted because the cloud's API
// says they are the instance's, never on first use.
func (p *Provider) writeInventory(ctx context.Context, ec *ec2.Client, name string, is InstancesSpec, instances []instance) (string, error) {
	dir := p.dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var known []string
	inv := ssh.Inventory{}
	for _, i := range instances {
		keys, err := p.hostKeys(ctx, ec, i)
		if err != nil {
			return "", err
		}
		for _, k := range keys {
			known = append(known, i.address+" "+k)
		}
		inv.Hosts = append(inv.Hosts, ssh.Host{Name: i.node, Address: i.address, User: is.User,
			KeyPath: is.KeyPath, KnownHostsPath: filepath.Join(dir, "known_hosts")})
	}
	if err := os.WriteFile(filepath.Join(dir, "known_hosts"), []byte(strings.Join(known, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	data, err := yaml.Marshal(inv)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "inventory.yaml")
	return path, os.WriteFile(path, data, 0o644)
}

// Delete implements cluster.Provider: every instance the record names
// that is still tagged for the cluster is terminated, and the wait lasts
// until they are. An instance the record names that lost its tag is left
// alone and named; one tagged for the cluster that the record does not
// name is not this machine's (another's cluster of the same name, or a tag
// set by hand): it is left and said so.
func (p *Provider) Delete(ctx context.Context, name string) error {
	rec, ok, err := p.readRecord(name)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("not deleting cluster %s: firedrill has no record of launching it (%s)", name, p.recordPath(name))
	}
	ec, err := p.client(ctx, rec.Region)
	if err != nil {
		return err
	}
	live, err := p.tagged(ctx, ec, name)
	if err != nil {
		return err
	}
	mine, foreign := split(name, rec.Instances, live)
	for _, i := range foreign {
		fmt.Fprintf(p.opts.Out, "not ours: instance %s (%s, node tag %q, run tag %q) is tagged %s=%s but %s does not name it: left as it is. %s\n",
			i.id, i.state, i.node, i.tags[TagRun], TagCluster, name, p.recordPath(name), notOursHelp(rec.Region, []instance{i}))
	}
	var errs []error
	for _, node := range slices.Sorted(maps.Keys(rec.Instances)) {
		if id := rec.Instances[node]; !containsID(mine, id) {
			if err := p.untagged(ctx, ec, id, name); err != nil {
				errs = append(errs, fmt.Errorf("node %s: %w", node, err))
			}
		}
	}
	if err := p.terminate(ctx, ec, mine); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("take down cluster %s: %w", name, err)
	}
	// The machines are gone: the ssh provider's record of them goes too.
	if err := p.ssh.Forget(name); err != nil {
		return err
	}
	if err := os.RemoveAll(p.dir(name)); err != nil {
		return err
	}
	return os.Remove(p.recordPath(name))
}

// Made implements cluster.Provider: the clusters this machine's records
// name.
func (p *Provider) Made(context.Context) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(p.opts.StateDir, "aws-clusters"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok && !e.IsDir() {
			out = append(out, n)
		}
	}
	return out, nil
}

// Attach implements cluster.Attacher: a recorded cluster, for `firedrill
// clean` to undo what a dead run left on its nodes (a stopped instance is
// started again).
func (p *Provider) Attach(ctx context.Context, name string) (cluster.Cluster, error) {
	rec, ok, err := p.readRecord(name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no aws cluster %s recorded: %w", name, cluster.ErrNotFound)
	}
	ec, err := p.client(ctx, rec.Region)
	if err != nil {
		return nil, err
	}
	c, err := p.ssh.Attach(ctx, name)
	if err != nil {
		return nil, err
	}
	sc, ok := c.(*ssh.Cluster)
	if !ok {
		return nil, fmt.Errorf("cluster %s: the ssh provider returned a %T", name, c)
	}
	byName := map[string]instance{}
	for node, id := range rec.Instances {
		byName[node] = instance{id: id, node: node}
	}
	return &Cluster{Cluster: sc, name: name, p: p, ec: ec, instances: byName,
		run: rec.Run, region: rec.Region, subnets: rec.Subnets, podSubnet: rec.PodSubnet}, nil
}

// All implements cluster.Attacher: the clusters this machine recorded
// (`firedrill clean --provider aws` lists the tagged instances of every
// machine).
func (p *Provider) All(ctx context.Context) ([]string, error) { return p.Made(ctx) }
