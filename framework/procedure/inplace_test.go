package procedure

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/timeline"
)

// etcd's maintenance order: the alarm found, the culprit deleted, the
// history compacted, each member defragmented one at a time, the alarm
// disarmed last (disarmed earlier, the next write raises it again: the
// file is still at its quota until defragmented).
func TestDefragEtcdOrder(t *testing.T) {
	ms := members(3)
	deleted := false
	steps := DefragEtcd(DefragPlan{Members: ms, DeleteFiller: func(context.Context) error { deleted = true; return nil }, DeleteCommand: "kubectl delete configmaps -n x -l f",
		DeleteRest: func(context.Context) error { return nil }, DeleteRestCommand: "kubectl delete namespace x"})
	want := []string{timeline.StepFindAlarm, timeline.StepDeleteFiller, timeline.StepCompact, timeline.StepDefragment, timeline.StepDisarm}
	if got := names(steps); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	for _, s := range steps {
		if !slices.Contains(timeline.Steps, s.Name) {
			t.Errorf("step %s is not in timeline.Steps: it would have no figure", s.Name)
		}
	}
	defrag := steps[3]
	if !defrag.Sequential || len(defrag.Actions) != 3 {
		t.Fatalf("defragment: sequential %v with %d actions, want one member at a time, all 3", defrag.Sequential, len(defrag.Actions))
	}
	for i, a := range defrag.Actions {
		if a.Node == nil || a.Node.Name != ms[i].Node.Name || !strings.Contains(a.Script, "--endpoints=https://127.0.0.1:2379") ||
			!strings.Contains(a.Script, " defrag") || strings.Contains(a.Script, "--cluster") {
			t.Errorf("defragment action %d is not member %s's own defrag:\n%s", i, ms[i].Name, a.Script)
		}
	}
	if s := steps[2].Actions[0].Script; !strings.Contains(s, "compaction --physical \"$rev\"") {
		t.Errorf("compact:\n%s", s)
	}
	disarm := steps[4]
	if !disarm.Sequential || len(disarm.Actions) != 2 || !strings.Contains(disarm.Actions[0].Script, "alarm disarm") ||
		disarm.Actions[1].Command != "kubectl delete namespace x" {
		t.Errorf("disarm-alarm: %+v", disarm)
	}
	if steps[1].Actions[0].Command != "kubectl delete configmaps -n x -l f" {
		t.Errorf("delete-filler: %+v", steps[1].Actions[0])
	}
	// Run on nodes that answer every script; the harness's delete runs.
	c := fakes.NewCluster("fake", ms[0].Node, ms[1].Node, ms[2].Node)
	c.Commands = func(context.Context, cluster.Node, []string) ([]byte, error) { return nil, nil }
	if err := Run(context.Background(), Input{Cluster: c, Name: "t", Out: &strings.Builder{}, Record: func(timeline.Step) {}}, steps); err != nil || !deleted {
		t.Errorf("run: %v, filler deleted %v", err, deleted)
	}
}

// No NOSPACE alarm, no procedure: the operator's first look fails the
// step, and nothing is deleted or defragmented.
func TestDefragEtcdNeedsTheAlarm(t *testing.T) {
	ms := members(3)
	deleted := false
	steps := DefragEtcd(DefragPlan{Members: ms, DeleteFiller: func(context.Context) error { deleted = true; return nil }})
	c := fakes.NewCluster("fake", ms[0].Node, ms[1].Node, ms[2].Node)
	c.Commands = func(_ context.Context, _ cluster.Node, argv []string) ([]byte, error) {
		if strings.Contains(argv[len(argv)-1], "grep -q 'alarm:NOSPACE[[:space:]]*$'") {
			return nil, errors.New("exit status 1: no NOSPACE alarm raised")
		}
		return nil, nil
	}
	var recorded []timeline.Step
	err := Run(context.Background(), Input{Cluster: c, Name: "t", Out: &strings.Builder{}, Record: func(s timeline.Step) { recorded = append(recorded, s) }}, steps)
	var se *StepError
	if !errors.As(err, &se) || se.Step != timeline.StepFindAlarm || deleted || len(recorded) != 1 {
		t.Errorf("got %v, deleted %v, %d steps recorded; want find-alarm failed alone", err, deleted, len(recorded))
	}
}

