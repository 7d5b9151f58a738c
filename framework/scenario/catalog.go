package scenario

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Catalog is every scenario and cluster profile of the repository, loaded,
// validated and cross-checked. Both maps are keyed by name (which is the
// file's base name).
type Catalog struct {
	Scenarios map[string]*Scenario
	Profiles  map[string]*ClusterProfile
}

// LoadCatalog loads every *.yaml file of scenariosDir as a Scenario and of
// clustersDir as a ClusterProfile, and checks them against each other: a
// scenario's cluster names a profile; a budget override names a scenario
// that runs on that profile and has a budget on that figure with the bound
// overridden; a scenario's fault target matches nodes of its profile. All
// problems of all files come back at once, sorted by file and line.
func LoadCatalog(scenariosDir, clustersDir string, opts ...Option) (*Catalog, error) {
	return LoadCatalogFrom(HostDir(scenariosDir), HostDir(clustersDir), opts...)
}

// Dir is a folder of catalog files: on this machine (FS nil), or in a
// file system such as the catalog the binary ships (firedrill.Catalog).
type Dir struct {
	FS   iofs.FS
	Path string
}

// HostDir is a folder on this machine.
func HostDir(path string) Dir { return Dir{Path: path} }

// LoadCatalogFrom is LoadCatalog of folders anywhere: a user's own
// scenarios beside the shipped profiles, for one.
func LoadCatalogFrom(scenarios, clusters Dir, opts ...Option) (*Catalog, error) {
	fs := newFileSet(opts)
	fs.allScenarios = sameProject(scenarios, clusters)
	profilePaths, err := yamlFiles(clusters)
	if err != nil {
		fs.other = append(fs.other, err)
	}
	for _, path := range profilePaths {
		fs.loadFile(clusters.FS, path, KindClusterProfile, true)
	}
	scenarioPaths, err := yamlFiles(scenarios)
	if err != nil {
		fs.other = append(fs.other, err)
	}
	for _, path := range scenarioPaths {
		fs.loadFile(scenarios.FS, path, KindScenario, true)
	}
	fs.crossCheck()
	if err := fs.err(); err != nil {
		return nil, err
	}
	c := &Catalog{Scenarios: map[string]*Scenario{}, Profiles: map[string]*ClusterProfile{}}
	for _, ls := range fs.scenarios {
		c.Scenarios[ls.s.Name] = ls.s
	}
	for _, lp := range fs.profiles {
		c.Profiles[lp.p.Name] = lp.p
	}
	return c, nil
}

// sameProject says whether the scenarios are the profiles' own (a project's
// scenarios/ beside its clusters/): only then is a scenario that a
// profile's override names, and the folder lacks, a mistake. Scenarios of
// one's own beside the repository's profiles lack the repository's
// scenarios, whose overrides simply do not apply to them.
func sameProject(scenarios, clusters Dir) bool {
	if scenarios.FS != nil || clusters.FS != nil {
		return scenarios.FS == clusters.FS && path.Dir(scenarios.Path) == path.Dir(clusters.Path)
	}
	s, err1 := filepath.Abs(scenarios.Path)
	c, err2 := filepath.Abs(clusters.Path)
	return err1 == nil && err2 == nil && filepath.Dir(s) == filepath.Dir(c)
}

// ValidateFiles loads and validates just the given files, each a scenario
// or a cluster profile. A scenario's cluster is checked against the
// profiles in clustersDir (and those among paths); problems of the
// profiles in clustersDir that are not among paths are not reported.
// Budget overrides of a profile are checked against the scenarios among
// paths only: it takes the whole catalog (LoadCatalog) to know that a
// scenario does not exist. An empty clustersDir skips the cluster check.
func ValidateFiles(paths []string, clustersDir string, opts ...Option) error {
	return ValidateFilesWith(paths, HostDir(clustersDir), opts...)
}

// ValidateFilesWith is ValidateFiles with the profiles of clusters,
// which may be the shipped ones.
func ValidateFilesWith(paths []string, clusters Dir, opts ...Option) error {
	fs := newFileSet(opts)
	if clusters.Path != "" {
		profilePaths, err := yamlFiles(clusters)
		if err != nil {
			return err
		}
		for _, path := range profilePaths {
			fs.loadFile(clusters.FS, path, KindClusterProfile, false)
		}
	}
	for _, path := range paths {
		fs.loadFile(nil, path, "", true)
	}
	fs.crossCheck()
	return fs.err()
}

