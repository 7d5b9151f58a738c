package timeline

import "slices"

// Unit is what a figure's Value counts.
type Unit string

const (
	Seconds Unit = "s"
	Count   Unit = "count"
	Percent Unit = "%"
	// Rate is a number per second (requests, commands).
	Rate Unit = "/s"
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
	// NodeDetect: from the first inject until the cluster itself marked a
	// node not Ready (the node controller, after its grace period): when
	// the control plane noticed, beside api.detect, when clients did.
	NodeDetect = "node.detect"
	// ClusterDetect: from the first inject until the cluster itself first
	// noticed: a node marked not Ready, a leader Lease expired or an etcd
	// election, whichever came first (beside api.detect, when clients
	// noticed).
	ClusterDetect = "cluster.detect"

	// NodesReaddressed: nodes that came back from the fault with another
	// address than before (count), from the address checks.
	NodesReaddressed = "nodes.readdressed"

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
	WritesDetect       = "writes.detect"       // s, first failed write, from the first inject

	// etcd's database: the largest member's backend size (bytes) when the
	// procedure began (or at the fault, without one), and at the end of the
	// window: what a defragmentation gave back.
	EtcdDBSizeBefore = "etcd.dbsize.before"
	EtcdDBSizeAfter  = "etcd.dbsize.after"

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
	// API downtime of quorum reads (served by etcd) and of reads from the
	// API server's watch cache (resourceVersion=0), over any connection.
	APIDowntimeEtcdReads  = "api.downtime.etcd-reads"
	APIDowntimeCacheReads = "api.downtime.cache-reads"

	// APIEdgesMax is the widest bracket of any edge of the client
	// series' outages (from the series' last evidence of its old state to
	// the first of its new one, refined by the path's own edges): how well
	// api.downtime.total's edges are known, about an interval without
	// probes.edges and a few hundredths with it.
	APIEdgesMax = "api.edges.max"

	APIDowntimeNew         = "api.downtime.new"
	APIDowntimeReused      = "api.downtime.reused"
	APIDowntimeErrorNew    = "api.downtime.error.new"
	APIDowntimeErrorReused = "api.downtime.error.reused"

	// APIDowntimeErrorPath is |downtime of cache reads over new
	// connections - fault.window|: the path's own outage as the cheapest
	// client request sees it. A quorum read adds what etcd and the API
	// server's other clients do after a lift (5-110 ms in calibrate-*),
	// a reused connection TCP's retransmission back-off (up to 215 ms):
	// both are the cluster's, not errors of the harness, so the
	// calibration drills bound this one.
	APIDowntimeErrorPath = "api.downtime.error.path"

	// ConnectionStuck: the longest time one probe series failed on a
	// connection that had served it before and never answered again, until
	// the client replaced it (an HTTP/2 connection a load balancer pinned
	// to a frozen server): beside api.downtime.new, it tells a client's
	// stuck connection from the cluster's own outage.
	ConnectionStuck = "connection.stuck"

	// Disaster recovery (restore.go), for drills that restore from a
	// snapshot: RTOWrites from the fault until writes are served for good,
	// RTOHealthy until they are and every component is healthy;
	// WritesRPO the acknowledged writes the snapshot could not hold and
	// the restore lost (writes.lost keeps every other); RevisionsBackwards
	// the times a watcher saw the cluster revision go back.
	RTOWrites          = "rto.writes"
	RTOHealthy         = "rto.healthy"
	WritesRPO          = "writes.rpo"
	RevisionsBackwards = "revisions.backwards"

	// The harness watching itself (series harness/control): the total time
	// it was stalled, and the API downtime that fell in those stalls and
	// was kept out of api.downtime.total.
	HarnessStallTotal  = "harness.stall.total"
	APIDowntimeStalled = "api.downtime.stalled"
	// RecoveryStalled is the time an etcd member or API server failed
	// again after it came back, at the same moment as a component on an
	// untouched node: a stall of the machine, kept out of the recoveries.
	RecoveryStalled = "recovery.stalled"
)

// FigureInfo describes one figure: the one table that Derive (which
// figures exist and their units), scenario validation (which names a budget
// may use, in which unit) and the reports (what a figure means, which
// component a recovery is about) all read.
type FigureInfo struct {
	Name string
	Unit Unit
	// Meaning says what the figure measures, for a reader of the report.
	Meaning string
	// Component and Recovered are set on per-component recovery figures:
	// what recovered, and what "recovered" means for it.
	Component, Recovered string
	// LowerBound says what in the cluster's own settings keeps the figure
	// from being beaten, where something does; scenarios give the number.
	LowerBound string
	// Needs is what a scenario must have for the figure to be measured at
	// all; a budget on it in a scenario without it is a validation error.
	Needs Need
	// HigherIsBetter: a drop is the regression (availability, writes
	// acknowledged); every other figure regresses by growing.
	HigherIsBetter bool
}

// Need is what a scenario must have for a figure to exist.
type Need string

