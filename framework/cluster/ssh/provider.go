package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/health"
	"github.com/firedrill/firedrill/framework/shell"
	"github.com/firedrill/firedrill/framework/waitfor"
)

// Where firedrill keeps its own files on a machine: the mark that it made
// the node (and for which cluster), and the kubeadm configuration; and
// the file that makes a machine a kubelet's node.
const (
	markPath          = "/etc/firedrill/cluster"
	kubeadmConfigPath = "/etc/firedrill/kubeadm.yaml"
	kubeletConfPath   = "/etc/kubernetes/kubelet.conf"
)

// Provider makes clusters with kubeadm on machines reached over SSH. It
// refuses a machine that is already a node of a cluster it did not make,
// and takes down (kubeadm reset) only the clusters it made: its record
// in the state folder names the machines, and a mark on each machine
// names the cluster.
type Provider struct {
	out      io.Writer
	stateDir string
	client   *client
	mu       sync.Mutex
	made     map[string]*Cluster
	// mark and kubeletConf are markPath and kubeletConfPath, and
	// resetCommands what a reset runs (tests point them elsewhere).
	mark, kubeletConf, resetCommands string
}

// NewProvider returns the ssh provider; stateDir holds its records
// (ssh-clusters/<name>.json).
func NewProvider(out io.Writer, stateDir string) *Provider {
	c := newClient()
	c.notices = out
	return &Provider{out: out, stateDir: stateDir, client: c, made: map[string]*Cluster{},
		mark: markPath, kubeletConf: kubeletConfPath, resetCommands: resetCommands}
}

// record is what the provider made: written before the first change to a
// machine, removed once every machine is reset.
type record struct {
	Cluster string    `json:"cluster"`
	Profile string    `json:"profile"`
	Created time.Time `json:"created"`
	Hosts   []Host    `json:"hosts"`
	// UID is random, made with the cluster and written into each
	// machine's mark beside its name: two harness machines that both
	// name a cluster firedrill-ssh-ha never take the other's for their own.
	UID string `json:"uid,omitempty"`
	// Attached is a cluster the provider did not make (sshCluster.attach):
	// recorded so that `firedrill clean` reaches its machines to undo a
	// dead run's faults, never reset.
	Attached bool `json:"attached,omitempty"`
}

func (p *Provider) recordPath(name string) string {
	return filepath.Join(p.stateDir, "ssh-clusters", name+".json")
}

func (p *Provider) readRecord(name string) (record, bool, error) {
	var r record
	ok, err := cluster.ReadRecord(p.recordPath(name), &r)
	return r, ok, err
}

func (p *Provider) writeRecord(r record) error {
	return cluster.WriteRecord(p.recordPath(r.Cluster), r)
}

// machine is one host's state before the provider touches it.
type machine struct {
	host Host
	// mark is the cluster firedrill's mark names ("" when unmarked) and
	// markUID the identity of that cluster ("" in a mark of a cluster
	// made before marks carried one); node says whether the machine is a
	// kubelet's node already.
	mark, markUID string
	node          bool
}

// markLine is what a machine's mark holds: the cluster's name and UID.
func markLine(name, uid string) string { return strings.TrimSpace(name + " " + uid) }

// newUID is a cluster's random identity.
func newUID() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// ours says whether a machine's mark is that of the cluster rec records.
func (m machine) ours(rec record) bool { return m.mark == rec.Cluster && m.markUID == rec.UID }

// freeCommand is what a person runs to free a machine that carries a mark
// of another harness machine, to hand it to this one on purpose: firedrill
// never does it by itself.
func (p *Provider) freeCommand(h Host) string {
	target := h.Address
	if h.User != "" {
		target = h.User + "@" + h.Address
	}
	return shell.Line("ssh", "-p", strconv.Itoa(h.port()), target, "kubeadm reset --force && rm -rf "+shell.Quote(filepath.Dir(p.mark)))
}