// OnProfile is the catalog with every scenario run on the named profile
// instead of its own: the same drills, figures and budgets on another
// cluster (the profile's budget overrides apply). Scenarios whose fault
// targets no node of that profile are named in the error.
func (c *Catalog) OnProfile(profile string) (*Catalog, error) {
	p, ok := c.Profiles[profile]
	if !ok {
		names := slices.Sorted(maps.Keys(c.Profiles))
		return nil, fmt.Errorf("unknown cluster profile %q%s; known profiles: %s", profile, didYouMean(profile, names), strings.Join(names, ", "))
	}
	out := &Catalog{Scenarios: map[string]*Scenario{}, Profiles: c.Profiles}
	for name, s := range c.Scenarios {
		moved := *s
		moved.Cluster = p.Name
		out.Scenarios[name] = &moved
	}
	return out, nil
}

// Budgets returns the scenario's budgets with its cluster profile's
// overrides applied: an overridden bound is replaced, and the budget's Why
// gets the override's Why appended. The catalog is not changed.
func (c *Catalog) Budgets(scenarioName string) ([]Budget, error) {
	s, ok := c.Scenarios[scenarioName]
	if !ok {
		return nil, c.unknownScenario(scenarioName)
	}
	p, ok := c.Profiles[s.Cluster]
	if !ok {
		return nil, fmt.Errorf("scenario %q: cluster profile %q is not in the catalog", scenarioName, s.Cluster)
	}
	return applyOverrides(s, p), nil
}

