// Package timeline is the record of one drill and the pure code that turns it
// into figures. Probes append to a Timeline while the drill runs; everything the
// verdict says is derived from the Timeline alone, so a report.json can be
// replayed and re-derived without a cluster.
package timeline

import "time"

// Timeline is what one drill observed. Slices are in the order the harness
// recorded them; derivation code must not assume more than that (it sorts).
type Timeline struct {
	// Start and End bound the observation window: probes ran in [Start, End].
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`

	// Events are the harness's own actions (fault injected, fault recovered).
	Events []Event `json:"events"`
	// Samples are the results of request probes (API reads, workload
	// requests, counter writes), one per request.
	Samples []Sample `json:"samples"`
	// Leases are observations of coordination.k8s.io Leases: the leader
	// election Leases of kube-scheduler and kube-controller-manager in
	// kube-system, and the node heartbeat Leases in kube-node-lease.
	Leases []LeaseObservation `json:"leases"`
	// Pods are observations of the control-plane static pods.
	Pods []PodObservation `json:"pods"`
	// Nodes are observations of the nodes' Ready condition.
	Nodes []NodeObservation `json:"nodes"`
	// WriteCheck is the read-back of the writer's counter after recovery;
	// nil when the drill ended before it could be made.
	WriteCheck *WriteCheck `json:"writeCheck,omitempty"`
	// Etcd are observations of each etcd member's own status (leader or
	// not, /readyz), made from inside its node.
	Etcd []EtcdObservation `json:"etcd,omitempty"`
	// Replicas are observations of the probe Deployment's pods, to catch
	// extra replicas (e.g. two controller-managers acting at once).
	Replicas []ReplicaObservation `json:"replicas,omitempty"`
	// Canary is the pod the harness creates right after the fault (when
	// the scenario asks for it) to see when scheduling works again.
	Canary *CanaryObservation `json:"canary,omitempty"`
	// Evidence is what each fault action left behind on its target that
	// proves it took (FaultTook).
	Evidence []Evidence `json:"evidence,omitempty"`
	// Addresses are each rebooted node's address before the fault and once
	// it was back (NodesReaddressed).
	Addresses []AddressCheck `json:"addresses,omitempty"`
	// Settings are the cluster's own settings that bound figures from
	// below, read from the cluster before the fault (LowerBounds).
	Settings *Settings `json:"settings,omitempty"`
	// Snapshot is the etcd backup a recovery procedure restored from
	// (nil: the drill took none).
	Snapshot *Snapshot `json:"snapshot,omitempty"`
	// Steps are the recovery procedure the harness ran, in order, each
	// timed (restore.go): what an operator does by hand, done by the
	// harness so it can be measured.
	Steps []Step `json:"steps,omitempty"`
	// Revisions are the cluster revisions watchers saw (the resource
	// version of their lists and watch events), to catch a restore that
	// sends them backwards (RevisionsBackwards).
	Revisions []RevisionObservation `json:"revisions,omitempty"`
	// Conditions are the scenario's recovery conditions
	// (recovery.conditions): recovery.all is not measured while a part
	// one of them names was never observed (ConditionParts). Empty in
	// timelines recorded before they were kept.
	Conditions []string `json:"conditions,omitempty"`
	// Unobservable are the conditions this run's provider cannot observe
	// at all, each with why: the only named parts recovery.all may go
	// without, and its note says so.
	Unobservable []Unobservable `json:"unobservable,omitempty"`
	// Flood is what the api-flood fault counted of its own requests (nil:
	// no flood ran).
	Flood *Flood `json:"flood,omitempty"`
	// Harness is what the harness itself cost over the window (nil:
	// recorded before it measured itself).
	Harness *Harness `json:"harness,omitempty"`
	// Edges are the changes of state of the network path to each API
	// endpoint, each bracketed by the path's own cheap signals
	// (edges.go): what places an outage's start finer than its series'
	// sampling interval.
	Edges []Edge `json:"edges,omitempty"`
}

// Unobservable is a recovery condition the provider cannot observe.
type Unobservable struct {
	Condition string `json:"condition"`
	Why       string `json:"why"`
}

// Snapshot is an etcd backup: taken from one member, verified with
// etcdutl snapshot status, and kept outside the cluster.
type Snapshot struct {
	// At is when the save began, Done when it returned; every write
	// acknowledged before At is in it.
	At   time.Time `json:"at"`
	Done time.Time `json:"done"`
	// Node is the member it was taken from.
	Node string `json:"node"`
	// Revision is etcd's revision in the snapshot: every write at or
	// below it is in it (the RPO oracle's line).
	Revision int64  `json:"revision"`
	Hash     uint32 `json:"hash"`
	Keys     int64  `json:"keys"`
	Bytes    int64  `json:"bytes"`
	// Path is where it is kept: in the drill's report folder.
	Path string `json:"path"`
	// BumpRevision is what the restore added to the revision, so that
	// no watcher sees it go backwards.
	BumpRevision int64  `json:"bumpRevision,omitempty"`
	Error        string `json:"error,omitempty"`
}

// Step is one step of a recovery procedure: its actions, each a command
// on a node (or on the harness's machine), timed.
type Step struct {
	Name string `json:"name"`
	// Why says what the step is for, for the runbook.
	Why     string       `json:"why,omitempty"`
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end"`
	Actions []StepAction `json:"actions"`
	Error   string       `json:"error,omitempty"`
}

