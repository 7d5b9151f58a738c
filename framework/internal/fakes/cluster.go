// Package fakes is test support: one fake of each thing firedrill's tests
// need a stand-in for, shared by every package's tests instead of each
// writing its own.
//
//   - Cluster: a cluster.Cluster whose nodes (name, role, zone, address)
//     can be paused, stopped, rebooted, lost and replaced, with every
//     action recorded; it has every node ability of framework/cluster,
//     and Without switches one off to test "cluster cannot do X". Its
//     NodeExec runs each node's packet filter (package iptables, below
//     this one) and the sh -c scripts firedrill sends it, and hands any
//     other command to a hook the test scripts.
//   - Provider: a cluster.Provider (and cluster.Attacher) that makes,
//     reuses, refuses and deletes clusters and records what it was asked.
//
// The EC2 wire fake and the SSH server fake live in the subpackages ec2
// and sshserver, so that this package links neither the AWS SDK nor the
// SSH library into the tests that import it.
//
// This package is imported by _test.go files only (a test of its own
// checks so): nothing in it may ship in a binary.
package fakes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes/iptables"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/packetfilter"
)

// ExitError is a command on a node that failed (iptables' own errors are
// of this type too).
type ExitError = iptables.ExitError

// Hook runs when a method of the cluster is called on node n (for the
// zone methods, n holds the zone only; for Nodes and Endpoints, nothing).
type Hook func(ctx context.Context, n cluster.Node) error

// methods are the methods of Cluster that Before, After, Fail and NoEffect
// name.
var methods = []string{"Nodes", "Endpoints", "Exec", "Pause", "Unpause", "Paused", "Reboot", "Start", "Stop", "Running", "BootID",
	"IsolateAPI", "RestoreAPI", "APIIsolated", "ArmUndo", "DisarmUndo", "PartitionZone", "HealZone", "ZonePartitioned",
	"CopyFrom", "CopyTo", "Lose", "Replace"}

// Cluster is a cluster in memory. Its actions (Pause, Reboot, Stop,
// IsolateAPI, ArmUndo, PartitionZone, ...) are recorded in order (Calls),
// its commands per node (Ran). A test scripts it with hooks: Before runs
// ahead of a method and can fail it, After runs once it took effect, Fail
// fails a method on one node, NoEffect makes a method return without doing
// anything (a pause that freezes nothing). A node the cluster does not
// have is an error.
//
// The fields are read when the methods run: set them before handing the
// cluster to the code under test.
type Cluster struct {
	// REST is what RESTConfig returns; Kubeconfig what KubeconfigPath
	// returns.
	REST       *rest.Config
	Kubeconfig string
	// Network, when set, is what Endpoints lists; else it lists each node
	// with its address.
	Network []cluster.Endpoint
	// ZoneDesc is what ZonePartitionDesc says; KubeadmConfig what
	// KubeadmConfigPath says.
	ZoneDesc, KubeadmConfig string
	// Harness is the harness's address as the nodes see it: the source
	// IsolateAPI cuts off (kind's docker gateway unless set).
	Harness string
	// Clock is every node's clock: what `date` prints on a node and what
	// IsolateAPI and RestoreAPI return. time.Now when nil.
	Clock func() time.Time
	// Commands answers the commands Exec does not run itself: anything
	// but iptables, ip6tables and an sh -c script of them (with echo,
	// true, false and date). argv is the command as Exec got it. Without
	// Commands such a command fails with exit status 127.
	Commands func(ctx context.Context, n cluster.Node, argv []string) ([]byte, error)

	name string

	mu       sync.Mutex
	nodes    []*node
	calls    []string
	ran      []ranCommand
	armed    []Armed
	cut      map[string]bool
	before   map[string][]Hook
	after    map[string][]Hook
	fail     map[[2]string]error
	noEffect map[string]bool
}

type node struct {
	cluster.Node
	paused, stopped, lost bool
	boots                 int
	filter                *iptables.Filter
	files                 map[string][]byte
}

type ranCommand struct {
	node string
	argv []string
}

