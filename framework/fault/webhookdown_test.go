package fault

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// webhookAPI is a clientset whose API servers call a validating webhook
// as kube-apiserver does, for ConfigMap creates in the probe namespace:
// with no configuration every write is admitted; with one whose backend
// Deployment has ready replicas, agnhost's /configmaps rule decides; with
// no backend left, the write fails calling the webhook. A backend
// Deployment is ready as soon as it is created with replicas.
func webhookAPI(t *testing.T) *fake.Clientset {
	t.Helper()
	cs := fake.NewClientset()
	cs.PrependReactor("create", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		d := a.(k8stesting.CreateAction).GetObject().(*appsv1.Deployment)
		d.Status.ReadyReplicas = *d.Spec.Replicas
		return false, nil, nil
	})
	cs.PrependReactor("update", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		d := a.(k8stesting.UpdateAction).GetObject().(*appsv1.Deployment)
		d.Status.ReadyReplicas = *d.Spec.Replicas
		return false, nil, nil
	})
	cs.PrependReactor("create", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		cm := a.(k8stesting.CreateAction).GetObject().(*corev1.ConfigMap)
		if a.GetNamespace() != probe.Namespace {
			return false, nil, nil
		}
		vwcs, err := cs.Tracker().List(admissionv1.SchemeGroupVersion.WithResource("validatingwebhookconfigurations"),
			admissionv1.SchemeGroupVersion.WithKind("ValidatingWebhookConfiguration"), "")
		if err != nil {
			return true, nil, err
		}
		for _, w := range vwcs.(*admissionv1.ValidatingWebhookConfigurationList).Items {
			svc := w.Webhooks[0].ClientConfig.Service
			obj, err := cs.Tracker().Get(appsv1.SchemeGroupVersion.WithResource("deployments"), svc.Namespace, svc.Name)
			if err != nil || obj.(*appsv1.Deployment).Status.ReadyReplicas == 0 {
				return true, nil, apierrors.NewInternalError(errors.New(`failed calling webhook "` + w.Webhooks[0].Name +
					`": failed to call webhook: Post "https://` + svc.Name + `.` + svc.Namespace + `.svc:443/configmaps?timeout=5s": no endpoints available`))
			}
			if cm.Data[webhookDenyKey] == webhookDenyValue {
				return true, nil, apierrors.NewForbidden(corev1.Resource("configmaps"), cm.Name,
					errors.New(`admission webhook "`+w.Webhooks[0].Name+`" denied the request: `+webhookDenyReason))
			}
		}
		return true, cm, nil // a dry run: admitted, not stored
	})
	return cs
}

func webhookSpec() scenario.Fault {
	return scenario.Fault{Action: ActionWebhookDown, Target: scenario.Target{Role: "control-plane", Count: "one"}}
}

func prepared(t *testing.T, cs kubernetes.Interface, book *journal.Book) Fault {
	t.Helper()
	f, err := New(webhookSpec(), scenario.DefaultTimeouts(), book)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := f.(Preparer)
	if !ok {
		t.Fatal("webhook-down prepares nothing")
	}
	if err := p.Prepare(context.Background(), PrepareInput{Client: cs, Image: "agnhost:2.56", RunID: "1795900020", Name: "webhook-down", Out: io.Discard}); err != nil {
		t.Fatal(err)
	}
	return f
}

const testWebhook = "firedrill-webhook-1795900020"

