package scenario

import (
	"fmt"
	"math"
	"net/netip"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/timeline"
	"go.yaml.in/yaml/v3"
)

// MaxProbeInterval is the largest probes.interval: the resolution of the
// measurement model.
const MaxProbeInterval = 250 * time.Millisecond

// validateScenario checks the rules written in the comments of the types.
func (d *doc) validateScenario(s *Scenario) {
	d.checkName(s.Name)
	d.requireString("description", s.Description)
	d.requireString("cluster", s.Cluster)
	d.checkLabels(s.Labels)

	if d.section("steadyState", "checks, settle and timeout") {
		ss := s.SteadyState
		d.checkNames("steadyState.checks", "check", ss.Checks)
		d.positive("steadyState.settle", ss.Settle)
		if d.positive("steadyState.timeout", ss.Timeout) && ss.Settle > 0 && ss.Timeout <= ss.Settle {
			d.errorf("steadyState.timeout", "must be longer than settle (%s), got %s", ss.Settle, ss.Timeout)
		}
	}

	if d.section("probes", "interval, timeout and writeInterval") {
		p := s.Probes
		if d.positive("probes.interval", p.Interval) && p.Interval > MaxProbeInterval {
			d.errorf("probes.interval", "must be <= %s (the measurement model's resolution), got %s", MaxProbeInterval, p.Interval)
		}
		d.positive("probes.timeout", p.Timeout)
		d.positive("probes.writeInterval", p.WriteInterval)
		if e := p.Edges; e != nil && (*e < 0 || (*e > 0 && p.Interval > 0 && *e >= p.Interval)) {
			d.errorf("probes.edges", "must be 0s (off) or below interval (%s), got %s", p.Interval, *e)
		}
		if d.present("probes.workloadToleration") && p.WorkloadToleration%time.Second != 0 {
			d.errorf("probes.workloadToleration", "must be whole seconds (a toleration's tolerationSeconds), got %s", p.WorkloadToleration)
		} else if d.present("probes.workloadToleration") && p.WorkloadToleration <= 0 {
			d.errorf("probes.workloadToleration", "must be > 0, got %s (leave it out for Kubernetes' 300 s)", p.WorkloadToleration)
		}
		if p.WorkloadVia != "" && !slices.Contains(WorkloadVias, p.WorkloadVia) {
			d.errorf("probes.workloadVia", "unknown value %q: want %s (or leave it out)", p.WorkloadVia, quoteList(WorkloadVias))
		}
	}

	if d.section("fault", "action and target") {
		d.checkFault(s.Fault)
	}

	if d.section("recovery", "conditions and timeout") {
		r := s.Recovery
		d.checkNames("recovery.conditions", "condition", r.Conditions)
		d.positive("recovery.timeout", r.Timeout)
		if r.ObserveAfter < 0 {
			d.errorf("recovery.observeAfter", "must be >= 0, got %s", r.ObserveAfter)
		}
		d.checkProcedure(s.Fault, r)
	}

	d.checkBudgets(s.Budgets)
	d.checkMeasurable(s)
}

// checkMeasurable rejects a budget on a figure this scenario cannot
// produce: it would fail as "not measured" on every run, or worse, be read
// as a measurement of something the drill never did.
func (d *doc) checkMeasurable(s *Scenario) {
	for i, b := range s.Budgets {
		info, ok := timeline.Info(b.Figure)
		if !ok {
			continue
		}
		var lacks bool
		switch info.Needs {
		case timeline.NeedsHeldFault:
			lacks = s.Fault.Duration <= 0
		case timeline.NeedsCanary:
			lacks = !s.Probes.Canary
		case timeline.NeedsProcedure:
			lacks = s.Recovery.Procedure == ""
		case timeline.NeedsFlood:
			a, _ := LookupAction(s.Fault.Action)
			lacks = !a.Floods
		}
		if lacks {
			d.errorf(fmt.Sprintf("budgets[%d].figure", i), "%s is never measured by this scenario: it needs %s", b.Figure, info.Needs)
		}
	}
}