// Armed is an undo left on a node (cluster.UndoArmer).
type Armed struct {
	Node, ID, Script string
	After            time.Duration
}

// NewCluster is a cluster of that name with these nodes, all running,
// none paused, each with an empty packet filter.
func NewCluster(name string, nodes ...cluster.Node) *Cluster {
	c := &Cluster{name: name, cut: map[string]bool{}, before: map[string][]Hook{}, after: map[string][]Hook{},
		fail: map[[2]string]error{}, noEffect: map[string]bool{}, ZoneDesc: "a network ACL on the zone's subnet",
		KubeadmConfig: "/kind/kubeadm.conf", Harness: "172.18.0.1"}
	for _, n := range nodes {
		c.nodes = append(c.nodes, &node{Node: n, filter: iptables.New(), files: map[string][]byte{}})
	}
	return c
}

// Every ability of framework/cluster.
var (
	_ cluster.NodeExec          = (*Cluster)(nil)
	_ cluster.Pauser            = (*Cluster)(nil)
	_ cluster.Rebooter          = (*Cluster)(nil)
	_ cluster.Stopper           = (*Cluster)(nil)
	_ cluster.BootIdentifier    = (*Cluster)(nil)
	_ cluster.NetworkMap        = (*Cluster)(nil)
	_ cluster.APIIsolator       = (*Cluster)(nil)
	_ cluster.UndoArmer         = (*Cluster)(nil)
	_ cluster.ZonePartitioner   = (*Cluster)(nil)
	_ cluster.FileCopier        = (*Cluster)(nil)
	_ cluster.Replacer          = (*Cluster)(nil)
	_ cluster.KubeadmConfigured = (*Cluster)(nil)
)

func checkMethod(m string) {
	if !slices.Contains(methods, m) {
		panic(fmt.Sprintf("fakes: Cluster has no method %q to hook (%v)", m, methods))
	}
}

// Before runs h each time method is called, ahead of it: an error from h
// is the method's, and the method does nothing more.
func (c *Cluster) Before(method string, h Hook) {
	checkMethod(method)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.before[method] = append(c.before[method], h)
}

// After runs h each time method took effect: an error from h is the
// method's (it took effect all the same, as when docker is killed after
// the pause took).
func (c *Cluster) After(method string, h Hook) {
	checkMethod(method)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.after[method] = append(c.after[method], h)
}

// Fail makes method fail with err on the node (or zone) target, before it
// does anything; a nil err lets it succeed again.
func (c *Cluster) Fail(method, target string, err error) {
	checkMethod(method)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(c.fail, [2]string{method, target})
		return
	}
	c.fail[[2]string{method, target}] = err
}

// NoEffect makes method succeed without changing anything (on), or work
// again (off): a pause that freezes nothing, a reboot that does not boot.
func (c *Cluster) NoEffect(method string, on bool) {
	checkMethod(method)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.noEffect[method] = on
}

// Calls are the actions asked of the cluster, in order, each as
// "Method target" (Pause cp1, PartitionZone zone-a), failed ones too;
// only those of the methods named, when any are.
func (c *Cluster) Calls(methods ...string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, call := range c.calls {
		m, _, _ := strings.Cut(call, " ")
		if len(methods) == 0 || slices.Contains(methods, m) {
			out = append(out, call)
		}
	}
	return out
}

// Ran are the commands Exec ran on the nodes named (every node when none
// is), in order, each as its words joined by spaces.
func (c *Cluster) Ran(nodes ...string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, r := range c.ran {
		if len(nodes) == 0 || slices.Contains(nodes, r.node) {
			out = append(out, strings.Join(r.argv, " "))
		}
	}
	return out
}

// Filter is the packet filter of a node: what its iptables and ip6tables
// hold.
func (c *Cluster) Filter(name string) *iptables.Filter {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(name)
	if err != nil {
		panic("fakes: " + err.Error())
	}
	return n.filter
}

// Armed are the undos armed on the nodes now.
func (c *Cluster) Armed() []Armed {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.armed)
}

