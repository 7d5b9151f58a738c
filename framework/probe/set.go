package probe

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/overhead"
	"github.com/firedrill/firedrill/framework/timeline"
	"github.com/firedrill/firedrill/framework/waitfor"
)

// SetInput is what the probes of one drill watch.
type SetInput struct {
	// Name prefixes the progress lines (the scenario's name).
	Name string
	Out  io.Writer
	CS   kubernetes.Interface
	// Config is the client endpoint's (the load balancer on HA).
	Config *rest.Config
	// Cluster gives the etcd client certificate when it can run commands
	// on nodes (cluster.NodeExec); without it etcd is not probed, and the
	// set says so.
	Cluster      cluster.Cluster
	ControlPlane []cluster.Node
	WorkloadURLs []string
	// Writer is the counter the acknowledged writes go to.
	Writer Writer
	// SteadyClient, when set, is a client like CS whose connections are
	// dialed with dial: the poller and the writer use it, so that their
	// dials go through the client endpoint's path gate (Path.gate).
	SteadyClient func(dial DialFunc) (kubernetes.Interface, error)
	// Revisions: watch the cluster revision (a drill that restores etcd
	// must not send it back); WatchAgain opens a second watcher later.
	Revisions bool

	Interval, Timeout, WriteInterval time.Duration
	// Edges is the cadence at which each API endpoint's path is watched
	// and an outage's end is bracketed by a burst (path.go); 0: not at
	// all, the series' own samples place the edges.
	Edges time.Duration
}

// Set is every probe of a drill, started together and stopped together:
// Start once the steady state holds, Stop at the end, which returns the
// timeline. Stop is safe after a Start that failed halfway, and calling it
// twice returns the same timeline.
type Set struct {
	in SetInput

	rec              *Recorder
	samplers, writes *Samplers
	control          *Control
	cancel           context.CancelFunc
	probeCtx         context.Context
	// started: Start was called, so the counter may exist (in part);
	// counterCreated: it does, so Stop reads it back.
	started, counterCreated bool

	poller        *Poller
	meter         *overhead.Meter
	canary        *Canary
	canaryCreated time.Time

	stopped bool
	tl      timeline.Timeline
}

// pollInterval is how often the Poller lists what the informers watch:
// the node Leases renew every 10 s and the leader Leases every 2 s, so a
// list a second sees every renewal.
const pollInterval = time.Second

// NewSet returns the probes of a drill, not yet started.
func NewSet(in SetInput) *Set { return &Set{in: in} }

// Recorder is the timeline the probes write to, nil before Start; checks
// and faults record on it too.
func (s *Set) Recorder() *Recorder { return s.rec }