const (
	// NeedsHeldFault: a fault the harness holds and lifts (fault.duration),
	// whose window the target stamps.
	NeedsHeldFault Need = "a held fault (fault.duration > 0)"
	// NeedsCanary: the canary pod (probes.canary: true).
	NeedsCanary Need = "the canary pod (probes.canary: true)"
	// NeedsProcedure: a recovery procedure the harness runs
	// (recovery.procedure); a drill without one leaves these figures out.
	NeedsProcedure Need = "a recovery procedure (recovery.procedure)"
	// NeedsFlood: a fault that floods the API (api-flood), which counts
	// its own requests; a drill without one leaves these figures out.
	NeedsFlood Need = "an API flood (fault.action: api-flood)"
)

// Figures is every derived figure.
var Figures = append([]FigureInfo{
	{Name: APIDowntimeTotal, Unit: Seconds, Meaning: "time clients saw the API down (any client series), less harness stalls",
		LowerBound: "the fault's own duration (a reboot's stop timeout, a cut's window)"},
	{Name: APIDowntimeLongest, Unit: Seconds, Meaning: "the longest single API outage"},
	{Name: APIAvailability, Unit: Percent, Meaning: "share of the probed window the API was up", HigherIsBetter: true},
	{Name: APIDetect, Unit: Seconds, Meaning: "from the fault to the first failed client request"},
	{Name: APIRecovery, Unit: Seconds, Meaning: "from the fault to the end of the last API outage",
		Component: "API (clients)", Recovered: "last outage over"},
	{Name: APIDirectDowntimeMax, Unit: Seconds, Meaning: "the worst API server's own downtime, reached directly"},
	{Name: APIDirectRecovery, Unit: Seconds, Meaning: "from the fault until every API server, reached directly, serves for good",
		Component: "API servers (direct)", Recovered: "every server serving again", LowerBound: "the API server's start-up"},
	{Name: EtcdRecovery, Unit: Seconds, Meaning: "from the fault until every etcd member is ready for good",
		Component: "etcd members", Recovered: "every member ready"},
	{Name: EtcdLeaderChanges, Unit: Count, Meaning: "etcd elections seen during the window"},
	{Name: SchedulingCanary, Unit: Seconds, Meaning: "from the canary pod's creation to its binding",
		LowerBound: "the scheduler Lease's duration after its last renewal, less the canary's creation delay", Needs: NeedsCanary},
	{Name: WorkloadExcessPods, Unit: Count, Meaning: "most probe pods above the Deployment's replicas"},
	{Name: LeaseSchedulerRecovery, Unit: Seconds, Meaning: "from the fault until the scheduler Lease is held and renewed for good",
		Component: "kube-scheduler (leader)", Recovered: "leader elected and renewing", LowerBound: "the Lease duration (15 s) after the last renewal, unless the leader released it (kube-scheduler does on SIGTERM)"},
	{Name: LeaseControllerManagerRecovery, Unit: Seconds, Meaning: "from the fault until the controller-manager Lease is held and renewed for good",
		Component: "kube-controller-manager (leader)", Recovered: "leader elected and renewing", LowerBound: "the Lease duration (15 s) after the last renewal"},
	{Name: LeaseSchedulerTransitions, Unit: Count, Meaning: "scheduler leader changes during the window"},
	{Name: LeaseControllerManagerTransitions, Unit: Count, Meaning: "controller-manager leader changes during the window"},
	{Name: PodAPIServerRecovery, Unit: Seconds, Meaning: "from the fault until every kube-apiserver static pod is Ready for good",
		Component: "kube-apiserver (pod)", Recovered: "static pods Ready", LowerBound: "kubeadm's startup probe delay (10 s)"},
	{Name: PodEtcdRecovery, Unit: Seconds, Meaning: "from the fault until every etcd static pod is Ready for good",
		Component: "etcd (pod)", Recovered: "static pods Ready"},
	{Name: PodSchedulerRecovery, Unit: Seconds, Meaning: "from the fault until every kube-scheduler static pod is Ready for good",
		Component: "kube-scheduler (pod)", Recovered: "static pods Ready"},
	{Name: PodControllerManagerRecovery, Unit: Seconds, Meaning: "from the fault until every kube-controller-manager static pod is Ready for good",
		Component: "kube-controller-manager (pod)", Recovered: "static pods Ready"},
	{Name: NodeDetect, Unit: Seconds, Meaning: "from the fault until the control plane marked a node not Ready",
		LowerBound: "the controller-manager's node-monitor grace period"},
	{Name: ClusterDetect, Unit: Seconds, Meaning: "from the fault until the cluster itself noticed (a node not Ready, a leader Lease expired, an etcd election)",
		LowerBound: "the first of: the node-monitor grace period, a Lease's duration, etcd's election timeout"},
	{Name: NodeRecovery, Unit: Seconds, Meaning: "from the fault until every node heartbeats and is Ready for good",
		Component: "nodes", Recovered: "Ready and heartbeating"},
	{Name: NodesReaddressed, Unit: Count, Meaning: "rebooted nodes that came back with another address"},
	{Name: RecoveryAll, Unit: Seconds, Meaning: "the slowest of the recovery figures: the cluster healed in all",
		LowerBound: "the slowest component's own bound"},
	{Name: WorkloadDowntimeTotal, Unit: Seconds, Meaning: "time the probe workload was unreachable from outside"},
	{Name: WorkloadDowntimeLongest, Unit: Seconds, Meaning: "the longest workload outage"},
	{Name: WorkloadRecovery, Unit: Seconds, Meaning: "from the fault to the end of the last workload outage",
		Component: "workload", Recovered: "reachable again"},
	{Name: WritesAcknowledged, Unit: Count, Meaning: "writes the API server acknowledged", HigherIsBetter: true},
	{Name: WritesLost, Unit: Count, Meaning: "acknowledged writes missing after recovery"},
	{Name: WritesDowntime, Unit: Seconds, Meaning: "time writes failed"},
	{Name: WritesDetect, Unit: Seconds, Meaning: "from the fault to the first failed write (a fault that refuses writes only, such as etcd out of space, shows here and not in api.detect)"},
	{Name: EtcdDBSizeBefore, Unit: Count, Meaning: "bytes: the largest etcd member's database when the recovery procedure began (at the fault, without one)"},
	{Name: EtcdDBSizeAfter, Unit: Count, Meaning: "bytes: the largest etcd member's database at the end of the window (after a defragmentation, what it gave back)"},
	{Name: FaultWindow, Unit: Seconds, Meaning: "a held fault's window, as the target stamped it", Needs: NeedsHeldFault},
	{Name: APIDowntimeError, Unit: Seconds, Meaning: "|api.downtime.total - fault.window|", Needs: NeedsHeldFault},
	{Name: APIDowntimeEtcdReads, Unit: Seconds, Meaning: "API downtime of quorum reads, which etcd serves"},
	{Name: APIDowntimeCacheReads, Unit: Seconds, Meaning: "API downtime of reads the API server serves from its watch cache"},
	{Name: APIEdgesMax, Unit: Seconds, Meaning: "how well the API outages' edges are known: the widest bracket of any start or end of a client series' outage (probes.edges narrows them)"},
	{Name: APIDowntimeNew, Unit: Seconds, Meaning: "API downtime over new connections"},
	{Name: APIDowntimeReused, Unit: Seconds, Meaning: "API downtime over the reused HTTP/2 connection"},
	{Name: APIDowntimeErrorNew, Unit: Seconds, Meaning: "|api.downtime.new - fault.window|, quorum reads included (they wait for etcd after a lift)", Needs: NeedsHeldFault},
	{Name: APIDowntimeErrorReused, Unit: Seconds, Meaning: "|api.downtime.reused - fault.window|", Needs: NeedsHeldFault},
	{Name: APIDowntimeErrorPath, Unit: Seconds, Meaning: "|downtime of cache reads over new connections - fault.window|: the harness's accuracy on the path, without etcd's or TCP's after-effects", Needs: NeedsHeldFault},
	{Name: ConnectionStuck, Unit: Seconds, Meaning: "longest time a client's requests failed on one connection that never answered again, until a new connection served"},
	{Name: RTOWrites, Unit: Seconds, Meaning: "from the fault until writes are served again for good (recovery time objective)", Needs: NeedsProcedure,
		Component: "writes", Recovered: "served again"},
	{Name: RTOHealthy, Unit: Seconds, Meaning: "from the fault until writes are served and every component is healthy (the later of rto.writes and recovery.all)", Needs: NeedsProcedure},
	{Name: WritesRPO, Unit: Count, Meaning: "acknowledged writes above the snapshot's revision that the restore lost: the expected recovery point window", Needs: NeedsProcedure},
	{Name: RevisionsBackwards, Unit: Count, Meaning: "times a watcher saw the cluster revision lower than one seen before", Needs: NeedsProcedure},
	{Name: HarnessStallTotal, Unit: Seconds, Meaning: "time the harness's own control series failed (kept out of every downtime)"},
	{Name: RecoveryStalled, Unit: Seconds, Meaning: "time an etcd member or API server timed out again after it came back, together with a component on an untouched node: a stall of the machine, kept out of etcd.recovery and api.direct.recovery"},
	{Name: APIDowntimeStalled, Unit: Seconds, Meaning: "API downtime that fell in harness stalls and was kept out"},
}, slices.Concat(harnessFigureInfos, stepFigureInfos(), floodFigureInfos)...)

// stepFigureInfos are the figures of a procedure's steps, one per step.
func stepFigureInfos() []FigureInfo {
	var out []FigureInfo
	for _, step := range Steps {
		out = append(out, FigureInfo{Name: StepFigure(step), Unit: Seconds, Needs: NeedsProcedure,
			Meaning: "how long the procedure's step " + step + " took"})
	}
	return out
}

// FigureUnits is every figure name with its unit, from Figures; a budget
// naming a figure not in it is a validation error.
var FigureUnits = func() map[string]Unit {
	m := make(map[string]Unit, len(Figures))
	for _, f := range Figures {
		m[f.Name] = f.Unit
	}
	return m
}()

// Info is the table's entry for a figure name.
func Info(name string) (FigureInfo, bool) {
	for _, f := range Figures {
		if f.Name == name {
			return f, true
		}
	}
	return FigureInfo{}, false
}
