package procedure

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/timeline"
)

func renewPlan(certs ...string) RenewPlan {
	var cps []cluster.Node
	for _, m := range members(3) {
		cps = append(cps, m.Node)
	}
	return RenewPlan{ControlPlane: cps, Certs: certs, Verify: func(context.Context) error { return nil }, VerifyCommand: "kubectl scale"}
}

// kubeadm's order: see what expired, renew it on every control-plane
// node, restart what loads it, then prove the controllers act; a step
// the expired certificates do not need is left out.
func TestRenewCertificatesOrder(t *testing.T) {
	for _, tc := range []struct {
		certs []string
		want  []string
		renew string
	}{
		{[]string{CertAPIServer},
			[]string{timeline.StepCheckExpiration, timeline.StepRenewCertificates, timeline.StepRestartAPIServers, timeline.StepVerifyControllers},
			"kubeadm certs renew apiserver"},
		{[]string{CertControllerManager, CertScheduler},
			[]string{timeline.StepCheckExpiration, timeline.StepRenewCertificates, timeline.StepRestartComponents, timeline.StepVerifyControllers},
			"kubeadm certs renew controller-manager.conf && \\\n  kubeadm certs renew scheduler.conf"},
	} {
		steps, err := RenewCertificates(renewPlan(tc.certs...))
		if err != nil {
			t.Fatal(err)
		}
		if got := names(steps); !slices.Equal(got, tc.want) {
			t.Errorf("%v:\n got %v\nwant %v", tc.certs, got, tc.want)
		}
		for _, s := range steps {
			if !slices.Contains(timeline.Steps, s.Name) {
				t.Errorf("step %s is not in timeline.Steps: it would have no figure", s.Name)
			}
		}
		renew := steps[1]
		if len(renew.Actions) != 3 || renew.Actions[2].Node.Name != "cp3" || renew.Actions[0].Script != tc.renew {
			t.Errorf("%v: renew step %+v", tc.certs, renew.Actions)
		}
		restart := steps[2].Actions[0].Script
		for _, c := range tc.certs {
			if !strings.Contains(restart, "mv /etc/kubernetes/manifests/"+CertComponents[c]+".yaml") ||
				!strings.Contains(restart, "mv "+HeldDir+"/"+CertComponents[c]+".yaml "+ManifestDir) {
				t.Errorf("%v: the restart does not move %s's manifest out and back:\n%s", tc.certs, CertComponents[c], restart)
			}
		}
	}
	if slices.Contains(names(mustRenew(t, CertAPIServer)), timeline.StepRestartComponents) {
		t.Error("the controller-manager and scheduler restart though their certificates did not expire")
	}
}

func mustRenew(t *testing.T, certs ...string) []Step {
	t.Helper()
	steps, err := RenewCertificates(renewPlan(certs...))
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

// Only the certificates it knows reach a node's script.
func TestRenewCertificatesRefusesUnknownNames(t *testing.T) {
	if _, err := RenewCertificates(renewPlan("apiserver; reboot")); err == nil {
		t.Error("an unknown certificate was renewed")
	}
	if _, err := RenewCertificates(renewPlan()); err == nil {
		t.Error("a plan with nothing to renew was made")
	}
}
