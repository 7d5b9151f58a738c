package timeline

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/kubeadm"
)

// CriticalPath says which component's recovery bounded recovery.all, and
// how much of it a known bound explains: what the component had to wait
// for (the API, etcd, the fault's own return, the procedure) plus what the
// cluster's settings add (a leader Lease's duration). What the bound does
// not explain is the component's own start-up and retries; a large rest
// is where to look. It is derived from the timeline and its figures alone.
type CriticalPath struct {
	// Figure is the recovery figure equal to recovery.all, Component the
	// component it is about; empty when recovery.all was not measured.
	Figure    string `json:"figure,omitempty"`
	Component string `json:"component,omitempty"`
	// Total is recovery.all, seconds from the first inject.
	Total float64 `json:"total"`
	// Links are the known bound, term by term; Bound is their sum, the
	// earliest the component could have recovered (nil: none known).
	Links []Link   `json:"links,omitempty"`
	Bound *float64 `json:"bound,omitempty"`
	// Text says all of it in one line, for the reports; Note says why
	// there is no critical path, when there is none.
	Text string `json:"text"`
	Note string `json:"note,omitempty"`
	// Order is every recovery that was measured, earliest first: the
	// order the cluster came back in (etcd before the API servers before
	// the leaders, on a whole-cluster outage). OrderText says it in one
	// line, with whether a recovery procedure (a human's step) ran.
	Order     []Link `json:"order,omitempty"`
	OrderText string `json:"orderText,omitempty"`
}

// Link is one term of a known bound: an instant the component waited for
// (seconds from the first inject) or a duration the settings add.
type Link struct {
	What    string  `json:"what"`
	Seconds float64 `json:"seconds"`
	// Duration: a length added to the instant before it, not an instant.
	Duration bool `json:"duration,omitempty"`
	// From says where the number comes from.
	From string `json:"from"`
}

// CriticalPathOf is the critical path of a drill's recovery, from its
// timeline and the figures derived from it.
func CriticalPathOf(tl Timeline, figs []Figure) CriticalPath {
	byName := map[string]Figure{}
	for _, f := range figs {
		byName[f.Name] = f
	}
	all, ok := byName[RecoveryAll]
	if !ok || !all.Measured {
		cp := CriticalPath{Text: "no critical path: recovery.all was not derived"}
		if ok {
			cp.Text, cp.Note = "no critical path: recovery.all not measured", all.Note
		}
		return cp
	}
	var worst Figure
	for _, name := range recoveryParts {
		if f, ok := byName[name]; ok && f.Measured && (worst.Name == "" || f.Value > worst.Value) {
			worst = f
		}
	}
	info, _ := Info(worst.Name)
	cp := CriticalPath{Figure: worst.Name, Component: info.Component, Total: all.Value}
	cp.Order, cp.OrderText = recoveryOrder(tl, byName)
	at, _ := InjectAt(tl)
	cp.Links = boundOf(tl, at, worst.Name, byName)
	label := cp.Component
	if label == "" {
		label = worst.Name
	}
	if len(cp.Links) == 0 {
		cp.Text = fmt.Sprintf("%s recovered last, at %s; no known bound explains it", label, secs(cp.Total))
		return cp
	}
	var bound float64
	terms := make([]string, 0, len(cp.Links))
	for _, l := range cp.Links {
		bound += l.Seconds
		if l.Duration {
			terms = append(terms, fmt.Sprintf("%s %s", secs(l.Seconds), l.What))
		} else {
			terms = append(terms, fmt.Sprintf("%s at %s", l.What, secs(l.Seconds)))
		}
	}
	cp.Bound = &bound
	cp.Text = fmt.Sprintf("%s: %s = %s of %s", label, strings.Join(terms, " + "), secs(bound), secs(cp.Total))
	switch rest := cp.Total - bound; {
	case rest >= 0.05:
		cp.Text += fmt.Sprintf(" (%s its own start-up and retries)", secs(rest))
	case rest <= -0.05:
		cp.Text += fmt.Sprintf(" (%s before the bound: its inputs are the harness's observations, not the component's)", secs(-rest))
	}
	return cp
}

// boundOf is the known bound of one recovery figure: the latest
// prerequisite it waited for, plus what the cluster's settings add after
// it (a leader Lease's duration, a static pod's startup probe delay).
// Nil when nothing known bounds it.
func boundOf(tl Timeline, at time.Time, figure string, figs map[string]Figure) []Link {
	api := figureLink(figs, APIRecovery, "API back")
	etcd := figureLink(figs, EtcdRecovery, "etcd ready")
	fault := latest(faultReturned(tl, at), faultLifted(tl, at))
	by := figs[figure].Value
	procedure := procedureStep(tl, at, by)
	switch figure {
	case LeaseSchedulerRecovery, LeaseControllerManagerRecovery:
		lease := strings.TrimSuffix(strings.TrimPrefix(figure, "lease."), ".recovery")
		return leaseBound(tl, at, lease, api)
	case PodAPIServerRecovery, PodEtcdRecovery, PodSchedulerRecovery, PodControllerManagerRecovery:
		// A static pod restarted by the fault (or started again after it,
		// or by the procedure) is Ready no sooner than kubeadm's startup
		// probe delay after; and the kubelet reports it through the API.
		if started := latest(fault, procedure); started != nil {
			return latest(api, append(slices.Clone(started), Link{What: "kubeadm's startup probe delay",
				Seconds: kubeadmStartupDelay, Duration: true, From: "kubeadm's static pod manifests (startupProbe initialDelaySeconds)"}))
		}
		return api
	case NodeRecovery:
		// The kubelet reports Ready through the API.
		return latest(api, fault, procedure)
	case APIRecovery, APIDirectRecovery, RTOWrites:
		return latest(etcd, fault, procedure)
	case EtcdRecovery, WorkloadRecovery:
		return latest(fault, procedure)
	}
	return nil
}