// Start creates the counter and starts every probe. The probes run until
// Stop (or ctx ends).
func (s *Set) Start(ctx context.Context) error {
	in := s.in
	s.started = true
	if err := in.Writer.Create(ctx); err != nil {
		return err
	}
	s.counterCreated = true
	start := time.Now()
	s.rec = NewRecorder(start)
	s.meter = overhead.Start(start, endpointsOf(in.Config, in.ControlPlane))
	probeCtx, cancel := context.WithCancel(ctx)
	s.cancel, s.probeCtx = cancel, probeCtx
	if err := Watch(probeCtx, in.CS, s.rec); err != nil {
		return err
	}
	clientPath, err := s.path(timeline.EndpointClient, in.Config)
	if err != nil {
		return err
	}
	// The poller and the writer send on a steady cadence too: while the
	// path is down their dials go through its gate as the series' do
	// (Path.Dial). The informers keep their own client: they redial on
	// their own back-off, not on a cadence, and a relist must not wait
	// behind the writer's dial.
	steadyCS, writer := in.CS, in.Writer
	if clientPath != nil && in.SteadyClient != nil {
		if steadyCS, err = in.SteadyClient(clientPath.Dial()); err != nil {
			return fmt.Errorf("client for the poller and the writer: %w", err)
		}
		writer.CS = steadyCS
	}
	s.poller = &Poller{CS: steadyCS, Rec: s.rec, Interval: pollInterval, Timeout: in.Timeout}
	s.poller.Start(probeCtx)
	if in.Revisions {
		WatchRevisions(probeCtx, in.CS, s.rec, WatcherBefore)
	}
	list, err := s.apiSamplers(clientPath, timeline.EndpointClient, in.Config, ConnNew, ConnReused)
	if err != nil {
		return err
	}
	for _, u := range unobservableWithout(in.ControlPlane) {
		fmt.Fprintf(in.Out, "[%s] %s not observed: %s\n", in.Name, u.Condition, u.Why)
		s.rec.Unobservable(u.Condition, u.Why)
	}
	// Each API server directly too, so "one server down" reads apart from
	// "API down for clients"; reused connections only, to keep the load of
	// the probes themselves low. With one API server the client endpoint
	// reaches that server and no other: its reused-connection samples are
	// that server's direct series too, in place of as many requests again
	// for the same answer (the harness's request budget).
	if len(in.ControlPlane) == 1 {
		fmt.Fprintf(in.Out, "[%s] %s is the only API server: the client endpoint's reused-connection series stand for its direct ones\n",
			in.Name, in.ControlPlane[0].Name)
		for _, read := range []string{ReadEtcd, ReadCache} {
			s.rec.Also(timeline.APISeries(timeline.EndpointClient, ConnReused, read), timeline.APISeries(in.ControlPlane[0].Name, ConnReused, read))
		}
	} else {
		for _, n := range in.ControlPlane {
			cfg := DirectConfig(in.Config, n.Address)
			path, err := s.path(n.Name, cfg)
			if err != nil {
				return err
			}
			direct, err := s.apiSamplers(path, n.Name, cfg, ConnReused)
			if err != nil {
				return err
			}
			list = append(list, direct...)
		}
	}
	list = append(list, s.etcdSamplers(ctx)...)
	list = append(list, WorkloadSampler(in.WorkloadURLs, in.Timeout))
	if s.control, err = StartControl(); err != nil {
		return err
	}
	list = append(list, s.control.Sampler(in.Timeout))
	s.samplers = &Samplers{Rec: s.rec, Interval: in.Interval, Timeout: in.Timeout, List: list}
	s.writes = &Samplers{Rec: s.rec, Interval: in.WriteInterval, Timeout: in.Timeout, List: []Sampler{writer.Sampler()}}
	s.samplers.Start(probeCtx)
	s.writes.Start(probeCtx)
	edges := "off"
	if in.Edges > 0 {
		edges = "every " + in.Edges.String()
	}
	fmt.Fprintf(in.Out, "[%s] probes on: %d series every %s (timeout %s), API edges %s, writes every %s, workload at %s\n",
		in.Name, len(list), in.Interval, in.Timeout, edges, in.WriteInterval, strings.Join(in.WorkloadURLs, " or "))
	return nil
}

// endpointsOf names the hosts the probes send API requests to: the
// client endpoint (cfg's) and each API server directly.
func endpointsOf(cfg *rest.Config, controlPlane []cluster.Node) overhead.Endpoints {
	ep := overhead.Endpoints{Client: hostOf(cfg.Host), Servers: map[string]string{}}
	for _, n := range controlPlane {
		ep.Servers[hostOf(DirectConfig(cfg, n.Address).Host)] = n.Name
	}
	if len(controlPlane) == 1 {
		ep.ClientServer = controlPlane[0].Name
	}
	return ep
}

// hostOf is the host:port of a rest.Config's Host, as a request's URL
// has it.
func hostOf(host string) string {
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		return u.Host
	}
	return host
}

// path is the watch of the path to one endpoint (cfg's Host), nil when
// edges are off.
func (s *Set) path(endpoint string, cfg *rest.Config) (*Path, error) {
	if s.in.Edges <= 0 {
		return nil, nil
	}
	return NewPath(endpoint, cfg, s.in.Edges, s.in.Timeout, s.rec)
}

// apiSamplers are the API series of one endpoint, sharing the watch of
// its path when there is one.
func (s *Set) apiSamplers(path *Path, endpoint string, cfg *rest.Config, conns ...string) ([]Sampler, error) {
	if path == nil {
		return APISamplers(endpoint, cfg, s.in.Timeout, conns...)
	}
	return PathSamplers(path, cfg, s.in.Timeout, conns...)
}