func (d *doc) checkName(name string) {
	base := filepath.Base(d.file)
	want, ok := strings.CutSuffix(base, ".yaml")
	if !ok {
		d.errorf("", "file name %q must end in .yaml", base)
		return
	}
	switch {
	case name == "":
		d.errorf("name", "required: %q (the file's base name)", want)
	case name != want:
		d.errorf("name", "%q does not match the file name %q: want %q", name, base, want)
	default:
		// The name becomes a folder of the report: nothing but a label.
		d.checkDNSLabel("name", name, "reboot-master")
	}
}

func (d *doc) requireString(path, v string) bool {
	if strings.TrimSpace(v) == "" {
		d.errorf(path, "required")
		return false
	}
	return true
}

// section reports whether the required mapping at path is written; if not,
// it reports one error naming what the section needs.
func (d *doc) section(path, needs string) bool {
	if !d.present(path) {
		d.errorf(path, "required (%s)", needs)
		return false
	}
	return true
}

// positive checks a required duration > 0.
func (d *doc) positive(path string, v time.Duration) bool {
	switch {
	case !d.present(path):
		d.errorf(path, "required: a duration > 0 such as \"30s\"")
		return false
	case v <= 0:
		d.errorf(path, "must be > 0, got %s", v)
		return false
	}
	return true
}

// ginkgoLabelChars may not appear in a Ginkgo label.
const ginkgoLabelChars = "&|!,()/"

func (d *doc) checkLabels(labels []string) {
	for i, l := range labels {
		path := fmt.Sprintf("labels[%d]", i)
		switch {
		case strings.TrimSpace(l) == "":
			d.errorf(path, "empty label")
		case strings.ContainsAny(l, ginkgoLabelChars):
			d.errorf(path, "label %q: a Ginkgo label cannot contain any of %s", l, ginkgoLabelChars)
		default:
			if j := slices.Index(labels[:i], l); j >= 0 {
				d.errorf(path, "duplicate label %q (first at labels[%d])", l, j)
			}
		}
	}
}

// checkNames checks a required list of names from Checks.
func (d *doc) checkNames(path, what string, names []string) {
	if len(names) == 0 {
		d.errorf(path, "required: a list of %ss from %s", what, strings.Join(Checks, ", "))
		return
	}
	for i, n := range names {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !slices.Contains(Checks, n) {
			d.errorf(p, "unknown %s %q%s; known: %s", what, n, didYouMean(n, Checks), strings.Join(Checks, ", "))
			continue
		}
		if j := slices.Index(names[:i], n); j >= 0 {
			d.errorf(p, "duplicate %s %q (first at %s[%d])", what, n, path, j)
		}
	}
}

var targetRoles = []string{RoleControlPlane, RoleWorker, RoleAny}

func (d *doc) checkFault(f Fault) {
	actions := ActionNames()
	action, known := LookupAction(f.Action)
	switch {
	case len(actions) == 0:
		d.errorf("fault.action", "no fault action is registered: this program does not import framework/fault")
	case f.Action == "":
		d.errorf("fault.action", "required: one of %s", strings.Join(actions, ", "))
	case !known:
		d.errorf("fault.action", "unknown action %q%s; known actions: %s", f.Action, didYouMean(f.Action, actions), strings.Join(actions, ", "))
	case action.NeedsDuration:
		if !d.present("fault.duration") {
			d.errorf("fault.duration", "required for action %q: how long the fault lasts, e.g. \"30s\"", f.Action)
		} else if f.Duration <= 0 {
			d.errorf("fault.duration", "must be > 0, got %s", f.Duration)
		}
	default:
		if d.present("fault.duration") {
			d.errorf("fault.duration", "action %q takes no duration: remove it", f.Action)
		}
	}

	if known && action.RestartsContainer {
		switch {
		case f.KubeletBackoff == "":
			d.errorf("fault.kubeletBackoff", "required for action %q: how the drill accounts for the kubelet's restart back-off, one of %s", f.Action, quoteList(KubeletBackoffs))
		case !slices.Contains(KubeletBackoffs, f.KubeletBackoff):
			d.errorf("fault.kubeletBackoff", "unknown policy %q: want %s", f.KubeletBackoff, quoteList(KubeletBackoffs))
		}
	} else if known && d.present("fault.kubeletBackoff") {
		d.errorf("fault.kubeletBackoff", "action %q restarts no container: remove it", f.Action)
	}

	if !d.section("fault.target", "role and count") {
		return
	}
	t := f.Target
	d.checkComponent(f, known && action.NeedsComponent)
	switch {
	case t.Role == "":
		d.errorf("fault.target.role", "required: %s", quoteList(targetRoles))
	case !slices.Contains(targetRoles, t.Role):
		d.errorf("fault.target.role", "unknown role %q: want %s", t.Role, quoteList(targetRoles))
	}
	switch {
	case !d.present("fault.target.count"):
		d.errorf("fault.target.count", `required: "one", "all" or an integer >= 1`)
	default:
		if _, ok := parseCount(t.Count); !ok {
			d.errorf("fault.target.count", `must be "one", "all" or an integer >= 1, got %q`, t.Count)
		}
	}
}

