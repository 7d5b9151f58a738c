// Package scenario is the schema of scenario files (scenarios/*.yaml) and
// cluster profiles (clusters/*.yaml): strict loading, validation with errors
// that name file, line and field, and the catalog of both. A profile's
// provider block (kindCluster, ...) is the provider's own: each provider
// registers it (RegisterProvider), and this package knows none by name.
package scenario

import (
	"io/fs"
	"path/filepath"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/kubeadm"
)

// APIVersion is the only schema version so far.
const APIVersion = "firedrill.io/v1alpha1"

// Kinds of file.
const (
	KindScenario       = "Scenario"
	KindClusterProfile = "ClusterProfile"
)

// Scenario is one declarative drill: which cluster, what must hold before,
// what breaks, what must hold after, and the budgets.
type Scenario struct {
	APIVersion  string   `yaml:"apiVersion"`
	Kind        string   `yaml:"kind"`
	Name        string   `yaml:"name"`        // required, equals the file's base name
	Description string   `yaml:"description"` // required
	Cluster     string   `yaml:"cluster"`     // required: a profile name in clusters/
	Labels      []string `yaml:"labels"`      // Ginkgo labels of the spec

	SteadyState SteadyState `yaml:"steadyState"`
	Probes      Probes      `yaml:"probes"`
	Fault       Fault       `yaml:"fault"`
	Recovery    Recovery    `yaml:"recovery"`
	Budgets     []Budget    `yaml:"budgets"` // at least one

	// Path is the file the scenario was loaded from (not part of the file).
	Path string `yaml:"-"`
}

// Check names, used by steadyState.checks and recovery.conditions.
const (
	CheckAPI              = "api"                // GET /readyz through the client endpoint answers ok
	CheckNodes            = "nodes"              // every node of the profile is Ready
	CheckControlPlanePods = "control-plane-pods" // every control-plane static pod is Ready
	CheckLeases           = "leases"             // scheduler and controller-manager Leases held and fresh
	CheckWorkload         = "workload"           // probe Deployment available and serving from outside
	CheckAPIServers       = "api-servers"        // every API server, reached directly, answers /readyz
	CheckEtcd             = "etcd"               // every etcd member answers its own /readyz (caught up)
)

// Checks is the set of known check names.
var Checks = []string{CheckAPI, CheckNodes, CheckControlPlanePods, CheckLeases, CheckWorkload, CheckAPIServers, CheckEtcd}

// SteadyState must hold, continuously for Settle, before the fault.
type SteadyState struct {
	Checks  []string      `yaml:"checks"`  // required, non-empty, each in Checks
	Settle  time.Duration `yaml:"settle"`  // required, > 0
	Timeout time.Duration `yaml:"timeout"` // required, > Settle
}

// Probes tune the request probes.
type Probes struct {
	// Interval between two samples of one series; required, > 0 and <= 250ms
	// (the measurement model's resolution).
	Interval time.Duration `yaml:"interval"`
	// Timeout: a request not answered in this time counts as down; required,
	// > 0.
	Timeout time.Duration `yaml:"timeout"`
	// WriteInterval between two counter writes; required, > 0.
	WriteInterval time.Duration `yaml:"writeInterval"`
	// Edges is how finely each API outage's edges are bracketed: the
	// path to each API endpoint is watched this often with signals that
	// cost the server next to nothing (HTTP/2 pings, and connection
	// knocks while it is down), and when it comes back each series that
	// is down sends its requests this often for at most a second.
	// Optional: left out, DefaultEdges (off when interval is no longer);
	// 0s turns it off (the edges are then known to within one interval);
	// else below interval.
	Edges *time.Duration `yaml:"edges,omitempty"`
	// Canary creates a pod right after the fault and records when it is
	// scheduled (figure scheduling.canary); optional.
	Canary bool `yaml:"canary"`
	// WorkloadToleration is how long the probe workload's pods stay bound
	// to a node that is not ready or unreachable before they are evicted
	// and replaced elsewhere (their NoExecute tolerations); optional,
	// Kubernetes' default is 300 s, which would dominate any drill that
	// loses a worker.
	WorkloadToleration time.Duration `yaml:"workloadToleration"`
	// WorkloadVia is how the harness reaches the probe workload from
	// outside; optional. Empty: through a worker the fault's target
	// cannot pick when there is one, else through every node's NodePort,
	// the first that answers (a whole-cluster outage leaves no node out).
	// WorkloadSparedWorker: the drill measures that the workload keeps
	// serving, so a worker must stay outside the fault; a target that may
	// take every worker is refused. WorkloadAnyNode: every node's
	// NodePort, always.
	WorkloadVia string `yaml:"workloadVia"`
}

