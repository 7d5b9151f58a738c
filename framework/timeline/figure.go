package timeline

// Unit is what a figure's Value counts.
type Unit string

const (
	Seconds Unit = "s"
	Count   Unit = "count"
	Percent Unit = "%"
)

// Figure is one number derived from a timeline. A figure that could not be
// derived (no samples, no fault event) has Measured false and says why in
// Note: a budget on it must fail, never pass silently.
type Figure struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     Unit    `json:"unit"`
	Measured bool    `json:"measured"`
	Note     string  `json:"note,omitempty"`
}

// Names of the derived figures. Budgets in scenario files refer to these.
// Component figures are per component (the max over its pods), so a budget
// reads the same on a single-master and on an HA profile.
const (
	// API availability, from the API series of the client endpoint (union
	// of all their down intervals: down when any client style failed).
	APIDowntimeTotal   = "api.downtime.total"   // s, sum of down intervals
	APIDowntimeLongest = "api.downtime.longest" // s, the longest one
	APIAvailability    = "api.availability"     // %, up time over the window
	APIDetect          = "api.detect"           // s, first failed sample answered, from the first inject
	APIRecovery        = "api.recovery"         // s, end of the last down interval, from the first inject

	// Each API server reached directly (series "api/<node>/..."), apart
	// from the load balancer: the worst server's total downtime, and when
	// the last of them served again, from the first inject.
	APIDirectDowntimeMax = "api.direct.downtime.max"
	APIDirectRecovery    = "api.direct.recovery"

	// etcd: every member ready (/readyz) again, from the first inject; and
	// how often the leader changed during the window.
	EtcdRecovery      = "etcd.recovery"
	EtcdLeaderChanges = "etcd.leader.changes" // count

	// SchedulingCanary: from the canary pod's creation to its binding.
	SchedulingCanary = "scheduling.canary"
	// WorkloadExcessPods: the most pods the probe Deployment had above its
	// replicas at any observation (count).
	WorkloadExcessPods = "workload.pods.excess"

	// Leader election: the holder of the kube-scheduler and
	// kube-controller-manager Leases renews again, from the first inject.
	LeaseSchedulerRecovery            = "lease.kube-scheduler.recovery"
	LeaseControllerManagerRecovery    = "lease.kube-controller-manager.recovery"
	LeaseSchedulerTransitions         = "lease.kube-scheduler.transitions"          // count, during the window
	LeaseControllerManagerTransitions = "lease.kube-controller-manager.transitions" // count

	// Control-plane static pods Ready again, from the first inject.
	PodAPIServerRecovery         = "pod.kube-apiserver.recovery"
	PodEtcdRecovery              = "pod.etcd.recovery"
	PodSchedulerRecovery         = "pod.kube-scheduler.recovery"
	PodControllerManagerRecovery = "pod.kube-controller-manager.recovery"

	// Nodes: kubelet heartbeating again (node Lease renewed) and Ready, from
	// the first inject; the max over all nodes.
	NodeRecovery = "node.recovery"

	// RecoveryAll is the max of every recovery figure (API, direct API
	// servers, etcd, leases, pods, nodes, workload): the cluster healed in
	// all.
	RecoveryAll = "recovery.all"

	// Workload (data plane) reached from outside the cluster.
	WorkloadDowntimeTotal   = "workload.downtime.total"
	WorkloadDowntimeLongest = "workload.downtime.longest"
	WorkloadRecovery        = "workload.recovery"

	// Writer.
	WritesAcknowledged = "writes.acknowledged" // count
	WritesLost         = "writes.lost"         // count: acknowledged, missing after recovery
	WritesDowntime     = "writes.downtime"     // s, total write-path down time

	// Fault window and calibration: FaultWindow is from the end of the
	// first inject action to the end of the last recover action (only for
	// faults the harness lifts itself, e.g. pause/unpause);
	// APIDowntimeError is |APIDowntimeTotal - FaultWindow|, what the
	// calibration drill bounds.
	FaultWindow      = "fault.window"
	APIDowntimeError = "api.downtime.error"

	// Calibration per connection kind: the API downtime seen by the
	// client series over new connections (a dial and a TLS handshake per
	// request) and over reused ones (one long-lived HTTP/2 connection),
	// and each one's |downtime - fault.window|. A connection open across a
	// cut that drops packets stalls until TCP retransmits, a real effect
	// clients with long-lived connections see, so the two differ.
	APIDowntimeNew         = "api.downtime.new"
	APIDowntimeReused      = "api.downtime.reused"
	APIDowntimeErrorNew    = "api.downtime.error.new"
	APIDowntimeErrorReused = "api.downtime.error.reused"

	// The harness watching itself (series harness/control): the total time
	// it was stalled, and the API downtime that fell in those stalls and
	// was kept out of api.downtime.total.
	HarnessStallTotal  = "harness.stall.total"
	APIDowntimeStalled = "api.downtime.stalled"
)

// FigureUnits lists every figure name with its unit; a budget naming a
// figure not in this table is a validation error.
var FigureUnits = map[string]Unit{
	APIDowntimeTotal: Seconds, APIDowntimeLongest: Seconds, APIAvailability: Percent,
	APIDetect: Seconds, APIRecovery: Seconds,
	LeaseSchedulerRecovery: Seconds, LeaseControllerManagerRecovery: Seconds,
	LeaseSchedulerTransitions: Count, LeaseControllerManagerTransitions: Count,
	PodAPIServerRecovery: Seconds, PodEtcdRecovery: Seconds,
	PodSchedulerRecovery: Seconds, PodControllerManagerRecovery: Seconds,
	NodeRecovery: Seconds, RecoveryAll: Seconds,
	WorkloadDowntimeTotal: Seconds, WorkloadDowntimeLongest: Seconds, WorkloadRecovery: Seconds,
	WritesAcknowledged: Count, WritesLost: Count, WritesDowntime: Seconds,
	FaultWindow: Seconds, APIDowntimeError: Seconds,
	APIDirectDowntimeMax: Seconds, APIDirectRecovery: Seconds,
	EtcdRecovery: Seconds, EtcdLeaderChanges: Count,
	SchedulingCanary: Seconds, WorkloadExcessPods: Count,
	HarnessStallTotal: Seconds, APIDowntimeStalled: Seconds,
	APIDowntimeNew: Seconds, APIDowntimeReused: Seconds,
	APIDowntimeErrorNew: Seconds, APIDowntimeErrorReused: Seconds,
}
