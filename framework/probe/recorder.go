// Package probe watches a cluster from outside while a drill runs and
// records what it sees on one timeline: API requests, the probe workload,
// counter writes, and the Leases, static pods and nodes.
package probe

import (
	"sync"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
)

// Recorder is the one timeline every probe appends to; safe for concurrent
// use.
type Recorder struct {
	mu sync.Mutex
	tl timeline.Timeline
	// also names, for a series, the other series each of its samples
	// stands for too (Also).
	also map[string][]string
}

// NewRecorder starts a timeline at start.
func NewRecorder(start time.Time) *Recorder {
	return &Recorder{tl: timeline.Timeline{Start: start}}
}

// Sample records one request probe result, and again under each series
// it stands for too (Also).
func (r *Recorder) Sample(s timeline.Sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tl.Samples = append(r.tl.Samples, s)
	for _, other := range r.also[s.Series] {
		s.Series = other
		r.tl.Samples = append(r.tl.Samples, s)
	}
}

// Also records every sample of series under other too: one request that
// answers for both, in place of two requests for the same answer.
func (r *Recorder) Also(series, other string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.also == nil {
		r.also = map[string][]string{}
	}
	r.also[series] = append(r.also[series], other)
}

// Harness records what the harness itself cost over the window.
func (r *Recorder) Harness(h timeline.Harness) {
	r.mu.Lock()
	r.tl.Harness = &h
	r.mu.Unlock()
}

// Edge records a change of state of the path to an endpoint.
func (r *Recorder) Edge(e timeline.Edge) {
	appendTo(r, &r.tl.Edges, e)
}

// Event records a harness action.
func (r *Recorder) Event(e timeline.Event) {
	appendTo(r, &r.tl.Events, e)
}

// Evidence records a fault's proof that it took.
func (r *Recorder) Evidence(e timeline.Evidence) {
	appendTo(r, &r.tl.Evidence, e)
}

// Address records a restarted node's address before and after.
func (r *Recorder) Address(a timeline.AddressCheck) {
	appendTo(r, &r.tl.Addresses, a)
}

// Revision records a cluster revision a watcher synced to.
func (r *Recorder) Revision(o timeline.RevisionObservation) {
	appendTo(r, &r.tl.Revisions, o)
}

// Step records a step of a recovery procedure once it is over.
func (r *Recorder) Step(s timeline.Step) {
	appendTo(r, &r.tl.Steps, s)
}

// Lease records a Lease observation.
func (r *Recorder) Lease(o timeline.LeaseObservation) {
	appendTo(r, &r.tl.Leases, o)
}

// Pod records a static pod observation.
func (r *Recorder) Pod(o timeline.PodObservation) {
	appendTo(r, &r.tl.Pods, o)
}

// Node records a node observation.
func (r *Recorder) Node(o timeline.NodeObservation) {
	appendTo(r, &r.tl.Nodes, o)
}

// Replicas records a count of the probe Deployment's pods.
func (r *Recorder) Replicas(o timeline.ReplicaObservation) {
	appendTo(r, &r.tl.Replicas, o)
}

// Etcd records an etcd member's status.
func (r *Recorder) Etcd(o timeline.EtcdObservation) {
	appendTo(r, &r.tl.Etcd, o)
}

// Canary records the canary pod.
func (r *Recorder) Canary(o timeline.CanaryObservation) {
	r.mu.Lock()
	r.tl.Canary = &o
	r.mu.Unlock()
}

// Unobservable records a recovery condition this run's provider cannot
// observe, and why: recovery.all may go without its parts, and says so.
func (r *Recorder) Unobservable(condition, why string) {
	appendTo(r, &r.tl.Unobservable, timeline.Unobservable{Condition: condition, Why: why})
}

// Flood records what an API flood counted of its own requests.
func (r *Recorder) Flood(f timeline.Flood) {
	r.mu.Lock()
	r.tl.Flood = &f
	r.mu.Unlock()
}

// WriteCheck records the read-back of the writer's counter.
func (r *Recorder) WriteCheck(w timeline.WriteCheck) {
	r.mu.Lock()
	r.tl.WriteCheck = &w
	r.mu.Unlock()
}

// appendTo appends v to one of the timeline's lists under the lock.
func appendTo[T any](r *Recorder, list *[]T, v T) {
	r.mu.Lock()
	*list = append(*list, v)
	r.mu.Unlock()
}

// Snapshot is the timeline so far, its window ending at end, while the
// probes still append to it: the lists only grow, so a copy of their
// headers taken under the lock reads safely what was there.
func (r *Recorder) Snapshot(end time.Time) timeline.Timeline {
	r.mu.Lock()
	tl := r.tl
	r.mu.Unlock()
	tl.End = end
	return tl
}

// Close ends the window at end and returns the timeline.
func (r *Recorder) Close(end time.Time) timeline.Timeline {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tl.End = end
	return r.tl
}