func (p *Provider) inspect(ctx context.Context, h Host) (machine, error) {
	script := "printf 'mark=%s\\n' \"$(cat " + shell.Quote(p.mark) + " 2>/dev/null)\"; test -e " + shell.Quote(p.kubeletConf) + " && echo node=yes || true"
	out, err := p.client.run(ctx, h, script, nil)
	if err != nil {
		return machine{}, err
	}
	m := machine{host: h}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "mark="); ok {
			m.mark, m.markUID, _ = strings.Cut(strings.TrimSpace(v), " ")
		}
		m.node = m.node || line == "node=yes"
	}
	return m, nil
}

// hostsOf pairs each node of the spec with its machine.
func hostsOf(spec cluster.Spec, inv *Inventory) ([]Host, error) {
	byName := map[string]Host{}
	for _, h := range inv.Hosts {
		byName[h.Name] = h
	}
	var out []Host
	used := map[string]bool{}
	next := 0
	for i, n := range spec.Nodes {
		var h Host
		if n.Host != "" {
			var ok bool
			if h, ok = byName[n.Host]; !ok {
				return nil, fmt.Errorf("node %d: host %q is not in the inventory %s", i, n.Host, machinesOf(spec).Inventory)
			}
		} else {
			for next < len(inv.Hosts) && used[inv.Hosts[next].Name] {
				next++
			}
			if next >= len(inv.Hosts) {
				return nil, fmt.Errorf("profile %s has %d nodes, the inventory %s only %d hosts", spec.Profile, len(spec.Nodes), machinesOf(spec).Inventory, len(inv.Hosts))
			}
			h = inv.Hosts[next]
		}
		if used[h.Name] {
			return nil, fmt.Errorf("host %s is given to two nodes", h.Name)
		}
		if h.Role != "" && h.Role != n.Role || h.Zone != "" && h.Zone != n.Zone {
			return nil, fmt.Errorf("node %d of profile %s is a %s in %s, but the inventory %s says host %s is a %s in %s",
				i, spec.Profile, n.Role, n.Zone, machinesOf(spec).Inventory, h.Name, orAny(h.Role), orAny(h.Zone))
		}
		used[h.Name] = true
		out = append(out, h)
	}
	return out, nil
}

func orAny(s string) string {
	if s == "" {
		return "(any)"
	}
	return s
}

// Up implements cluster.Provider: kubeadm init on the first control-plane
// machine, the CNI, kubeadm join on every other, the nodes labelled with
// the profile and their zones, then a wait until every node and system
// pod is Ready. A machine that is a node of a cluster firedrill did not
// make is refused before any change.
func (p *Provider) Up(ctx context.Context, in cluster.UpInput) (cluster.Cluster, bool, error) {
	spec := in.Spec
	if machinesOf(spec) == nil {
		return nil, false, fmt.Errorf("profile %s: the ssh provider needs machines (an inventory and a kubeadm configuration)", spec.Profile)
	}
	if machinesOf(spec).Inventory == "" {
		return nil, false, fmt.Errorf("profile %s: no inventory of the machines: set FIREDRILL_SSH_INVENTORY (clusters/ssh-hosts.example.yaml shows its fields)", spec.Profile)
	}
	inv, err := ReadInventory(machinesOf(spec).Inventory)
	if err != nil {
		return nil, false, err
	}
	hosts, err := hostsOf(spec, inv)
	if err != nil {
		return nil, false, err
	}
	if len(spec.Nodes) == 0 || spec.Nodes[0].Role != cluster.RoleControlPlane {
		return nil, false, fmt.Errorf("profile %s: the first node must be a control-plane node (kubeadm init runs there)", spec.Profile)
	}
	var machines []machine
	for _, h := range hosts {
		m, err := p.inspect(ctx, h)
		if err != nil {
			return nil, false, err
		}
		machines = append(machines, m)
	}
	rec, recorded, err := p.readRecord(spec.Name)
	if err != nil {
		return nil, false, err
	}
	kubeconfig := filepath.Join(in.KubeconfigDir, spec.Name+".kubeconfig")
	if machinesOf(spec).Attach {
		c, err := p.attach(ctx, spec, machines, kubeconfig)
		return c, false, err
	}
	var foreign []string
	for _, m := range machines {
		switch {
		case m.mark != "" && m.mark != spec.Name:
			foreign = append(foreign, fmt.Sprintf("%s (%s): marked for cluster %q", m.host.Name, m.host.Address, m.mark))
		case m.node && m.mark == "":
			foreign = append(foreign, fmt.Sprintf("%s (%s): a kubelet's node (%s) without firedrill's mark", m.host.Name, m.host.Address, p.kubeletConf))
		case m.mark == spec.Name && !recorded:
			foreign = append(foreign, fmt.Sprintf("%s (%s): marked for cluster %q (uid %q) by a firedrill on another machine, or one that lost its state (%s): not this machine's; to hand it to this machine on purpose, free it first: %s",
				m.host.Name, m.host.Address, m.mark, m.markUID, p.recordPath(spec.Name), p.freeCommand(m.host)))
		case m.mark == spec.Name && !m.ours(rec):
			foreign = append(foreign, fmt.Sprintf("%s (%s): marked for cluster %q with uid %q, but this machine made it with uid %q: not this machine's; to hand it to this machine on purpose, free it first: %s",
				m.host.Name, m.host.Address, m.mark, m.markUID, rec.UID, p.freeCommand(m.host)))
		}
	}
	if len(foreign) > 0 {
		return nil, false, fmt.Errorf("refusing machines that are nodes of a cluster firedrill did not make as %s, left as they are: %s",
			spec.Name, strings.Join(foreign, ", "))
	}
	if recorded && in.Reuse {
		if c, err := p.reopen(ctx, spec, hosts, kubeconfig); err == nil {
			if err := c.healthy(ctx, len(spec.Nodes)); err == nil {
				fmt.Fprintf(p.out, "reusing cluster %s on %d machines over SSH\n", spec.Name, len(hosts))
				return c, false, nil
			}
		}
	}
	if recorded {
		// What an earlier run made and left: reset before making anew.
		if err := p.Delete(ctx, spec.Name); err != nil {
			return nil, false, err
		}
	}
	c, err := p.create(ctx, spec, hosts, kubeconfig)
	return c, true, err
}

