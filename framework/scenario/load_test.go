package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// baseScenario is a valid scenario for file drill.yaml; the tests break it
// by editing one line, so its line numbers are part of the expectations.
const baseScenario = `apiVersion: firedrill.io/v1alpha1
kind: Scenario
name: drill
description: Reboot the only control-plane node.
cluster: kind-single
labels: [reboot, single-master]
steadyState:
  checks: [api, nodes, control-plane-pods]
  settle: 10s
  timeout: 2m
probes:
  interval: 100ms
  timeout: 1s
  writeInterval: 500ms
fault:
  action: reboot
  target:
    role: control-plane
    count: one
recovery:
  conditions: [api, nodes]
  timeout: 5m
  observeAfter: 30s
budgets:
  - figure: api.recovery
    kind: self-healing
    max: 120s
    lowerBound: 20s
    why: measured on kind, worst of 3 runs 85s
  - figure: writes.lost
    kind: availability
    max: 0
    why: acknowledged writes are durable in etcd
`

// baseProfile is a valid profile for file kind-single.yaml, overriding a
// budget of baseScenario.
const baseProfile = `apiVersion: firedrill.io/v1alpha1
kind: ClusterProfile
name: kind-single
provider: kind
kindCluster:
  clusterName: firedrill-single
  nodeImage: kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d
  waitForReady: 5m
  nodes:
    - role: control-plane
      zone: zone-a
    - role: worker
      zone: zone-a
budgetOverrides:
  - scenario: drill
    figure: api.recovery
    max: 150s
    why: a laptop's docker restarts slower
`

