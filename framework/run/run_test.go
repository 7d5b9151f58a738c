package run

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/cluster/aws"
	"github.com/firedrill/firedrill/framework/cluster/kind"
	"github.com/firedrill/firedrill/framework/cluster/ssh"
	"github.com/firedrill/firedrill/framework/labels"
	"github.com/firedrill/firedrill/framework/scenario"
)

func scen(name, count string, labels ...string) *scenario.Scenario {
	return &scenario.Scenario{Name: name, Labels: labels, Fault: scenario.Fault{Target: scenario.Target{Count: count}}}
}

// joinNames is the scenarios' names, comma-separated.
func joinNames(ss []*scenario.Scenario) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return strings.Join(out, ",")
}

func TestSelectOrderAndLabels(t *testing.T) {
	c := &scenario.Catalog{Scenarios: map[string]*scenario.Scenario{
		"kill-all-schedulers": scen("kill-all-schedulers", "all", "ha"),
		"kill-apiserver":      scen("kill-apiserver", "one", "ha"),
		"reboot-master":       scen("reboot-master", "all", "single-master", "reboot"),
		"calibrate-reset-5s":  scen("calibrate-reset-5s", "all", "single-master", "calibration"),
		"kill-etcd-leader":    scen("kill-etcd-leader", "one", "ha"),
	}}
	for _, tc := range []struct {
		names  []string
		labels string
		want   string
		err    string
	}{
		// One-instance drills first (the kubelet's back-off), then by name.
		{nil, "", "kill-apiserver,kill-etcd-leader,calibrate-reset-5s,kill-all-schedulers,reboot-master", ""},
		{nil, "ha", "kill-apiserver,kill-etcd-leader,kill-all-schedulers", ""},
		{nil, "single-master && (calibration || reboot)", "calibrate-reset-5s,reboot-master", ""},
		// Named drills run in the order given.
		{[]string{"reboot-master", "kill-apiserver"}, "", "reboot-master,kill-apiserver", ""},
		{[]string{"reboot-mastr"}, "", "", "reboot-mastr"},
		{nil, "zone-loss", "", "no scenario among 5 matches the labels \"zone-loss\""},
		// A filter that does not parse is the front end's to report
		// (framework/labels' test).
	} {
		var filter LabelFilter
		if tc.labels != "" {
			f, err := labels.Parse(tc.labels)
			if err != nil {
				t.Fatal(err)
			}
			filter = f
		}
		got, err := Select(c, tc.names, filter)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Select(%v, %q) err = %v, want one containing %q", tc.names, tc.labels, err, tc.err)
			}
			continue
		}
		if err != nil || joinNames(got) != tc.want {
			t.Errorf("Select(%v, %q) = %s, %v; want %s", tc.names, tc.labels, joinNames(got), err, tc.want)
		}
	}
}

// fakeProvider stands for a provider: clusters that exist, which of them
// it made, and what was deleted.
type fakeProvider struct {
	exists  map[string]bool // name -> made by this tool
	deleted []string
	failUp  error
}

type fakeCluster struct{ name string }

func (f fakeCluster) Name() string                                  { return f.name }
func (f fakeCluster) RESTConfig() *rest.Config                      { return &rest.Config{Host: "https://127.0.0.1:1"} }
func (f fakeCluster) KubeconfigPath() string                        { return "/tmp/" + f.name }
func (f fakeCluster) Nodes(context.Context) ([]cluster.Node, error) { return nil, nil }

func (p *fakeProvider) Up(_ context.Context, in cluster.UpInput) (cluster.Cluster, bool, error) {
	if p.failUp != nil {
		return nil, false, p.failUp
	}
	made, exists := p.exists[in.Spec.Name]
	switch {
	case exists && (!in.Reuse || !made):
		return nil, false, errors.New("refused: exists")
	case exists:
		return fakeCluster{in.Spec.Name}, false, nil
	}
	p.exists[in.Spec.Name] = true
	return fakeCluster{in.Spec.Name}, true, nil
}

func (p *fakeProvider) Delete(_ context.Context, name string) error {
	if !p.exists[name] {
		return errors.New("not mine: " + name)
	}
	p.deleted = append(p.deleted, name)
	delete(p.exists, name)
	return nil
}

func (p *fakeProvider) Made(context.Context) ([]string, error) { return nil, nil }

// noAPI stands for a cluster whose API cannot be reached.
func noAPI(cluster.Cluster) (kubernetes.Interface, error) {
	return nil, errors.New("no API in this test")
}

func profile(name, clusterName string) *scenario.ClusterProfile {
	return &scenario.ClusterProfile{Name: name, Provider: kind.Name, Cluster: &kind.Profile{
		ClusterName: clusterName, WaitForReady: time.Minute,
		Nodes: []scenario.NodeShape{{Role: cluster.RoleControlPlane, Zone: "a"}, {Role: cluster.RoleWorker, Zone: "a"}},
	}}
}