// SetAddress gives a node another address (a node that came back from a
// reboot with a new one).
func (c *Cluster) SetAddress(name, address string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, err := c.node(name); err == nil {
		n.Address = address
	}
}

func (c *Cluster) node(name string) (*node, error) {
	for _, n := range c.nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return nil, fmt.Errorf("cluster %s has no node %s", c.name, name)
}

func (c *Cluster) now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

// hooks runs method's hooks of one phase (before: its failure first),
// outside the lock.
func (c *Cluster) hooks(ctx context.Context, before bool, method, target string, n cluster.Node) error {
	c.mu.Lock()
	err := c.fail[[2]string{method, target}]
	hs := slices.Clone(c.after[method])
	if before {
		hs = slices.Clone(c.before[method])
	}
	c.mu.Unlock()
	if before && err != nil {
		return err
	}
	for _, h := range hs {
		if err := h(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// act is one action: recorded, then its failure and Before hooks, then
// the change (on the node, under the lock, unless the method has no
// effect), then its After hooks.
func (c *Cluster) act(ctx context.Context, method, target string, n cluster.Node, change func() error) error {
	c.mu.Lock()
	c.calls = append(c.calls, strings.TrimSpace(method+" "+target))
	c.mu.Unlock()
	if err := c.hooks(ctx, true, method, target, n); err != nil {
		return err
	}
	c.mu.Lock()
	skip := c.noEffect[method]
	c.mu.Unlock()
	if !skip {
		if err := change(); err != nil {
			return err
		}
	}
	return c.hooks(ctx, false, method, target, n)
}

// onNode is an action's change on node n, under the lock.
func (c *Cluster) onNode(n cluster.Node, change func(*node)) func() error {
	return func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		nd, err := c.node(n.Name)
		if err != nil {
			return err
		}
		change(nd)
		return nil
	}
}

// query answers a question about node n after its hooks.
func query[T any](ctx context.Context, c *Cluster, method string, n cluster.Node, answer func(*node) (T, error)) (T, error) {
	var zero T
	if err := c.hooks(ctx, true, method, n.Name, n); err != nil {
		return zero, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	nd, err := c.node(n.Name)
	if err != nil {
		return zero, err
	}
	return answer(nd)
}

func (c *Cluster) Name() string             { return c.name }
func (c *Cluster) RESTConfig() *rest.Config { return c.REST }
func (c *Cluster) KubeconfigPath() string   { return c.Kubeconfig }

// Nodes lists the nodes, but those lost.
func (c *Cluster) Nodes(ctx context.Context) ([]cluster.Node, error) {
	if err := c.hooks(ctx, true, "Nodes", "", cluster.Node{}); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []cluster.Node
	for _, n := range c.nodes {
		if !n.lost {
			out = append(out, n.Node)
		}
	}
	return out, nil
}

// Endpoints implements cluster.NetworkMap: Network, or each node with its
// address.
func (c *Cluster) Endpoints(ctx context.Context) ([]cluster.Endpoint, error) {
	if err := c.hooks(ctx, true, "Endpoints", "", cluster.Node{}); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Network != nil {
		return slices.Clone(c.Network), nil
	}
	var out []cluster.Endpoint
	for _, n := range c.nodes {
		e := cluster.Endpoint{Name: n.Name, Role: n.Role, Zone: n.Zone}
		if n.Address != "" {
			e.Addresses = []string{n.Address}
		}
		out = append(out, e)
	}
	return out, nil
}

// Pause implements cluster.Pauser.
func (c *Cluster) Pause(ctx context.Context, n cluster.Node) error {
	return c.act(ctx, "Pause", n.Name, n, c.onNode(n, func(nd *node) { nd.paused = true }))
}

// Unpause implements cluster.Pauser.
func (c *Cluster) Unpause(ctx context.Context, n cluster.Node) error {
	return c.act(ctx, "Unpause", n.Name, n, c.onNode(n, func(nd *node) { nd.paused = false }))
}

// Paused implements cluster.Pauser.
func (c *Cluster) Paused(ctx context.Context, n cluster.Node) (bool, error) {
	return query(ctx, c, "Paused", n, func(nd *node) (bool, error) { return nd.paused, nil })
}

// Reboot implements cluster.Rebooter: the node boots again (a new boot
// id), running and not paused. Its packet filter stays as it was.
func (c *Cluster) Reboot(ctx context.Context, n cluster.Node) error {
	return c.act(ctx, "Reboot", n.Name, n, c.onNode(n, func(nd *node) {
		nd.boots++
		nd.paused, nd.stopped = false, false
	}))
}

// Start implements cluster.Rebooter and cluster.Stopper: a stopped node
// boots; a running one is left as it is.
func (c *Cluster) Start(ctx context.Context, n cluster.Node) error {
	return c.act(ctx, "Start", n.Name, n, c.onNode(n, func(nd *node) {
		if nd.stopped && !nd.lost {
			nd.stopped = false
			nd.boots++
		}
	}))
}

// Stop implements cluster.Stopper.
func (c *Cluster) Stop(ctx context.Context, n cluster.Node) error {
	return c.act(ctx, "Stop", n.Name, n, c.onNode(n, func(nd *node) { nd.stopped = true }))
}

// Running implements cluster.Stopper.
func (c *Cluster) Running(ctx context.Context, n cluster.Node) (bool, error) {
	return query(ctx, c, "Running", n, func(nd *node) (bool, error) { return !nd.stopped && !nd.lost, nil })
}

// BootID implements cluster.BootIdentifier: "boot-N" after N boots; a node
// that is not running does not answer.
func (c *Cluster) BootID(ctx context.Context, n cluster.Node) (string, error) {
	return query(ctx, c, "BootID", n, func(nd *node) (string, error) {
		if nd.stopped || nd.lost {
			return "", fmt.Errorf("node %s is not running", n.Name)
		}
		return fmt.Sprintf("boot-%d", nd.boots), nil
	})
}

// Lose implements cluster.Replacer: the node is gone, with its disk.
func (c *Cluster) Lose(ctx context.Context, n cluster.Node) error {
	return c.act(ctx, "Lose", n.Name, n, c.onNode(n, func(nd *node) { nd.lost, nd.stopped = true, true }))
}

// Replace implements cluster.Replacer: a lost node comes back fresh (no
// files, no rules, a new boot); a node that is there is left alone.
func (c *Cluster) Replace(ctx context.Context, n cluster.Node) error {
	return c.act(ctx, "Replace", n.Name, n, c.onNode(n, func(nd *node) {
		if nd.lost {
			nd.lost, nd.stopped, nd.paused = false, false, false
			nd.boots++
			nd.filter, nd.files = iptables.New(), map[string][]byte{}
		}
	}))
}

// ReplaceCommand implements cluster.Replacer.
func (c *Cluster) ReplaceCommand(n cluster.Node) string { return "fake-replace " + n.Name }

// KubeadmConfigPath implements cluster.KubeadmConfigured.
func (c *Cluster) KubeadmConfigPath() string { return c.KubeadmConfig }

// CopyTo implements cluster.FileCopier: the local file, or every file
// under the local folder, onto the node.
func (c *Cluster) CopyTo(ctx context.Context, n cluster.Node, localPath, nodePath string) error {
	return c.act(ctx, "CopyTo", n.Name, n, func() error {
		files := map[string][]byte{}
		err := filepath.WalkDir(localPath, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			rel, _ := filepath.Rel(localPath, p)
			files[path.Join(nodePath, filepath.ToSlash(rel))] = data
			return err
		})
		if err != nil {
			return err
		}
		return c.onNode(n, func(nd *node) { maps.Copy(nd.files, files) })()
	})
}

// CopyFrom implements cluster.FileCopier: the node's file, or every file
// under the node's folder, to the local path.
func (c *Cluster) CopyFrom(ctx context.Context, n cluster.Node, nodePath, localPath string) error {
	return c.act(ctx, "CopyFrom", n.Name, n, func() error {
		c.mu.Lock()
		nd, err := c.node(n.Name)
		var files map[string][]byte
		if err == nil {
			files = map[string][]byte{}
			for p, data := range nd.files {
				if p == nodePath || strings.HasPrefix(p, strings.TrimSuffix(nodePath, "/")+"/") {
					files[p] = data
				}
			}
		}
		c.mu.Unlock()
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return fmt.Errorf("node %s: %s: no such file or directory", n.Name, nodePath)
		}
		for p, data := range files {
			to := localPath
			if p != nodePath {
				to = filepath.Join(localPath, filepath.FromSlash(strings.TrimPrefix(p, strings.TrimSuffix(nodePath, "/")+"/")))
			}
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(to, data, 0o600); err != nil {
				return err
			}
		}
		return nil
	})
}

// CopyCommand implements cluster.FileCopier.
func (c *Cluster) CopyCommand(from, to string) string { return "fake-cp " + from + " " + to }

// isolation is the rule IsolateAPI puts in a node.
func (c *Cluster) isolation(shape string) (packetfilter.Rule, error) {
	return packetfilter.APIIsolation(c.Harness, kubeadm.APIServerPort, shape)
}

// IsolateAPI implements cluster.APIIsolator as kind and the ssh provider
// do: the isolation rule for the harness's address goes into the node's
// iptables, through Exec, stamped by the node's clock.
func (c *Cluster) IsolateAPI(ctx context.Context, n cluster.Node, shape string) (time.Time, error) {
	return c.apiRule(ctx, "IsolateAPI", "-I", n, shape)
}

// RestoreAPI implements cluster.APIIsolator: the rule goes again.
func (c *Cluster) RestoreAPI(ctx context.Context, n cluster.Node, shape string) (time.Time, error) {
	return c.apiRule(ctx, "RestoreAPI", "-D", n, shape)
}

func (c *Cluster) apiRule(ctx context.Context, method, op string, n cluster.Node, shape string) (time.Time, error) {
	at := c.now()
	err := c.act(ctx, method, n.Name, n, func() error {
		rule, err := c.isolation(shape)
		if err != nil {
			return err
		}
		at, err = cluster.StampedRule(ctx, c, n, op, rule)
		return err
	})
	return at, err
}

// APIIsolated implements cluster.APIIsolator with iptables -C.
func (c *Cluster) APIIsolated(ctx context.Context, n cluster.Node, shape string) (bool, error) {
	if err := c.hooks(ctx, true, "APIIsolated", n.Name, n); err != nil {
		return false, err
	}
	rule, err := c.isolation(shape)
	if err != nil {
		return false, err
	}
	_, err = c.Exec(ctx, n, "iptables", append([]string{"-C"}, rule...)...)
	var exit *ExitError
	if errors.As(err, &exit) && exit.Status == 1 {
		return false, nil
	}
	return err == nil, err
}

// ArmUndo implements cluster.UndoArmer: the undo is kept (Armed); it never
// runs by itself.
func (c *Cluster) ArmUndo(ctx context.Context, n cluster.Node, id, script string, after time.Duration) error {
	return c.act(ctx, "ArmUndo", n.Name, n, func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, err := c.node(n.Name); err != nil {
			return err
		}
		c.armed = slices.DeleteFunc(c.armed, func(a Armed) bool { return a.ID == id })
		c.armed = append(c.armed, Armed{Node: n.Name, ID: id, Script: script, After: after})
		return nil
	})
}