func TestHasAlarm(t *testing.T) {
	for out, want := range map[string]bool{
		"memberID:10276657743932975437 alarm:NOSPACE\n":        true,
		"memberID:6777010780153197748 alarm:NOSPACE \n":        true, // as etcdctl 3.6.5 prints it
		"memberID:1 alarm:CORRUPT\nmemberID:2 alarm:NOSPACE\n": true,
		"":                                   false,
		"memberID:1 alarm:CORRUPT\n":         false,
		"Error: context deadline exceeded\n": false,
		"memberID:1 alarm:NOSPACEX\n":        false,
	} {
		if got := HasAlarm(out, NoSpaceAlarm); got != want {
			t.Errorf("HasAlarm(%q) = %v, want %v", out, got, want)
		}
	}
}

// The member goes, comes back as a new one with its name and peer URL,
// and only then starts, on its own node, from an empty data directory:
// the reconfiguration from a healthy member, the start on the lost node.
func TestReplaceEtcdMember(t *testing.T) {
	ms := members(3)
	steps := ReplaceEtcdMember(ReplacePlan{Lost: ms[1], From: ms[0], All: ms})
	want := []string{timeline.StepRemoveMember, timeline.StepAddMember, timeline.StepStartMember}
	if got := names(steps); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	for _, s := range steps {
		if !slices.Contains(timeline.Steps, s.Name) {
			t.Errorf("step %s is not in timeline.Steps", s.Name)
		}
	}
	remove, add, start := steps[0].Actions[0], steps[1].Actions[0], steps[2].Actions[0]
	if remove.Node.Name != "cp1" || !strings.Contains(remove.Script, "member list | grep -F ', cp2, ' | cut -d, -f1") ||
		!strings.Contains(remove.Script, `member remove "$id"`) {
		t.Errorf("remove-member on %s:\n%s", remove.Node.Name, remove.Script)
	}
	if add.Node.Name != "cp1" || !strings.Contains(add.Script, "member add cp2 --peer-urls=https://10.0.0.2:2380") {
		t.Errorf("add-member on %s:\n%s", add.Node.Name, add.Script)
	}
	if start.Node.Name != "cp2" || !strings.Contains(start.Script, "rm -rf "+EtcdDataDir+"/member") ||
		!strings.Contains(start.Script, "--initial-cluster=cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380") ||
		!strings.Contains(start.Script, "endpoint health") {
		t.Errorf("start-member on %s:\n%s", start.Node.Name, start.Script)
	}
	if i, j := strings.Index(start.Script, "rm -rf "+EtcdDataDir), strings.Index(start.Script, "mv "+HeldDir+"/etcd.yaml"); i < 0 || j < i {
		t.Errorf("the manifest goes back before the data directory is fresh:\n%s", start.Script)
	}
}

// The manifest edit, run by the real sed on kubeadm's manifests: the
// first member's (no --initial-cluster-state) and a joined member's
// (existing, two members in --initial-cluster) both end with every member
// and existing, once each.
func TestRejoinManifest(t *testing.T) {
	if _, err := exec.LookPath("sed"); err != nil {
		t.Skip("no sed")
	}
	data, err := os.ReadFile("testdata/etcd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Replace(string(data), "    - --initial-cluster=firedrill-single-control-plane=https://172.18.0.3:2380\n",
		"    - --initial-cluster=cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380\n    - --initial-cluster-state=existing\n", 1)
	if joined == string(data) {
		t.Fatal("testdata has no --initial-cluster line")
	}
	ms := members(3)
	for name, manifest := range map[string]string{"first": string(data), "joined": joined} {
		dir := t.TempDir()
		held := filepath.Join(dir, "etcd.yaml")
		if err := os.WriteFile(held, []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		script := strings.ReplaceAll(rejoinManifest(ms), HeldDir+"/etcd.yaml", held)
		if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", name, err, out)
		}
		got, _ := os.ReadFile(held)
		lines := strings.Split(string(got), "\n")
		cluster := slices.Index(lines, "    - --initial-cluster=cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380")
		state := slices.Index(lines, "    - --initial-cluster-state=existing")
		if cluster < 0 || state != cluster+1 || strings.Count(string(got), "--initial-cluster-state") != 1 || strings.Count(string(got), "--initial-cluster=") != 1 {
			t.Errorf("%s member's manifest after the edit:\n%s", name, got)
		}
		if _, err := parseMember(got); err != nil {
			t.Errorf("%s: the edited manifest does not parse: %v", name, err)
		}
	}
}