func (p *Provider) create(ctx context.Context, spec cluster.Spec, hosts []Host, kubeconfig string) (*Cluster, error) {
	start := time.Now()
	uid, err := newUID()
	if err != nil {
		return nil, err
	}
	if err := p.writeRecord(record{Cluster: spec.Name, Profile: spec.Profile, Created: start, Hosts: hosts, UID: uid}); err != nil {
		return nil, err
	}
	var tmpl *template.Template
	if machinesOf(spec).Files != nil {
		tmpl, err = template.ParseFS(machinesOf(spec).Files, machinesOf(spec).KubeadmConfig)
	} else {
		tmpl, err = template.ParseFiles(machinesOf(spec).KubeadmConfig)
	}
	if err != nil {
		return nil, fmt.Errorf("kubeadm configuration template: %w", err)
	}
	first := hosts[0]
	endpoint := machinesOf(spec).ControlPlaneEndpoint
	if endpoint == "" {
		endpoint = first.Address + ":6443"
	}
	fmt.Fprintf(p.out, "creating cluster %s (profile %s) with kubeadm on %d machines over SSH\n", spec.Name, spec.Profile, len(hosts))
	for i, h := range hosts {
		var cfg bytes.Buffer
		err := tmpl.Execute(&cfg, map[string]string{"NodeName": h.Name, "Address": h.Address,
			"ControlPlaneEndpoint": endpoint, "KubernetesVersion": machinesOf(spec).KubernetesVersion,
			"PodSubnet": machinesOf(spec).PodSubnet, "Role": spec.Nodes[i].Role})
		if err != nil {
			return nil, fmt.Errorf("kubeadm configuration for %s: %w", h.Name, err)
		}
		script := "mkdir -p /etc/firedrill " + shell.Quote(filepath.Dir(p.mark)) + " && echo " + shell.Quote(markLine(spec.Name, uid)) + " > " + shell.Quote(p.mark) +
			" && cat > " + kubeadmConfigPath
		if _, err := p.client.run(ctx, h, script, &cfg); err != nil {
			return nil, err
		}
	}
	if err := p.step(ctx, first, "kubeadm init", "kubeadm init --config "+kubeadmConfigPath+" --upload-certs"); err != nil {
		return nil, err
	}
	if err := p.fetchKubeconfig(ctx, first, kubeconfig); err != nil {
		return nil, err
	}
	if m := machinesOf(spec).CNIManifest; m != "" {
		apply := "sed " + shell.Quote("s#{{ .PodSubnet }}#"+machinesOf(spec).PodSubnet+"#g") + " " + shell.Quote(m) +
			" | kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f -"
		if err := p.step(ctx, first, "CNI", apply); err != nil {
			return nil, err
		}
	}
	if len(hosts) > 1 {
		out, err := p.client.run(ctx, first, "kubeadm token create --print-join-command", nil)
		if err != nil {
			return nil, err
		}
		join, err := parseJoinCommand(string(out))
		if err != nil {
			return nil, fmt.Errorf("kubeadm token create --print-join-command on %s: %w", first.Name, err)
		}
		certKey := ""
		for i, h := range hosts[1:] {
			if spec.Nodes[i+1].Role == cluster.RoleControlPlane && certKey == "" {
				out, err := p.client.run(ctx, first, "kubeadm init phase upload-certs --upload-certs --config "+kubeadmConfigPath, nil)
				if err != nil {
					return nil, err
				}
				if certKey = lastHexLine(string(out)); !certificateKey.MatchString(certKey) {
					return nil, fmt.Errorf("kubeadm init phase upload-certs on %s printed no certificate key", first.Name)
				}
			}
			key := ""
			if spec.Nodes[i+1].Role == cluster.RoleControlPlane {
				key = certKey
			}
			// The token and the certificate key let anyone join the
			// cluster: a failed join's error must not carry them to the
			// console or a CI log.
			if err := p.step(ctx, h, "kubeadm join", join.line(h.Name, key, h.Address)); err != nil {
				return nil, redact(err, join.token, certKey)
			}
		}
	}
	c, err := p.open(ctx, spec, hosts, kubeconfig)
	if err != nil {
		return nil, err
	}
	if err := c.label(ctx, spec); err != nil {
		return c, err
	}
	err = waitfor.Until(ctx, waitfor.Input{
		What: "cluster " + spec.Name + " ready (all nodes and kube-system pods)", Timeout: spec.WaitForReady,
		Poll: time.Second, Out: p.out, Since: start,
		Check: func(ctx context.Context) error { return c.healthy(ctx, len(spec.Nodes)) },
	})
	if err != nil {
		return c, err
	}
	fmt.Fprintf(p.out, "cluster %s created in %s; kubeconfig %s\n", spec.Name, time.Since(start).Round(time.Second), kubeconfig)
	return c, nil
}