// procedureRecovers says what each procedure does to the action it
// recovers (the one registered with it), for a scenario that names it
// after another action.
var procedureRecovers = map[string]string{
	ProcedureRestoreEtcd:         "restores what action %q wipes",
	ProcedureRebuildControlPlane: "replaces what action %q destroys",
	ProcedureRemoveWebhook:       "removes the webhook action %q breaks",
	ProcedureRenewCertificates:   "renews what actions %q expire",
	ProcedureDefragEtcd:          "frees the space action %q fills",
	ProcedureReplaceEtcdMember:   "replaces the member action %q loses",
}

// checkProcedure checks the recovery procedure against the fault: one that
// nothing in the cluster undoes needs one, and only such a fault has one.
func (d *doc) checkProcedure(f Fault, r Recovery) {
	action, known := LookupAction(f.Action)
	switch {
	case r.Procedure == "" && known && action.Procedure != "":
		d.errorf("recovery.procedure", "required for action %q (nothing in the cluster undoes it): %q", f.Action, action.Procedure)
	case r.Procedure == "":
	case !slices.Contains(Procedures, r.Procedure):
		d.errorf("recovery.procedure", "unknown procedure %q%s: want %s", r.Procedure, didYouMean(r.Procedure, Procedures), quoteList(Procedures))
	case known && action.Procedure == "":
		d.errorf("recovery.procedure", "action %q heals by itself: a procedure would hide whether it does; remove it", f.Action)
	case len(recoveredBy(r.Procedure)) > 0 && !slices.Contains(recoveredBy(r.Procedure), f.Action):
		d.errorf("recovery.procedure", "%q %s, not %q", r.Procedure, fmt.Sprintf(procedureRecovers[r.Procedure], strings.Join(recoveredBy(r.Procedure), ", ")), f.Action)
	}
	if known && action.Component != "" && f.Target.Component != "" && f.Target.Component != action.Component {
		d.errorf("fault.target.component", "action %q acts on %q only", f.Action, action.Component)
	}
	if known && action.Role != "" && f.Target.Role != action.Role {
		if action.Procedure != "" {
			d.errorf("fault.target.role", "action %q is recovered by %q: role must be %q", f.Action, action.Procedure, action.Role)
		} else {
			d.errorf("fault.target.role", "action %q acts on %s nodes only: role must be %q", f.Action, action.Role, action.Role)
		}
	}
	if r.Procedure == ProcedureReplaceEtcdMember && f.Target.Count != "one" && f.Target.Count != "1" {
		d.errorf("fault.target.count", "%q replaces one member while the others keep quorum: must be \"one\", got %q", r.Procedure, f.Target.Count)
	}
	switch {
	case r.Snapshot != "" && r.Procedure != "" && !TakesSnapshot(r.Procedure):
		d.errorf("recovery.snapshot", "procedure %q restores no snapshot: remove it", r.Procedure)
	case r.Snapshot != "" && r.Procedure == "":
		d.errorf("recovery.snapshot", "only a recovery procedure restores a snapshot: remove it")
	case r.Snapshot != "" && !slices.Contains(Snapshots, r.Snapshot):
		d.errorf("recovery.snapshot", "unknown snapshot time %q: want %s", r.Snapshot, quoteList(Snapshots))
	case r.Snapshot == SnapshotSurvivor && f.Target.Count == "all":
		d.errorf("recovery.snapshot", "%q needs a member the fault spares: fault.target.count must not be \"all\"", r.Snapshot)
	case r.Snapshot == SnapshotSurvivor && d.present("recovery.snapshotAge"):
		d.errorf("recovery.snapshotAge", "a survivor's snapshot is taken after the fault: remove it")
	}
	for _, field := range []struct {
		name string
		v    time.Duration
	}{{"recovery.snapshotAge", r.SnapshotAge}, {"recovery.startAfter", r.StartAfter}} {
		switch {
		case d.present(field.name) && r.Procedure == "":
			d.errorf(field.name, "only a recovery procedure has it: remove it")
		case field.name == "recovery.snapshotAge" && d.present(field.name) && !TakesSnapshot(r.Procedure):
			d.errorf(field.name, "procedure %q restores no snapshot: remove it", r.Procedure)
		case field.v < 0:
			d.errorf(field.name, "must be >= 0, got %s", field.v)
		}
	}
}