// Prepare installs a webhook that only the probe namespace's ConfigMap
// writes reach, failing closed, trusting a CA that signed the backend's
// certificate for its Service's name; it is journaled before anything is
// made.
func TestWebhookDownPrepares(t *testing.T) {
	dir := t.TempDir()
	cs := webhookAPI(t)
	prepared(t, cs, journal.NewBook(dir, "kind", "c1", "webhook-down"))
	ctx := context.Background()
	vwc, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, testWebhook, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := vwc.Webhooks[0]
	if *w.FailurePolicy != admissionv1.Fail || w.NamespaceSelector.MatchLabels[corev1.LabelMetadataName] != probe.Namespace ||
		len(w.NamespaceSelector.MatchLabels) != 1 || w.Rules[0].Resources[0] != "configmaps" ||
		!slices.Equal(w.Rules[0].Operations, []admissionv1.OperationType{admissionv1.Create, admissionv1.Update}) {
		t.Errorf("webhook %+v", w)
	}
	if vwc.Labels[probe.OwnerLabel] != "firedrill" {
		t.Errorf("webhook configuration without firedrill's label: %v", vwc.Labels)
	}
	secret, err := cs.CoreV1().Secrets(probe.Namespace).Get(ctx, testWebhook, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(w.ClientConfig.CABundle) {
		t.Fatal("caBundle holds no certificate")
	}
	block, _ := pem.Decode(secret.Data[corev1.TLSCertKey])
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: testWebhook + "." + probe.Namespace + ".svc"}); err != nil {
		t.Errorf("the API server would not trust the backend: %v", err)
	}
	d, err := cs.AppsV1().Deployments(probe.Namespace).Get(ctx, testWebhook, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if c.Image != "agnhost:2.56" || c.Args[0] != "webhook" || !slices.Contains(c.Args, "--tls-cert-file=/tls/tls.crt") {
		t.Errorf("backend container %s %v", c.Image, c.Args)
	}
	svc, err := cs.CoreV1().Services(probe.Namespace).Get(ctx, testWebhook, metav1.GetOptions{})
	if err != nil || svc.Spec.Selector["app"] != testWebhook || svc.Spec.Ports[0].TargetPort.IntValue() != webhookPort {
		t.Errorf("service %+v (%v)", svc, err)
	}
	entries, err := journal.Pending(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("journal: %v, %v", entries, err)
	}
	if e := entries[0]; e.Object != "validatingwebhookconfiguration/"+testWebhook || e.Undo != UndoRemoveWebhook || e.Shape != testWebhook || e.Node != "" {
		t.Errorf("journal entry %+v", e)
	}
}

// The fault scales the backend to zero, proven by a write refused for
// want of the webhook; Recover removes the webhook and its backend and
// closes the journal.
func TestWebhookDownBreaksWritesAndIsRemoved(t *testing.T) {
	dir := t.TempDir()
	cs := webhookAPI(t)
	f := prepared(t, cs, journal.NewBook(dir, "kind", "c1", "webhook-down"))
	ctx := context.Background()
	if err := DryRunWrite(ctx, cs); err != nil {
		t.Fatalf("a write refused before the fault: %v", err)
	}
	ev := &events{}
	c := newCluster("cp1", "cp2")
	if err := f.Inject(ctx, c, []cluster.Node{{Name: "cp1"}, {Name: "cp2"}}, ev); err != nil {
		t.Fatal(err)
	}
	if took, why := timeline.FaultTook(ev.timeline()); !took {
		t.Errorf("FaultTook: %s", why)
	}
	if len(ev.ev) != 1 || ev.ev[0].Target != "cp1" || ev.evidence[0].What != "writes in firedrill-probe refused: failed calling webhook" {
		t.Errorf("events %+v, evidence %+v: want one, on the first target", ev.ev, ev.evidence)
	}
	if err := DryRunWrite(ctx, cs); err == nil || !strings.Contains(err.Error(), webhookFailed) {
		t.Errorf("a write during the fault: %v", err)
	}
	if err := f.Recover(ctx, c, nil, ev); err != nil {
		t.Fatal(err)
	}
	expectWebhookGone(t, cs)
	if got := pending(t, dir); len(got) > 0 {
		t.Errorf("journal after Recover: %v", got)
	}
	if err := f.Recover(ctx, c, nil, ev); err != nil {
		t.Errorf("a second Recover: %v", err)
	}
}

// The procedure's step deletes the configuration only; writes are
// admitted again at once.
func TestRemoveWebhookConfigurationAdmitsWrites(t *testing.T) {
	cs := webhookAPI(t)
	f := prepared(t, cs, nil)
	ctx := context.Background()
	if err := f.Inject(ctx, newCluster("cp1"), []cluster.Node{{Name: "cp1"}}, &events{}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := RemoveWebhookConfiguration(ctx, cs, testWebhook); err != nil {
			t.Fatal(err)
		}
	}
	if err := DryRunWrite(ctx, cs); err != nil {
		t.Errorf("a write after the configuration was deleted: %v", err)
	}
	if _, err := cs.AppsV1().Deployments(probe.Namespace).Get(ctx, testWebhook, metav1.GetOptions{}); err != nil {
		t.Errorf("the backend went with the configuration: %v", err)
	}
}