// attach opens the kubeadm cluster already on the machines (the profile
// says the drills may break it): every machine must be one of its nodes,
// under the inventory's name, and none may be marked for a cluster
// firedrill made under another name. Nothing on the machines or in the
// cluster is changed; the record says it was attached, so that it is
// never reset.
func (p *Provider) attach(ctx context.Context, spec cluster.Spec, machines []machine, kubeconfig string) (*Cluster, error) {
	var problems []string
	hosts := make([]Host, len(machines))
	for i, m := range machines {
		hosts[i] = m.host
		switch {
		case !m.node:
			problems = append(problems, fmt.Sprintf("%s (%s) is no kubelet's node (%s is missing)", m.host.Name, m.host.Address, p.kubeletConf))
		case m.mark != "" && m.mark != spec.Name:
			problems = append(problems, fmt.Sprintf("%s (%s) is marked for cluster %q, which firedrill made", m.host.Name, m.host.Address, m.mark))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("cannot attach to the cluster on the machines of profile %s: %s", spec.Profile, strings.Join(problems, "; "))
	}
	if err := p.fetchKubeconfig(ctx, hosts[0], kubeconfig); err != nil {
		return nil, fmt.Errorf("attach: the admin kubeconfig of %s: %w", hosts[0].Name, err)
	}
	c, err := p.open(ctx, spec, hosts, kubeconfig)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(c.config)
	if err != nil {
		return nil, err
	}
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("attach: the nodes of the cluster on %s: %w", hosts[0].Name, err)
	}
	var names []string
	for _, n := range list.Items {
		names = append(names, n.Name)
	}
	for _, h := range hosts {
		if !slices.Contains(names, h.Name) {
			return nil, fmt.Errorf("attach: the cluster on %s has no node %s (its nodes: %s): name each inventory host as the cluster names its node",
				hosts[0].Name, h.Name, strings.Join(names, ", "))
		}
	}
	if err := p.writeRecord(record{Cluster: spec.Name, Profile: spec.Profile, Created: time.Now(), Hosts: hosts, Attached: true}); err != nil {
		return nil, err
	}
	fmt.Fprintf(p.out, "attached to the kubeadm cluster on %d machines (profile %s says the drills may break it); kubeconfig %s\n",
		len(hosts), spec.Profile, kubeconfig)
	return c, nil
}

