package fault

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strings"
	"sync"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/probe"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// ActionWebhookDown is a validating admission webhook with failurePolicy
// Fail whose backend dies. Before the steady state the harness installs
// the webhook (agnhost's webhook server, the probe image's own, behind a
// Service, with a throwaway CA in its caBundle), scoped to the probe
// namespace and to ConfigMap writes there, which is what the write probe
// does; the fault scales its backend to zero. Every write there is then
// refused by the API servers ("failed calling webhook") while reads go on
// being served, and nothing in the cluster heals it: the recovery
// procedure (remove-webhook) deletes the webhook configuration, what an
// operator does first.
const ActionWebhookDown = "webhook-down"

// UndoRemoveWebhook deletes the webhook configuration and its backend
// (Deployment, Service, Secret), the entry's shape naming them.
const UndoRemoveWebhook = "remove-webhook"

func init() {
	register(action{
		name: ActionWebhookDown,
		// The fault acts through the API: one control-plane node stands
		// for it as the target, so the workload's worker is never picked.
		needs:    scenario.FaultAction{Role: scenario.RoleControlPlane, Procedure: scenario.ProcedureRemoveWebhook},
		evidence: says("writes in " + probe.Namespace + " refused: failed calling webhook"),
		build: func(b Build) (Fault, error) {
			return &webhookDown{book: b.Book, evidence: b.Evidence, took: webhookRefused}, nil
		},
		undo: &JournalUndo{Kind: UndoRemoveWebhook, DoAPI: func(ctx context.Context, cs kubernetes.Interface, name string) error {
			// The name is read back from a journal file: only one of the
			// form the fault gives is deleted, and only objects that carry
			// firedrill's label.
			if !webhookNameRE.MatchString(name) {
				return fmt.Errorf("journal entry names webhook %q, not one firedrill makes: not undone", name)
			}
			return removeWebhook(ctx, cs, name)
		}},
	})
}

// Preparer is a fault that puts something of its own into the cluster
// before the steady state (a webhook and the backend it calls), so that
// the baseline is measured with it in place. The drill calls Prepare
// once the probe namespace exists, and Recover on its way out whatever
// happened, also when it ends before the fault: Recover removes whatever
// Prepare made.
type Preparer interface {
	Prepare(ctx context.Context, in PrepareInput) error
}

// PrepareInput is what Prepare acts with.
type PrepareInput struct {
	Client kubernetes.Interface
	// Image is the probe workload's image (agnhost).
	Image string
	// RunID names what Prepare makes, so two runs never share an object.
	RunID string
	// Name (the drill's) prefixes the progress lines Out receives.
	Name string
	Out  io.Writer
}

// webhookPrefix starts the name of everything the fault makes; the
// journal's undo deletes nothing else.
const webhookPrefix = "firedrill-webhook-"