// DisarmUndo implements cluster.UndoArmer: an id that is not armed is no
// error.
func (c *Cluster) DisarmUndo(ctx context.Context, n cluster.Node, id string) error {
	return c.act(ctx, "DisarmUndo", n.Name, n, func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.armed = slices.DeleteFunc(c.armed, func(a Armed) bool { return a.ID == id })
		return nil
	})
}

// PartitionZone implements cluster.ZonePartitioner: a zone no node is in
// is an error.
func (c *Cluster) PartitionZone(ctx context.Context, zone string) error {
	return c.act(ctx, "PartitionZone", zone, cluster.Node{Zone: zone}, func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !slices.ContainsFunc(c.nodes, func(n *node) bool { return n.Zone == zone }) {
			return fmt.Errorf("cluster %s has no zone %q", c.name, zone)
		}
		c.cut[zone] = true
		return nil
	})
}

// HealZone implements cluster.ZonePartitioner: "" heals every zone.
func (c *Cluster) HealZone(ctx context.Context, zone string) error {
	return c.act(ctx, "HealZone", zone, cluster.Node{Zone: zone}, func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if zone == "" {
			clear(c.cut)
		}
		delete(c.cut, zone)
		return nil
	})
}

// ZonePartitioned implements cluster.ZonePartitioner.
func (c *Cluster) ZonePartitioned(ctx context.Context, zone string) (bool, error) {
	if err := c.hooks(ctx, true, "ZonePartitioned", zone, cluster.Node{Zone: zone}); err != nil {
		return false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cut[zone], nil
}

// ZonePartitionDesc implements cluster.ZonePartitioner.
func (c *Cluster) ZonePartitionDesc() string { return c.ZoneDesc }

// Exec implements cluster.NodeExec. iptables and ip6tables run on the
// node's packet filter; sh -c with a script of them (and echo, true,
// false, date: the node's Clock) runs here too; any other command goes to
// Commands. A node that is stopped or lost runs nothing; a paused one
// runs commands (docker exec would refuse).
func (c *Cluster) Exec(ctx context.Context, n cluster.Node, command string, args ...string) ([]byte, error) {
	argv := append([]string{command}, args...)
	c.mu.Lock()
	nd, err := c.node(n.Name)
	if err == nil {
		c.ran = append(c.ran, ranCommand{node: n.Name, argv: argv})
		switch {
		case nd.stopped || nd.lost:
			err = fmt.Errorf("node %s is not running", n.Name)
		case nd.paused:
			// As docker exec into a paused container.
			err = fmt.Errorf("container %s is paused, unpause the container before exec", n.Name)
		}
	}
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := c.hooks(ctx, true, "Exec", n.Name, n); err != nil {
		return nil, err
	}
	out, err := c.exec(ctx, nd, n, argv)
	if err != nil {
		return out, err
	}
	return out, c.hooks(ctx, false, "Exec", n.Name, n)
}

func (c *Cluster) exec(ctx context.Context, nd *node, n cluster.Node, argv []string) ([]byte, error) {
	if slices.Contains(iptables.Tools, argv[0]) {
		return nd.filter.Run(argv...)
	}
	if argv[0] == "sh" && len(argv) >= 3 && argv[1] == "-c" {
		if script, err := parseScript(argv[2]); err == nil {
			sh := &shell{simple: func(words []string) ([]byte, string, int) { return c.simple(nd, words) }}
			status := sh.list(script)
			if status != 0 {
				return []byte(sh.stdout.String()), &ExitError{Status: status, Stderr: sh.stderr.String()}
			}
			return []byte(sh.stdout.String()), nil
		}
	}
	if c.Commands != nil {
		return c.Commands(ctx, n, argv)
	}
	return nil, &ExitError{Status: 127, Stderr: fmt.Sprintf("fake node %s: no Commands to run %q", n.Name, argv)}
}

// simple runs one command of a script the node runs itself.
func (c *Cluster) simple(nd *node, argv []string) ([]byte, string, int) {
	switch argv[0] {
	case "true":
		return nil, "", 0
	case "false":
		return nil, "", 1
	case "echo":
		words, newline := argv[1:], "\n"
		if len(words) > 0 && words[0] == "-n" {
			words, newline = words[1:], ""
		}
		return []byte(strings.Join(words, " ") + newline), "", 0
	case "date":
		t := c.now()
		s, _ := dateFormat(argv[1][1:], t.Unix(), t.Nanosecond())
		return []byte(s + "\n"), "", 0
	}
	out, err := nd.filter.Run(argv...)
	var exit *ExitError
	if errors.As(err, &exit) {
		return out, exit.Stderr + "\n", exit.Status
	}
	return out, "", 0
}
