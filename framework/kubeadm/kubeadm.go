// Package kubeadm is the one place for the words of a kubeadm control plane
// that the harness relies on: the static pods' component names and label,
// the leader-election Leases and their namespaces, the ports and the etcd
// certificates. A control plane laid out otherwise changes here, not all
// over the framework. Constants only, so the pure timeline code may use it.
package kubeadm

// Control-plane components, as kubeadm's static pods label them
// (ComponentLabel) and name their processes.
const (
	APIServer         = "kube-apiserver"
	Etcd              = "etcd"
	Scheduler         = "kube-scheduler"
	ControllerManager = "kube-controller-manager"
)

// ComponentLabel is the static pods' label naming their component.
const ComponentLabel = "component"

// Components are the control-plane static pods every control-plane node
// runs.
var Components = []string{Etcd, APIServer, ControllerManager, Scheduler}

// LeaderLeases are the leader-election Leases in SystemNamespace, named
// after their components.
var LeaderLeases = []string{Scheduler, ControllerManager}

// Namespaces of the control plane's Leases.
const (
	SystemNamespace    = "kube-system"     // leader-election Leases
	NodeLeaseNamespace = "kube-node-lease" // node heartbeat Leases
)

// Ports and files on a control-plane node.
const (
	APIServerPort  = "6443"
	EtcdClientPort = "2379"
	// EtcdPKI holds etcd's CA and kubeadm's health-check client
	// certificate.
	EtcdPKI = "/etc/kubernetes/pki/etcd/"
)