// checkComponent checks target.component and target.leadership.
func (d *doc) checkComponent(f Fault, needs bool) {
	t := f.Target
	switch {
	case needs && t.Component == "":
		d.errorf("fault.target.component", "required for action %q: one of %s", f.Action, quoteList(Components))
	case t.Component != "" && !slices.Contains(Components, t.Component):
		d.errorf("fault.target.component", "unknown component %q%s: want %s", t.Component, didYouMean(t.Component, Components), quoteList(Components))
	case t.Component != "" && !needs:
		d.errorf("fault.target.component", "action %q acts on whole nodes: remove it", f.Action)
	case t.Component != "" && t.Role != RoleControlPlane:
		d.errorf("fault.target.role", "component %s runs on control-plane nodes: role must be %q", t.Component, RoleControlPlane)
	}
	if t.Leadership == "" {
		return
	}
	switch {
	case t.Leadership != Leader && t.Leadership != Follower:
		d.errorf("fault.target.leadership", "unknown leadership %q: want %q or %q", t.Leadership, Leader, Follower)
	case t.Component == "" || t.Component == ComponentAPIServer:
		d.errorf("fault.target.leadership", "needs a leader-elected component: %q, %q or %q", ComponentScheduler, ComponentControllerManager, ComponentEtcd)
	case t.Leadership == Leader && t.Count != "one":
		d.errorf("fault.target.count", "there is one leader: count must be \"one\"")
	}
}