var webhookNameRE = regexp.MustCompile(`^` + webhookPrefix + `[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

// IsWebhookName says whether name is one WebhookName gives: `firedrill
// clean` removes no other webhook configuration.
func IsWebhookName(name string) bool { return webhookNameRE.MatchString(name) }

// WebhookName is the name of the webhook configuration and its backend's
// objects of a run.
func WebhookName(runID string) string { return webhookPrefix + runID }

// webhookPort is where agnhost's webhook server listens in its pod.
const webhookPort = 8443

// webhookReady bounds Prepare's waits: the backend's pod Ready, then the
// webhook seen in the path of every API server.
const webhookReady = 3 * time.Minute

// webhookRefused bounds the wait for a write to be refused once the
// backend is scaled to zero: its pods leave the Service's endpoints as
// they terminate (1 s grace period), and each node's kube-proxy follows.
const webhookRefused = 30 * time.Second

// webhookProven is how many dry-run writes in a row the webhook must have
// refused, each a new request the load balancer may send to any API
// server, before it counts as in the path of all of them.
const webhookProven = 6

// The backend is agnhost's webhook server on path /configmaps: it admits
// every ConfigMap except one holding this key and value, which it denies
// with this reason. A dry-run write of that ConfigMap that comes back
// denied proves the webhook is called.
const (
	webhookDenyKey    = "webhook-e2e-test"
	webhookDenyValue  = "webhook-disallow"
	webhookDenyReason = "the configmap contains unwanted key and value"
	webhookFailed     = "failed calling webhook"
)

type webhookDown struct {
	book     *journal.Book
	evidence string
	// took bounds the wait for writes to be refused once the backend is
	// gone.
	took time.Duration

	mu    sync.Mutex
	cs    kubernetes.Interface
	name  string
	entry *journal.Open
}

func (w *webhookDown) Desc() string {
	return "scale the backend of a validating webhook (failurePolicy Fail, ConfigMap writes in " + probe.Namespace + ") to zero"
}

func (w *webhookDown) state() (kubernetes.Interface, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cs, w.name
}

// Prepare installs the backend, waits until it serves, installs the
// webhook and waits until the API servers call it. It is journaled
// before the first object is made.
func (w *webhookDown) Prepare(ctx context.Context, in PrepareInput) error {
	name := WebhookName(in.RunID)
	if !webhookNameRE.MatchString(name) {
		return fmt.Errorf("run id %q makes no valid webhook name", in.RunID)
	}
	entry, err := w.book.BeginObject("validatingwebhookconfiguration/"+name, ActionWebhookDown, UndoRemoveWebhook, name)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.cs, w.name, w.entry = in.Client, name, entry
	w.mu.Unlock()
	cs := in.Client
	service := name + "." + probe.Namespace + ".svc"
	caPEM, certPEM, keyPEM, err := webhookCerts(service, time.Now())
	if err != nil {
		return err
	}
	labels := webhookLabels(name)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: probe.Namespace, Labels: labels},
		Type: corev1.SecretTypeTLS, Data: map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM}}
	if _, err := cs.CoreV1().Secrets(probe.Namespace).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("webhook secret: %w", err)
	}
	if _, err := cs.AppsV1().Deployments(probe.Namespace).Create(ctx, webhookBackend(name, in.Image), metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("webhook backend: %w", err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: probe.Namespace, Labels: labels},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": name},
			Ports: []corev1.ServicePort{{Port: 443, TargetPort: intstr.FromInt32(webhookPort)}}}}
	if _, err := cs.CoreV1().Services(probe.Namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("webhook service: %w", err)
	}
	fmt.Fprintf(in.Out, "[%s] webhook %s: waiting for its backend\n", in.Name, name)
	var last error
	if err := wait.PollUntilContextTimeout(ctx, time.Second, webhookReady, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments(probe.Namespace).Get(ctx, name, metav1.GetOptions{})
		if last = err; err != nil {
			return false, nil
		}
		last = fmt.Errorf("%d of 1 backend pods ready", d.Status.ReadyReplicas)
		return d.Status.ReadyReplicas >= 1, nil
	}); err != nil {
		return fmt.Errorf("webhook backend not ready within %s: %w", webhookReady, errors.Join(err, last))
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, webhookConfig(name, caPEM), metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("webhook configuration: %w", err)
	}
	// Each API server loads the configuration from its own watch: it is
	// in the path once marked writes are denied many times in a row and a
	// plain one is admitted.
	fmt.Fprintf(in.Out, "[%s] webhook %s: waiting until the API servers call it\n", in.Name, name)
	streak := 0
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, webhookReady, true, func(ctx context.Context) (bool, error) {
		err := dryRunWrite(ctx, cs, map[string]string{webhookDenyKey: webhookDenyValue})
		if err == nil || !strings.Contains(err.Error(), webhookDenyReason) {
			streak, last = 0, fmt.Errorf("a write the webhook denies was answered: %v", err)
			return false, nil
		}
		if streak++; streak < webhookProven {
			return false, nil
		}
		if err := dryRunWrite(ctx, cs, nil); err != nil {
			streak, last = 0, fmt.Errorf("a write the webhook admits was refused: %w", err)
			return false, nil
		}
		return true, nil
	}); err != nil {
		return fmt.Errorf("webhook not in the API servers' path within %s: %w", webhookReady, errors.Join(err, last))
	}
	return nil
}