// Select returns the named scenarios in the order given. An empty list, an
// unknown name or a name given twice is an error.
func (c *Catalog) Select(names []string) ([]*Scenario, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no scenario selected; known scenarios: %s", strings.Join(c.scenarioNames(), ", "))
	}
	var errs []error
	out := make([]*Scenario, 0, len(names))
	for i, n := range names {
		s, ok := c.Scenarios[n]
		switch {
		case !ok:
			errs = append(errs, c.unknownScenario(n))
		case slices.Contains(names[:i], n):
			errs = append(errs, fmt.Errorf("scenario %q selected twice", n))
		default:
			out = append(out, s)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func (c *Catalog) scenarioNames() []string {
	names := make([]string, 0, len(c.Scenarios))
	for n := range c.Scenarios {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (c *Catalog) unknownScenario(name string) error {
	known := c.scenarioNames()
	return fmt.Errorf("unknown scenario %q%s; known scenarios: %s", name, didYouMean(name, known), strings.Join(known, ", "))
}

// applyOverrides copies s's budgets and applies p's overrides for s.
func applyOverrides(s *Scenario, p *ClusterProfile) []Budget {
	out := make([]Budget, len(s.Budgets))
	for i, b := range s.Budgets {
		b.Max, b.Min, b.LowerBound = cloneValue(b.Max), cloneValue(b.Min), cloneValue(b.LowerBound)
		out[i] = b
	}
	for _, o := range p.BudgetOverrides {
		if o.Scenario != s.Name {
			continue
		}
		for i := range out {
			b := &out[i]
			if b.Figure != o.Figure {
				continue
			}
			if o.Max != nil {
				b.Max = cloneValue(o.Max)
			}
			if o.Min != nil {
				b.Min = cloneValue(o.Min)
			}
			if o.LowerBound != nil {
				b.LowerBound = cloneValue(o.LowerBound)
			}
			b.Why = fmt.Sprintf("%s; overridden on %s: %s", b.Why, p.Name, o.Why)
		}
	}
	return out
}

func cloneValue(v *Value) *Value {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// yamlFiles lists dir's *.yaml files but examples of other formats
// (*.example.yaml: clusters/ssh-hosts.example.yaml is an ssh inventory,
// which its own reader checks).
func yamlFiles(dir Dir) ([]string, error) {
	var entries []iofs.DirEntry
	var err error
	if dir.FS == nil {
		entries, err = os.ReadDir(dir.Path)
	} else {
		entries, err = iofs.ReadDir(dir.FS, dir.Path)
	}
	if err != nil {
		var pe *iofs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: cannot read directory: %w", dir.Path, err)
	}
	join := filepath.Join
	if dir.FS != nil {
		join = path.Join
	}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") && !strings.HasSuffix(e.Name(), ".example.yaml") {
			paths = append(paths, join(dir.Path, e.Name()))
		}
	}
	return paths, nil
}

// fileSet is the files of one LoadCatalog or ValidateFiles call.
type fileSet struct {
	scenarios map[string]*loadedScenario // by file name without .yaml
	profiles  map[string]*loadedProfile
	// scenarioFiles and profileFiles name every file of each kind, loaded
	// cleanly or not, so a broken profile does not make every scenario on
	// it "unknown" too.
	scenarioFiles, profileFiles []string
	// allScenarios: every scenario file is in the set, so an override
	// naming none of them names a scenario that does not exist.
	allScenarios bool
	// overrides: WithOverrides.
	overrides map[string]string
	// formats are the providers' formats, for their site checks.
	formats []ProviderFormat

	docs  []*doc  // the files whose problems are reported
	other []error // I/O problems
}

type loadedScenario struct {
	d     *doc
	s     *Scenario
	clean bool // no problem before the cross-checks
}

type loadedProfile struct {
	d       *doc
	p       *ClusterProfile
	clean   bool
	context bool // only to check references against; problems not reported
}

func newFileSet(opts []Option) *fileSet {
	fs := &fileSet{scenarios: map[string]*loadedScenario{}, profiles: map[string]*loadedProfile{}, formats: ProviderFormats()}
	for _, o := range opts {
		o(fs)
	}
	return fs
}

// Option is what a load knows of the run beyond the files.
type Option func(*fileSet)

// WithOverrides are the run's site overrides, by the names of the
// environment variables the providers take: a provider's site checks
// (SiteChecker) need not hold of a field the run replaces.
func WithOverrides(overrides map[string]string) Option {
	return func(fs *fileSet) { fs.overrides = overrides }
}

// loadFile loads path as kind ("" for whichever its kind field says).
// report false makes it context: its problems are not reported, and it is
// kept only if it loaded cleanly.
func (fs *fileSet) loadFile(fsys iofs.FS, path, kind string, report bool) {
	d, err := readDocIn(fsys, path)
	if err != nil {
		if report {
			fs.other = append(fs.other, err)
		}
		return
	}
	if report {
		fs.docs = append(fs.docs, d)
	}
	var s *Scenario
	var p *ClusterProfile
	switch kind {
	case KindScenario:
		s = d.loadScenario(true)
	case KindClusterProfile:
		p = d.loadProfile(true)
	default:
		s, p = d.loadAny()
	}
	name := strings.TrimSuffix(filepath.Base(path), ".yaml") // a slash-separated path's base too
	clean := len(d.errs) == 0
	// A file of a directory of one kind exists as that kind even when it
	// does not load, so references to it are not reported as well.
	switch kind {
	case KindScenario:
		fs.scenarioFiles = appendNew(fs.scenarioFiles, name)
	case KindClusterProfile:
		fs.profileFiles = appendNew(fs.profileFiles, name)
	}
	switch {
	case s != nil:
		if _, dup := fs.scenarios[name]; !dup {
			fs.scenarios[name] = &loadedScenario{d: d, s: s, clean: clean}
			fs.scenarioFiles = appendNew(fs.scenarioFiles, name)
		}
	case p != nil && report:
		// A file given replaces the context profile of the same name.
		if lp, dup := fs.profiles[name]; !dup || lp.context {
			fs.profiles[name] = &loadedProfile{d: d, p: p, clean: clean}
		}
		fs.profileFiles = appendNew(fs.profileFiles, name)
	case p != nil && clean:
		fs.profiles[name] = &loadedProfile{d: d, p: p, clean: true, context: true}
	}
}

func appendNew(names []string, name string) []string {
	if slices.Contains(names, name) {
		return names
	}
	return append(names, name)
}

func (fs *fileSet) err() error {
	errs := slices.Clone(fs.other)
	for _, d := range fs.docs {
		errs = append(errs, fieldErrors(d.errs)...)
	}
	return joinSorted(errs)
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	names = slices.Clone(names)
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// crossCheck checks the references between the files of the set.
func (fs *fileSet) crossCheck() {
	for _, name := range slices.Sorted(maps.Keys(fs.scenarios)) {
		ls := fs.scenarios[name]
		s := ls.s
		if s.Cluster == "" {
			continue
		}
		if !slices.Contains(fs.profileFiles, s.Cluster) {
			ls.d.errorf("cluster", "unknown cluster profile %q%s; known profiles: %s",
				s.Cluster, didYouMean(s.Cluster, fs.profileFiles), listOrNone(fs.profileFiles))
			continue
		}
		if lp := fs.profiles[s.Cluster]; lp != nil && lp.clean && ls.clean {
			checkTarget(ls.d, s, lp.p)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(fs.profiles)) {
		lp := fs.profiles[name]
		if lp.context {
			continue
		}
		for i, o := range lp.p.BudgetOverrides {
			fs.checkOverride(lp, fmt.Sprintf("budgetOverrides[%d]", i), o)
		}
		for _, f := range fs.formats {
			if sc, ok := lp.p.blocks[f.Key].(SiteChecker); ok {
				sc.CheckSite(&Fields{d: lp.d, at: f.Key}, fs.overrides)
			}
		}
	}
}

// checkTarget checks that the fault target matches nodes of the profile.
func checkTarget(d *doc, s *Scenario, p *ClusterProfile) {
	shapes := p.NodeShapes()
	if shapes == nil {
		return
	}
	t := s.Fault.Target
	matching := 0
	for _, n := range shapes {
		if t.Admits(n.Role, n.Zone) {
			matching++
		}
	}
	what := "node"
	if t.Role != RoleAny {
		what = t.Role + " node"
	}
	if t.Zone != "" {
		what += " in zone " + t.Zone
	}
	if matching == 0 {
		path := "fault.target.role"
		if t.Zone != "" {
			path = "fault.target.zone"
		}
		d.errorf(path, "cluster profile %q has no %s", p.Name, what)
		return
	}
	if n, _ := parseCount(t.Count); n > matching {
		d.errorf("fault.target.count", "%d nodes wanted, but cluster profile %q has only %d %s(s)", n, p.Name, matching, what)
	}
	if s.Probes.WorkloadVia == WorkloadSparedWorker && !sparesAWorker(shapes, t) {
		path := "fault.target.role"
		if t.Zone != "" {
			path = "fault.target.zone"
		}
		d.errorf(path, "probes.workloadVia is %q, but on cluster profile %q this target may take every worker: "+
			"narrow it (role, zone) so a worker stays outside the fault, or leave probes.workloadVia out to reach the workload through every node",
			WorkloadSparedWorker, p.Name)
	}
}

// sparesAWorker says whether a worker of the profile is outside the
// target's role and zone, so the fault cannot take it.
func sparesAWorker(shapes []NodeShape, t Target) bool {
	for _, n := range shapes {
		if n.Role == RoleWorker && !t.Admits(n.Role, n.Zone) {
			return true
		}
	}
	return false
}

// checkOverride checks one budget override against its scenario.
func (fs *fileSet) checkOverride(lp *loadedProfile, path string, o BudgetOverride) {
	if o.Scenario == "" || o.Figure == "" {
		return
	}
	d := lp.d
	if !slices.Contains(fs.scenarioFiles, o.Scenario) {
		if fs.allScenarios {
			d.errorf(path+".scenario", "unknown scenario %q%s; known scenarios: %s",
				o.Scenario, didYouMean(o.Scenario, fs.scenarioFiles), listOrNone(fs.scenarioFiles))
		}
		return
	}
	ls := fs.scenarios[o.Scenario]
	if ls == nil || !ls.clean {
		return
	}
	// The scenario may run on another profile by default: a run can put
	// any scenario on this profile (Catalog.OnProfile).
	s := ls.s
	i := slices.IndexFunc(s.Budgets, func(b Budget) bool { return b.Figure == o.Figure })
	if i < 0 {
		figures := make([]string, len(s.Budgets))
		for j, b := range s.Budgets {
			figures[j] = b.Figure
		}
		d.errorf(path+".figure", "scenario %q has no budget on %q; its budgets are on: %s", s.Name, o.Figure, listOrNone(figures))
		return
	}
	b := s.Budgets[i]
	ok := true
	if o.Max != nil && b.Max == nil {
		d.errorf(path+".max", "the budget on %q of scenario %q has no max to override", o.Figure, s.Name)
		ok = false
	}
	if o.Min != nil && b.Min == nil {
		d.errorf(path+".min", "the budget on %q of scenario %q has no min to override", o.Figure, s.Name)
		ok = false
	}
	if !ok || !lp.clean {
		return
	}
	// The bounds in force after the override.
	maxV, minV := b.Max, b.Min
	if o.Max != nil {
		maxV = o.Max
	}
	if o.Min != nil {
		minV = o.Min
	}
	if maxV != nil && minV != nil && minV.Number > maxV.Number {
		at := path + ".max"
		if o.Min != nil {
			at = path + ".min"
		}
		d.errorf(at, "min %s is above max %s once overridden", minV.Raw, maxV.Raw)
	}
	switch {
	case o.LowerBound != nil:
		// Both overridden are checked with the override's own fields; the
		// scenario's max must still clear this profile's lower bound.
		if o.Max == nil && b.Max != nil && o.LowerBound.Number > b.Max.Number {
			d.errorf(path+".lowerBound", "lowerBound %s is above the max %s of scenario %q: no run could pass on this profile; override max too",
				o.LowerBound.Raw, b.Max.Raw, s.Name)
		}
	case o.Max != nil && b.LowerBound != nil && b.LowerBound.Number > o.Max.Number:
		d.errorf(path+".max", "max %s is below the lowerBound %s of scenario %q: budget below the lower bound the cluster's settings impose",
			o.Max.Raw, b.LowerBound.Raw, s.Name)
	}
}
