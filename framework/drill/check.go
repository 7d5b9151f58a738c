package drill

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"

	"github.com/firedrill/firedrill/framework/health"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// checker evaluates the named checks of a scenario (steadyState.checks,
// recovery.conditions) and records what it saw, so the timeline has fresh
// observations while the informers are still backing off after an outage.
type checker struct {
	cs           kubernetes.Interface
	cluster      cluster.Cluster
	config       *rest.Config    // the client endpoint's
	rec          *probe.Recorder // nil before the probes start
	nodes        int
	controlPlane []cluster.Node
	workloadURL  string
	timeout      time.Duration // bounds each check
	canary       *probe.Canary // set once the canary pod exists
}

// checkCanary is the implicit recovery condition of scenarios with a
// canary pod: it is scheduled.
const checkCanary = "canary-scheduled"

// check returns nil when every named check holds, else what does not.
func (c *checker) check(ctx context.Context, names []string) error {
	var failed []string
	for _, name := range names {
		cctx, cancel := context.WithTimeout(ctx, c.timeout)
		err := c.one(cctx, name)
		cancel()
		if err != nil {
			failed = append(failed, name+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return nil
}

func (c *checker) one(ctx context.Context, name string) error {
	now := time.Now()
	switch name {
	case scenario.CheckAPI:
		return health.APIReady(ctx, c.cs)
	case scenario.CheckNodes:
		nodes, err := health.NodesReady(ctx, c.cs, c.nodes)
		for i := range nodes {
			c.record(func(r *probe.Recorder) { r.Node(probe.NodeObservation(&nodes[i], now)) })
		}
		return err
	case scenario.CheckControlPlanePods:
		pods, err := health.ControlPlanePodsReady(ctx, c.cs, names(c.controlPlane))
		for i := range pods {
			c.record(func(r *probe.Recorder) { r.Pod(probe.PodObservation(&pods[i], now)) })
		}
		return err
	case scenario.CheckLeases:
		leases, err := health.LeadersFresh(ctx, c.cs, now)
		for i := range leases {
			c.record(func(r *probe.Recorder) { r.Lease(probe.LeaseObservation(&leases[i], now)) })
		}
		return err
	case scenario.CheckWorkload:
		if err := probe.WorkloadAvailable(ctx, c.cs); err != nil {
			return err
		}
		return probe.WorkloadServes(ctx, c.workloadURL, c.timeout)
	case scenario.CheckAPIServers:
		var failed []string
		for _, n := range c.controlPlane {
			if err := probe.APIServerReady(ctx, probe.DirectConfig(c.config, n.Address), c.timeout); err != nil {
				failed = append(failed, n.Name+": "+err.Error())
			}
		}
		if len(failed) > 0 {
			return fmt.Errorf("%s", strings.Join(failed, "; "))
		}
		return nil
	case scenario.CheckEtcd:
		x, ok := c.cluster.(cluster.NodeExec)
		if !ok {
			return fmt.Errorf("cluster %s cannot run commands on nodes to ask etcd", c.cluster.Name())
		}
		members := health.EtcdMembers(ctx, x, c.controlPlane)
		for _, m := range members {
			o := timeline.EtcdObservation{ObservedAt: now, Node: m.Node, Leader: m.Leader, Ready: m.Ready, LeaderChangesSeen: m.LeaderChanges}
			if m.Err != nil {
				o.Error = m.Err.Error()
			}
			c.record(func(r *probe.Recorder) { r.Etcd(o) })
		}
		return health.EtcdReady(members)
	case checkCanary:
		if c.canary == nil {
			return fmt.Errorf("no canary pod")
		}
		_, err := c.canary.Scheduled(ctx)
		return err
	}
	return fmt.Errorf("unknown check %q", name)
}

func (c *checker) record(f func(*probe.Recorder)) {
	if c.rec != nil {
		f(c.rec)
	}
}

// settled wraps a check so it only passes once it has held without a break
// for the settle window.
func settled(settle time.Duration, check func(context.Context) error) func(context.Context) error {
	var since time.Time
	return func(ctx context.Context) error {
		if err := check(ctx); err != nil {
			since = time.Time{}
			return err
		}
		if since.IsZero() {
			since = time.Now()
		}
		if held := time.Since(since); held < settle {
			return fmt.Errorf("healthy for %s of the %s settle window", held.Round(time.Second), settle)
		}
		return nil
	}
}

func names(nodes []cluster.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Name
	}
	return out
}