// kubeadmStartupDelay is the initialDelaySeconds of the startup probe
// kubeadm gives every static pod: no restarted control-plane pod is Ready
// sooner.
const kubeadmStartupDelay = 10

// leaseBound: a leader that survived renews as soon as the API serves it
// again; a new one can only take the Lease once it expired, a Lease
// duration after the old holder's last renewal or after a candidate first
// saw it (client-go counts from its own observation), whichever is later.
func leaseBound(tl Timeline, at time.Time, lease string, api []Link) []Link {
	obs := leaseObservations(tl.Leases, kubeadm.SystemNamespace, lease)
	var before, after *LeaseObservation
	var duration int32
	for i := range obs {
		duration = max(duration, obs[i].DurationSeconds)
		if !obs[i].ObservedAt.After(at) {
			before = &obs[i]
		} else {
			after = &obs[i]
		}
	}
	if before == nil || after == nil || duration <= 0 {
		return api
	}
	if after.Holder == before.Holder {
		// The same holder: no Lease to wait out, only the API.
		return api
	}
	renewed := []Link{{What: "last renewal before the fault", Seconds: before.RenewTime.Sub(at).Seconds(),
		From: "lease " + lease + " renewTime"}}
	start := latest(renewed, api)
	return append(start, Link{What: "lease duration", Seconds: float64(duration), Duration: true,
		From: fmt.Sprintf("lease %s spec.leaseDurationSeconds", lease)})
}

func figureLink(figs map[string]Figure, name, what string) []Link {
	f, ok := figs[name]
	if !ok || !f.Measured || f.Value <= 0 {
		return nil
	}
	return []Link{{What: what, Seconds: f.Value, From: "figure " + name}}
}

// faultReturned is when the last inject action returned (a reboot's
// restart, a kill's exit), seconds from the first inject.
func faultReturned(tl Timeline, at time.Time) []Link {
	return lastEvent(tl, at, EventInject, "returned")
}

// faultLifted is when the harness lifted a held fault (the last recover
// action returned).
func faultLifted(tl Timeline, at time.Time) []Link {
	return lastEvent(tl, at, EventRecover, "lifted")
}

func lastEvent(tl Timeline, at time.Time, kind EventKind, verb string) []Link {
	var done time.Time
	action := ""
	for _, e := range tl.Events {
		if e.Kind == kind && e.Done.After(done) {
			done, action = e.Done, e.Action
		}
	}
	if done.IsZero() {
		return nil
	}
	return []Link{{What: action + " " + verb, Seconds: done.Sub(at).Seconds(), From: "the fault's " + string(kind) + " events"}}
}

// procedureStep is the last step of the recovery procedure that ended by
// the time the component recovered (by, seconds from the first inject):
// what it can have waited for. A step still running then (a verification
// that waits for the components) bounds nothing.
func procedureStep(tl Timeline, at time.Time, by float64) []Link {
	var last *Step
	for i := range tl.Steps {
		st := &tl.Steps[i]
		if st.End.Sub(at).Seconds() <= by+0.05 && (last == nil || st.End.After(last.End)) {
			last = st
		}
	}
	if last == nil {
		return nil
	}
	return []Link{{What: "procedure step " + last.Name + " done", Seconds: last.End.Sub(at).Seconds(), From: "the recovery procedure's steps"}}
}

// latest is the chain that ends latest (its instant plus any durations
// after it) of those given.
func latest(chains ...[]Link) []Link {
	var best []Link
	for _, c := range chains {
		if len(c) > 0 && (best == nil || sum(c) > sum(best)) {
			best = c
		}
	}
	return best
}

func sum(chain []Link) float64 {
	var s float64
	for _, l := range chain {
		s += l.Seconds
	}
	return s
}

func secs(v float64) string {
	return fmt.Sprintf("%.1f s", v)
}

// recoveryOrder is every measured recovery figure, earliest first (ties
// in the order recoveryParts lists them), and the line that says it.
func recoveryOrder(tl Timeline, byName map[string]Figure) ([]Link, string) {
	var order []Link
	for _, name := range recoveryParts {
		f, ok := byName[name]
		if !ok || !f.Measured {
			continue
		}
		what := name
		if info, ok := Info(name); ok && info.Component != "" {
			what = info.Component
		}
		order = append(order, Link{What: what, Seconds: f.Value, From: name})
	}
	slices.SortStableFunc(order, func(a, b Link) int { return cmp.Compare(a.Seconds, b.Seconds) })
	if len(order) == 0 {
		return nil, ""
	}
	parts := make([]string, len(order))
	for i, l := range order {
		parts[i] = fmt.Sprintf("%s %s", l.What, secs(l.Seconds))
	}
	text := "back in this order: " + strings.Join(parts, ", ")
	if n := len(tl.Steps); n > 0 {
		text += fmt.Sprintf("; after a recovery procedure of %d steps", n)
	} else {
		text += "; no human step"
	}
	return order, text
}