func expectWebhookGone(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	ctx := context.Background()
	for what, err := range map[string]error{
		"configuration": func() error {
			_, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, testWebhook, metav1.GetOptions{})
			return err
		}(),
		"deployment": func() error {
			_, err := cs.AppsV1().Deployments(probe.Namespace).Get(ctx, testWebhook, metav1.GetOptions{})
			return err
		}(),
		"service": func() error {
			_, err := cs.CoreV1().Services(probe.Namespace).Get(ctx, testWebhook, metav1.GetOptions{})
			return err
		}(),
		"secret": func() error {
			_, err := cs.CoreV1().Secrets(probe.Namespace).Get(ctx, testWebhook, metav1.GetOptions{})
			return err
		}(),
	} {
		if !apierrors.IsNotFound(err) {
			t.Errorf("webhook %s left: %v", what, err)
		}
	}
}

// A run that died leaves its entry: `firedrill clean` replays it through
// the registry and removes the webhook and its backend, through the
// client it connects to the attached cluster; without one (Undo, from
// the cluster's RESTConfig) a cluster with no API endpoint is an error.
func TestUndoRemovesTheWebhook(t *testing.T) {
	dir := t.TempDir()
	cs := webhookAPI(t)
	prepared(t, cs, journal.NewBook(dir, "kind", "c1", "webhook-down"))
	connect := func(cluster.Cluster) (kubernetes.Interface, error) { return cs, nil }
	entries, err := journal.Pending(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("journal: %v, %v", entries, err)
	}
	if s := entries[0].String(); !strings.HasPrefix(s, "webhook-down on validatingwebhookconfiguration/"+testWebhook+" of kind cluster c1") {
		t.Errorf("clean would print %q", s)
	}
	for range 2 { // gone already is no error
		if err := UndoWith(context.Background(), newCluster("cp1"), entries[0], connect); err != nil {
			t.Fatal(err)
		}
	}
	expectWebhookGone(t, cs)
	err = Undo(context.Background(), newCluster("cp1"), entries[0])
	if err == nil || !strings.Contains(err.Error(), "no API endpoint") {
		t.Errorf("Undo through a cluster without an API endpoint: %v", err)
	}
}

// A journal entry is text on disk: a name the fault does not make is
// refused, and a configuration without firedrill's label is left alone.
func TestUndoRemoveWebhookRefusesWhatIsNotOurs(t *testing.T) {
	cs := webhookAPI(t)
	connect := func(cluster.Cluster) (kubernetes.Interface, error) { return cs, nil }
	for _, name := range []string{"cert-manager-webhook", "firedrill-webhook-1/../x", ""} {
		err := UndoWith(context.Background(), newCluster("cp1"), journal.Entry{Object: "validatingwebhookconfiguration/" + name, Undo: UndoRemoveWebhook, Shape: name}, connect)
		if err == nil || !strings.Contains(err.Error(), "not undone") {
			t.Errorf("undo of %q: %v, want a refusal", name, err)
		}
	}
	theirs := &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: testWebhook}}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(context.Background(), theirs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := UndoWith(context.Background(), newCluster("cp1"), journal.Entry{Undo: UndoRemoveWebhook, Shape: testWebhook}, connect)
	if err == nil || !strings.Contains(err.Error(), "not firedrill's") {
		t.Errorf("undo of an unlabelled configuration: %v", err)
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), testWebhook, metav1.GetOptions{}); err != nil {
		t.Errorf("someone else's configuration was deleted: %v", err)
	}
}

// Without Prepare there is no webhook to break: Inject says so.
func TestWebhookDownNeedsPrepare(t *testing.T) {
	f, err := New(webhookSpec(), scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Inject(context.Background(), newCluster("cp1"), []cluster.Node{{Name: "cp1"}}, &events{}); err == nil {
		t.Error("Inject without Prepare succeeded")
	}
	if err := f.Recover(context.Background(), newCluster("cp1"), nil, &events{}); err != nil {
		t.Errorf("Recover without Prepare: %v", err)
	}
}

// The controllers write the backend's status while the fault scales it:
// a conflict is retried, not the drill's error.
func TestWebhookDownRetriesAConflict(t *testing.T) {
	cs := webhookAPI(t)
	f := prepared(t, cs, nil)
	conflicts := 1
	cs.PrependReactor("update", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts == 0 {
			return false, nil, nil
		}
		conflicts--
		return true, nil, apierrors.NewConflict(appsv1.Resource("deployments"), testWebhook, errors.New("the object has been modified"))
	})
	ev := &events{}
	if err := f.Inject(context.Background(), newCluster("cp1"), []cluster.Node{{Name: "cp1"}}, ev); err != nil {
		t.Fatal(err)
	}
	if took, why := timeline.FaultTook(ev.timeline()); !took || conflicts != 0 {
		t.Errorf("FaultTook %v (%s) after %d conflicts left", took, why, conflicts)
	}
}
