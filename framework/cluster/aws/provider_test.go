package aws

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/cluster/ssh"
	fakeec2 "github.com/firedrill/firedrill/framework/internal/fakes/ec2"
)

// testRun is the run the tests' Up calls are made for.
const testRun = "20261204-150000"

// haSpec is a three-master cluster across three zones, as
// clusters/aws-ha.yaml describes one.
func haSpec() cluster.Spec {
	return cluster.Spec{Name: "fd-aws", Profile: "aws-ha", WaitForReady: time.Minute,
		Settings: &Settings{Machines: ssh.MachinesSpec{KubeadmConfig: "kubeadm.tmpl", KubernetesVersion: "v1.34.4", PodSubnet: "10.244.0.0/16"},
			Instances: InstancesSpec{Region: "eu-west-1", InstanceType: "m6i.large", Image: "ami-0abc", KeyPair: "fd",
				KeyPath: "/keys/fd.pem", User: "ubuntu", SecurityGroups: []string{"sg-1"},
				Subnets: map[string]string{"eu-west-1a": "subnet-a", "eu-west-1b": "subnet-b", "eu-west-1c": "subnet-c"}}},
		Nodes: []cluster.NodeSpec{
			{Role: cluster.RoleControlPlane, Zone: "eu-west-1a"},
			{Role: cluster.RoleControlPlane, Zone: "eu-west-1b"},
			{Role: cluster.RoleControlPlane, Zone: "eu-west-1c"},
		}}
}

// tagged are the tags launch puts on an instance of cluster (run run-1)
// as node; none for an instance firedrill did not launch.
func tagged(cluster, node string) []fakeec2.Tag {
	var tags []fakeec2.Tag
	if cluster != "" {
		tags = append(tags, fakeec2.Tag{Key: TagCluster, Value: cluster}, fakeec2.Tag{Key: TagRun, Value: "run-1"})
	}
	if node != "" {
		tags = append(tags, fakeec2.Tag{Key: TagNode, Value: node})
	}
	return tags
}

func testProvider(t *testing.T, w *fakeec2.Wire, out *bytes.Buffer) *Provider {
	t.Helper()
	return NewProvider(Options{Out: out, StateDir: t.TempDir(), Config: w.Config(),
		MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, HostKeyPoll: time.Millisecond, WaitLimit: 10 * time.Second})
}

const console = `[   10.1] cloud-init[812]: Cloud-init v. 24.1 running 'modules:final'
-----BEGIN SSH HOST KEY KEYS-----
ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI root@ip-10-0-1-10
ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB root@ip-10-0-1-10
-----END SSH HOST KEY KEYS-----
`