// Inject scales the backend to zero (its pods end within their 1 s grace
// period and leave the Service) and proves the fault by a write in the
// probe namespace refused for want of the webhook. The webhook is one
// object of the API: the first target stands for it.
func (w *webhookDown) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	cs, name := w.state()
	if cs == nil {
		return fmt.Errorf("%s: the webhook was not installed before the fault", ActionWebhookDown)
	}
	if len(targets) == 0 {
		return fmt.Errorf("%s: no target", ActionWebhookDown)
	}
	return onEach(ctx, targets[:1], ev, timeline.EventInject, ActionWebhookDown, func(ctx context.Context, n cluster.Node) (time.Time, error) {
		deps := cs.AppsV1().Deployments(probe.Namespace)
		// The controllers write the Deployment's status meanwhile: a
		// conflict is retried on the object as it is now.
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			d, err := deps.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			d.Spec.Replicas = ptr.To[int32](0)
			_, err = deps.Update(ctx, d, metav1.UpdateOptions{})
			return err
		}); err != nil {
			return time.Time{}, fmt.Errorf("scale the webhook backend to 0: %w", err)
		}
		e := timeline.Evidence{Target: n.Name, Action: ActionWebhookDown, What: w.evidence, Before: "writes admitted through the webhook"}
		_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, w.took, true, func(ctx context.Context) (bool, error) {
			err := dryRunWrite(ctx, cs, nil)
			e.At = time.Now()
			if err == nil {
				e.After = "a write admitted"
				return false, nil
			}
			e.After = err.Error()
			e.Proven = strings.Contains(err.Error(), webhookFailed)
			return e.Proven, nil
		})
		ev.Evidence(e)
		return time.Time{}, nil
	})
}

// Recover removes the webhook configuration, then its backend, and closes
// the journal: nothing of it outlives the drill, whatever phase it ended
// in (the procedure has deleted the configuration already on the normal
// path).
func (w *webhookDown) Recover(ctx context.Context, _ cluster.Cluster, _ []cluster.Node, _ Events) error {
	w.mu.Lock()
	cs, name, entry := w.cs, w.name, w.entry
	w.mu.Unlock()
	if cs == nil {
		return nil
	}
	if err := removeWebhook(ctx, cs, name); err != nil {
		return err
	}
	w.mu.Lock()
	w.entry = nil
	w.mu.Unlock()
	return entry.Close()
}

// RemoveWebhookConfiguration deletes the webhook configuration of that
// name if it is firedrill's: the recovery procedure's step, and the first
// undo. Already gone is no error.
func RemoveWebhookConfiguration(ctx context.Context, cs kubernetes.Interface, name string) error {
	vwcs := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	have, err := vwcs.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return err
	case have.Labels[probe.OwnerLabel] != "firedrill":
		return fmt.Errorf("validating webhook configuration %s is not firedrill's (no %s label): left as it is", name, probe.OwnerLabel)
	}
	uid := have.UID
	err = vwcs.Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// removeWebhook deletes the configuration first (writes are admitted
// again the moment the API servers see it gone), then the backend.
func removeWebhook(ctx context.Context, cs kubernetes.Interface, name string) error {
	if err := RemoveWebhookConfiguration(ctx, cs, name); err != nil {
		return err
	}
	ours := func(l map[string]string) bool { return l[probe.OwnerLabel] == "firedrill" }
	del := func(what string, get func() (metav1.Object, error), del func() error) error {
		obj, err := get()
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err != nil:
			return fmt.Errorf("%s %s: %w", what, name, err)
		case !ours(obj.GetLabels()):
			return fmt.Errorf("%s %s/%s is not firedrill's: left as it is", what, probe.Namespace, name)
		}
		if err := del(); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s %s: %w", what, name, err)
		}
		return nil
	}
	ns := probe.Namespace
	return errors.Join(
		del("deployment", func() (metav1.Object, error) { return cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{}) },
			func() error { return cs.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{}) }),
		del("service", func() (metav1.Object, error) { return cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{}) },
			func() error { return cs.CoreV1().Services(ns).Delete(ctx, name, metav1.DeleteOptions{}) }),
		del("secret", func() (metav1.Object, error) { return cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{}) },
			func() error { return cs.CoreV1().Secrets(ns).Delete(ctx, name, metav1.DeleteOptions{}) }),
	)
}

