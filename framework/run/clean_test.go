package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/probe"
)

// leftCluster is a cluster a dead run left: a paused node, a filter rule.
type leftCluster struct {
	name  string
	mu    sync.Mutex
	rules []string // iptables -S INPUT lines
	pause map[string]bool
	cs    *fake.Clientset
}

func (c *leftCluster) Name() string             { return c.name }
func (c *leftCluster) RESTConfig() *rest.Config { return &rest.Config{} }
func (c *leftCluster) KubeconfigPath() string   { return "" }
func (c *leftCluster) Nodes(context.Context) ([]cluster.Node, error) {
	return []cluster.Node{{Name: c.name + "-control-plane"}}, nil
}
func (c *leftCluster) Pause(_ context.Context, n cluster.Node) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pause[n.Name] = true
	return nil
}
func (c *leftCluster) Unpause(_ context.Context, n cluster.Node) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pause[n.Name] = false
	return nil
}
func (c *leftCluster) Paused(_ context.Context, n cluster.Node) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pause[n.Name], nil
}
func (c *leftCluster) Exec(_ context.Context, _ cluster.Node, command string, args ...string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if command != "iptables" {
		return nil, nil
	}
	if args[0] == "-S" {
		return []byte("-P INPUT ACCEPT\n" + strings.Join(c.rules, "\n") + "\n"), nil
	}
	want := "-A " + strings.Join(args[1:], " ")
	if args[0] == "-C" {
		if !slices.Contains(c.rules, want) {
			return nil, errors.New("iptables: Bad rule (does a matching rule exist in that chain?)")
		}
		return nil, nil
	}
	c.rules = slices.DeleteFunc(c.rules, func(r string) bool { return r == want })
	return nil, nil
}

// leftProvider sees clusters, some made by the tool.
type leftProvider struct {
	clusters map[string]*leftCluster
	made     []string
	deleted  []string
}