// DefaultEdges is probes.edges left out: every edge known to within
// 20 ms.
const DefaultEdges = 10 * time.Millisecond

// EdgesEvery is the cadence of the edges' watch and bursts; 0: off.
func (p Probes) EdgesEvery() time.Duration {
	if p.Edges == nil {
		if p.Interval <= DefaultEdges {
			return 0
		}
		return DefaultEdges
	}
	return *p.Edges
}

// How the probe workload is reached (Probes.WorkloadVia).
const (
	WorkloadSparedWorker = "spared-worker"
	WorkloadAnyNode      = "any-node"
)

// WorkloadVias are the values of probes.workloadVia.
var WorkloadVias = []string{WorkloadSparedWorker, WorkloadAnyNode}

// Components a kill can target: the control-plane static pods, by their
// "component" label.
const (
	ComponentAPIServer         = kubeadm.APIServer
	ComponentScheduler         = kubeadm.Scheduler
	ComponentControllerManager = kubeadm.ControllerManager
	ComponentEtcd              = kubeadm.Etcd
)

// Components is the list of known components.
var Components = []string{ComponentAPIServer, ComponentScheduler, ComponentControllerManager, ComponentEtcd}

// Leadership selects by leader election: the holder of the component's
// Lease (scheduler, controller-manager) or etcd's raft leader.
const (
	Leader   = "leader"
	Follower = "follower"
)

// How a kill scenario accounts for the kubelet's restart back-off: killing
// the same container again within ten minutes delays its restart by 10 s,
// then 20 s, 40 s... The scenario must say which way it deals with it.
const (
	// BackoffChooseTarget picks, among the candidates, the node whose
	// component container restarted least recently, so a "one" target
	// avoids the back-off when any candidate is fresh.
	BackoffChooseTarget = "choose-target"
	// BackoffInBudget takes the back-off as part of the measured recovery:
	// the budget's lower bound and max include it (say how in why).
	BackoffInBudget = "in-budget"
)

// KubeletBackoffs lists the known policies.
var KubeletBackoffs = []string{BackoffChooseTarget, BackoffInBudget}

// Fault is what breaks and where.
type Fault struct {
	Action   string        `yaml:"action"`   // required, a registered action (RegisterAction)
	Target   Target        `yaml:"target"`   // required
	Duration time.Duration `yaml:"duration"` // required (> 0) iff the action needs it, else must be absent
	// KubeletBackoff is required iff the action needs a component: one of
	// KubeletBackoffs.
	KubeletBackoff string `yaml:"kubeletBackoff"`
}

// Target roles.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
	RoleAny          = "any"
)

// Target selects nodes, apart from the action. Count is "one", "all" or a
// positive integer (as a string in Go, an int or a string in YAML).
type Target struct {
	Role  string `yaml:"role"`  // required: control-plane, worker or any
	Zone  string `yaml:"zone"`  // optional: only nodes of this zone
	Count string `yaml:"count"` // required: one, all, or N >= 1
	// Component is required iff the action needs one (one of Components);
	// the role must then be control-plane.
	Component string `yaml:"component"`
	// Leadership is optional: leader or follower, for kube-scheduler,
	// kube-controller-manager and etcd; leader needs count one.
	Leadership string `yaml:"leadership"`
}