// Launch: one RunInstances per node, in its zone's subnet, tagged, with
// an idempotency token; the SDK's running waiter polls until every
// instance runs; the instances are recorded as EC2 names them; the host
// keys come from the console output once it shows them, into known_hosts,
// and the inventory names every instance for the ssh provider.
func TestLaunchAndInventory(t *testing.T) {
	w := fakeec2.NewWire(t)
	a := fakeec2.Instance{ID: "i-0a", Zone: "eu-west-1a", Private: "10.0.1.10", Public: "203.0.113.10", Tags: tagged("fd-aws", "fd-aws-cp-1")}
	b := fakeec2.Instance{ID: "i-0b", Zone: "eu-west-1b", Private: "10.0.2.10", Tags: tagged("fd-aws", "fd-aws-cp-2")}
	c := fakeec2.Instance{ID: "i-0c", Zone: "eu-west-1c", Private: "10.0.3.10", Public: "203.0.113.12", Tags: tagged("fd-aws", "fd-aws-cp-3")}
	pending := func(i fakeec2.Instance) fakeec2.Instance { i.State = "pending"; return i }
	running := func(i fakeec2.Instance) fakeec2.Instance { i.State = "running"; return i }
	w.On("RunInstances", fakeec2.RunReply(pending(a)), fakeec2.RunReply(pending(b)), fakeec2.RunReply(pending(c)))
	w.On("DescribeInstances",
		fakeec2.DescribeReply("", pending(a), running(b), pending(c)), // the waiter's first poll
		fakeec2.DescribeReply("", running(a), running(b), running(c)), // its second
		fakeec2.DescribeReply("", running(a), running(b), running(c))) // the addresses
	w.On("GetConsoleOutput", fakeec2.ConsoleReply("i-0a", "booting\n"), fakeec2.ConsoleReply("i-0a", console))
	var out bytes.Buffer
	p := testProvider(t, w, &out)
	spec := haSpec()
	rec := record{Cluster: spec.Name, Region: "eu-west-1", Instances: map[string]string{}}
	ec, err := p.client(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	list, err := p.launch(context.Background(), ec, spec, testRun, &rec)
	if err != nil {
		t.Fatalf("launch: %v\n%s", err, out.String())
	}

	runs := w.Of("RunInstances")
	if len(runs) != 3 {
		t.Fatalf("%d RunInstances calls, want 3", len(runs))
	}
	for i, zone := range []string{"a", "b", "c"} {
		r := runs[i]
		want := map[string]string{"SubnetId": "subnet-" + zone, "ImageId": "ami-0abc", "InstanceType": "m6i.large", "KeyName": "fd",
			"MinCount": "1", "MaxCount": "1", "SecurityGroupId.1": "sg-1",
			"ClientToken":                     "firedrill-20261204-150000-fd-aws-cp-" + string(rune('1'+i)),
			"TagSpecification.1.ResourceType": "instance",
			"TagSpecification.2.ResourceType": "volume",
		}
		for k, v := range want {
			if got := r.Get(k); got != v {
				t.Errorf("RunInstances %d: %s = %q, want %q", i, k, got, v)
			}
		}
		tags := map[string]string{}
		for j := 1; r.Get(tagKey(1, j)) != ""; j++ {
			tags[r.Get(tagKey(1, j))] = r.Get(strings.Replace(tagKey(1, j), ".Key", ".Value", 1))
		}
		for k, v := range map[string]string{TagCluster: "fd-aws", TagProfile: "aws-ha", TagRun: "20261204-150000", TagNode: "fd-aws-cp-" + string(rune('1'+i))} {
			if tags[k] != v {
				t.Errorf("RunInstances %d: tag %s = %q, want %q (tags %v)", i, k, tags[k], v, tags)
			}
		}
	}
	if got := len(w.Of("DescribeInstances")); got != 3 {
		t.Errorf("%d DescribeInstances calls, want 3 (two waiter polls, one for addresses)", got)
	}
	if !strings.Contains(out.String(), "waiting for instances running") || !strings.Contains(out.String(), "i-0a pending") {
		t.Errorf("no progress line naming the pending instance:\n%s", out.String())
	}
	if rec.Instances["fd-aws-cp-2"] != "i-0b" || len(rec.Instances) != 3 {
		t.Errorf("record: %v", rec.Instances)
	}
	if list[0].address != "10.0.1.10" || list[1].address != "10.0.2.10" {
		t.Errorf("addresses: the private ones, public or not: %+v", list)
	}

	path, err := p.writeInventory(context.Background(), ec, spec.Name, settingsOf(spec).Instances, list)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := ssh.ReadInventory(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Hosts) != 3 || inv.Hosts[2].Name != "fd-aws-cp-3" || inv.Hosts[2].Address != "10.0.3.10" ||
		inv.Hosts[0].User != "ubuntu" || inv.Hosts[0].KeyPath != "/keys/fd.pem" {
		t.Errorf("inventory: %+v", inv.Hosts)
	}
	known, err := os.ReadFile(inv.Hosts[0].KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(known), "10.0.1.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n") ||
		!strings.Contains(string(known), "10.0.2.10 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI\n") {
		t.Errorf("known_hosts:\n%s", known)
	}
	if n := len(w.Of("GetConsoleOutput")); n != 4 {
		t.Errorf("%d GetConsoleOutput calls, want 4 (one before the keys showed, one per instance after)", n)
	}
}

func tagKey(spec, tag int) string {
	return "TagSpecification." + string(rune('0'+spec)) + ".Tag." + string(rune('0'+tag)) + ".Key"
}

// Instances tagged for the cluster that this machine did not record are
// another's: Up refuses before launching anything and names them.
func TestUpRefusesTaggedInstancesItDidNotLaunch(t *testing.T) {
	w := fakeec2.NewWire(t)
	w.On("DescribeInstances", fakeec2.DescribeReply("", fakeec2.Instance{ID: "i-other", State: "running", Zone: "eu-west-1a", Private: "10.0.1.99", Tags: tagged("fd-aws", "fd-aws-cp-1")}))
	var out bytes.Buffer
	p := testProvider(t, w, &out)
	_, created, err := p.Up(context.Background(), cluster.UpInput{Spec: haSpec(), RunID: testRun, Reuse: true, KubeconfigDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "i-other") || !strings.Contains(err.Error(), "no record") {
		t.Fatalf("Up: %v, want a refusal naming i-other", err)
	}
	if created {
		t.Error("created = true for a refused cluster")
	}
	if n := len(w.Of("RunInstances")); n != 0 {
		t.Errorf("%d RunInstances calls after a refusal", n)
	}
	if f := w.Of("DescribeInstances")[0]; f.Get("Filter.1.Name") != "tag:"+TagCluster || f.Get("Filter.1.Value.1") != "fd-aws" {
		t.Errorf("the lookup is not by the cluster tag: %v", f)
	}
}

// Delete terminates the recorded cluster's tagged instances (every page
// of them) and waits with the SDK's terminated waiter; a recorded instance
// that is gone is fine, one alive without the tag is left alone and named.
func TestDeleteTerminatesOnlyTaggedInstances(t *testing.T) {
	w := fakeec2.NewWire(t)
	a := fakeec2.Instance{ID: "i-0a", State: "running", Zone: "eu-west-1a", Private: "10.0.1.10", Tags: tagged("fd-aws", "fd-aws-cp-1")}
	b := fakeec2.Instance{ID: "i-0b", State: "stopped", Zone: "eu-west-1b", Private: "10.0.2.10", Tags: tagged("fd-aws", "fd-aws-cp-2")}
	untagged := fakeec2.Instance{ID: "i-0c", State: "running", Zone: "eu-west-1c", Private: "10.0.3.10"}
	gone := func(i fakeec2.Instance) fakeec2.Instance { i.State = "terminated"; return i }
	w.On("DescribeInstances",
		fakeec2.DescribeReply("page-2", a),  // tagged, page 1
		fakeec2.DescribeReply("", b),        // tagged, page 2
		fakeec2.DescribeReply("", untagged), // i-0c by its id
		fakeec2.ErrorReply(400, "InvalidInstanceID.NotFound", "The instance ID 'i-0d' does not exist"), // i-0d by its id
		fakeec2.DescribeReply("", gone(a), b),       // the waiter's first poll
		fakeec2.DescribeReply("", gone(a), gone(b))) // and second
	w.On("TerminateInstances", fakeec2.EmptyReply("TerminateInstances"))
	var out bytes.Buffer
	p := testProvider(t, w, &out)
	rec := record{Cluster: "fd-aws", Region: "eu-west-1", Instances: map[string]string{
		"fd-aws-cp-1": "i-0a", "fd-aws-cp-2": "i-0b", "fd-aws-cp-3": "i-0c", "fd-aws-worker-4": "i-0d"}}
	if err := p.writeRecord(rec); err != nil {
		t.Fatal(err)
	}
	err := p.Delete(context.Background(), "fd-aws")
	if err == nil || !strings.Contains(err.Error(), "i-0c") || strings.Contains(err.Error(), "i-0d") {
		t.Errorf("Delete: %v, want an error naming the untagged i-0c alone", err)
	}
	terms := w.Of("TerminateInstances")
	if len(terms) != 1 || terms[0].Get("InstanceId.1") != "i-0a" || terms[0].Get("InstanceId.2") != "i-0b" || terms[0].Get("InstanceId.3") != "" {
		t.Fatalf("TerminateInstances calls: %v, want one for i-0a and i-0b", terms)
	}
	if pages := w.Of("DescribeInstances"); pages[1].Get("NextToken") != "page-2" {
		t.Errorf("the second page was not asked for with the token: %v", pages[1])
	}
	if _, ok, _ := p.readRecord("fd-aws"); !ok {
		t.Error("the record was removed though an instance was left")
	}

	// Without a record, nothing is terminated.
	w2 := fakeec2.NewWire(t)
	p2 := testProvider(t, w2, &out)
	if err := p2.Delete(context.Background(), "fd-aws"); err == nil || !strings.Contains(err.Error(), "no record") {
		t.Errorf("Delete without a record: %v", err)
	}
	if len(w2.Calls()) != 0 {
		t.Errorf("EC2 calls without a record: %v", w2.Calls())
	}
}

// Leftovers lists the instances this machine recorded launching that are
// older than the limit, across pages, and terminates only those with
// Terminate; an old instance tagged for a cluster of the same name that
// it did not record is named as not ours and left, even with Terminate.
func TestLeftovers(t *testing.T) {
	now := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	old := fakeec2.Instance{ID: "i-old", State: "running", Zone: "eu-west-1a", Private: "10.0.1.10", Launched: now.Add(-7 * time.Hour), Tags: tagged("fd-aws", "fd-aws-cp-1")}
	theirs := fakeec2.Instance{ID: "i-theirs", State: "running", Zone: "eu-west-1a", Private: "10.0.1.12", Launched: now.Add(-8 * time.Hour), Tags: tagged("fd-aws", "fd-aws-cp-2")}
	young := fakeec2.Instance{ID: "i-young", State: "running", Zone: "eu-west-1a", Private: "10.0.1.11", Launched: now.Add(-time.Hour), Tags: tagged("fd-other", "fd-other-cp-1")}
	for _, terminate := range []bool{false, true} {
		w := fakeec2.NewWire(t)
		w.On("DescribeInstances", fakeec2.DescribeReply("next", old, theirs), fakeec2.DescribeReply("", young))
		w.On("DescribeNetworkAcls", fakeec2.ACLsReply())
		if terminate {
			gone := old
			gone.State = "terminated"
			w.On("DescribeInstances", fakeec2.DescribeReply("", gone))
			w.On("TerminateInstances", fakeec2.EmptyReply("TerminateInstances"))
		}
		var out bytes.Buffer
		p := testProvider(t, w, &out)
		if err := p.writeRecord(record{Cluster: "fd-aws", Region: "eu-west-1", Run: "run-1", Instances: map[string]string{"fd-aws-cp-1": "i-old"}}); err != nil {
			t.Fatal(err)
		}
		found, err := p.Leftovers(context.Background(), LeftoversInput{Region: "eu-west-1", OlderThan: 6 * time.Hour, Terminate: terminate, Out: &out, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 || found[0].ID != "i-old" || found[0].Cluster != "fd-aws" || found[0].Run != "run-1" {
			t.Errorf("terminate=%v: found %+v, want i-old alone", terminate, found)
		}
		if f := w.Of("DescribeInstances")[0]; f.Get("Filter.1.Name") != "tag-key" || f.Get("Filter.1.Value.1") != TagCluster {
			t.Errorf("the search is not by firedrill's tag: %v", f)
		}
		if !strings.Contains(out.String(), "not ours: instance i-theirs") || !strings.Contains(out.String(), "aws ec2 terminate-instances --region eu-west-1 --instance-ids i-theirs") {
			t.Errorf("terminate=%v: the instance not recorded is not named as not ours with the command:\n%s", terminate, out.String())
		}
		terms := w.Of("TerminateInstances")
		switch {
		case !terminate && len(terms) != 0:
			t.Errorf("a listing terminated %v", terms)
		case terminate && (len(terms) != 1 || terms[0].Get("InstanceId.1") != "i-old" || terms[0].Get("InstanceId.2") != ""):
			t.Errorf("TerminateInstances: %v, want i-old alone", terms)
		}
	}
}

// Power off is a forced StopInstances and the stopped waiter; Running
// reads the state; Start starts a stopped instance and waits for it to
// run. (The wait for SSH after it is the ssh provider's, tested there.)
func TestStopAndRunning(t *testing.T) {
	w := fakeec2.NewWire(t)
	a := fakeec2.Instance{ID: "i-0a", Zone: "eu-west-1a", Private: "10.0.1.10", Tags: tagged("fd-aws", "fd-aws-cp-1")}
	with := func(state string) fakeec2.Instance { i := a; i.State = state; return i }
	w.On("StopInstances", fakeec2.EmptyReply("StopInstances"))
	w.On("DescribeInstances", fakeec2.DescribeReply("", with("stopping")), fakeec2.DescribeReply("", with("stopped")), fakeec2.DescribeReply("", with("stopped")))
	var out bytes.Buffer
	p := testProvider(t, w, &out)
	ec, err := p.client(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{name: "fd-aws", p: p, ec: ec, instances: map[string]instance{"fd-aws-cp-1": {id: "i-0a", node: "fd-aws-cp-1"}}}
	n := cluster.Node{Name: "fd-aws-cp-1"}
	if err := c.Stop(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	stops := w.Of("StopInstances")
	if len(stops) != 1 || stops[0].Get("InstanceId.1") != "i-0a" || stops[0].Get("Force") != "true" {
		t.Errorf("StopInstances: %v, want i-0a with Force", stops)
	}
	running, err := c.Running(context.Background(), n)
	if err != nil || running {
		t.Errorf("Running after the stop: %v, %v", running, err)
	}
	if _, err := c.Running(context.Background(), cluster.Node{Name: "elsewhere"}); err == nil {
		t.Error("Running of a node that is no instance of the cluster: no error")
	}
}

// A dry run prints every call with its input, sends nothing (no
// credentials, no endpoint), and shows the whole life: launch, wait,
// terminate.
func TestDryRunPrintsEveryCall(t *testing.T) {
	var out bytes.Buffer
	p := NewProvider(Options{Out: &out, StateDir: t.TempDir(), DryRun: true, MinDelay: time.Millisecond, MaxDelay: time.Millisecond})
	_, created, err := p.Up(context.Background(), cluster.UpInput{Spec: haSpec(), RunID: testRun, KubeconfigDir: t.TempDir()})
	if !errors.Is(err, ErrDryRun) || created {
		t.Fatalf("Up in a dry run: created %v, %v; want ErrDryRun", created, err)
	}
	text := out.String()
	if n := strings.Count(text, "dry run: ec2:RunInstances "); n != 3 {
		t.Errorf("%d RunInstances printed, want 3:\n%s", n, text)
	}
	for _, want := range []string{`"SubnetId":"subnet-c"`, `"Key":"firedrill:cluster","Value":"fd-aws"`, "dry run: ec2:DescribeInstances ",
		`dry run: ec2:TerminateInstances {"InstanceIds":["i-dryrun00000000001","i-dryrun00000000002","i-dryrun00000000003"]}`, "kubeadm"} {
		if !strings.Contains(text, want) {
			t.Errorf("dry run output lacks %s:\n%s", want, text)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(p.opts.StateDir, "aws-clusters"))
	if len(entries) != 0 {
		t.Errorf("a dry run wrote records: %v", entries)
	}
}

func TestConsoleHostKeys(t *testing.T) {
	got := ConsoleHostKeys("old\n-----BEGIN SSH HOST KEY KEYS-----\nssh-rsa OLD root@x\n-----END SSH HOST KEY KEYS-----\n" + console)
	want := []string{"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("keys %q, want the last block's %q", got, want)
	}
	if k := ConsoleHostKeys("-----BEGIN SSH HOST KEY KEYS-----\nssh-ed25519 AAAA"); k != nil {
		t.Errorf("keys from an unfinished block: %q", k)
	}
}

// Ctrl-C in the middle of the launch: Up says the caller owns what was
// launched (created), the record names the instance EC2 had named, and
// Delete, on a context of its own as the runner's release has, terminates
// it and removes the record.
func TestInterruptedLaunchIsTerminated(t *testing.T) {
	w := fakeec2.NewWire(t)
	a := fakeec2.Instance{ID: "i-0a", State: "pending", Zone: "eu-west-1a", Private: "10.0.1.10", Tags: tagged("fd-aws", "fd-aws-cp-1")}
	running, gone := a, a
	running.State, gone.State = "running", "terminated"
	w.On("DescribeInstances", fakeec2.DescribeReply(""), // no instance of the cluster before Up
		fakeec2.DescribeReply("", running), // Delete: the tagged ones
		fakeec2.DescribeReply("", gone))    // the terminated waiter
	w.On("RunInstances", fakeec2.RunReply(a))
	w.On("TerminateInstances", fakeec2.EmptyReply("TerminateInstances"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.Before = func(action string, n int) {
		if action == "RunInstances" && n == 1 { // the second node's launch
			cancel()
		}
	}
	var out bytes.Buffer
	p := testProvider(t, w, &out)
	_, created, err := p.Up(ctx, cluster.UpInput{Spec: haSpec(), RunID: testRun, KubeconfigDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) || !created {
		t.Fatalf("Up interrupted: created %v, %v; want created and context.Canceled", created, err)
	}
	rec, ok, rerr := p.readRecord("fd-aws")
	if rerr != nil || !ok || rec.Instances["fd-aws-cp-1"] != "i-0a" || len(rec.Instances) != 1 {
		t.Fatalf("record after the interruption: %+v (%v, %v), want i-0a alone", rec, ok, rerr)
	}
	if err := p.Delete(context.Background(), "fd-aws"); err != nil {
		t.Fatal(err)
	}
	if terms := w.Of("TerminateInstances"); len(terms) != 1 || terms[0].Get("InstanceId.1") != "i-0a" {
		t.Errorf("TerminateInstances: %v, want i-0a", terms)
	}
	if _, ok, _ := p.readRecord("fd-aws"); ok {
		t.Error("the record outlived the termination")
	}
}

// Delete acts on identity, not on a tag: an instance tagged for the
// cluster that the record does not name (another machine's cluster of the
// same name, or a tag set by hand) is named as not ours, with the
// commands to free it on purpose, and left; the recorded one is
// terminated, and the record goes once it is.
func TestDeleteLeavesTaggedInstancesItDidNotLaunch(t *testing.T) {
	w := fakeec2.NewWire(t)
	a := fakeec2.Instance{ID: "i-0a", State: "running", Zone: "eu-west-1a", Private: "10.0.1.10", Tags: tagged("fd-aws", "fd-aws-cp-1")}
	theirs := fakeec2.Instance{ID: "i-theirs", State: "running", Zone: "eu-west-1a", Private: "10.0.1.99", Tags: tagged("fd-aws", "fd-aws-cp-1")}
	gone := a
	gone.State = "terminated"
	w.On("DescribeInstances", fakeec2.DescribeReply("", a, theirs), fakeec2.DescribeReply("", gone))
	w.On("TerminateInstances", fakeec2.EmptyReply("TerminateInstances"))
	var out bytes.Buffer
	p := testProvider(t, w, &out)
	if err := p.writeRecord(record{Cluster: "fd-aws", Region: "eu-west-1", Instances: map[string]string{"fd-aws-cp-1": "i-0a"}}); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(context.Background(), "fd-aws"); err != nil {
		t.Fatal(err)
	}
	terms := w.Of("TerminateInstances")
	if len(terms) != 1 || terms[0].Get("InstanceId.1") != "i-0a" || terms[0].Get("InstanceId.2") != "" {
		t.Fatalf("TerminateInstances: %v, want i-0a alone", terms)
	}
	if waits := w.Of("DescribeInstances"); len(waits) != 2 || waits[1].Get("InstanceId.1") != "i-0a" || waits[1].Get("InstanceId.2") != "" {
		t.Errorf("the terminated waiter: %v, want i-0a alone", waits)
	}
	for _, want := range []string{"not ours: instance i-theirs",
		"aws ec2 terminate-instances --region eu-west-1 --instance-ids i-theirs",
		"aws ec2 delete-tags --region eu-west-1 --resources i-theirs --tags Key=" + TagCluster} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if _, ok, _ := p.readRecord("fd-aws"); ok {
		t.Error("the record outlived the termination of every instance it names")
	}
}

// Up refuses, record or not, when an instance tagged for the cluster is
// not in its record: reuse adopts no instance by its tag (the record names
// i-0a and i-0b, a third is another's), and a stale record is no licence
// for Delete to terminate what the tag finds. The refusal names the
// stranger with the commands to free it on purpose; nothing is launched,
// adopted or terminated, and the record stays as it was.
func TestUpRefusesTaggedInstancesNotInItsRecord(t *testing.T) {
	running := func(id, zone, node string) fakeec2.Instance {
		return fakeec2.Instance{ID: id, State: "running", Zone: zone, Private: "10.0.9.9", Tags: tagged("fd-aws", node)}
	}
	theirs := running("i-theirs", "eu-west-1c", "fd-aws-cp-3")
	for _, tc := range []struct {
		name     string
		reuse    bool
		recorded map[string]string
		live     []fakeec2.Instance
	}{
		{name: "reuse", reuse: true, recorded: map[string]string{"fd-aws-cp-1": "i-0a", "fd-aws-cp-2": "i-0b", "fd-aws-cp-3": "i-0c"},
			live: []fakeec2.Instance{running("i-0a", "eu-west-1a", "fd-aws-cp-1"), running("i-0b", "eu-west-1b", "fd-aws-cp-2"), theirs}},
		{name: "stale record", recorded: map[string]string{"fd-aws-cp-1": "i-old"}, live: []fakeec2.Instance{theirs}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := fakeec2.NewWire(t)
			w.On("DescribeInstances", fakeec2.DescribeReply("", tc.live...))
			var out bytes.Buffer
			p := testProvider(t, w, &out)
			if err := p.writeRecord(record{Cluster: "fd-aws", Region: "eu-west-1", Instances: tc.recorded}); err != nil {
				t.Fatal(err)
			}
			_, created, err := p.Up(context.Background(), cluster.UpInput{Spec: haSpec(), RunID: testRun, Reuse: tc.reuse, KubeconfigDir: t.TempDir()})
			if err == nil {
				t.Fatal("Up: no error, want a refusal")
			}
			for _, want := range []string{"i-theirs", "no record of launching",
				"aws ec2 terminate-instances --region eu-west-1 --instance-ids i-theirs;",
				"aws ec2 delete-tags --region eu-west-1 --resources i-theirs --tags Key=" + TagCluster} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("refusal lacks %q: %v", want, err)
				}
			}
			if strings.Contains(err.Error(), "i-0a") {
				t.Errorf("the refusal names a recorded instance as a stranger: %v", err)
			}
			if created {
				t.Error("created = true for a refused cluster")
			}
			for _, action := range []string{"RunInstances", "TerminateInstances", "GetConsoleOutput"} {
				if n := len(w.Of(action)); n != 0 {
					t.Errorf("%d %s calls after a refusal", n, action)
				}
			}
			rec, ok, rerr := p.readRecord("fd-aws")
			if rerr != nil || !ok || len(rec.Instances) != len(tc.recorded) {
				t.Errorf("record after the refusal: %+v, %v, %v", rec, ok, rerr)
			}
		})
	}
}