// WebhookProbeWrite is the ConfigMap a dry-run write names: never stored.
const WebhookProbeWrite = "firedrill-webhook-probe"

// dryRunWrite creates a ConfigMap in the probe namespace with dryRun=All:
// admission runs (the webhook declares no side effects), nothing is
// stored.
func dryRunWrite(ctx context.Context, cs kubernetes.Interface, data map[string]string) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: WebhookProbeWrite, Namespace: probe.Namespace}, Data: data}
	_, err := cs.CoreV1().ConfigMaps(probe.Namespace).Create(ctx, cm, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	return err
}

// DryRunWriteCommand is dryRunWrite as an operator types it.
var DryRunWriteCommand = "kubectl -n " + probe.Namespace + " create configmap " + WebhookProbeWrite + " --dry-run=server"

// DryRunWrite is dryRunWrite for the procedure's verification.
func DryRunWrite(ctx context.Context, cs kubernetes.Interface) error {
	return dryRunWrite(ctx, cs, nil)
}

func webhookLabels(name string) map[string]string {
	return map[string]string{probe.OwnerLabel: "firedrill", "app": name}
}

// webhookBackend is agnhost's webhook server, one replica on a worker,
// serving TLS from the Secret of that name.
func webhookBackend(name, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: probe.Namespace, Labels: webhookLabels(name)},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](1),
					Containers: []corev1.Container{{
						Name:            "webhook",
						Image:           image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args: []string{"webhook", "--tls-cert-file=/tls/" + corev1.TLSCertKey, "--tls-private-key-file=/tls/" + corev1.TLSPrivateKeyKey,
							fmt.Sprintf("--port=%d", webhookPort)},
						Ports:        []corev1.ContainerPort{{ContainerPort: webhookPort}},
						VolumeMounts: []corev1.VolumeMount{{Name: "tls", MountPath: "/tls", ReadOnly: true}},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromInt32(webhookPort),
								Scheme: corev1.URISchemeHTTPS}},
							PeriodSeconds: 2,
						},
					}},
					Volumes: []corev1.Volume{{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: name}}}},
				},
			},
		},
	}
}

// webhookConfig calls the backend for every ConfigMap create and update
// in the probe namespace, and fails the write when it cannot.
func webhookConfig(name string, caPEM []byte) *admissionv1.ValidatingWebhookConfiguration {
	return &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: webhookLabels(name)},
		Webhooks: []admissionv1.ValidatingWebhook{{
			Name: "configmaps.webhook-down.firedrill.io",
			ClientConfig: admissionv1.WebhookClientConfig{
				Service:  &admissionv1.ServiceReference{Namespace: probe.Namespace, Name: name, Path: ptr.To("/configmaps"), Port: ptr.To[int32](443)},
				CABundle: caPEM,
			},
			Rules: []admissionv1.RuleWithOperations{{
				Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
				Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"},
					Scope: ptr.To(admissionv1.NamespacedScope)},
			}},
			FailurePolicy: ptr.To(admissionv1.Fail),
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
				corev1.LabelMetadataName: probe.Namespace}},
			SideEffects:             ptr.To(admissionv1.SideEffectClassNone),
			TimeoutSeconds:          ptr.To[int32](5),
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}

// webhookCerts makes a throwaway CA, valid for a day, and a serving
// certificate it signs for the Service's DNS name (and its cluster.local
// form): the CA goes into the webhook's caBundle, the pair into the
// backend's Secret. Nothing keeps the CA's key.
func webhookCerts(service string, now time.Time) (caPEM, certPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
		return n
	}
	ca := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: "firedrill webhook-down CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		return nil, nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	leaf := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: service},
		DNSNames:  []string{service, service + ".cluster.local"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}