// Recovery is what must hold again after the fault, without a human step.
type Recovery struct {
	Conditions []string      `yaml:"conditions"` // required, non-empty, each in Checks
	Timeout    time.Duration `yaml:"timeout"`    // required, > 0, measured from the first inject
	// ObserveAfter: every condition must hold without a break this long to
	// count as recovered (a cascade after a first all-clear restarts it),
	// and the timeline ends with that stretch of steady state; >= 0.
	ObserveAfter time.Duration `yaml:"observeAfter"`

	// Procedure is the recovery the harness runs as an operator would,
	// each step timed (the procedure package): required iff the fault
	// needs one, one of Procedures.
	Procedure string `yaml:"procedure"`
	// Snapshot says when the etcd backup the procedure restores is taken:
	// SnapshotBeforeFault (the default) or SnapshotSurvivor.
	Snapshot string `yaml:"snapshot"`
	// SnapshotAge is how long before the fault a SnapshotBeforeFault
	// backup is taken: writes acknowledged in between are the expected
	// recovery point window (writes.rpo); >= 0.
	SnapshotAge time.Duration `yaml:"snapshotAge"`
	// StartAfter is how long after the fault the procedure starts (an
	// operator noticing and deciding); >= 0.
	StartAfter time.Duration `yaml:"startAfter"`
}

// Recovery procedures.
const (
	// ProcedureRestoreEtcd stops the API servers, restores every etcd
	// member from the snapshot as a new cluster, starts etcd and the API
	// servers again and restarts the components that cache.
	ProcedureRestoreEtcd = "restore-etcd"
	// ProcedureRebuildControlPlane puts a fresh node in place of a lost
	// control-plane node, gives it the cluster's certificates and the
	// restored etcd data, and builds the control plane on it with kubeadm.
	ProcedureRebuildControlPlane = "rebuild-control-plane"
	// ProcedureRemoveWebhook deletes an admission webhook configuration
	// whose backend is gone, what an operator does first, and proves
	// that writes are admitted again. It restores no snapshot.
	ProcedureRemoveWebhook = "remove-webhook"
	// ProcedureRenewCertificates renews the certificates a cluster left
	// without renewal lets expire (kubeadm certs renew on every
	// control-plane node) and restarts the static pods that load them.
	ProcedureRenewCertificates = "renew-certificates"
	// ProcedureDefragEtcd is what an operator does for etcd out of space:
	// find the NOSPACE alarm, delete what filled it, compact to the
	// current revision, defragment each member one at a time, disarm.
	ProcedureDefragEtcd = "defrag-etcd"
	// ProcedureReplaceEtcdMember replaces a member whose data is gone for
	// good: member remove, member add with the same name and peer URL, a
	// fresh data directory joining with initial-cluster-state existing.
	// Quorum holds throughout.
	ProcedureReplaceEtcdMember = "replace-etcd-member"
)

// Procedures lists the known procedures.
var Procedures = []string{ProcedureRestoreEtcd, ProcedureRebuildControlPlane, ProcedureRemoveWebhook, ProcedureRenewCertificates,
	ProcedureDefragEtcd, ProcedureReplaceEtcdMember}

// SnapshotProcedures are the procedures that restore an etcd snapshot
// taken by the harness: only they have recovery.snapshot and
// recovery.snapshotAge, and a backup phase before the fault; the others
// repair the cluster in place.
var SnapshotProcedures = []string{ProcedureRestoreEtcd, ProcedureRebuildControlPlane}

// EtcdProcedures work on etcd's members: the backup phase reads them
// before the fault (and, for SnapshotProcedures, takes the snapshot).
var EtcdProcedures = []string{ProcedureRestoreEtcd, ProcedureRebuildControlPlane, ProcedureDefragEtcd, ProcedureReplaceEtcdMember}

// sharedProcedures recover more than one action: renew-certificates
// renews whichever certificates expired. Every other procedure recovers
// the one action that registered it.
var sharedProcedures = map[string]bool{ProcedureRenewCertificates: true}

// TakesSnapshot says whether a procedure restores an etcd snapshot (and
// so has a backup phase before the fault).
func TakesSnapshot(procedure string) bool {
	return slices.Contains(SnapshotProcedures, procedure)
}

// When the backup is taken.
const (
	// SnapshotBeforeFault: from a healthy member, recovery.snapshotAge
	// before the fault.
	SnapshotBeforeFault = "before-fault"
	// SnapshotSurvivor: after the fault, from a member it spared (a
	// member without quorum still streams its data).
	SnapshotSurvivor = "survivor"
)

// Snapshots lists the known snapshot times.
var Snapshots = []string{SnapshotBeforeFault, SnapshotSurvivor}