// StepAction is one command of a step.
type StepAction struct {
	// Node it ran on; empty: on the harness's machine.
	Node    string    `json:"node,omitempty"`
	Command string    `json:"command"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Error   string    `json:"error,omitempty"`
}

// RevisionObservation is a cluster revision one watcher saw: the resource
// version of its last list or watch event.
type RevisionObservation struct {
	ObservedAt time.Time `json:"observedAt"`
	// Watcher names the watcher ("before": opened before the fault;
	// "after": opened once the procedure was done).
	Watcher  string `json:"watcher"`
	Revision int64  `json:"revision"`
}

// Settings are values the cluster runs with that keep a figure from being
// beaten, each with where it was read.
type Settings struct {
	// NodeMonitorGracePeriod is how long the node controller waits for a
	// node's heartbeat before it marks the node not Ready (seconds).
	NodeMonitorGracePeriod float64 `json:"nodeMonitorGracePeriod"`
	// NodeMonitorGracePeriodFrom says where: the controller-manager's flag,
	// or Kubernetes' default for the server's version.
	NodeMonitorGracePeriodFrom string `json:"nodeMonitorGracePeriodFrom"`
}

// AddressCheck is a node's address before a fault that restarts it and
// after: a node that comes back with another address breaks whoever kept
// the old one (etcd's peer URLs, the load balancer's backends).
type AddressCheck struct {
	At     time.Time `json:"at"`
	Node   string    `json:"node"`
	Before string    `json:"before"`
	After  string    `json:"after,omitempty"`
	// Error says why After could not be read.
	Error string `json:"error,omitempty"`
}

// Evidence is one check, made by the harness on a fault's target through
// the fault's own channel (docker, the node's shell), that the fault took:
// the boot changed, the process is gone, the rule is in place, the node is
// frozen. Before and After are what was compared.
type Evidence struct {
	At     time.Time `json:"at"`
	Target string    `json:"target"`
	Action string    `json:"action"`
	// What says what was checked ("boot id changed", "process gone").
	What   string `json:"what"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	Proven bool   `json:"proven"`
	Error  string `json:"error,omitempty"`
}

// EtcdObservation is one etcd member's status as the harness saw it.
type EtcdObservation struct {
	ObservedAt time.Time `json:"observedAt"`
	Node       string    `json:"node"`
	Leader     bool      `json:"leader"`
	// Ready is etcd's own /readyz: the member serves linearizable reads,
	// so it is in the cluster and caught up with the leader.
	Ready bool `json:"ready"`
	// LeaderChangesSeen is the member's etcd_server_leader_changes_seen_total
	// (it restarts from zero when the member restarts): timelines recorded
	// before the checks asked for RaftTerm.
	LeaderChangesSeen int64 `json:"leaderChangesSeen,omitempty"`
	// RaftTerm is the member's raft term, which every election advances
	// and a restart keeps; Revision the store revision it has applied;
	// DBSize its backend's size in bytes. Zero when it did not answer.
	RaftTerm int64  `json:"raftTerm,omitempty"`
	Revision int64  `json:"revision,omitempty"`
	DBSize   int64  `json:"dbSize,omitempty"`
	Error    string `json:"error,omitempty"`
}

// ReplicaObservation counts the probe Deployment's pods that are not
// terminating, against the replicas it wants.
type ReplicaObservation struct {
	ObservedAt time.Time `json:"observedAt"`
	Desired    int32     `json:"desired"`
	Pods       int32     `json:"pods"`
}

