package run

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/timeline"
)

// webhook-down on the fake cluster: the procedure waits 500 ms.
const webhookScenario = `apiVersion: firedrill.io/v1alpha1
kind: Scenario
name: webhook-down
description: A dead webhook refuses the probe namespace's writes; the procedure removes it.
cluster: fake-ha
steadyState:
  checks: [nodes, control-plane-pods]
  settle: 300ms
  timeout: 5s
probes:
  interval: 50ms
  timeout: 200ms
  writeInterval: 100ms
fault:
  action: webhook-down
  target:
    role: control-plane
    count: one
recovery:
  procedure: remove-webhook
  startAfter: 500ms
  conditions: [nodes, control-plane-pods]
  timeout: 5s
  observeAfter: 300ms
budgets:
  - figure: writes.lost
    kind: availability
    max: 0
    why: a refused write was never acknowledged
` + fakeHarnessBudgets

// callWebhooks has the world's API servers call validating webhooks as
// kube-apiserver does, for ConfigMap creates and updates in the probe
// namespace (a patch is an update to admission): with a configuration whose backend Deployment has no ready
// replica the write fails calling it; otherwise agnhost's /configmaps
// rule decides; a dry run is admitted and not stored. A Deployment is
// ready with all its replicas as soon as they are asked for.
func (w *world) callWebhooks() {
	cs := w.cs
	ready := func(a k8stesting.Action) (bool, runtime.Object, error) {
		var d *appsv1.Deployment
		switch a := a.(type) {
		case k8stesting.CreateAction:
			d = a.GetObject().(*appsv1.Deployment)
		case k8stesting.UpdateAction:
			d = a.GetObject().(*appsv1.Deployment)
		}
		if d != nil && d.Spec.Replicas != nil {
			d.Status.ReadyReplicas = *d.Spec.Replicas
		}
		return false, nil, nil
	}
	cs.PrependReactor("create", "deployments", ready)
	cs.PrependReactor("update", "deployments", ready)
	admit := func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() != probe.Namespace {
			return false, nil, nil
		}
		var cm *corev1.ConfigMap
		dry := false
		switch a := a.(type) {
		case k8stesting.CreateAction:
			cm = a.GetObject().(*corev1.ConfigMap)
			if impl, ok := a.(k8stesting.CreateActionImpl); ok {
				dry = len(impl.GetCreateOptions().DryRun) > 0
			}
		case k8stesting.UpdateAction:
			cm = a.GetObject().(*corev1.ConfigMap)
		case k8stesting.PatchAction: // admitted as an UPDATE, as the writer's merge patches are
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: a.GetName()}}
		default:
			return false, nil, nil
		}
		list, err := cs.Tracker().List(admissionv1.SchemeGroupVersion.WithResource("validatingwebhookconfigurations"),
			admissionv1.SchemeGroupVersion.WithKind("ValidatingWebhookConfiguration"), "")
		if err != nil {
			return true, nil, err
		}
		for _, vwc := range list.(*admissionv1.ValidatingWebhookConfigurationList).Items {
			svc := vwc.Webhooks[0].ClientConfig.Service
			obj, err := cs.Tracker().Get(appsv1.SchemeGroupVersion.WithResource("deployments"), svc.Namespace, svc.Name)
			if err != nil || obj.(*appsv1.Deployment).Status.ReadyReplicas == 0 {
				return true, nil, apierrors.NewInternalError(errors.New(`failed calling webhook "` + vwc.Webhooks[0].Name + `": no endpoints available`))
			}
			if cm.Data["webhook-e2e-test"] == "webhook-disallow" {
				return true, nil, apierrors.NewForbidden(corev1.Resource("configmaps"), cm.Name,
					errors.New("admission webhook denied the request: the configmap contains unwanted key and value"))
			}
		}
		if dry {
			return true, cm, nil
		}
		return false, nil, nil
	}
	cs.PrependReactor("create", "configmaps", admit)
	cs.PrependReactor("update", "configmaps", admit)
	cs.PrependReactor("patch", "configmaps", admit)
}

