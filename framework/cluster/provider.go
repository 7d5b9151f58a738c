package cluster

import (
	"context"
	"time"
)

// Spec is a cluster to make or reuse: what a provider needs of a cluster
// profile, with no knowledge of scenario files.
type Spec struct {
	// Name is the provider's name of the cluster.
	Name string
	// Profile is the profile the cluster serves; providers mark it on the
	// nodes (ProfileLabel) and reuse only a cluster marked for it.
	Profile string
	Nodes   []NodeSpec
	// WaitForReady bounds creation's readiness wait.
	WaitForReady time.Duration
	// Settings are the provider's own, made from its block of the profile
	// (Registration.Spec): a type of the provider's package, which it
	// type-asserts.
	Settings any
}

// NodeSpec is one node of a Spec.
type NodeSpec struct {
	Role string // RoleControlPlane or RoleWorker
	Zone string
	// Host names the machine the node is made on, for providers handed
	// machines; empty takes them in order.
	Host string
}

// UpInput asks a provider for the cluster of a Spec.
type UpInput struct {
	Spec Spec
	// Reuse allows reusing an existing cluster of the name, if this tool
	// made it for this profile (or it was explicitly opted in) and it is
	// healthy.
	Reuse bool
	// KubeconfigDir receives the cluster's kubeconfig file; the user's
	// ~/.kube/config is never touched.
	KubeconfigDir string
	// RunID names the run that asks; providers that tag what they launch
	// tag it with this.
	RunID string
}

// Provider makes, reuses and deletes clusters. Node abilities stay separate interfaces on Cluster (Rebooter,
// NodeExec, ...), so a fault asks for exactly what it needs.
type Provider interface {
	// Up returns the cluster of in.Spec: an existing one when in.Reuse
	// allows it, else a new one; created says whether this call made it
	// (and so whether the caller may delete it). A cluster this tool did
	// not make is refused before any change.
	Up(ctx context.Context, in UpInput) (c Cluster, created bool, err error)
	// Delete removes a cluster this tool made; it refuses any other,
	// whatever its name.
	Delete(ctx context.Context, name string) error
	// Made lists the clusters this tool made that exist now.
	Made(ctx context.Context) ([]string, error)
}
