package drill

import (
	"context"
	"fmt"
	"io"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/budget"
	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
	"github.com/firedrill/firedrill/framework/waitfor"
)

// session is what a drill and an observation share: clients, the probe
// workload, the checks, the counter and, once started, the probes.
type session struct {
	name    string
	out     io.Writer
	cluster cluster.Cluster
	cs      kubernetes.Interface
	nodes   []cluster.Node
	image   string
	chk     *checker
	writer  probe.Writer

	rec              *probe.Recorder
	samplers, writes *probe.Samplers
	control          *probe.Control
	stopProbes       context.CancelFunc
	lift             func()

	canary        *probe.Canary
	canaryCreated time.Time

	timeouts scenario.Timeouts
}

// prepare connects, lists the nodes and installs the probe workload.
func prepare(ctx context.Context, c cluster.Cluster, wantNodes int, image string, out io.Writer, name string, t scenario.Timeouts) (*session, error) {
	cfg := c.RESTConfig()
	cfg.QPS, cfg.Burst = 100, 200 // the harness's own checks must never queue behind client-go's limiter
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "[%s] installing the probe workload\n", name)
	nodePort, err := probe.EnsureWorkload(ctx, cs, image, out)
	if err != nil {
		return nil, err
	}
	wn, err := workloadNode(nodes)
	if err != nil {
		return nil, err
	}
	ses := &session{name: name, out: out, cluster: c, cs: cs, nodes: nodes, image: image, lift: func() {}, timeouts: t,
		writer: probe.Writer{CS: cs, Name: fmt.Sprintf("counter-%s-%d", name, time.Now().Unix())}}
	ses.chk = &checker{cs: cs, cluster: c, config: c.RESTConfig(), nodes: wantNodes, controlPlane: controlPlaneNodes(nodes),
		workloadURL: probe.WorkloadURL(wn.Address, nodePort), timeout: t.Check}
	return ses, nil
}

// startProbes creates the counter and starts every probe.
func (ses *session) startProbes(ctx context.Context, p scenario.Probes) error {
	if err := ses.writer.Create(ctx); err != nil {
		return err
	}
	ses.rec = probe.NewRecorder(time.Now())
	ses.chk.rec = ses.rec
	probeCtx, stop := context.WithCancel(ctx)
	ses.stopProbes = stop
	if err := probe.Watch(probeCtx, ses.cs, ses.rec); err != nil {
		return err
	}
	cfg := ses.cluster.RESTConfig()
	list, err := probe.APISamplers(timeline.EndpointClient, cfg, p.Timeout, probe.ConnNew, probe.ConnReused)
	if err != nil {
		return err
	}
	// Each API server directly too, so "one server down" reads apart from
	// "API down for clients"; reused connections only, to keep the load of
	// the probes themselves low.
	for _, n := range ses.chk.controlPlane {
		direct, err := probe.APISamplers(n.Name, probe.DirectConfig(cfg, n.Address), p.Timeout, probe.ConnReused)
		if err != nil {
			return err
		}
		list = append(list, direct...)
	}
	list = append(list, ses.etcdSamplers(ctx, p.Timeout)...)
	list = append(list, probe.WorkloadSampler(ses.chk.workloadURL, p.Timeout))
	if ses.control, err = probe.StartControl(); err != nil {
		return err
	}
	list = append(list, ses.control.Sampler(p.Timeout))
	ses.samplers = &probe.Samplers{Rec: ses.rec, Interval: p.Interval, Timeout: p.Timeout, List: list}
	ses.writes = &probe.Samplers{Rec: ses.rec, Interval: p.WriteInterval, Timeout: p.Timeout, List: []probe.Sampler{ses.writer.Sampler()}}
	ses.samplers.Start(probeCtx)
	ses.writes.Start(probeCtx)
	fmt.Fprintf(ses.out, "[%s] probes on: %d series every %s (timeout %s), writes every %s, workload at %s\n",
		ses.name, len(list), p.Interval, p.Timeout, p.WriteInterval, ses.chk.workloadURL)
	return nil
}

// etcdSamplers probe each etcd member from outside, when the cluster lets
// the harness read kubeadm's etcd client certificate from a node; without
// it (observe mode on a kubeconfig) the etcd series are missing, and it
// says so.
func (ses *session) etcdSamplers(ctx context.Context, timeout time.Duration) []probe.Sampler {
	x, ok := ses.cluster.(cluster.NodeExec)
	if !ok || len(ses.chk.controlPlane) == 0 {
		fmt.Fprintf(ses.out, "[%s] etcd members not probed: no access to the control-plane nodes\n", ses.name)
		return nil
	}
	tlsConfig, err := probe.EtcdClientTLS(ctx, x, ses.chk.controlPlane[0])
	if err != nil {
		fmt.Fprintf(ses.out, "[%s] etcd members not probed: %v\n", ses.name, err)
		return nil
	}
	return probe.EtcdSamplers(ses.chk.controlPlane, tlsConfig, timeout)
}