// CanaryObservation is the canary pod: created at Created, bound to a node
// at Scheduled (the PodScheduled condition's transition time, 1 s
// resolution; zero if never).
type CanaryObservation struct {
	Created   time.Time `json:"created"`
	Scheduled time.Time `json:"scheduled"`
	Node      string    `json:"node,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// EventKind says what a harness action did.
type EventKind string

const (
	// EventInject is a fault action (docker restart, docker pause, SIGKILL).
	EventInject EventKind = "inject"
	// EventRecover is a fault's own undo action (docker unpause), for faults
	// that hold the failure until the harness lifts it. Self-healing faults
	// (a reboot, a kill) have none: the cluster must heal by itself.
	EventRecover EventKind = "recover"
)

// Event is one harness action, stamped when the command started (At) and
// when it returned (Done).
type Event struct {
	Kind   EventKind `json:"kind"`
	Action string    `json:"action"` // "reboot", "pause", ...
	Target string    `json:"target"` // node or process it acted on
	At     time.Time `json:"at"`
	Done   time.Time `json:"done"`
	// Effective is when the action took effect, stamped by the target
	// itself right after it (the node's clock after the iptables rule was
	// in place), apart from the probes and from the command's return; zero
	// when the action has no such stamp.
	Effective time.Time `json:"effective,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// Series names. A request probe's series is a slash-separated path; the
// figures group series by prefix.
const (
	// SeriesAPIPrefix starts every API availability series:
	// "api/<endpoint>/<connection>/<read>", where endpoint is "client" (the
	// kubeconfig server, the load balancer in HA) or a node name (that API
	// server directly), connection is "new" or "reused", and read is "etcd"
	// (a quorum read) or "cache" (resourceVersion=0, served from the watch
	// cache).
	SeriesAPIPrefix = "api/"
	// EndpointClient is the endpoint clients use: the kubeconfig server.
	EndpointClient = "client"
	// SeriesWorkload is the probe workload reached from outside the cluster.
	SeriesWorkload = "workload"
	// SeriesEtcdPrefix starts each etcd member's series, "etcd/<node>":
	// its /readyz on the client port, from outside the node, OK when the
	// member serves linearizable reads (it is in the cluster and caught
	// up).
	SeriesEtcdPrefix = "etcd/"
	// SeriesWrite is the writer's counter updates; Sample.Seq is the value
	// written, and OK means the API server acknowledged it.
	SeriesWrite = "write"
)

// APISeries builds the name of an API availability series.
func APISeries(endpoint, connection, read string) string {
	return SeriesAPIPrefix + endpoint + "/" + connection + "/" + read
}

// Sample is one probe request. Start is stamped when the request was sent
// (each request runs in its own goroutine, so a hanging request never delays
// the next one); End when the answer or the error came back. OK means it was
// answered correctly within the probe's deadline.
type Sample struct {
	Series string    `json:"series"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	OK     bool      `json:"ok"`
	Error  string    `json:"error,omitempty"`
	// Seq is the counter value a write sample wrote.
	Seq int64 `json:"seq,omitempty"`
	// Revision is the etcd revision a write was acknowledged at (the
	// resource version the API server returned; 0: not known).
	Revision int64 `json:"revision,omitempty"`
	// Conn is the client's end (local address) of the connection that
	// carried the request; empty when none was got.
	Conn string `json:"conn,omitempty"`
	// Burst marks a sample sent in a burst that brackets an outage's end
	// (every few milliseconds, for at most a second, once the path to the
	// endpoint answers again), not at the series' steady interval: a
	// request budget counts the steady load apart from it.
	Burst bool `json:"burst,omitempty"`
}

// LeaseObservation is one state of a Lease as the harness saw it. AcquireTime
// and RenewTime are the Lease's own (microsecond) timestamps, written by the
// holder; ObservedAt is when the harness learnt of this state, which can be
// much later while the API is down.
type LeaseObservation struct {
	ObservedAt      time.Time `json:"observedAt"`
	Namespace       string    `json:"namespace"`
	Name            string    `json:"name"`
	Holder          string    `json:"holder"`
	Transitions     int32     `json:"transitions"`
	DurationSeconds int32     `json:"durationSeconds"`
	AcquireTime     time.Time `json:"acquireTime"`
	RenewTime       time.Time `json:"renewTime"`
}

// PodObservation is one state of a control-plane static pod (its mirror pod).
// ReadySince is the lastTransitionTime of the Ready condition (second
// resolution: Kubernetes condition timestamps carry no more).
type PodObservation struct {
	ObservedAt time.Time `json:"observedAt"`
	Name       string    `json:"name"`
	Component  string    `json:"component"` // the pod's "component" label
	Node       string    `json:"node"`
	Ready      bool      `json:"ready"`
	ReadySince time.Time `json:"readySince"`
	Restarts   int32     `json:"restarts"`
	Deleted    bool      `json:"deleted,omitempty"`
}

// NodeObservation is one state of a node's Ready condition.
type NodeObservation struct {
	ObservedAt time.Time `json:"observedAt"`
	Name       string    `json:"name"`
	Ready      bool      `json:"ready"`
	ReadySince time.Time `json:"readySince"`
}

// WriteCheck is the read-back of the counter after recovery. Each write
// adds its own key (its Seq), so writes may land in any order; every
// acknowledged write whose Seq is not in Seen was lost.
type WriteCheck struct {
	At    time.Time `json:"at"`
	Seen  []int64   `json:"seen"`
	Error string    `json:"error,omitempty"`
}

// Interval is a half-open span of time [From, To).
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Duration is the length of the interval.
func (i Interval) Duration() time.Duration { return i.To.Sub(i.From) }
