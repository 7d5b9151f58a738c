package drill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/health"
	"github.com/firedrill/firedrill/framework/overhead"
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
	workload     workloadPath
	timeout      time.Duration // bounds each check
	out          io.Writer     // says when a slow check is asked again; nil: silent
	canary       *probe.Canary // set once the canary pod exists
}

// checkCanary is the implicit recovery condition of scenarios with a
// canary pod: it is scheduled.
const checkCanary = "canary-scheduled"

// seen is what a check observed on its way, for the timeline: the recovery
// checks keep observations fresh while the informers back off after an
// outage. The checker records it (record), not the checks themselves.
type seen struct {
	nodes  []timeline.NodeObservation
	pods   []timeline.PodObservation
	leases []timeline.LeaseObservation
	etcd   []timeline.EtcdObservation
}

// checkFunc is one named check: nil when it holds, else why not; and what
// it saw, recorded whether or not it holds.
type checkFunc func(ctx context.Context, c *checker, now time.Time) (seen, error)

// checks is the registry of the checks scenario files name
// (steadyState.checks, recovery.conditions), keyed by the schema's names;
// TestEveryCheckIsImplemented holds it to scenario.Checks.
var checks = map[string]checkFunc{
	scenario.CheckAPI:              checkAPIReady,
	scenario.CheckNodes:            checkNodes,
	scenario.CheckControlPlanePods: checkControlPlanePods,
	scenario.CheckLeases:           checkLeases,
	scenario.CheckWorkload:         checkWorkload,
	scenario.CheckAPIServers:       checkAPIServers,
	scenario.CheckEtcd:             checkEtcd,
	checkCanary:                    checkCanaryScheduled,
}

// slowRetry is how much longer than the check's deadline a check that ran
// out of it gets on its second try.
const slowRetry = 3

// check returns nil when every named check holds, else every one that
// does not, joined. A check that ran out of its deadline is asked once
// more with a longer one, saying so: on a loaded machine one slow answer
// (a `docker exec` took 2-3 s at load 20) is slow, not down.
func (c *checker) check(ctx context.Context, names []string) error {
	var errs []error
	for _, name := range names {
		slow, err := c.within(ctx, name, c.timeout)
		if slow && ctx.Err() == nil {
			if c.out != nil {
				fmt.Fprintf(c.out, "  check %s: no answer within %s, asking again with %s (a loaded machine answers slowly)\n",
					name, c.timeout, slowRetry*c.timeout)
			}
			_, err = c.within(ctx, name, slowRetry*c.timeout)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// within runs one check under a deadline; slow is whether the deadline
// passed before it came back with a failure.
func (c *checker) within(ctx context.Context, name string, d time.Duration) (slow bool, err error) {
	cctx, cancel := context.WithTimeout(overhead.WithKind(ctx, timeline.RequestCheck), d)
	defer cancel()
	err = c.one(cctx, name)
	return err != nil && cctx.Err() != nil, err
}

// one runs a check of the registry and records what it saw.
func (c *checker) one(ctx context.Context, name string) error {
	fn, ok := checks[name]
	if !ok {
		return fmt.Errorf("unknown check %q", name)
	}
	obs, err := fn(ctx, c, time.Now())
	c.record(obs)
	return err
}

func checkAPIReady(ctx context.Context, c *checker, _ time.Time) (seen, error) {
	return seen{}, health.APIReady(ctx, c.cs)
}

func checkNodes(ctx context.Context, c *checker, now time.Time) (seen, error) {
	nodes, err := health.NodesReady(ctx, c.cs, c.nodes)
	var s seen
	for i := range nodes {
		s.nodes = append(s.nodes, probe.NodeObservation(&nodes[i], now))
	}
	return s, err
}

func checkControlPlanePods(ctx context.Context, c *checker, now time.Time) (seen, error) {
	pods, err := health.ControlPlanePodsReady(ctx, c.cs, names(c.controlPlane))
	var s seen
	for i := range pods {
		s.pods = append(s.pods, probe.PodObservation(&pods[i], now))
	}
	return s, err
}

func checkLeases(ctx context.Context, c *checker, now time.Time) (seen, error) {
	leases, err := health.LeadersFresh(ctx, c.cs, now)
	var s seen
	for i := range leases {
		s.leases = append(s.leases, probe.LeaseObservation(&leases[i], now))
	}
	return s, err
}

func checkWorkload(ctx context.Context, c *checker, _ time.Time) (seen, error) {
	if err := probe.WorkloadAvailable(ctx, c.cs); err != nil {
		return seen{}, err
	}
	return seen{}, probe.WorkloadServes(ctx, c.workload.urls, c.timeout)
}

func checkAPIServers(ctx context.Context, c *checker, _ time.Time) (seen, error) {
	var errs []error
	for _, n := range c.controlPlane {
		if err := probe.APIServerReady(ctx, probe.DirectConfig(c.config, n.Address), c.timeout); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.Name, err))
		}
	}
	return seen{}, errors.Join(errs...)
}

func checkEtcd(ctx context.Context, c *checker, now time.Time) (seen, error) {
	x, ok := c.cluster.(cluster.NodeExec)
	if !ok {
		return seen{}, fmt.Errorf("cluster %s cannot run commands on nodes to ask etcd", c.cluster.Name())
	}
	members := health.EtcdMembers(ctx, x, c.controlPlane)
	var s seen
	for _, m := range members {
		o := timeline.EtcdObservation{ObservedAt: now, Node: m.Node, Leader: m.Leader, Ready: m.Ready,
			RaftTerm: m.RaftTerm, Revision: m.Revision, DBSize: m.DBSize}
		if m.Err != nil {
			o.Error = m.Err.Error()
		}
		s.etcd = append(s.etcd, o)
	}
	return s, health.EtcdReady(members)
}

func checkCanaryScheduled(ctx context.Context, c *checker, _ time.Time) (seen, error) {
	if c.canary == nil {
		return seen{}, fmt.Errorf("no canary pod")
	}
	_, err := c.canary.Scheduled(ctx)
	return seen{}, err
}

// record puts what a check saw on the timeline, once the probes run.
func (c *checker) record(s seen) {
	if c.rec == nil {
		return
	}
	for _, o := range s.nodes {
		c.rec.Node(o)
	}
	for _, o := range s.pods {
		c.rec.Pod(o)
	}
	for _, o := range s.leases {
		c.rec.Lease(o)
	}
	for _, o := range s.etcd {
		c.rec.Etcd(o)
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