// step runs one bootstrap command and says how long it took.
func (p *Provider) step(ctx context.Context, h Host, what, command string) error {
	start := time.Now()
	if _, err := p.client.run(ctx, h, command, nil); err != nil {
		return fmt.Errorf("%s on %s: %w", what, h.Name, err)
	}
	fmt.Fprintf(p.out, "  %s on %s: %s\n", what, h.Name, time.Since(start).Round(100*time.Millisecond))
	return nil
}

var hexLine = regexp.MustCompile(`^[0-9a-f]{64}$`)

// lastHexLine is the certificate key kubeadm prints last.
func lastHexLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); hexLine.MatchString(l) {
			return l
		}
	}
	return ""
}

// reopen is a cluster this provider made earlier: its kubeconfig read
// again from the first machine.
func (p *Provider) reopen(ctx context.Context, spec cluster.Spec, hosts []Host, kubeconfig string) (*Cluster, error) {
	if err := p.fetchKubeconfig(ctx, hosts[0], kubeconfig); err != nil {
		return nil, err
	}
	return p.open(ctx, spec, hosts, kubeconfig)
}

// fetchKubeconfig copies kubeadm's admin kubeconfig from the first
// control-plane machine into path (never the user's own kubeconfig).
func (p *Provider) fetchKubeconfig(ctx context.Context, h Host, path string) error {
	raw, err := p.client.run(ctx, h, "cat /etc/kubernetes/admin.conf", nil)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

// open is the cluster of spec on hosts, from the kubeconfig written.
func (p *Provider) open(_ context.Context, spec cluster.Spec, hosts []Host, kubeconfig string) (*Cluster, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of cluster %s: %w", spec.Name, err)
	}
	c := &Cluster{name: spec.Name, hosts: map[string]Host{}, client: p.client, config: cfg, kubeconfig: kubeconfig, out: p.out,
		endpoint: machinesOf(spec).ControlPlaneEndpoint}
	for i, h := range hosts {
		c.nodes = append(c.nodes, cluster.Node{Name: h.Name, Role: spec.Nodes[i].Role, Zone: spec.Nodes[i].Zone, Address: h.Address})
		c.hosts[h.Name] = h
	}
	p.mu.Lock()
	p.made[spec.Name] = c
	p.mu.Unlock()
	return c, nil
}