// The pool deletes exactly the clusters this run created: never one that
// existed before it, reused or refused.
func TestPoolDeletesOnlyWhatItCreated(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		exists      map[string]bool
		reuse, keep bool
		wantErr     bool
		wantDeleted []string
	}{
		{name: "created, deleted at the end", exists: map[string]bool{}, wantDeleted: []string{"c1"}},
		{name: "created, kept", exists: map[string]bool{}, keep: true},
		{name: "someone else's, refused and left", exists: map[string]bool{"c1": false}, wantErr: true},
		{name: "someone else's with reuse, refused and left", exists: map[string]bool{"c1": false}, reuse: true, wantErr: true},
		{name: "ours from an earlier run, refused without reuse and left", exists: map[string]bool{"c1": true}, wantErr: true},
		{name: "ours from an earlier run, reused and left", exists: map[string]bool{"c1": true}, reuse: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov := &fakeProvider{exists: tc.exists}
			var out bytes.Buffer
			p := newPool(map[string]cluster.Provider{kind.Name: prov}, noAPI, t.TempDir(), Overrides{NodeImage: "img"}, tc.reuse, &out)
			_, err := p.get(ctx, profile("kind-single", "c1"))
			if (err != nil) != tc.wantErr {
				t.Fatalf("get err = %v, want error %v", err, tc.wantErr)
			}
			_ = p.release(ctx, tc.keep)
			if !slices.Equal(prov.deleted, tc.wantDeleted) {
				t.Errorf("deleted %v, want %v (output %s)", prov.deleted, tc.wantDeleted, out.String())
			}
		})
	}
}

// A drill that leaves its cluster unhealthy gets it recreated for the next.
func TestPoolRecreatesAnUnhealthyCluster(t *testing.T) {
	ctx := context.Background()
	prov := &fakeProvider{exists: map[string]bool{}}
	p := newPool(map[string]cluster.Provider{kind.Name: prov}, noAPI, t.TempDir(), Overrides{NodeImage: "img"}, false, &bytes.Buffer{})
	prof := profile("kind-single", "c1")
	if _, err := p.get(ctx, prof); err != nil {
		t.Fatal(err)
	}
	p.markUnhealthy(prof)
	if _, err := p.get(ctx, prof); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(prov.deleted, []string{"c1"}) || !prov.exists["c1"] {
		t.Errorf("deleted %v, exists %v: want c1 deleted and made again", prov.deleted, prov.exists)
	}
}

func TestSpecFromProfile(t *testing.T) {
	spec, err := Spec(profile("kind-ha", "firedrill-ha"), Overrides{NodeImage: "node:v1"})
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != "firedrill-ha" || spec.Profile != "kind-ha" || spec.Settings.(*kind.Settings).Image != "node:v1" || len(spec.Nodes) != 2 || spec.Nodes[0].Role != cluster.RoleControlPlane {
		t.Errorf("spec = %+v", spec)
	}
	if _, err := Spec(&scenario.ClusterProfile{Name: "gcp", Provider: "gcp"}, Overrides{}); err == nil {
		t.Error("a profile of no known provider gave a spec")
	}
	// The site's overrides (read once, in FromEnv) replace the profile's
	// inventory and endpoint, and an aws profile's key; paths are the
	// profile file's.
	sshProfile := &scenario.ClusterProfile{Name: "ssh-ha", Provider: "ssh", Path: "/repo/clusters/ssh-ha.yaml",
		Cluster: &ssh.Profile{ClusterName: "c", Inventory: "../.vm-hosts/inventory.yaml", KubeadmConfig: "k.tmpl",
			ControlPlaneEndpoint: "lb:6443", Nodes: []ssh.Node{{Role: cluster.RoleControlPlane, Zone: "a"}}}}
	spec, _ = Spec(sshProfile, Overrides{})
	if m := spec.Settings.(*ssh.MachinesSpec); m.Inventory != "/repo/.vm-hosts/inventory.yaml" || m.ControlPlaneEndpoint != "lb:6443" || m.KubeadmConfig != "/repo/clusters/k.tmpl" {
		t.Errorf("ssh spec without overrides: %+v", m)
	}
	spec, _ = Spec(sshProfile, Overrides{SSHInventory: "/site/inv.yaml", SSHEndpoint: "10.0.0.10:6443"})
	if m := spec.Settings.(*ssh.MachinesSpec); m.Inventory != "/site/inv.yaml" || m.ControlPlaneEndpoint != "10.0.0.10:6443" {
		t.Errorf("ssh spec with overrides: %+v", m)
	}
	awsProfile := &scenario.ClusterProfile{Name: "aws-ha", Provider: "aws", Path: "/repo/clusters/aws-ha.yaml",
		Cluster: &aws.Profile{ClusterName: "c", Region: "eu-west-1", SSHKey: "keys/fd.pem",
			Zones: []aws.Zone{{Name: "eu-west-1a", Subnet: "subnet-a"}}, Nodes: []scenario.NodeShape{{Role: cluster.RoleControlPlane, Zone: "eu-west-1a"}}}}
	spec, _ = Spec(awsProfile, Overrides{})
	if i := spec.Settings.(*aws.Settings).Instances; i.KeyPath != "/repo/clusters/keys/fd.pem" || i.User != "root" || i.Subnets["eu-west-1a"] != "subnet-a" {
		t.Errorf("aws spec: %+v", i)
	}
	spec, _ = Spec(awsProfile, Overrides{AWSSSHKey: "/site/fd.pem"})
	if k := spec.Settings.(*aws.Settings).Instances.KeyPath; k != "/site/fd.pem" {
		t.Errorf("aws key with the override: %s", k)
	}
}