// finish lifts the fault, stops the probes, reads the counter and the
// canary back, and derives the figures and the verdicts. Every path after
// the probes started ends here, so even a failed or interrupted drill
// leaves a timeline.
func (ses *session) finish(ctx context.Context, res *Result, budgets []scenario.Budget, cause error) error {
	res.enter("read-back")
	ses.lift()
	ses.stopProbes()
	ses.samplers.Wait()
	ses.writes.Wait()
	end := time.Now()
	if err := ses.control.Stop(); err != nil {
		fmt.Fprintf(ses.out, "[%s] warning: control listener: %v\n", ses.name, err)
	}
	// An interrupted run makes one short attempt: the user is waiting.
	readTimeout := ses.timeouts.ReadBack
	if ctx.Err() != nil {
		readTimeout = ses.timeouts.ReadBackInterrupted
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*readTimeout)
	defer cancel()
	var seen []int64
	err := waitfor.Until(cctx, waitfor.Input{What: "counter read-back", Timeout: readTimeout, Poll: time.Second, Out: ses.out,
		Check: func(ctx context.Context) (err error) { seen, err = ses.writer.ReadBack(ctx); return err }})
	wc := timeline.WriteCheck{At: time.Now(), Seen: seen}
	if err != nil {
		wc.Error = err.Error()
	}
	ses.rec.WriteCheck(wc)
	if ses.canary != nil {
		o, err := ses.canary.Scheduled(cctx)
		o.Created = ses.canaryCreated
		if err != nil {
			o.Error = err.Error()
		}
		ses.rec.Canary(o)
	}
	res.Timeline = ses.rec.Close(end)
	res.Figures = timeline.Derive(res.Timeline)
	res.Verdicts = budget.Evaluate(res.Figures, limits(budgets))
	res.Pass = cause == nil && budget.Pass(res.Verdicts)
	if _, injected := timeline.InjectAt(res.Timeline); injected {
		if took, why := timeline.FaultTook(res.Timeline); !took {
			res.Invalid = why
			fmt.Fprintf(ses.out, "[%s] INVALID: %s\n", ses.name, why)
		}
	}
	res.Healthy = cause == nil
	fmt.Fprintf(ses.out, "[%s] observed %s: %d samples, %d lease, %d pod, %d node, %d etcd observations\n", ses.name,
		end.Sub(res.Timeline.Start).Round(time.Second), len(res.Timeline.Samples), len(res.Timeline.Leases),
		len(res.Timeline.Pods), len(res.Timeline.Nodes), len(res.Timeline.Etcd))
	return cause
}

// noTarget ends a drill that found no target to break: the steady state
// held and nothing was broken, so the cluster stays healthy for the next
// drill instead of being recreated.
func (ses *session) noTarget(ctx context.Context, res *Result, budgets []scenario.Budget, cause error) error {
	err := ses.finish(ctx, res, budgets, cause)
	res.Healthy = true
	return err
}

// cleanup removes the counter and the canary.
func (ses *session) cleanup(ctx context.Context) {
	timeout := ses.timeouts.Cleanup
	if ctx.Err() != nil {
		timeout = ses.timeouts.ReadBackInterrupted // interrupted: the user is waiting
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if ses.rec != nil {
		if err := ses.writer.Delete(cctx); err != nil {
			fmt.Fprintf(ses.out, "[%s] warning: counter %s not deleted: %v\n", ses.name, ses.writer.Name, err)
		}
	}
	if ses.canary != nil {
		if err := ses.canary.Delete(cctx); err != nil {
			fmt.Fprintf(ses.out, "[%s] warning: canary pod %s not deleted: %v\n", ses.name, ses.canary.Name, err)
		}
	}
}

// ObserveInput is an observation of a cluster someone else is changing
// (an upgrade, a maintenance): the same probes, no fault.
type ObserveInput struct {
	Cluster    cluster.Cluster
	Nodes      int
	Probes     scenario.Probes
	Duration   time.Duration
	ProbeImage string
	Out        io.Writer
}

// Observe runs the probes for in.Duration and derives the same figures as a
// drill (those relative to a fault stay unmeasured). It changes nothing in
// the cluster beyond its own namespace.
func Observe(ctx context.Context, in ObserveInput) (*Result, error) {
	res := &Result{Scenario: "observe", Description: fmt.Sprintf("Observation of %s for %s, no fault injected.", in.Cluster.Name(), in.Duration),
		Cluster: in.Cluster.Name(), Fault: "none (observe)", Started: time.Now()}
	err := observe(ctx, in, res)
	res.enter("")
	res.Finished = time.Now()
	res.PeakRSSBytes = peakRSS()
	if err != nil {
		res.Error = err.Error()
	}
	res.Verdict = verdictOf(res, err)
	return res, err
}

func observe(ctx context.Context, in ObserveInput, res *Result) error {
	ses, err := prepare(ctx, in.Cluster, in.Nodes, in.ProbeImage, in.Out, "observe", scenario.DefaultTimeouts())
	if err != nil {
		return err
	}
	// The observed cluster is someone else's: leave nothing behind.
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := probe.RemoveNamespace(cctx, ses.cs); err != nil {
			fmt.Fprintf(in.Out, "[observe] WARNING: %v\n", err)
		} else {
			fmt.Fprintf(in.Out, "[observe] removed namespace %s\n", probe.Namespace)
		}
	}()
	defer ses.cleanup(ctx)
	if err := waitfor.Until(ctx, waitfor.Input{What: "probe workload serving", Timeout: 3 * time.Minute, Poll: time.Second, Out: in.Out,
		Check: func(ctx context.Context) error { return ses.chk.check(ctx, []string{scenario.CheckWorkload}) }}); err != nil {
		return err
	}
	if err := ses.startProbes(ctx, in.Probes); err != nil {
		return err
	}
	start := time.Now()
	err = waitfor.Until(ctx, waitfor.Input{What: "end of the observation", Timeout: in.Duration + time.Minute, Poll: time.Second,
		Every: 30 * time.Second, Out: in.Out, Check: func(context.Context) error {
			if left := in.Duration - time.Since(start); left > 0 {
				return fmt.Errorf("%s left", left.Round(time.Second))
			}
			return nil
		}})
	return ses.finish(ctx, res, nil, err)
}
