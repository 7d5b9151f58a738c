package procedure

import (
	"context"
	"fmt"
	"slices"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Certificates a cluster left without renewal lets expire, as `kubeadm
// certs renew` names them, and the files that hold them on a
// control-plane node. kubeadm issues them for a year.
const (
	// CertAPIServer is the API server's serving certificate.
	CertAPIServer = "apiserver"
	// CertControllerManager and CertScheduler are the client
	// certificates embedded in the components' kubeconfigs.
	CertControllerManager = "controller-manager.conf"
	CertScheduler         = "scheduler.conf"
)

// CertFiles are where each certificate lives on a control-plane node;
// CertComponents the static pod that loads it. Only these names ever
// reach a node's script.
var (
	CertFiles = map[string]string{
		CertAPIServer:         PKIDir + "/apiserver.crt",
		CertControllerManager: "/etc/kubernetes/controller-manager.conf",
		CertScheduler:         "/etc/kubernetes/scheduler.conf",
	}
	CertComponents = map[string]string{
		CertAPIServer:         kubeadm.APIServer,
		CertControllerManager: kubeadm.ControllerManager,
		CertScheduler:         kubeadm.Scheduler,
	}
)

// RestartStatic stops a static pod (its manifest moved aside, what the
// kubelet does not stop in time killed) and starts it again: what the
// procedures do to have a component load new files, and what a fault
// does to have it load the files it changed.
func RestartStatic(component string) string {
	return joinScript(stopStatic(component), startStatic(component))
}

// RenewPlan is what RenewCertificates needs.
type RenewPlan struct {
	// ControlPlane are the nodes whose certificates expired.
	ControlPlane []cluster.Node
	// Certs are the expired certificates, by their kubeadm names.
	Certs []string
	// Verify proves that the controllers and the scheduler work, from the
	// harness (VerifyCommand says how, for the runbook).
	Verify        func(context.Context) error
	VerifyCommand string
}

// RenewCertificates is the recovery of a cluster whose certificates
// expired, as kubeadm documents it: see what expired (kubeadm certs
// check-expiration), renew it with the cluster's CA on every
// control-plane node (kubeadm certs renew keeps the subject and the
// names of the certificate it replaces), and restart the static pods so
// that they load the renewed files (kubeadm: "restart the control plane
// Pods", since not every component reloads them). The steps a plan
// without an API server certificate, or without a kubeconfig, does not
// need are left out.
func RenewCertificates(p RenewPlan) ([]Step, error) {
	var renew []string
	for _, c := range p.Certs {
		if _, ok := CertFiles[c]; !ok {
			return nil, fmt.Errorf("no certificate %q to renew", c)
		}
		renew = append(renew, "kubeadm certs renew "+c)
	}
	if len(renew) == 0 {
		return nil, fmt.Errorf("no certificate to renew")
	}
	each := func(script string) []Action {
		out := make([]Action, len(p.ControlPlane))
		for i, n := range p.ControlPlane {
			out[i] = On(n, script)
		}
		return out
	}
	steps := []Step{
		{Name: timeline.StepCheckExpiration, Why: "What expired, as kubeadm sees it, on every control-plane node",
			Actions: each("kubeadm certs check-expiration")},
		{Name: timeline.StepRenewCertificates, Why: "Each expired certificate renewed with the cluster's CA on every control-plane node, its subject and names kept",
			Actions: each(joinScript(renew...))},
	}
	if slices.Contains(p.Certs, CertAPIServer) {
		steps = append(steps, Step{Name: timeline.StepRestartAPIServers, Why: "Every API server restarted to serve its renewed certificate; done when each is ready and its certificate verifies",
			Actions: each(joinScript(RestartStatic(kubeadm.APIServer), apiServerReady))})
	}
	var components []string
	for _, c := range []string{CertControllerManager, CertScheduler} {
		if slices.Contains(p.Certs, c) {
			components = append(components, RestartStatic(CertComponents[c]))
		}
	}
	if len(components) > 0 {
		steps = append(steps, Step{Name: timeline.StepRestartComponents, Why: "The controller-manager and the scheduler restarted to load their renewed kubeconfigs",
			Actions: each(joinScript(components...))})
	}
	return append(steps, Step{Name: timeline.StepVerifyControllers, Why: "A Deployment is created and scaled: the controllers and the scheduler act again",
		Actions: []Action{{Do: p.Verify, Command: p.VerifyCommand}}}), nil
}