// parseCount reads a target count: "one" is 1, "all" is -1, else N >= 1.
func parseCount(s string) (int, bool) {
	switch s {
	case "one":
		return 1, true
	case "all":
		return -1, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

var budgetKinds = []string{BudgetSelfHealing, BudgetAvailability, BudgetCalibration, BudgetHarness}

// figureNames is the sorted list of known figures.
func figureNames() []string {
	names := make([]string, 0, len(timeline.FigureUnits))
	for f := range timeline.FigureUnits {
		names = append(names, f)
	}
	slices.Sort(names)
	return names
}

func (d *doc) checkBudgets(budgets []Budget) {
	if len(budgets) == 0 {
		d.errorf("budgets", "required: at least one budget")
		return
	}
	first := map[string]int{}
	for i := range budgets {
		b := &budgets[i]
		path := fmt.Sprintf("budgets[%d]", i)
		d.checkBudget(path, b)
		if b.Figure == "" {
			continue
		}
		if j, dup := first[b.Figure]; dup {
			d.errorf(path+".figure", "duplicate budget on %q (first at budgets[%d])", b.Figure, j)
			continue
		}
		first[b.Figure] = i
	}
}

func (d *doc) checkBudget(path string, b *Budget) {
	unit, unitOK := d.checkFigure(path+".figure", b.Figure)
	switch {
	case b.Kind == "":
		d.errorf(path+".kind", "required: %s", quoteList(budgetKinds))
	case !slices.Contains(budgetKinds, b.Kind):
		d.errorf(path+".kind", "unknown kind %q: want %s", b.Kind, quoteList(budgetKinds))
	case unitOK && (b.Kind == BudgetHarness) != timeline.HarnessCost(b.Figure):
		// The kind decides the verdict: a blown harness budget makes a
		// drill INVALID, any other FAIL.
		if b.Kind == BudgetHarness {
			d.errorf(path+".kind", "kind %q is for the harness's own cost figures, not %q", BudgetHarness, b.Figure)
		} else {
			d.errorf(path+".kind", "%q is the harness's own cost: its budget has kind %q", b.Figure, BudgetHarness)
		}
	}
	if b.Max == nil && b.Min == nil {
		d.errorf(path, "needs max or min (or both)")
	}
	d.requireString(path+".why", b.Why)
	if !unitOK {
		return
	}
	if b.FromHistory && (b.Max == nil || unit != timeline.Seconds) {
		d.errorf(path+".fromHistory", "a budget derived from history needs a max in seconds: the written max is its ceiling and 1 s its floor")
	}
	maxOK := d.convert(path+".max", b.Max, unit)
	minOK := d.convert(path+".min", b.Min, unit)
	lbOK := d.convert(path+".lowerBound", b.LowerBound, unit)
	d.checkBounds(path, b.Max, b.Min, b.LowerBound, maxOK, minOK, lbOK, "")
}

// checkBounds checks min <= max and lowerBound <= max (when given and
// converted); problems are reported at path's max or min. ctx is added to
// the message (for overrides: whose lowerBound it is).
func (d *doc) checkBounds(path string, maxV, minV, lb *Value, maxOK, minOK, lbOK bool, ctx string) {
	if maxV != nil && minV != nil && maxOK && minOK && minV.Number > maxV.Number {
		d.errorf(path+".min", "min %s is above max %s%s", minV.Raw, maxV.Raw, ctx)
	}
	if maxV != nil && lb != nil && maxOK && lbOK && lb.Number > maxV.Number {
		d.errorf(path+".max", "max %s is below lowerBound %s%s: budget below the lower bound the cluster's settings impose", maxV.Raw, lb.Raw, ctx)
	}
}

// checkFigure checks a required figure name and returns its unit.
func (d *doc) checkFigure(path, figure string) (timeline.Unit, bool) {
	if figure == "" {
		d.errorf(path, "required: a figure name such as %q", timeline.APIDowntimeTotal)
		return "", false
	}
	unit, ok := timeline.FigureUnits[figure]
	if !ok {
		best, _ := closest(figure, figureNames())
		d.errorf(path, "unknown figure %q; did you mean %q?", figure, best)
		return "", false
	}
	return unit, true
}

// convert sets v.Number from v.Raw in unit: a duration in seconds for
// Seconds, a non-negative integer for Count, a number in [0,100] for
// Percent. A nil v is fine (the bound is not given).
func (d *doc) convert(path string, v *Value, unit timeline.Unit) bool {
	if v == nil {
		return false
	}
	if v.node != nil && v.node.Kind != yaml.ScalarNode {
		d.errorf(path, "want %s, got %s", unitWant(unit), describeNode(v.node))
		return false
	}
	raw := strings.TrimSpace(v.Raw)
	switch unit {
	case timeline.Seconds:
		if _, err := strconv.ParseFloat(raw, 64); err == nil {
			d.errorf(path, "bare number %s: write a duration with its unit, e.g. %ss", raw, raw)
			return false
		}
		dur, err := time.ParseDuration(raw)
		if err != nil {
			d.errorf(path, "want %s, got %q", unitWant(unit), v.Raw)
			return false
		}
		if dur < 0 {
			d.errorf(path, "must be >= 0, got %s", raw)
			return false
		}
		v.Number = dur.Seconds()
	case timeline.Count:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			d.errorf(path, "want %s, got %q", unitWant(unit), v.Raw)
			return false
		}
		v.Number = float64(n)
	case timeline.Percent:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
			d.errorf(path, "want %s, got %q", unitWant(unit), v.Raw)
			return false
		}
		v.Number = f
	case timeline.Rate:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			d.errorf(path, "want %s, got %q", unitWant(unit), v.Raw)
			return false
		}
		v.Number = f
	default:
		d.errorf(path, "figure unit %q unknown to the loader", unit)
		return false
	}
	return true
}

func unitWant(unit timeline.Unit) string {
	switch unit {
	case timeline.Seconds:
		return `a duration with its unit, such as "60s", "1.5s" or "500ms"`
	case timeline.Count:
		return "a non-negative integer (the figure is a count)"
	case timeline.Percent:
		return "a number from 0 to 100 (the figure is a percentage; no % sign)"
	case timeline.Rate:
		return "a non-negative number (the figure is a rate per second; no unit)"
	}
	return string(unit)
}