// Budget kinds, from the control-plane resilience design.
const (
	BudgetSelfHealing  = "self-healing" // time until healthy with no human step
	BudgetAvailability = "availability" // allowed downtime, lost writes, availability %
	BudgetCalibration  = "calibration"  // the harness's own accuracy
	// BudgetHarness bounds the harness's own cost (the harness.* cost
	// figures); blown, the drill is INVALID (budget.KindHarness).
	BudgetHarness = budget.KindHarness
)

// Budget bounds one figure. Max and Min are written in the figure's unit: a
// duration ("60s", "1.5s") for seconds, an integer for counts, a number for
// percent. At least one of them is required. LowerBound is what the
// cluster's own settings make impossible to beat (same unit, optional), and
// Why says where the numbers come from (required: a budget without a reason
// is a guess).
type Budget struct {
	Figure     string `yaml:"figure"`
	Kind       string `yaml:"kind"`
	Max        *Value `yaml:"max"`
	Min        *Value `yaml:"min"`
	LowerBound *Value `yaml:"lowerBound"`
	Why        string `yaml:"why"`
	// FromHistory opts the budget into one derived from earlier runs:
	// P99 of at least 10 of them, never below 1 s, never above max.
	FromHistory bool `yaml:"fromHistory"`
}

// Value is a budget number as written; the loader converts it to Number in
// the unit of the budget's figure (seconds for durations).
type Value struct {
	Raw    string  `yaml:"-"`
	Number float64 `yaml:"-"`
	node   *yaml.Node
}

// UnmarshalYAML keeps the scalar for unit-aware conversion during
// validation.
func (v *Value) UnmarshalYAML(n *yaml.Node) error {
	v.node = n
	v.Raw = n.Value
	return nil
}

// ClusterProfile says how to get a cluster.
type ClusterProfile struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`     // required, equals the file's base name
	Provider   string `yaml:"provider"` // required: a registered provider's name

	// Cluster is the provider's block (the key it registered, e.g.
	// kindCluster), decoded into the provider's own type; required. The
	// file is decoded with every registered provider's key known
	// (profileSchema); a block of another provider is refused.
	Cluster ClusterBlock `yaml:"-"`

	// BudgetOverrides replace a scenario's budget limits on this profile,
	// so kind on a laptop and EC2 differ without editing scenarios.
	BudgetOverrides []BudgetOverride `yaml:"budgetOverrides"`

	// Timeouts override the harness's own waits on this profile
	// (DefaultTimeouts); optional, each field optional.
	Timeouts *Timeouts `yaml:"timeouts"`

	Path string `yaml:"-"`
	// Files holds the profile's file, and the files its relative paths
	// name: nil for this machine's, the shipped catalog for a shipped
	// profile.
	Files fs.FS `yaml:"-"`

	// blocks are the provider blocks the file has, by key: Cluster, and
	// any of other providers (an error).
	blocks map[string]ClusterBlock
}

// Rel is a path the profile gives, relative to the profile's file (an
// absolute or empty one as it is). It names a file of Files.
func (p *ClusterProfile) Rel(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(p.Path), path)
}

// Admits says whether the target's role and zone admit a node of this
// role and zone: the one rule validation and the fault's selection share.
func (t Target) Admits(role, zone string) bool {
	return (t.Role == RoleAny || t.Role == role) && (t.Zone == "" || t.Zone == zone)
}

// NodeShapes are the nodes of the profile, whatever its provider: what
// fault targets are checked against.
func (p *ClusterProfile) NodeShapes() []NodeShape {
	if p.Cluster == nil {
		return nil
	}
	return p.Cluster.NodeShapes()
}

// BudgetOverride replaces Max, Min and/or LowerBound of one scenario's
// budget on one figure; the scenario and figure must exist and the budget
// must have the max or min it replaces already. A lower bound may be set
// where the scenario has none: it is what this profile's machines make
// impossible to beat (a VM's forced reboot is not kind's docker stop), so it
// belongs to the profile as much as to the scenario.
type BudgetOverride struct {
	Scenario   string `yaml:"scenario"`
	Figure     string `yaml:"figure"`
	Max        *Value `yaml:"max"`
	Min        *Value `yaml:"min"`
	LowerBound *Value `yaml:"lowerBound"`
	Why        string `yaml:"why"` // required
}