// edit replaces old, which must occur exactly once in s, by new.
func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("edit: %q occurs %d times", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// messages lists the lines of a joined error.
func messages(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// checkErr asserts that err has exactly count messages (if count > 0) and
// that each fragment in want, prefixed by the file's name, is in one of
// them.
func checkErr(t *testing.T, err error, file string, count int, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	msgs := messages(err)
	if count > 0 && len(msgs) != count {
		t.Errorf("%d messages, want %d:\n%s", len(msgs), count, err)
	}
	for _, w := range want {
		w = file + ":" + w
		found := false
		for _, m := range msgs {
			if strings.Contains(m, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no message contains\n  %s\ngot:\n%s", w, err)
		}
	}
}

func TestScenarioErrors(t *testing.T) {
	tests := []struct {
		name       string
		old, new   string // edit of baseScenario
		old2, new2 string // optional second edit
		count      int    // number of messages, 0: don't check
		want       []string
	}{
		{
			name: "unknown field at top level",
			old:  "name: drill\n", new: "name: drill\nowner: me\n",
			count: 1,
			want:  []string{`4:1: owner: unknown field "owner"; known fields: apiVersion, kind, name, description, cluster, labels, steadyState, probes, fault, recovery, budgets`},
		},
		{
			name: "unknown field nested",
			old:  "    count: one\n", new: "    count: one\n    zones: [zone-a]\n",
			count: 1,
			want:  []string{`20:5: fault.target.zones: unknown field "zones" (did you mean "zone"?); known fields: role, zone, count`},
		},
		{
			name: "unknown field in a list item",
			old:  "    max: 0\n", new: "    max: 0\n    severity: high\n",
			count: 1,
			want:  []string{`33:5: budgets[1].severity: unknown field "severity"; known fields: figure, kind, max, min, lowerBound, why`},
		},
		{
			name: "string for a duration",
			old:  "settle: 10s", new: "settle: ten",
			count: 1,
			want:  []string{`9:11: steadyState.settle: want a duration such as "30s" or "500ms", got "ten"`},
		},
		{
			name: "bare number for a duration field",
			old:  "settle: 10s", new: "settle: 10",
			count: 1,
			want:  []string{`9:11: steadyState.settle: bare number 10: write a duration with its unit, e.g. 10s`},
		},
		{
			name: "map for a list",
			old:  "checks: [api, nodes, control-plane-pods]", new: "checks: {api: true}",
			count: 1,
			want:  []string{`8:11: steadyState.checks: want a list of strings, got a mapping`},
		},
		{
			name: "scalar for a mapping",
			old:  "  target:\n    role: control-plane\n    count: one\n", new: "  target: master\n",
			count: 1,
			want:  []string{`17:11: fault.target: want a mapping with role, zone, count, component, leadership, got "master"`},
		},
		{
			name: "missing required value at top level",
			old:  "description: Reboot the only control-plane node.\n", new: "",
			count: 1,
			want:  []string{`1:1: description: required`},
		},
		{
			name: "missing required value nested",
			old:  "    role: control-plane\n", new: "",
			count: 1,
			want:  []string{`17:3: fault.target.role: required: "control-plane", "worker" or "any"`},
		},
		{
			name: "missing section",
			old:  "probes:\n  interval: 100ms\n  timeout: 1s\n  writeInterval: 500ms\n", new: "",
			count: 1,
			want:  []string{`1:1: probes: required (interval, timeout and writeInterval)`},
		},
		{
			name: "duration zero",
			old:  "timeout: 5m", new: "timeout: 0s",
			count: 1,
			want:  []string{`22:12: recovery.timeout: must be > 0, got 0s`},
		},
		{
			name: "unknown fault action",
			old:  "action: reboot", new: "action: crash",
			count: 1,
			want:  []string{`16:11: fault.action: unknown action "crash"; known actions: api-flood, blackhole-api, expire-client-certificates, expire-serving-certificate, fill-etcd, freeze, isolate-api, isolate-node, kill, lose-node, partition, partition-etcd-peers, pause, reboot, stop, stop-kubelet, webhook-down, wipe-etcd, wipe-etcd-member`},
		},
		{
			name: "wipe-etcd without a procedure",
			old:  "action: reboot", new: "action: wipe-etcd",
			count: 2,
			want: []string{
				`17:3: fault.target.component: required for action "wipe-etcd"`,
				`20:1: recovery.procedure: required for action "wipe-etcd" (nothing in the cluster undoes it): "restore-etcd"`,
			},
		},
		{
			name: "wipe-etcd of another component, recovered by another action's procedure",
			old:  "action: reboot\n  target:\n    role: control-plane\n    count: one\n",
			new:  "action: wipe-etcd\n  target:\n    role: control-plane\n    count: one\n    component: kube-apiserver\n",
			old2: "  timeout: 5m\n", new2: "  timeout: 5m\n  procedure: rebuild-control-plane\n",
			count: 2,
			want: []string{
				`24:14: recovery.procedure: "rebuild-control-plane" replaces what action "lose-node" destroys, not "wipe-etcd"`,
				`20:16: fault.target.component: action "wipe-etcd" acts on "etcd" only`,
			},
		},
		{
			name: "lose-node of a worker, recovered by another action's procedure",
			old:  "action: reboot\n  target:\n    role: control-plane\n",
			new:  "action: lose-node\n  target:\n    role: worker\n",
			old2: "  timeout: 5m\n", new2: "  timeout: 5m\n  procedure: restore-etcd\n",
			count: 2,
			want: []string{
				`23:14: recovery.procedure: "restore-etcd" restores what action "wipe-etcd" wipes, not "lose-node"`,
				`18:11: fault.target.role: action "lose-node" is recovered by "rebuild-control-plane": role must be "control-plane"`,
			},
		},
		{
			name: "webhook-down restores no snapshot",
			old:  "action: reboot", new: "action: webhook-down",
			old2: "  timeout: 5m\n", new2: "  timeout: 5m\n  procedure: remove-webhook\n  snapshot: before-fault\n  snapshotAge: 5s\n",
			count: 2,
			want: []string{
				`24:13: recovery.snapshot: procedure "remove-webhook" restores no snapshot: remove it`,
				`25:16: recovery.snapshotAge: procedure "remove-webhook" restores no snapshot: remove it`,
			},
		},
		{
			name: "a snapshot for a procedure that repairs in place",
			old:  "action: reboot\n  target:\n    role: control-plane\n    count: one\n",
			new:  "action: fill-etcd\n  target:\n    role: control-plane\n    count: one\n    component: etcd\n",
			old2: "  timeout: 5m\n", new2: "  timeout: 5m\n  procedure: defrag-etcd\n  snapshot: before-fault\n",
			count: 1,
			want: []string{
				`25:13: recovery.snapshot: procedure "defrag-etcd" restores no snapshot: remove it`,
			},
		},
		{
			name: "a member replacement of more than one member",
			old:  "action: reboot\n  target:\n    role: control-plane\n    count: one\n",
			new:  "action: wipe-etcd-member\n  target:\n    role: control-plane\n    count: all\n    component: etcd\n",
			old2: "  timeout: 5m\n", new2: "  timeout: 5m\n  procedure: replace-etcd-member\n",
			count: 1,
			want: []string{
				`19:12: fault.target.count: "replace-etcd-member" replaces one member while the others keep quorum: must be "one", got "all"`,
			},
		},
		{
			name: "a procedure on a fault that heals by itself",
			old:  "  timeout: 5m\n", new: "  timeout: 5m\n  procedure: restore-etcd\n  snapshot: after\n",
			count: 2,
			want: []string{
				`23:14: recovery.procedure: action "reboot" heals by itself: a procedure would hide whether it does; remove it`,
				`24:13: recovery.snapshot: unknown snapshot time "after": want "before-fault" or "survivor"`,
			},
		},
		{
			name: "kill without component and back-off policy",
			old:  "action: reboot", new: "action: kill",
			count: 2,
			want: []string{
				`15:1: fault.kubeletBackoff: required for action "kill": how the drill accounts for the kubelet's restart back-off, one of "choose-target" or "in-budget"`,
				`17:3: fault.target.component: required for action "kill": one of "kube-apiserver", "kube-scheduler", "kube-controller-manager" or "etcd"`,
			},
		},
		{
			name: "kill of an unknown component",
			old:  "action: reboot\n", new: "action: kill\n  kubeletBackoff: in-budget\n",
			old2: "count: one\n", new2: "count: one\n    component: kube-sheduler\n",
			count: 1,
			want:  []string{`21:16: fault.target.component: unknown component "kube-sheduler" (did you mean "kube-scheduler"?)`},
		},
		{
			name: "leader of the API server",
			old:  "action: reboot\n", new: "action: kill\n  kubeletBackoff: choose-target\n",
			old2: "count: one\n", new2: "count: one\n    component: kube-apiserver\n    leadership: leader\n",
			count: 1,
			want:  []string{`22:17: fault.target.leadership: needs a leader-elected component`},
		},
		{
			name: "all leaders",
			old:  "action: reboot\n", new: "action: kill\n  kubeletBackoff: choose-target\n",
			old2: "count: one\n", new2: "count: all\n    component: etcd\n    leadership: leader\n",
			count: 1,
			want:  []string{`20:12: fault.target.count: there is one leader: count must be "one"`},
		},
		{
			name: "back-off policy on a reboot",
			old:  "action: reboot\n", new: "action: reboot\n  kubeletBackoff: in-budget\n",
			count: 1,
			want:  []string{`17:19: fault.kubeletBackoff: action "reboot" restarts no container: remove it`},
		},
		{
			name: "pause without duration",
			old:  "action: reboot", new: "action: pause",
			count: 1,
			want:  []string{`15:1: fault.duration: required for action "pause"`},
		},
		{
			name: "reboot with duration",
			old:  "  action: reboot\n", new: "  action: reboot\n  duration: 30s\n",
			count: 1,
			want:  []string{`17:13: fault.duration: action "reboot" takes no duration: remove it`},
		},
		{
			name: "unknown target role",
			old:  "role: control-plane", new: "role: master",
			count: 1,
			want:  []string{`18:11: fault.target.role: unknown role "master": want "control-plane", "worker" or "any"`},
		},
		{
			name: "bad count word",
			old:  "count: one", new: "count: several",
			count: 1,
			want:  []string{`19:12: fault.target.count: must be "one", "all" or an integer >= 1, got "several"`},
		},
		{
			name: "zero count",
			old:  "count: one", new: "count: 0",
			count: 1,
			want:  []string{`19:12: fault.target.count: must be "one", "all" or an integer >= 1, got "0"`},
		},
		{
			name: "unknown figure with suggestion",
			old:  "figure: api.recovery", new: "figure: api.recovry",
			count: 1,
			want:  []string{`25:13: budgets[0].figure: unknown figure "api.recovry"; did you mean "api.recovery"?`},
		},
		{
			name: "bare number as a duration budget",
			old:  "max: 120s", new: "max: 120",
			count: 1,
			want:  []string{`27:10: budgets[0].max: bare number 120: write a duration with its unit, e.g. 120s`},
		},
		{
			name: "count budget not an integer",
			old:  "max: 0", new: "max: 1.5",
			count: 1,
			want:  []string{`32:10: budgets[1].max: want a non-negative integer (the figure is a count), got "1.5"`},
		},
		{
			name: "percent budget out of range",
			old:  "figure: writes.lost\n    kind: availability\n    max: 0", new: "figure: api.availability\n    kind: availability\n    min: 101",
			count: 1,
			want:  []string{`32:10: budgets[1].min: want a number from 0 to 100 (the figure is a percentage; no % sign), got "101"`},
		},
		{
			name: "lowerBound above max",
			old:  "lowerBound: 20s", new: "lowerBound: 200s",
			count: 1,
			want:  []string{`27:10: budgets[0].max: max 120s is below lowerBound 200s: budget below the lower bound the cluster's settings impose`},
		},
		{
			name: "budget without max or min",
			old:  "    max: 0\n", new: "",
			count: 1,
			want:  []string{`30:5: budgets[1]: needs max or min (or both)`},
		},
		{
			name: "budget without why",
			old:  "    why: acknowledged writes are durable in etcd\n", new: "",
			count: 1,
			want:  []string{`30:5: budgets[1].why: required`},
		},
		{
			name: "unknown budget kind",
			old:  "kind: self-healing", new: "kind: healing",
			count: 1,
			want:  []string{`26:11: budgets[0].kind: unknown kind "healing": want "self-healing", "availability", "calibration" or "harness"`},
		},
		{
			// The kind decides the verdict (a blown harness budget is
			// INVALID, any other FAIL), so it must match the figure.
			name: "harness kind on a cluster figure",
			old:  "figure: writes.lost\n    kind: availability", new: "figure: writes.lost\n    kind: harness",
			count: 1,
			want:  []string{`31:11: budgets[1].kind: kind "harness" is for the harness's own cost figures, not "writes.lost"`},
		},
		{
			name: "harness figure of another kind",
			old:  "figure: writes.lost\n    kind: availability\n    max: 0", new: "figure: harness.requests.rate\n    kind: availability\n    max: 50",
			count: 1,
			want:  []string{`31:11: budgets[1].kind: "harness.requests.rate" is the harness's own cost: its budget has kind "harness"`},
		},
		{
			name: "negative rate",
			old:  "figure: writes.lost\n    kind: availability\n    max: 0", new: "figure: harness.exec.rate\n    kind: harness\n    max: -1",
			count: 1,
			want:  []string{`32:10: budgets[1].max: want a non-negative number (the figure is a rate per second; no unit), got "-1"`},
		},
		{
			name: "two budgets on one figure",
			old:  "figure: writes.lost", new: "figure: api.recovery",
			count: 0,
			want:  []string{`30:13: budgets[1].figure: duplicate budget on "api.recovery" (first at budgets[0])`},
		},
		{
			name: "no budgets",
			old:  baseScenario[strings.Index(baseScenario, "budgets:"):], new: "budgets: []\n",
			count: 1,
			want:  []string{`24:10: budgets: required: at least one budget`},
		},
		{
			name: "duplicate check",
			old:  "checks: [api, nodes, control-plane-pods]", new: "checks: [api, nodes, api]",
			count: 1,
			want:  []string{`8:24: steadyState.checks[2]: duplicate check "api" (first at steadyState.checks[0])`},
		},
		{
			name: "unknown condition",
			old:  "conditions: [api, nodes]", new: "conditions: [api, node]",
			count: 1,
			want:  []string{`21:21: recovery.conditions[1]: unknown condition "node" (did you mean "nodes"?); known: api, nodes, control-plane-pods, leases, workload`},
		},
		{
			name: "interval above 250ms",
			old:  "interval: 100ms", new: "interval: 1s",
			count: 1,
			want:  []string{`12:13: probes.interval: must be <= 250ms (the measurement model's resolution), got 1s`},
		},
		{
			name: "steady-state timeout not above settle",
			old:  "timeout: 2m", new: "timeout: 10s",
			count: 1,
			want:  []string{`10:12: steadyState.timeout: must be longer than settle (10s), got 10s`},
		},
		{
			name: "name does not match file",
			old:  "name: drill", new: "name: drill-2",
			count: 1,
			want:  []string{`3:7: name: "drill-2" does not match the file name "drill.yaml": want "drill"`},
		},
		{
			name: "bad Ginkgo label",
			old:  "labels: [reboot, single-master]", new: "labels: [reboot, single/master]",
			count: 1,
			want:  []string{`6:18: labels[1]: label "single/master": a Ginkgo label cannot contain any of &|!,()/`},
		},
		{
			name: "duplicate key",
			old:  "  settle: 10s\n", new: "  settle: 10s\n  settle: 20s\n",
			count: 1, // yaml decodes nothing of that mapping: no "required" noise
			want:  []string{`10:3: steadyState.settle: duplicate key "settle" (first at line 9)`},
		},
		{
			name: "budget on a figure a reboot never measures",
			old:  "figure: writes.lost", new: "figure: api.downtime.error.new",
			count: 2, // and its max 0 has no unit
			want:  []string{`30:13: budgets[1].figure: api.downtime.error.new is never measured by this scenario: it needs a held fault (fault.duration > 0)`},
		},
		{
			name: "budget on the canary without one",
			old:  "figure: writes.lost", new: "figure: scheduling.canary",
			count: 2, // and its max 0 has no unit
			want:  []string{`30:13: budgets[1].figure: scheduling.canary is never measured by this scenario: it needs the canary pod (probes.canary: true)`},
		},
		{
			name: "budget on the flood without one",
			old:  "figure: writes.lost", new: "figure: flood.requests",
			count: 1,
			want:  []string{`30:13: budgets[1].figure: flood.requests is never measured by this scenario: it needs an API flood (fault.action: api-flood)`},
		},
		{
			name: "duration with no unit",
			old:  "  timeout: 5m\n", new: "  timeout: 300\n",
			count: 1,
			want:  []string{`22:12: recovery.timeout: bare number 300: write a duration with its unit, e.g. 300s or 300ms`},
		},
		{
			name: "zero timeout",
			old:  "  timeout: 5m\n", new: "  timeout: 0s\n",
			count: 1,
			want:  []string{`22:12: recovery.timeout: must be > 0, got 0s`},
		},
		{
			name: "negative observeAfter",
			old:  "observeAfter: 30s", new: "observeAfter: -30s",
			count: 1,
			want:  []string{`23:17: recovery.observeAfter: must be >= 0, got -30s`},
		},
		{
			name: "freeze takes no kubelet back-off",
			old:  "  action: reboot\n", new: "  action: freeze\n  kubeletBackoff: in-budget\n  duration: 30s\n",
			old2: "    count: one\n", new2: "    component: etcd\n    count: 2\n",
			count: 1,
			want:  []string{`17:19: fault.kubeletBackoff: action "freeze" restarts no container: remove it`},
		},
		{
			name: "unknown field merged in",
			old:  "  - figure: writes.lost\n    kind: availability\n", new: "  - <<: {kind: availability, color: red}\n    figure: writes.lost\n",
			count: 1,
			want:  []string{`30:30: budgets[1].color: unknown field "color"; known fields: figure, kind, max, min, lowerBound, why`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := edit(t, baseScenario, tt.old, tt.new)
			if tt.old2 != "" {
				text = edit(t, text, tt.old2, tt.new2)
			}
			path := writeFile(t, t.TempDir(), "drill.yaml", text)
			_, err := LoadScenario(path)
			checkErr(t, err, path, tt.count, tt.want...)
		})
	}
}

func TestErrorsSortedByLine(t *testing.T) {
	s := edit(t, baseScenario, "figure: api.recovery", "figure: api.recovry")
	s = edit(t, s, "count: one", "count: several")
	s = edit(t, s, "name: drill\n", "name: drill\nowner: me\n")
	s = edit(t, s, "settle: 10s", "settle: ten")
	path := writeFile(t, t.TempDir(), "drill.yaml", s)
	_, err := LoadScenario(path)
	msgs := messages(err)
	want := []string{":4:1: owner:", ":10:11: steadyState.settle:", ":20:12: fault.target.count:", ":26:13: budgets[0].figure:"}
	if len(msgs) != len(want) {
		t.Fatalf("got %d messages, want %d:\n%s", len(msgs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(msgs[i], path+w) {
			t.Errorf("message %d = %q, want prefix %q", i, msgs[i], path+w)
		}
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Line != 4 || fe.Path != "owner" {
		t.Errorf("errors.As FieldError = %+v", fe)
	}
}

func TestDocumentErrors(t *testing.T) {
	tests := []struct {
		name, content string
		load          func(string) error
		want          string
	}{
		{"empty file", "", loadScenarioErr, `1:1: (document): file is empty`},
		{"only a comment", "# nothing\n", loadFileErr, `1:1: (document): file is empty`},
		{"not a mapping", "- a\n- b\n", loadScenarioErr, `1:1: (document): want a mapping with apiVersion and kind, got a list`},
		{"scalar", "hello\n", loadFileErr, `1:1: (document): want a mapping with apiVersion and kind, got "hello"`},
		{"parser error", "name: drill\nfault: [a\n", loadScenarioErr, `2:1: (document): invalid YAML: did not find expected ',' or ']' (in what starts at this line)`},
		{"scanner error", "name: drill\nfault: a: b\n", loadScenarioErr, `2:1: (document): invalid YAML: mapping values are not allowed in this context`},
		{"second document", baseScenario + "---\nname: x\n", loadScenarioErr, `35:1: (document): a second YAML document`},
		{"missing apiVersion", edit(t, baseScenario, "apiVersion: firedrill.io/v1alpha1\n", ""), loadScenarioErr, `1:1: apiVersion: required: "firedrill.io/v1alpha1"`},
		{"other apiVersion", edit(t, baseScenario, "v1alpha1", "v1"), loadScenarioErr, `1:13: apiVersion: unknown version "firedrill.io/v1": want "firedrill.io/v1alpha1"`},
		{"missing kind", edit(t, baseScenario, "kind: Scenario\n", ""), loadFileErr, `1:1: kind: required: "Scenario" or "ClusterProfile"`},
		{"unknown kind", edit(t, baseScenario, "kind: Scenario", "kind: Drill"), loadFileErr, `2:7: kind: unknown kind "Drill": want "Scenario" or "ClusterProfile"`},
		{"profile where a scenario is wanted", baseProfile, loadScenarioErr, `2:7: kind: want "Scenario" here, got "ClusterProfile"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "drill.yaml", tt.content)
			checkErr(t, tt.load(path), path, 0, tt.want)
		})
	}
}

func loadScenarioErr(path string) error { _, err := LoadScenario(path); return err }
func loadFileErr(path string) error     { _, err := LoadFile(path); return err }

func TestMissingFile(t *testing.T) {
	_, err := LoadScenario(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml: cannot read: no such file or directory") {
		t.Errorf("err = %v", err)
	}
}

func TestProfileErrors(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // edit of baseProfile
		want     string
	}{
		{"unknown provider", "provider: kind", "provider: gcp", `4:11: provider: unknown provider "gcp": want "kind", "ssh" or "aws"`},
		{"kind without kindCluster", baseProfile[strings.Index(baseProfile, "kindCluster:"):strings.Index(baseProfile, "budgetOverrides:")], "", `1:1: kindCluster: required for provider "kind"`},
		{"cluster name not a DNS label", "clusterName: firedrill-single", "clusterName: Firedrill_Single", `6:16: kindCluster.clusterName: must be a DNS-1123 label`},
		{"waitForReady missing", "  waitForReady: 5m\n", "", `5:1: kindCluster.waitForReady: required`},
		{"waitForReady a number", "waitForReady: 5m", "waitForReady: 300", `8:17: kindCluster.waitForReady: bare number 300: write a duration with its unit`},
		{"no nodes", "  nodes:\n    - role: control-plane\n      zone: zone-a\n    - role: worker\n      zone: zone-a\n", "  nodes: []\n", `9:10: kindCluster.nodes: required: at least one node`},
		{"no control-plane", "- role: control-plane", "- role: worker", `10:5: kindCluster.nodes: needs at least one control-plane node`},
		{"unknown node role", "- role: control-plane", "- role: master", `10:13: kindCluster.nodes[0].role: unknown role "master": want "control-plane" or "worker"`},
		{"node without zone", "    - role: worker\n      zone: zone-a\n", "    - role: worker\n", `12:7: kindCluster.nodes[1].zone: required`},
		{"override without why", "    why: a laptop's docker restarts slower\n", "", `15:5: budgetOverrides[0].why: required`},
		{"override bare number", "max: 150s", "max: 150", `17:10: budgetOverrides[0].max: bare number 150: write a duration with its unit, e.g. 150s`},
		{"override unknown figure", "figure: api.recovery", "figure: api.recover", `16:13: budgetOverrides[0].figure: unknown figure "api.recover"; did you mean "api.recovery"?`},
		{"override without bound", "    max: 150s\n", "", `15:5: budgetOverrides[0]: needs max, min or lowerBound`},
		{"override lowerBound above its max", "max: 150s", "max: 150s\n    lowerBound: 200s", `17:10: budgetOverrides[0].max: max 150s is below lowerBound 200s: budget below the lower bound the cluster's settings impose`},
		{"override lowerBound bare number", "max: 150s", "lowerBound: 15", `17:17: budgetOverrides[0].lowerBound: bare number 15: write a duration with its unit, e.g. 15s`},
		{"unknown field", "  nodeImage:", "  image:", `7:3: kindCluster.image: unknown field "image"; known fields: clusterName, nodeImage, waitForReady, nodes, network`},
		{"network name shared", "  waitForReady: 5m\n", netYAML("kind", "172.29.46.0/24", "fc00:f1d2:1:2e::/64"), `10:11: kindCluster.network.name: "kind" is shared with others`},
		{"network without subnet", "  waitForReady: 5m\n", netYAML("fd-ha", "", "fc00:f1d2:1:2e::/64"), `9:3: kindCluster.network.subnet: required: an IPv4 subnet`},
		{"network subnet of the wrong family", "  waitForReady: 5m\n", netYAML("fd-ha", "fc00:f1d2:1:2e::/64", "fc00:f1d2:1:2e::/64"), `11:13: kindCluster.network.subnet: must be an IPv4 subnet`},
		{"network subnet with host bits", "  waitForReady: 5m\n", netYAML("fd-ha", "172.29.46.0/24", "fc00:f1d2:1:2e::1/64"), `12:15: kindCluster.network.subnetV6: has host bits set: did you mean fc00:f1d2:1:2e::/64?`},
		{"network subnet not a CIDR", "  waitForReady: 5m\n", netYAML("fd-ha", "172.29.46.0", "fc00:f1d2:1:2e::/64"), `11:13: kindCluster.network.subnet: not a subnet in CIDR form`},
		{"name mismatch", "name: kind-single", "name: kind-multi", `3:7: name: "kind-multi" does not match the file name "kind-single.yaml": want "kind-single"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "kind-single.yaml", edit(t, baseProfile, tt.old, tt.new))
			_, err := LoadProfile(path)
			checkErr(t, err, path, 1, tt.want)
		})
	}
}

// netYAML is a kindCluster.network block after waitForReady; an empty
// value leaves its line out.
func netYAML(name, subnet, subnetV6 string) string {
	s := "  waitForReady: 5m\n  network:\n    name: " + name + "\n"
	if subnet != "" {
		s += "    subnet: " + subnet + "\n"
	}
	if subnetV6 != "" {
		s += "    subnetV6: " + subnetV6 + "\n"
	}
	return s
}

func TestLoadValidExamples(t *testing.T) {
	s, err := LoadScenario("testdata/scenarios/reboot-master.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "reboot-master" || s.Cluster != "kind-single" || s.Path != "testdata/scenarios/reboot-master.yaml" {
		t.Errorf("name, cluster, path = %q, %q, %q", s.Name, s.Cluster, s.Path)
	}
	if s.SteadyState.Settle != 10*time.Second || s.Probes.Interval != 100*time.Millisecond || s.Recovery.Timeout != 5*time.Minute {
		t.Errorf("durations: %+v %+v %+v", s.SteadyState, s.Probes, s.Recovery)
	}
	if s.Fault.Action != "reboot" || s.Fault.Target.Role != RoleControlPlane || s.Fault.Target.Count != "one" {
		t.Errorf("fault = %+v", s.Fault)
	}
	type bound struct {
		figure          string
		max, min, lower float64 // -1: absent
	}
	want := []bound{
		{"api.recovery", 90, -1, -1},
		{"lease.kube-scheduler.recovery", 120, -1, 15},
		{"writes.lost", 0, -1, -1},
		{"api.availability", -1, 50, -1},
	}
	num := func(v *Value) float64 {
		if v == nil {
			return -1
		}
		return v.Number
	}
	if len(s.Budgets) != len(want) {
		t.Fatalf("%d budgets, want %d", len(s.Budgets), len(want))
	}
	for i, w := range want {
		b := s.Budgets[i]
		got := bound{b.Figure, num(b.Max), num(b.Min), num(b.LowerBound)}
		if got != w {
			t.Errorf("budget %d = %+v, want %+v", i, got, w)
		}
	}

	p, err := LoadProfile("testdata/clusters/kind-single.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The kindCluster block's own fields are the kind provider's
	// (providers_test.go).
	if p.Provider != "kind" || p.Cluster == nil {
		t.Fatalf("profile = %+v", p)
	}
	if n := p.NodeShapes(); len(n) != 2 || n[0] != (NodeShape{RoleControlPlane, "zone-a"}) || n[1] != (NodeShape{RoleWorker, "zone-a"}) {
		t.Errorf("nodes = %+v", n)
	}
	if len(p.BudgetOverrides) != 1 || p.BudgetOverrides[0].Max.Number != 120 {
		t.Errorf("overrides = %+v", p.BudgetOverrides)
	}

	for path, want := range map[string]string{
		"testdata/scenarios/reboot-master.yaml": "*scenario.Scenario",
		"testdata/clusters/kind-single.yaml":    "*scenario.ClusterProfile",
	} {
		v, err := LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := typeName(v); got != want {
			t.Errorf("LoadFile(%s) is a %s, want %s", path, got, want)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *Scenario:
		return "*scenario.Scenario"
	case *ClusterProfile:
		return "*scenario.ClusterProfile"
	}
	return "?"
}

func TestTargetCountForms(t *testing.T) {
	for _, count := range []string{"one", "all", "2", `"3"`} {
		path := writeFile(t, t.TempDir(), "drill.yaml", edit(t, baseScenario, "count: one", "count: "+count))
		s, err := LoadScenario(path)
		if err != nil {
			t.Errorf("count: %s: %v", count, err)
			continue
		}
		if want := strings.Trim(count, `"`); s.Fault.Target.Count != want {
			t.Errorf("count: %s loaded as %q", count, s.Fault.Target.Count)
		}
	}
}

func TestPauseWithDuration(t *testing.T) {
	path := writeFile(t, t.TempDir(), "drill.yaml", edit(t, baseScenario, "  action: reboot\n", "  action: pause\n  duration: 20s\n"))
	s, err := LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Fault.Duration != 20*time.Second {
		t.Errorf("duration = %s", s.Fault.Duration)
	}
}

func TestMergeKeys(t *testing.T) {
	s := edit(t, baseScenario, "  - figure: writes.lost\n    kind: availability\n", "  - <<: {kind: availability}\n    figure: writes.lost\n")
	s = edit(t, s, "probes:\n  interval: 100ms\n  timeout: 1s\n", "defaults: &probes\n  interval: 100ms\n  timeout: 1s\nprobes:\n  <<: *probes\n")
	path := writeFile(t, t.TempDir(), "drill.yaml", s)
	_, err := LoadScenario(path)
	// Merged keys count as written; the anchor's holder is still unknown.
	checkErr(t, err, path, 1, `11:1: defaults: unknown field "defaults"`)
}

const awsProfile = `apiVersion: firedrill.io/v1alpha1
kind: ClusterProfile
name: aws-ha
provider: aws
awsCluster:
  clusterName: fd-aws
  region: eu-west-1
  instanceType: m6i.large
  image: ami-1
  keyPair: fd
  sshKey: fd.pem
  securityGroups: [sg-1]
  zones:
    - {name: eu-west-1a, subnet: subnet-a}
    - {name: eu-west-1b, subnet: subnet-b}
  kubeadmConfig: aws.kubeadm.tmpl
  kubernetesVersion: v1.34.4
  podSubnet: 10.244.0.0/16
  waitForReady: 15m
  nodes:
    - {role: control-plane, zone: eu-west-1a}
    - {role: worker, zone: eu-west-1b}
`

func TestAWSProfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "aws-ha.yaml")
	if err := os.WriteFile(path, []byte(awsProfile), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadProfile(path)
	if err != nil {
		t.Fatalf("a valid aws profile: %v", err)
	}
	if shapes := p.NodeShapes(); len(shapes) != 2 || shapes[1].Zone != "eu-west-1b" {
		t.Errorf("node shapes %+v", shapes)
	}
	for _, tt := range []struct{ name, old, new, want string }{
		{"a node in a zone without a subnet", "{role: worker, zone: eu-west-1b}", "{role: worker, zone: eu-west-1c}",
			`22:28: awsCluster.nodes[1].zone: "eu-west-1c" is not one of awsCluster.zones`},
		{"no security group", "  securityGroups: [sg-1]\n", "", `5:1: awsCluster.securityGroups: required`},
		{"a zone twice", "{name: eu-west-1b, subnet: subnet-b}", "{name: eu-west-1a, subnet: subnet-b}", `15:14: awsCluster.zones[1].name: zone "eu-west-1a" is listed twice`},
		{"no region", "  region: eu-west-1\n", "", `5:1: awsCluster.region: required`},
		{"an aws block on a kind profile", "provider: aws", "provider: kind", `6:3: awsCluster: only for provider "aws"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(strings.Replace(awsProfile, tt.old, tt.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadProfile(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %s", err, tt.want)
			}
		})
	}
}

// A scenario's name becomes a folder of the report: it must be a DNS-1123
// label, even when it matches its file's name.
func TestScenarioNameIsALabel(t *testing.T) {
	for _, name := range []string{"..", "Drill_2"} {
		path := writeFile(t, t.TempDir(), name+".yaml", edit(t, baseScenario, "name: drill", "name: "+name))
		_, err := LoadScenario(path)
		if err == nil || !strings.Contains(err.Error(), "name: must be a DNS-1123 label") {
			t.Errorf("scenario named %q: %v, want a DNS-1123 label error", name, err)
		}
	}
}

// A file over the size limit is refused before it is parsed.
func TestOversizedFileRefused(t *testing.T) {
	big := baseScenario + "# " + strings.Repeat("x", MaxFileBytes) + "\n"
	path := writeFile(t, t.TempDir(), "drill.yaml", big)
	_, err := LoadScenario(path)
	if err == nil || !strings.Contains(err.Error(), "refused unread") {
		t.Errorf("a %d-byte scenario: %v, want it refused", len(big), err)
	}
}

// A profile's Kubernetes version goes into the kubeadm configuration and
// commands on the machines: anything but a release is refused, with its line.
func TestKubernetesVersionIsARelease(t *testing.T) {
	for _, file := range []string{"ssh-single.yaml", "aws-ha.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../clusters", file))
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`kubernetesVersion: \S+`)
		if !re.Match(data) {
			t.Fatalf("%s has no kubernetesVersion", file)
		}
		bad := re.ReplaceAll(data, []byte(`kubernetesVersion: "v1.34.4\n  imageRepository: evil.example"`))
		path := filepath.Join(t.TempDir(), file)
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadProfile(path); err == nil || !strings.Contains(err.Error(), "is not a Kubernetes release such as v1.34.4") {
			t.Errorf("%s with a kubernetesVersion carrying YAML: %v", file, err)
		}
	}
}