// webhookLeft are the webhook-down objects still in the world.
func (fr *fakeRun) webhookLeft(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	vwcs, err := fr.w.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vwcs.Items {
		out = append(out, "validatingwebhookconfiguration/"+v.Name)
	}
	deps, err := fr.w.cs.AppsV1().Deployments(probe.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps.Items {
		if strings.HasPrefix(d.Name, "firedrill-webhook-") {
			out = append(out, "deployment/"+d.Name)
		}
	}
	for _, what := range []string{"services", "secrets"} {
		var names []string
		if what == "services" {
			l, err := fr.w.cs.CoreV1().Services(probe.Namespace).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range l.Items {
				names = append(names, x.Name)
			}
		} else {
			l, err := fr.w.cs.CoreV1().Secrets(probe.Namespace).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range l.Items {
				names = append(names, x.Name)
			}
		}
		for _, n := range names {
			if strings.HasPrefix(n, "firedrill-webhook-") {
				out = append(out, what+"/"+n)
			}
		}
	}
	return out
}

// The whole drill: the webhook in place before the steady state, writes
// refused by the fault, the procedure's two steps, writes served again,
// and nothing of the webhook left.
func TestRunWebhookDown(t *testing.T) {
	fr := runFakeScenario(t, "webhook-down", webhookScenario, (*world).callWebhooks, "", 0, 1)
	d := fr.checkEnd(t, record.VerdictPass, ExitOK)
	var names []string
	for _, p := range d.Phases {
		names = append(names, p.Name)
	}
	if want := "prepare steady-state baseline inject restore recover read-back"; strings.Join(names, " ") != want {
		t.Errorf("phases %v, want %s (no backup: nothing to snapshot)", names, want)
	}
	if l := fr.webhookLeft(t); len(l) > 0 {
		t.Errorf("webhook objects left: %v", l)
	}
	figures := map[string]record.Figure{}
	for _, f := range d.Figures {
		figures[f.Name] = f
	}
	for _, name := range []string{timeline.WritesDetect, timeline.RTOWrites, timeline.WritesDowntime,
		timeline.StepFigure(timeline.StepRemoveWebhook), timeline.StepFigure(timeline.StepVerifyWrites)} {
		if f := figures[name]; !f.Measured || f.Value <= 0 {
			t.Errorf("%s: %+v, want a measured outage of writes", name, f)
		}
	}
	if f := figures[timeline.RTOWrites]; f.Value < 0.5 {
		t.Errorf("rto.writes %.3fs, below the procedure's 500 ms start", f.Value)
	}
}

// Ctrl-C in each phase leaves no webhook behind and the journal closed.
func TestRunWebhookDownInterruptedInEachPhase(t *testing.T) {
	for _, phase := range []string{"prepare", "steady-state", "baseline", "inject", "restore", "recover"} {
		t.Run(phase, func(t *testing.T) {
			after := time.Duration(0)
			switch phase {
			case "prepare":
				after = 300 * time.Millisecond // while the webhook is being proven
			case "restore":
				after = 200 * time.Millisecond // while the procedure waits to start
			}
			fr := runFakeScenario(t, "webhook-down", webhookScenario, (*world).callWebhooks, phase, after, 1)
			d := fr.checkEnd(t, record.VerdictInterrupted, ExitInterrupted)
			if !strings.Contains(d.Error, "interrupted in phase "+phase) {
				t.Errorf("error %q does not name phase %s", d.Error, phase)
			}
			if l := fr.webhookLeft(t); len(l) > 0 {
				t.Errorf("webhook objects left: %v", l)
			}
			if phase == "prepare" && !strings.Contains(fr.out.String(), "waiting for its backend") {
				t.Errorf("Ctrl-C came before the webhook's objects were made: it tests nothing:\n%s", fr.out.String())
			}
		})
	}
}

// webhookObjects are webhook-down's four objects of a run, labelled as
// firedrill's.
func webhookObjects(name string) []runtime.Object {
	meta := metav1.ObjectMeta{Name: name, Namespace: probe.Namespace, Labels: map[string]string{probe.OwnerLabel: "firedrill", "app": name}}
	vwcMeta := meta
	vwcMeta.Namespace = ""
	return []runtime.Object{
		&admissionv1.ValidatingWebhookConfiguration{ObjectMeta: vwcMeta},
		&appsv1.Deployment{ObjectMeta: meta}, &corev1.Service{ObjectMeta: meta}, &corev1.Secret{ObjectMeta: meta},
	}
}

// A run killed while its webhook refused writes left the journal's
// object entry: clean (clusters kept) removes the configuration and its
// backend through the API client it connects, and closes the entry. In a
// cluster it did not make, a labelled configuration of a run whose
// journal is gone is found too; one not firedrill's is left.
func TestCleanRemovesALeftWebhook(t *testing.T) {
	const mineName, strayName = "firedrill-webhook-1796577209", "firedrill-webhook-1796500000"
	mine := leftCluster("firedrill-ha", "control-plane")
	theirs := leftCluster("team-dev", "control-plane")
	prov := fakes.NewProvider()
	prov.Add(mine, true)
	prov.Add(theirs, false)
	mineAPI := fake.NewClientset(webhookObjects(mineName)...)
	theirObjects := append(webhookObjects(strayName),
		&admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "firedrill-webhook-1", Labels: map[string]string{"team": "dev"}}})
	theirAPI := fake.NewClientset(theirObjects...)
	b := Backends{Providers: map[string]cluster.Provider{"kind": prov},
		Connect: apis(map[string]*fake.Clientset{"firedrill-ha": mineAPI, "team-dev": theirAPI})}
	state := t.TempDir()
	book := journal.NewBook(journal.Dir(state), "kind", mine.Name(), "webhook-down")
	if _, err := book.BeginObject("validatingwebhookconfiguration/"+mineName, "webhook-down", "remove-webhook", mineName); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out bytes.Buffer
	if _, err := Clean(ctx, CleanInput{Backends: b, StateDir: state, Apply: true, KeepClusters: true, Out: &out}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"removed: not undone: webhook-down on validatingwebhookconfiguration/" + mineName + " of kind cluster firedrill-ha",
		"removed: validating webhook configuration " + strayName + " in cluster team-dev",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no line %q:\n%s", want, out.String())
		}
	}
	vwcs := mineAPI.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if _, err := vwcs.Get(ctx, mineName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the run's webhook configuration is left: %v", err)
	}
	if _, err := mineAPI.AppsV1().Deployments(probe.Namespace).Get(ctx, mineName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the run's webhook backend is left: %v", err)
	}
	if open, err := journal.Pending(journal.Dir(state)); err != nil || len(open) > 0 {
		t.Errorf("journal after clean: %v %v", open, err)
	}
	theirVWCs := theirAPI.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if _, err := theirVWCs.Get(ctx, strayName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a labelled configuration of a run with no journal is left: %v", err)
	}
	if _, err := theirVWCs.Get(ctx, "firedrill-webhook-1", metav1.GetOptions{}); err != nil {
		t.Errorf("a configuration without firedrill's label was removed: %v", err)
	}
	if len(prov.Deletes()) > 0 {
		t.Errorf("clusters deleted with --keep-clusters: %v", prov.Deletes())
	}
}