// noControlPlane is why a cluster whose node list has no control-plane
// node cannot be observed per API server or per static pod.
const noControlPlane = "no control-plane node in the cluster's node list (a managed control plane)"

// unobservableWithout names the recovery conditions the probes cannot
// observe when the cluster shows no control-plane node: each API server
// reached directly, and the control plane's static pods. recovery.all
// leaves them out, saying why, instead of counting them never observed.
func unobservableWithout(controlPlane []cluster.Node) []timeline.Unobservable {
	if len(controlPlane) > 0 {
		return nil
	}
	return []timeline.Unobservable{
		{Condition: "api-servers", Why: noControlPlane},
		{Condition: "control-plane-pods", Why: noControlPlane},
	}
}

// etcdSamplers probe each etcd member from outside, when the cluster lets
// the harness read kubeadm's etcd client certificate from a node; without
// it (observe mode on a kubeconfig) the etcd series are missing, and it
// says so.
func (s *Set) etcdSamplers(ctx context.Context) []Sampler {
	x, ok := s.in.Cluster.(cluster.NodeExec)
	if !ok || len(s.in.ControlPlane) == 0 {
		fmt.Fprintf(s.in.Out, "[%s] etcd members not probed: no access to the control-plane nodes\n", s.in.Name)
		s.rec.Unobservable("etcd", "no access to the control-plane nodes")
		return nil
	}
	tlsConfig, err := EtcdClientTLS(ctx, x, s.in.ControlPlane[0])
	if err != nil {
		fmt.Fprintf(s.in.Out, "[%s] etcd members not probed: %v\n", s.in.Name, err)
		return nil
	}
	return EtcdSamplers(s.in.ControlPlane, tlsConfig, s.in.Timeout)
}

// WatchAgain opens another revision watcher, named watcher, that runs
// with the probes: one opened after a restore lists afresh.
func (s *Set) WatchAgain(watcher string) {
	if s.probeCtx != nil && s.in.Revisions {
		WatchRevisions(s.probeCtx, s.in.CS, s.rec, watcher)
	}
}

// Canary registers the canary pod created after the fault, so Stop reads
// when it was scheduled.
func (s *Set) Canary(c *Canary, created time.Time) {
	s.canary, s.canaryCreated = c, created
}

// Stop stops the probes, waits for the requests in flight, then reads the
// counter back (within readBack, retrying while the API refuses) and the
// canary, and returns the timeline. The timeline ends when the probes
// stopped: the read-back is a check of it, not part of it.
func (s *Set) Stop(ctx context.Context, readBack time.Duration) timeline.Timeline {
	if s.stopped || s.rec == nil {
		return s.tl
	}
	s.stopped = true
	s.cancel()
	if s.samplers != nil {
		s.samplers.Wait()
		s.writes.Wait()
	}
	if s.poller != nil {
		s.poller.Wait()
	}
	end := time.Now()
	s.rec.Harness(s.meter.Stop(end))
	if s.control != nil {
		if err := s.control.Stop(); err != nil {
			fmt.Fprintf(s.in.Out, "[%s] warning: control listener: %v\n", s.in.Name, err)
		}
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*readBack)
	defer cancel()
	if s.counterCreated {
		var seen []int64
		err := waitfor.Until(cctx, waitfor.Input{What: "counter read-back", Timeout: readBack, Poll: time.Second, Out: s.in.Out,
			Check: func(ctx context.Context) (err error) { seen, err = s.in.Writer.ReadBack(ctx); return err }})
		wc := timeline.WriteCheck{At: time.Now(), Seen: seen}
		if err != nil {
			wc.Error = err.Error()
		}
		s.rec.WriteCheck(wc)
	}
	if s.canary != nil {
		o, err := s.canary.Scheduled(cctx)
		o.Created = s.canaryCreated
		if err != nil {
			o.Error = err.Error()
		}
		s.rec.Canary(o)
	}
	s.tl = s.rec.Close(end)
	return s.tl
}

// Started says whether Start was called: the counter may exist and must
// be deleted.
func (s *Set) Started() bool { return s.started }
