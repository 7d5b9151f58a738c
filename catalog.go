// Package firedrill is the catalog the harness ships: the scenarios and
// cluster profiles of this repository, embedded in every binary so that
// one installed with go install runs them from any folder. The runner
// reads a folder of the user's instead when it is given one (--scenario-dir,
// --cluster-dir) or when it runs inside a checkout of the repository.
package firedrill

import "embed"

// Catalog holds scenarios/*.yaml and clusters/ (profiles and the kubeadm
// templates their relative paths name).
//
//go:embed scenarios/*.yaml clusters/*.yaml clusters/*.tmpl
var Catalog embed.FS

// The catalog's folders in Catalog.
const (
	ScenariosDir = "scenarios"
	ClustersDir  = "clusters"
)

// MeasuredKubernetes is the Kubernetes version the shipped budgets were
// measured on (the kind node image built from kind's recipe for it, and
// kubeadm hosts), beside the kind library the binary was built with.
const MeasuredKubernetes = "v1.34.4"
