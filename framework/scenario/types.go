// Package scenario is the schema of scenario files (scenarios/*.yaml) and
// cluster profiles (clusters/*.yaml): strict loading, validation with errors
// that name file, line and field, and the catalog of both.
package scenario

import (
	"io/fs"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"

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
)

// Procedures lists the known procedures.
var Procedures = []string{ProcedureRestoreEtcd, ProcedureRebuildControlPlane}

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
	Provider   string `yaml:"provider"` // required: "kind" (ssh and aws later)

	KindCluster *KindCluster `yaml:"kindCluster"` // required iff provider is kind
	SSHCluster  *SSHCluster  `yaml:"sshCluster"`  // required iff provider is ssh
	AWSCluster  *AWSCluster  `yaml:"awsCluster"`  // required iff provider is aws

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

// Providers.
const (
	ProviderKind = "kind"
	ProviderSSH  = "ssh"
	ProviderAWS  = "aws"
)

// Node shapes of the profile, whatever its provider: what fault targets
// are checked against.
func (p *ClusterProfile) NodeShapes() []KindNode {
	switch {
	case p.KindCluster != nil:
		return p.KindCluster.Nodes
	case p.SSHCluster != nil:
		out := make([]KindNode, 0, len(p.SSHCluster.Nodes))
		for _, n := range p.SSHCluster.Nodes {
			out = append(out, KindNode{Role: n.Role, Zone: n.Zone})
		}
		return out
	case p.AWSCluster != nil:
		return p.AWSCluster.Nodes
	}
	return nil
}

// SSHCluster is a cluster bootstrapped with kubeadm on machines reached
// over SSH (any Linux hosts with containerd, kubelet and kubeadm).
type SSHCluster struct {
	// ClusterName names the cluster (its kubeconfig, the mark on its
	// machines); required, a DNS label.
	ClusterName string `yaml:"clusterName"`
	// Inventory lists the machines (vm-hosts' inventory.yaml format);
	// relative to the profile file; FIREDRILL_SSH_INVENTORY overrides it.
	Inventory string `yaml:"inventory"`
	// KubeadmConfig is the kubeadm configuration template (Go template:
	// .NodeName, .Address, .ControlPlaneEndpoint, .KubernetesVersion,
	// .PodSubnet, .Role), relative to the profile file; required.
	KubeadmConfig     string `yaml:"kubeadmConfig"`
	KubernetesVersion string `yaml:"kubernetesVersion"` // required
	PodSubnet         string `yaml:"podSubnet"`         // required, CIDR
	// ControlPlaneEndpoint is the API's address for clients and joining
	// nodes (host:port of a load balancer in front of the control-plane
	// machines); empty uses the first machine's. FIREDRILL_SSH_ENDPOINT
	// overrides it.
	ControlPlaneEndpoint string `yaml:"controlPlaneEndpoint"`
	// CNIManifest is a path, on the first control-plane machine, of the
	// CNI's manifest ({{ .PodSubnet }} replaced); optional.
	CNIManifest  string        `yaml:"cniManifest"`
	WaitForReady time.Duration `yaml:"waitForReady"` // required, > 0
	Nodes        []SSHNode     `yaml:"nodes"`
	// Attach uses the kubeadm cluster already on the machines instead of
	// making one: its admin kubeconfig is read from the first
	// control-plane machine, nothing is installed, labelled or reset, and
	// the cluster is left as the drills leave it. The drills break its
	// control plane, so MayBreak must say, explicitly, that they may;
	// kubeadmConfig, kubernetesVersion and podSubnet are not needed.
	Attach   bool `yaml:"attach"`
	MayBreak bool `yaml:"mayBreak"`
}

