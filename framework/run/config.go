// Package run is firedrill's runner as a library: a configuration read
// once, the clusters of a run in a pool, the drills in the order the
// kubelet's back-off asks for, and the run's report written after each
// drill. The Ginkgo suite and `firedrill run` are thin front ends over it.
package run

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/firedrill/firedrill"
	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/scenario"
)

// Config is everything a run reads from its environment and command line,
// read once (FromEnv, then flags on top).
type Config struct {
	// ScenariosDir and ClustersDir hold the catalog; empty: the one the
	// binary ships (firedrill.Catalog).
	ScenariosDir, ClustersDir string
	// ReportsDir receives reports/<run>/ (FIREDRILL_REPORTS).
	ReportsDir string
	// Scenarios names the drills to run; empty means every one (SCENARIO,
	// comma-separated).
	Scenarios []string
	// Profile, when set, runs every drill on this cluster profile instead
	// of its scenario's own (PROFILE): the same drills on ssh machines.
	Profile string
	// Labels filters the drills by the labels in the scenario files
	// (framework/labels.Parse reads Ginkgo's label-filter syntax,
	// "single-master && !calibration"); nil runs them all.
	Labels LabelFilter
	// Shard keeps this CI shard's part of the selected drills (Shard.Of);
	// the zero value runs them all.
	Shard Shard
	// Repeat runs the selected drills this many times on the same
	// clusters (a soak); 0 or 1 runs them once.
	Repeat int
	// KeepCluster keeps the clusters this run created (KEEP_CLUSTER=1);
	// ReuseCluster reuses an existing healthy one (REUSE_CLUSTER=1).
	KeepCluster, ReuseCluster bool
	// Overrides replace profile fields that differ by site, not by
	// cluster shape (where the machines are, which image they boot): the
	// environment variables the providers registered
	// (cluster.Registration.Env) that are set, by name. Each provider is
	// handed its own (Spec).
	Overrides map[string]string
	// ProbeImage runs the probe workload (AGNHOST_IMAGE).
	ProbeImage string
	// StateDir holds what outlives a run: the undo journal
	// (FIREDRILL_STATE, else the XDG state folder).
	StateDir string
	// HistoryDir accumulates the run's report.json beside earlier runs'
	// (FIREDRILL_HISTORY); budgets that opted in (fromHistory) are derived
	// from the runs already there. Empty: no history.
	HistoryDir string
	// StepSummary is the file GitHub Actions shows on the job's page
	// (GITHUB_STEP_SUMMARY): the run's summary.md is appended to it.
	// Empty: none.
	StepSummary string
	// CI names the CI job the run is part of (GitHub Actions' repository,
	// workflow, run and attempt), for the report's environment; empty
	// outside CI.
	CI string
	// Load, when set, runs beside each drill once its cluster is ready,
	// until the drill has ended (the load suite's CPU hog); each drill's
	// record notes it. Nil: none.
	Load Load
	// Out receives progress lines. On a terminal a Runner shows each
	// drill's line in place under them (framework/live).
	Out io.Writer
	// Plain keeps to plain progress lines even on a terminal: CI is set
	// (or TERM is dumb), so no line is rewritten in place.
	Plain bool
}

// FromEnv is the configuration of a run from the repository root and the
// environment: the one place the environment is read.
func FromEnv(root string) Config {
	return Config{
		ScenariosDir: folderOrShipped(filepath.Join(root, firedrill.ScenariosDir)),
		ClustersDir:  folderOrShipped(filepath.Join(root, firedrill.ClustersDir)),
		ReportsDir:   envOr("FIREDRILL_REPORTS", filepath.Join(root, "reports")),
		Scenarios:    SplitNames(os.Getenv("SCENARIO")),
		Profile:      os.Getenv("PROFILE"),
		KeepCluster:  os.Getenv("KEEP_CLUSTER") == "1",
		ReuseCluster: os.Getenv("REUSE_CLUSTER") == "1",
		Overrides:    siteOverrides(),
		ProbeImage:   envOr("AGNHOST_IMAGE", probe.DefaultImage),
		StateDir:     cluster.StateDir(),
		HistoryDir:   os.Getenv("FIREDRILL_HISTORY"),
		StepSummary:  os.Getenv("GITHUB_STEP_SUMMARY"),
		CI:           ciJob(),
		Out:          os.Stdout,
		Plain:        os.Getenv("CI") != "" || os.Getenv("TERM") == "dumb",
	}
}

// ciJob names the GitHub Actions job the run is part of, "" outside one.
func ciJob() string {
	if os.Getenv("GITHUB_ACTIONS") != "true" {
		return ""
	}
	return fmt.Sprintf("GitHub Actions %s, workflow %s, run %s attempt %s", os.Getenv("GITHUB_REPOSITORY"),
		os.Getenv("GITHUB_WORKFLOW"), os.Getenv("GITHUB_RUN_ID"), os.Getenv("GITHUB_RUN_ATTEMPT"))
}

// folderOrShipped is dir when it is a folder (a checkout of the
// repository, a user's own catalog), else "": the shipped catalog.
func folderOrShipped(dir string) string {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir
	}
	return ""
}

// CatalogDir is a catalog folder of the configuration: dir on this
// machine, or the shipped catalog's folder shipped when dir is empty.
func CatalogDir(dir, shipped string) scenario.Dir {
	if dir == "" {
		return scenario.Dir{FS: firedrill.Catalog, Path: shipped}
	}
	return scenario.HostDir(dir)
}

// SplitNames splits a comma-separated list, dropping empty names.
func SplitNames(list string) []string {
	var names []string
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// RepoRoot is the folder with go.mod at or above dir.
func RepoRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", os.ErrNotExist
		}
	}
}

// FromWorkingDir is FromEnv for the repository the working directory is
// in: what a Ginkgo suite reads, which go test runs in its package's
// folder.
func FromWorkingDir() (Config, error) {
	wd, err := os.Getwd()
	if err != nil {
		return Config{}, err
	}
	root, err := RepoRoot(wd)
	if err != nil {
		return Config{}, fmt.Errorf("no go.mod above %s", wd)
	}
	return FromEnv(root), nil
}

// siteOverrides reads every environment variable the registered
// providers take as a site override; unset ones are left out.
func siteOverrides() map[string]string {
	o := map[string]string{}
	for _, r := range cluster.Registrations() {
		for _, name := range r.Env {
			if v := os.Getenv(name); v != "" {
				o[name] = v
			}
		}
	}
	return o
}

// LoadOptions are what loading the catalog knows of this run: which
// profile fields the site overrides, so their own need not be usable.
func (c Config) LoadOptions() []scenario.Option {
	return []scenario.Option{scenario.WithOverrides(c.Overrides)}
}

// LoadCatalog loads the run's catalog, every drill moved onto Profile
// when it is set.
func (c Config) LoadCatalog() (*scenario.Catalog, error) {
	catalog, err := scenario.LoadCatalogFrom(CatalogDir(c.ScenariosDir, firedrill.ScenariosDir),
		CatalogDir(c.ClustersDir, firedrill.ClustersDir), c.LoadOptions()...)
	if err != nil || c.Profile == "" {
		return catalog, err
	}
	return catalog.OnProfile(c.Profile)
}
