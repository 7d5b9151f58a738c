package run

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/probe"
)

// leftCluster is a cluster a dead run may have left something in, with
// a node of each suffix (name-control-plane, ...).
func leftCluster(name string, suffixes ...string) *fakes.Cluster {
	var nodes []cluster.Node
	for _, s := range suffixes {
		nodes = append(nodes, cluster.Node{Name: name + "-" + s})
	}
	return fakes.NewCluster(name, nodes...)
}

// apis connects to each cluster's clientset, by name; an empty one for a
// cluster it does not name.
func apis(clientsets map[string]*fake.Clientset) func(cluster.Cluster) (kubernetes.Interface, error) {
	return func(c cluster.Cluster) (kubernetes.Interface, error) {
		if cs := clientsets[c.Name()]; cs != nil {
			return cs, nil
		}
		return fake.NewClientset(), nil
	}
}

// A run killed with kill -9 left: a node paused (journal open), a filter
// rule, a kind cluster it made, and its probe namespace in a cluster it
// did not make. A second run still going has a node paused too.
func TestCleanFindsThenRemovesLeftovers(t *testing.T) {
	const rule = "-A INPUT -s 172.18.0.1/32 -p tcp -m tcp --dport 6443 -m comment --comment firedrill -j DROP"
	mine := leftCluster("firedrill-single", "control-plane")
	cp := cluster.Node{Name: "firedrill-single-control-plane"}
	for _, argv := range [][]string{{"iptables", "-N", "KUBE-FIREWALL"}, {"iptables", "-A", "INPUT", "-j", "KUBE-FIREWALL"},
		append([]string{"iptables", "-I"}, strings.Fields(strings.TrimPrefix(rule, "-A "))...)} {
		if _, err := mine.Exec(context.Background(), cp, argv[0], argv[1:]...); err != nil {
			t.Fatal(err)
		}
	}
	theirs := leftCluster("team-dev", "control-plane", "worker")
	prov := fakes.NewProvider()
	prov.Add(mine, true)
	prov.Add(theirs, false)
	theirAPI := fake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: probe.Namespace, Labels: map[string]string{probe.OwnerLabel: "firedrill"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}})
	b := Backends{Providers: map[string]cluster.Provider{"kind": prov}, Connect: apis(map[string]*fake.Clientset{"team-dev": theirAPI})}
	state := t.TempDir()
	book := journal.NewBook(journal.Dir(state), "kind", mine.Name(), "pause-it")
	if _, err := book.Begin(cp.Name, "pause", "unpause", ""); err != nil {
		t.Fatal(err)
	}
	_ = mine.Pause(context.Background(), cp)
	// The entry of a run that is still going (pid 1 is always alive).
	live := journal.Entry{Provider: "kind", Cluster: theirs.Name(), Node: "team-dev-worker", Action: "pause", Undo: "unpause", Pid: 1, At: time.Now()}
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
	// The paused node cannot be read (docker exec refuses a paused
	// container): the dry run names it instead of failing, and the rule
	// in it is found once the journal's undo has woken it.
	if len(found) != 3 || !strings.Contains(out.String(), "not looked at: the rules of node firedrill-single-control-plane of cluster firedrill-single: it is paused") {
		t.Errorf("dry run found %d leftovers, want 3 (journal, namespace, cluster) and the paused node named:\n%s", len(found), out.String())
	}
	if p, _ := mine.Paused(ctx, cp); !p || len(prov.Deletes()) > 0 || len(mine.Filter(cp.Name).Rules("iptables")) != 2 {
		t.Fatalf("the dry run changed something:\n%s", out.String())
	}

	out.Reset()
	if _, err := Clean(ctx, CleanInput{Backends: b, StateDir: state, Apply: true, Out: &out}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if p, _ := mine.Paused(ctx, cp); p {
		t.Error("the paused node was not unpaused")
	}
	if !strings.Contains(out.String(), "removed: iptables rule in node firedrill-single-control-plane") {
		t.Errorf("the rule in the node the journal unpaused was not removed:\n%s", out.String())
	}
	if rules := mine.Filter(cp.Name).Rules("iptables"); !slices.Equal(rules, []string{"-A INPUT -j KUBE-FIREWALL"}) {
		t.Errorf("rules left %v: want only the one firedrill did not add", rules)
	}
	if !slices.Equal(prov.Deletes(), []string{mine.Name()}) {
		t.Errorf("deleted %v, want only the cluster firedrill made", prov.Deletes())
	}
	if _, err := theirAPI.CoreV1().Namespaces().Get(ctx, probe.Namespace, metav1.GetOptions{}); err == nil {
		t.Error("the probe namespace is left in the cluster firedrill did not make")
	}
	if _, err := theirAPI.CoreV1().Namespaces().Get(ctx, "team", metav1.GetOptions{}); err != nil {
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
	mine := leftCluster("firedrill-single", "control-plane")
	cp := cluster.Node{Name: "firedrill-single-control-plane"}
	prov := fakes.NewProvider()
	prov.Add(mine, false)
	b := Backends{Providers: map[string]cluster.Provider{"kind": prov}, Connect: apis(nil)}
	state := t.TempDir()
	book := journal.NewBook(journal.Dir(state), "kind", mine.Name(), "pause-it")
	if _, err := book.Begin(cp.Name, "pause", "unpause", ""); err != nil {
		t.Fatal(err)
	}
	_ = mine.Pause(context.Background(), cp)
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
	if p, _ := mine.Paused(context.Background(), cp); p {
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
	theirAPI := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: probe.Namespace}})
	prov := fakes.NewProvider()
	prov.Add(leftCluster("team-dev", "control-plane"), false)
	b := Backends{Providers: map[string]cluster.Provider{"kind": prov}, Connect: apis(map[string]*fake.Clientset{"team-dev": theirAPI})}
	var out bytes.Buffer
	found, err := Clean(context.Background(), CleanInput{Backends: b, StateDir: t.TempDir(), Apply: true, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 0 || !strings.Contains(out.String(), "not ours") {
		t.Errorf("found %d leftovers, want none and a \"not ours\" line:\n%s", len(found), out.String())
	}
	if _, err := theirAPI.CoreV1().Namespaces().Get(context.Background(), probe.Namespace, metav1.GetOptions{}); err != nil {
		t.Errorf("a namespace firedrill did not make was deleted: %v", err)
	}
}