// label marks every node with the profile (what reuse checks) and its
// zone, and makes control-plane nodes what kubeadm makes them.
func (c *Cluster) label(ctx context.Context, spec cluster.Spec) error {
	cs, err := kubernetes.NewForConfig(c.config)
	if err != nil {
		return err
	}
	for _, n := range c.nodes {
		patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q,%q:%q}}}`, cluster.ProfileLabel, spec.Profile, cluster.ZoneLabel, n.Zone)
		err := waitfor.Until(ctx, waitfor.Input{What: "node " + n.Name + " labelled", Timeout: 2 * time.Minute, Poll: time.Second,
			Out: c.out, Check: func(ctx context.Context) error {
				_, err := cs.CoreV1().Nodes().Patch(ctx, n.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
				return err
			}})
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) healthy(ctx context.Context, nodes int) error {
	return health.ClusterReadyAt(ctx, c.config, nodes)
}

// resetScript undoes kubeadm on a machine and removes firedrill's files:
// what Up made, nothing else (the machine's own firewall rules stay; the
// kube-proxy rules kubeadm reset leaves are kube-proxy's to clean). It
// first checks, in the same shell, that the machine's mark is still the
// recorded cluster's: a check in one session and a reset in the next
// could reset a machine another harness marked in between.
func (p *Provider) resetScript(rec record) string {
	mark := shell.Quote(p.mark)
	return `[ "$(cat ` + mark + ` 2>/dev/null)" = ` + shell.Quote(markLine(rec.Cluster, rec.UID)) + ` ] || ` +
		`{ echo "mark is now: $(cat ` + mark + ` 2>/dev/null)" >&2; exit 3; }; ` + p.resetCommands
}

// resetCommands are what resetScript runs once the mark is checked.
const resetCommands = `kubeadm reset --force >/dev/null 2>&1; rm -rf /etc/cni/net.d/* /etc/firedrill /root/.kube`

// Delete implements cluster.Provider: kubeadm reset on every machine the
// record names whose mark is this cluster's; a machine marked for another
// or unmarked is left alone and named.
func (p *Provider) Delete(ctx context.Context, name string) error {
	rec, ok, err := p.readRecord(name)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("not deleting cluster %s: firedrill has no record of making it (%s)", name, p.recordPath(name))
	}
	if rec.Attached {
		fmt.Fprintf(p.out, "cluster %s was attached, not made: left as it is on its %d machines\n", name, len(rec.Hosts))
		return p.Forget(name)
	}
	fmt.Fprintf(p.out, "taking down cluster %s: kubeadm reset on %d machines\n", name, len(rec.Hosts))
	var errs []error
	for _, h := range rec.Hosts {
		m, err := p.inspect(ctx, h)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !m.ours(rec) {
			if m.mark != "" || m.node {
				errs = append(errs, fmt.Errorf("host %s: mark %q, not this machine's cluster %q: left as it is", h.Name, markLine(m.mark, m.markUID), markLine(name, rec.UID)))
			}
			continue
		}
		if _, err := p.client.run(ctx, h, p.resetScript(rec), nil); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("take down cluster %s: %w", name, err)
	}
	p.mu.Lock()
	delete(p.made, name)
	p.mu.Unlock()
	return os.Remove(p.recordPath(name))
}

// Forget removes the record of a cluster whose machines are gone (a
// cloud provider terminated them): there is nothing left to reset.
func (p *Provider) Forget(name string) error {
	p.mu.Lock()
	delete(p.made, name)
	p.mu.Unlock()
	if err := os.Remove(p.recordPath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Made implements cluster.Provider: the clusters this machine's records
// name.
func (p *Provider) Made(context.Context) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(p.stateDir, "ssh-clusters"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			names = append(names, n)
		}
	}
	return names, nil
}

// Attach implements cluster.Attacher: a cluster this machine's record
// names, for `firedrill clean` to undo what a dead run left on its nodes.
// Its API is reached through the kubeconfig on the first machine when it
// answers; the node abilities need only SSH.
func (p *Provider) Attach(ctx context.Context, name string) (cluster.Cluster, error) {
	rec, ok, err := p.readRecord(name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no ssh cluster %s recorded: %w", name, cluster.ErrNotFound)
	}
	c := &Cluster{name: name, hosts: map[string]Host{}, client: p.client, config: &rest.Config{}, out: p.out}
	for _, h := range rec.Hosts {
		c.nodes = append(c.nodes, cluster.Node{Name: h.Name, Address: h.Address})
		c.hosts[h.Name] = h
	}
	if len(rec.Hosts) > 0 {
		if raw, err := p.client.run(ctx, rec.Hosts[0], "cat /etc/kubernetes/admin.conf", nil); err == nil {
			if cfg, err := clientcmd.RESTConfigFromKubeConfig(raw); err == nil {
				c.config = cfg
			}
		}
	}
	return c, nil
}

// All implements cluster.Attacher: over SSH the provider sees only the
// clusters it recorded.
func (p *Provider) All(ctx context.Context) ([]string, error) { return p.Made(ctx) }