// dnsLabel is an RFC 1123 label, as Kubernetes checks it.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// validateProfile checks a profile; list is the registered providers'
// formats it was decoded with.
func (d *doc) validateProfile(p *ClusterProfile, list []ProviderFormat) {
	d.checkName(p.Name)
	providers := providerNames(list)
	i := slices.Index(providers, p.Provider)
	switch {
	case p.Provider == "":
		d.errorf("provider", "required: %s", quoteList(providers))
	case i < 0:
		d.errorf("provider", "unknown provider %q: want %s", p.Provider, quoteList(providers))
	case p.Cluster == nil:
		d.errorf(list[i].Key, "required for provider %q (%s)", p.Provider, list[i].Needs)
	default:
		p.Cluster.Check(&Fields{d: d, at: list[i].Key})
	}
	// A provider's block on another known provider is a mistake; on an
	// unknown provider the provider itself is.
	if i >= 0 {
		for _, f := range list {
			if _, set := p.blocks[f.Key]; set && f.Name != p.Provider {
				d.errorf(f.Key, "only for provider %q", f.Name)
			}
		}
	}

	d.checkTimeouts(p.Timeouts)

	first := map[[2]string]int{}
	for i := range p.BudgetOverrides {
		o := &p.BudgetOverrides[i]
		path := fmt.Sprintf("budgetOverrides[%d]", i)
		d.requireString(path+".scenario", o.Scenario)
		unit, unitOK := d.checkFigure(path+".figure", o.Figure)
		if o.Max == nil && o.Min == nil && o.LowerBound == nil {
			d.errorf(path, "needs max, min or lowerBound")
		}
		d.requireString(path+".why", o.Why)
		if unitOK {
			maxOK := d.convert(path+".max", o.Max, unit)
			minOK := d.convert(path+".min", o.Min, unit)
			lbOK := d.convert(path+".lowerBound", o.LowerBound, unit)
			d.checkBounds(path, o.Max, o.Min, o.LowerBound, maxOK, minOK, lbOK, "")
		}
		if o.Scenario == "" || o.Figure == "" {
			continue
		}
		k := [2]string{o.Scenario, o.Figure}
		if j, dup := first[k]; dup {
			d.errorf(path, "duplicate override of %q on %q (first at budgetOverrides[%d])", o.Figure, o.Scenario, j)
			continue
		}
		first[k] = i
	}
}

// checkTimeouts rejects a negative timeout; zero or absent is the default.
func (d *doc) checkTimeouts(t *Timeouts) {
	if t == nil {
		return
	}
	v, def := reflect.ValueOf(*t), reflect.ValueOf(DefaultTimeouts())
	for i := range v.NumField() {
		if dur := v.Field(i).Interface().(time.Duration); dur < 0 {
			name := strings.Split(v.Type().Field(i).Tag.Get("yaml"), ",")[0]
			d.errorf("timeouts."+name, "must be > 0, got %s (leave it out for the default %s)", dur, def.Field(i).Interface())
		}
	}
}

// checkDNSLabel requires a DNS-1123 label at path; false when it is not.
func (d *doc) checkDNSLabel(path, v, example string) bool {
	switch {
	case v == "":
		d.errorf(path, "required: a DNS-1123 label such as %q", example)
	case len(v) > 63 || !dnsLabel.MatchString(v):
		d.errorf(path, "must be a DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit), got %q", v)
	default:
		return true
	}
	return false
}

// kubernetesVersion is a release as kubeadm takes it: it goes into the
// kubeadm configuration and the package commands on the machines.
var kubernetesVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$`)

func (d *doc) checkKubernetesVersion(path, v string) {
	if d.requireString(path, v) && !kubernetesVersion.MatchString(v) {
		d.errorf(path, "%q is not a Kubernetes release such as v1.34.4", v)
	}
}

// checkPodSubnet checks the pods' CIDR kubeadm is given (required when a
// cluster is made, not when one is attached to).
func (d *doc) checkPodSubnet(path, v string, required bool) {
	if v == "" {
		if required {
			d.errorf(path, "required: the pods' CIDR, e.g. 10.244.0.0/16")
		}
		return
	}
	if _, err := netip.ParsePrefix(v); err != nil {
		d.errorf(path, "not a CIDR: %v", err)
	}
}