func (p *leftProvider) Up(context.Context, cluster.UpInput) (cluster.Cluster, bool, error) {
	return nil, false, nil
}
func (p *leftProvider) Delete(_ context.Context, name string) error {
	p.deleted = append(p.deleted, name)
	return nil
}
func (p *leftProvider) Made(context.Context) ([]string, error) { return p.made, nil }
func (p *leftProvider) Attach(_ context.Context, name string) (cluster.Cluster, error) {
	c, ok := p.clusters[name]
	if !ok {
		return nil, cluster.ErrNotFound
	}
	return c, nil
}
func (p *leftProvider) All(context.Context) ([]string, error) {
	var out []string
	for n := range p.clusters {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// A run killed with kill -9 left: a node paused (journal open), a filter
// rule, a kind cluster it made, and its probe namespace in a cluster it
// did not make. A second run still going has a node paused too.
func TestCleanFindsThenRemovesLeftovers(t *testing.T) {
	const rule = "-A INPUT -s 172.18.0.1/32 -p tcp -m tcp --dport 6443 -m comment --comment firedrill -j DROP"
	mine := &leftCluster{name: "firedrill-single", pause: map[string]bool{}, rules: []string{rule, "-A INPUT -j KUBE-FIREWALL"}}
	theirs := &leftCluster{name: "team-dev", pause: map[string]bool{}, cs: fake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: probe.Namespace, Labels: map[string]string{probe.OwnerLabel: "firedrill"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}})}
	prov := &leftProvider{clusters: map[string]*leftCluster{mine.name: mine, theirs.name: theirs}, made: []string{mine.name}}
	b := Backends{Providers: map[string]cluster.Provider{"kind": prov}, Connect: func(c cluster.Cluster) (kubernetes.Interface, error) {
		if lc := c.(*leftCluster); lc.cs != nil {
			return lc.cs, nil
		}
		return fake.NewClientset(), nil
	}}
	state := t.TempDir()
	book := journal.NewBook(journal.Dir(state), "kind", mine.name, "pause-it")
	if _, err := book.Begin(mine.name+"-control-plane", "pause", "unpause", ""); err != nil {
		t.Fatal(err)
	}
	_ = mine.Pause(context.Background(), cluster.Node{Name: mine.name + "-control-plane"})
	// The entry of a run that is still going (pid 1 is always alive).
	live := journal.Entry{Provider: "kind", Cluster: theirs.name, Node: "team-dev-worker", Action: "pause", Undo: "unpause", Pid: 1, At: time.Now()}
	data, _ := json.Marshal(live)
	if err := os.WriteFile(filepath.Join(journal.Dir(state), "live.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	_ = theirs.Pause(context.Background(), cluster.Node{Name: "team-dev-worker"})

	ctx := context.Background()
	var out bytes.Buffer
	found, err := Clean(ctx, CleanInput{Backends: b, StateDir: state, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 4 {
		t.Errorf("dry run found %d leftovers, want 4 (journal, rule, namespace, cluster):\n%s", len(found), out.String())
	}
	if p, _ := mine.Paused(ctx, cluster.Node{Name: mine.name + "-control-plane"}); !p || len(prov.deleted) > 0 || len(mine.rules) != 2 {
		t.Fatalf("the dry run changed something:\n%s", out.String())
	}

	out.Reset()
	if _, err := Clean(ctx, CleanInput{Backends: b, StateDir: state, Apply: true, Out: &out}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if p, _ := mine.Paused(ctx, cluster.Node{Name: mine.name + "-control-plane"}); p {
		t.Error("the paused node was not unpaused")
	}
	if !slices.Equal(mine.rules, []string{"-A INPUT -j KUBE-FIREWALL"}) {
		t.Errorf("rules left %v: want only the one firedrill did not add", mine.rules)
	}
	if !slices.Equal(prov.deleted, []string{mine.name}) {
		t.Errorf("deleted %v, want only the cluster firedrill made", prov.deleted)
	}
	if _, err := theirs.cs.CoreV1().Namespaces().Get(ctx, probe.Namespace, metav1.GetOptions{}); err == nil {
		t.Error("the probe namespace is left in the cluster firedrill did not make")
	}
	if _, err := theirs.cs.CoreV1().Namespaces().Get(ctx, "team", metav1.GetOptions{}); err != nil {
		t.Error("a namespace firedrill did not make was touched")
	}
	if p, _ := theirs.Paused(ctx, cluster.Node{Name: "team-dev-worker"}); !p {
		t.Error("the fault of a run still going was undone")
	}
	left, _ := journal.Pending(journal.Dir(state))
	if len(left) != 1 || left[0].Pid != 1 {
		t.Errorf("journal after clean: %+v, want only the live run's entry", left)
	}
}

// One unreadable journal entry does not hide the others: clean still finds
// and undoes the paused node, names the unreadable file, never says
// "nothing left behind", and fails.
func TestCleanUnreadableJournalEntryFailsWithoutHidingOthers(t *testing.T) {
	mine := &leftCluster{name: "firedrill-single", pause: map[string]bool{}}
	prov := &leftProvider{clusters: map[string]*leftCluster{mine.name: mine}}
	b := Backends{Providers: map[string]cluster.Provider{"kind": prov},
		Connect: func(cluster.Cluster) (kubernetes.Interface, error) { return fake.NewClientset(), nil }}
	state := t.TempDir()
	book := journal.NewBook(journal.Dir(state), "kind", mine.name, "pause-it")
	if _, err := book.Begin(mine.name+"-control-plane", "pause", "unpause", ""); err != nil {
		t.Fatal(err)
	}
	_ = mine.Pause(context.Background(), cluster.Node{Name: mine.name + "-control-plane"})
	broken := filepath.Join(journal.Dir(state), "aaa-truncated.json")
	if err := os.WriteFile(broken, []byte(`{"provider": "kind", "clus`), 0o644); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	found, err := Clean(context.Background(), CleanInput{Backends: b, StateDir: state, Apply: true, Out: &out})
	if err == nil || !strings.Contains(err.Error(), broken) {
		t.Errorf("clean with an unreadable journal entry: error %v, want one naming %s", err, broken)
	}
	if len(found) != 1 {
		t.Errorf("found %d leftovers, want the one readable entry:\n%s", len(found), out.String())
	}
	if p, _ := mine.Paused(context.Background(), cluster.Node{Name: mine.name + "-control-plane"}); p {
		t.Error("the readable entry was not undone")
	}
	if strings.Contains(out.String(), "nothing left behind") {
		t.Errorf("clean said nothing was left behind:\n%s", out.String())
	}
	if _, err := os.Stat(broken); err != nil {
		t.Errorf("the unreadable entry was removed: %v", err)
	}
}

// A namespace called firedrill-probe without firedrill's owner label is
// listed as not ours and left, even with --yes.
func TestCleanLeavesAProbeNamespaceNotOurs(t *testing.T) {
	theirs := &leftCluster{name: "team-dev", pause: map[string]bool{}, cs: fake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: probe.Namespace}})}
	prov := &leftProvider{clusters: map[string]*leftCluster{theirs.name: theirs}}
	b := Backends{Providers: map[string]cluster.Provider{"kind": prov},
		Connect: func(c cluster.Cluster) (kubernetes.Interface, error) { return c.(*leftCluster).cs, nil }}
	var out bytes.Buffer
	found, err := Clean(context.Background(), CleanInput{Backends: b, StateDir: t.TempDir(), Apply: true, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 0 || !strings.Contains(out.String(), "not ours") {
		t.Errorf("found %d leftovers, want none and a \"not ours\" line:\n%s", len(found), out.String())
	}
	if _, err := theirs.cs.CoreV1().Namespaces().Get(context.Background(), probe.Namespace, metav1.GetOptions{}); err != nil {
		t.Errorf("a namespace firedrill did not make was deleted: %v", err)
	}
}