// AWSCluster is a cluster on EC2 instances the harness launches (one per
// node, in the subnet of the node's availability zone), bootstrapped with
// kubeadm over SSH as an sshCluster is, and terminated at the end.
type AWSCluster struct {
	// ClusterName names the cluster (the firedrill:cluster tag of its
	// instances, its kubeconfig); required, a DNS label.
	ClusterName  string `yaml:"clusterName"`
	Region       string `yaml:"region"`       // required, e.g. eu-west-1
	InstanceType string `yaml:"instanceType"` // required, e.g. m6i.large
	// Image is the AMI: Linux with containerd, kubelet and kubeadm, and
	// cloud-init printing the SSH host keys on the console; required.
	Image string `yaml:"image"`
	// KeyPair is the EC2 key pair's name; SSHKey the path of its private
	// key (FIREDRILL_AWS_SSH_KEY overrides it); SSHUser the login (default
	// root). All required but SSHUser.
	KeyPair        string   `yaml:"keyPair"`
	SSHKey         string   `yaml:"sshKey"`
	SSHUser        string   `yaml:"sshUser"`
	SecurityGroups []string `yaml:"securityGroups"` // required, at least one
	// Zones are the availability zones nodes go to, each with its subnet;
	// required, every node's zone among them.
	Zones []AWSZone `yaml:"zones"`
	// ControlPlaneEndpoint is the API's address for clients and joining
	// nodes (host:port of a load balancer in front of the control-plane
	// instances); empty uses the first control-plane instance's, which a
	// lost zone may take with it.
	ControlPlaneEndpoint string `yaml:"controlPlaneEndpoint"`
	// KubeadmConfig, KubernetesVersion, PodSubnet, CNIManifest and
	// WaitForReady are as in sshCluster.
	KubeadmConfig     string        `yaml:"kubeadmConfig"`
	KubernetesVersion string        `yaml:"kubernetesVersion"`
	PodSubnet         string        `yaml:"podSubnet"`
	CNIManifest       string        `yaml:"cniManifest"`
	WaitForReady      time.Duration `yaml:"waitForReady"`
	Nodes             []KindNode    `yaml:"nodes"`
}

// AWSZone is an availability zone and the subnet nodes there are launched
// in.
type AWSZone struct {
	Name   string `yaml:"name"`
	Subnet string `yaml:"subnet"`
}

// SSHNode is one node: its role, zone and, optionally, the inventory's
// host it is made on (default: the hosts in order).
type SSHNode struct {
	Role string `yaml:"role"`
	Zone string `yaml:"zone"`
	Host string `yaml:"host"`
}

// KindCluster is a kind cluster's shape.
type KindCluster struct {
	// ClusterName of the kind cluster; required, a DNS label. The harness only
	// ever reuses or deletes a cluster of this name that it created itself.
	ClusterName string `yaml:"clusterName"`
	// NodeImage; optional, KIND_NODE_IMAGE overrides it; one of the two is
	// needed at run time.
	NodeImage string `yaml:"nodeImage"`
	// WaitForReady bounds cluster creation's readiness wait; required, > 0.
	WaitForReady time.Duration `yaml:"waitForReady"`
	// Nodes; required, at least one control-plane.
	Nodes []KindNode `yaml:"nodes"`
	// Network, optional: the cluster gets a docker network of its own with
	// fixed subnets instead of kind's shared one, so that a rebooted node
	// can be given back its address (kind issue 1689: docker hands a
	// restarted container whatever address is free, and etcd's peers and
	// the load balancer keep the old one).
	Network *KindNetwork `yaml:"network"`
}

// KindNetwork is a docker network made for one cluster.
type KindNetwork struct {
	// Name of the docker network; required, a DNS-1123 label.
	Name string `yaml:"name"`
	// Subnet (IPv4) and SubnetV6 (IPv6), both required: docker pins an
	// address only on a network whose subnets the user chose, and kind's
	// nodes are dual-stack.
	Subnet   string `yaml:"subnet"`
	SubnetV6 string `yaml:"subnetV6"`
}

// KindNode is one node; Zone becomes the topology.kubernetes.io/zone label.
type KindNode struct {
	Role string `yaml:"role"` // control-plane or worker
	Zone string `yaml:"zone"` // required
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
