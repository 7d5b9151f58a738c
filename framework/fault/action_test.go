package fault

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/scenario"
)

// What each action's evidence says is in every report: moving the actions
// into their own files must not change a word of it.
func TestActionEvidence(t *testing.T) {
	etcd := scenario.Target{Component: scenario.ComponentEtcd}
	for action, want := range map[string]string{
		"reboot":                     "boot id changed",
		"pause":                      "node frozen (docker state Paused)",
		"isolate-api":                "reset rule in place",
		"blackhole-api":              "drop rule in place",
		"kill":                       "etcd process gone",
		"freeze":                     "every etcd process stopped (state T)",
		"isolate-node":               "drop rule in place",
		"stop":                       "node stopped (docker state not running)",
		"partition":                  "drop rules in place",
		"wipe-etcd":                  "member data gone and no etcd process",
		"lose-node":                  "node gone",
		"partition-etcd-peers":       "peer port 2380 drop rules in place",
		"expire-serving-certificate": "the API server serves a certificate that expired",
		"expire-client-certificates": "the kubeconfigs hold client certificates that expired, and the components restarted",
		"api-flood":                  "the API server answers the flood's requests",
		"stop-kubelet":               "kubelet stopped (systemd ActiveState not active)",
		"webhook-down":               "writes in firedrill-probe refused: failed calling webhook",
	} {
		a, ok := actions[action]
		if !ok {
			t.Errorf("%s is not registered", action)
			continue
		}
		if got := a.evidence(scenario.Fault{Action: action, Target: etcd}); got != want {
			t.Errorf("%s: evidence %q, want %q", action, got, want)
		}
	}
}

// The journal's undo kinds are written in entries on disk and replayed by
// `firedrill clean`: each keeps its name and is found through the
// registry, and a held fault journals under its action's kind.
func TestUndoKinds(t *testing.T) {
	for action, kind := range map[string]string{
		"reboot": UndoStart, "stop": UndoStart, "pause": UndoUnpause, "isolate-api": UndoRestoreAPI,
		"blackhole-api": UndoRestoreAPI, "freeze": UndoThaw, "isolate-node": UndoRestoreNode, "partition": UndoRemoveRules,
		"partition-etcd-peers":       UndoRestoreEtcdPeers,
		"expire-serving-certificate": UndoRestoreCertificates, "expire-client-certificates": UndoRestoreCertificates,
		"api-flood":    UndoRemoveFloodIdentity,
		"stop-kubelet": UndoStartKubelet, "webhook-down": UndoRemoveWebhook,
		"fill-etcd": UndoFreeEtcd,
	} {
		if a := actions[action]; a.undo == nil || a.undo.Kind != kind || undos[kind] != a.undo {
			t.Errorf("%s: undo %+v, want %q found by its kind", action, a.undo, kind)
		}
	}
	for _, action := range []string{"kill", "wipe-etcd", "wipe-etcd-member", "lose-node"} {
		if actions[action].undo != nil {
			t.Errorf("%s has an undo; nothing is left to undo after it", action)
		}
	}
	want := []string{"free-etcd", "remove-flood-identity", "remove-rules", "remove-webhook", "restore-api", "restore-certificates", "restore-etcd-peers", "restore-node", "start", "start-kubelet", "thaw", "unpause"}
	if got := slices.Sorted(maps.Keys(undos)); !slices.Equal(got, want) {
		t.Errorf("undo kinds %v, want %v", got, want)
	}
}

// A name or an undo kind registered twice is a mistake of the package:
// it fails at start, not at the first clean.
func TestRegisterRefusesDuplicates(t *testing.T) {
	mustPanic := func(what string, a action) {
		t.Helper()
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), a.name) {
				t.Errorf("%s: register did not refuse it (%v)", what, r)
			}
		}()
		register(a)
	}
	noop := func(Build) (Fault, error) { return nil, nil }
	mustPanic("a name twice", action{name: "pause", build: noop, evidence: says("x")})
	mustPanic("no build", action{name: "melt", evidence: says("x")})
	other := &JournalUndo{Kind: UndoUnpause, Do: func(context.Context, cluster.Cluster, cluster.Node, string) error { return nil }}
	mustPanic("another action's undo kind", action{name: "melt", build: noop, evidence: says("x"), undo: other})
	if _, ok := actions["melt"]; ok {
		t.Error("a refused action was registered")
	}
}

// The schema accepts exactly the actions that are registered, and needs
// of each what it always did.
func TestRegisteredActionsAreTheSchemas(t *testing.T) {
	want := map[string]scenario.FaultAction{
		"reboot":                     {},
		"pause":                      {NeedsDuration: true},
		"isolate-api":                {NeedsDuration: true},
		"blackhole-api":              {NeedsDuration: true},
		"kill":                       {NeedsComponent: true, RestartsContainer: true},
		"freeze":                     {NeedsDuration: true, NeedsComponent: true},
		"isolate-node":               {NeedsDuration: true},
		"stop":                       {NeedsDuration: true},
		"partition":                  {NeedsDuration: true},
		"wipe-etcd":                  {NeedsComponent: true, Component: scenario.ComponentEtcd, Procedure: scenario.ProcedureRestoreEtcd},
		"lose-node":                  {Role: scenario.RoleControlPlane, Procedure: scenario.ProcedureRebuildControlPlane},
		"partition-etcd-peers":       {NeedsDuration: true, NeedsComponent: true, Component: scenario.ComponentEtcd},
		"expire-serving-certificate": {Role: scenario.RoleControlPlane, Procedure: scenario.ProcedureRenewCertificates},
		"expire-client-certificates": {Role: scenario.RoleControlPlane, Procedure: scenario.ProcedureRenewCertificates},
		"api-flood":                  {NeedsDuration: true, Floods: true},
		"stop-kubelet":               {NeedsDuration: true},
		"webhook-down":               {Role: scenario.RoleControlPlane, Procedure: scenario.ProcedureRemoveWebhook},
		"fill-etcd":                  {NeedsComponent: true, Component: scenario.ComponentEtcd, Procedure: scenario.ProcedureDefragEtcd},
		"wipe-etcd-member":           {NeedsComponent: true, Component: scenario.ComponentEtcd, Procedure: scenario.ProcedureReplaceEtcdMember},
	}
	if got := Actions(); !slices.Equal(got, scenario.ActionNames()) {
		t.Errorf("registered %v, the schema knows %v", got, scenario.ActionNames())
	}
	for name, needs := range want {
		if got, ok := scenario.LookupAction(name); !ok || got != needs {
			t.Errorf("%s needs %+v, want %+v", name, got, needs)
		}
	}
}
