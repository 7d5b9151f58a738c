package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/firedrill/firedrill/framework/timeline"
	"github.com/firedrill/firedrill/framework/waitfor"
)

// Namespace holds every object the harness creates in a cluster.
const Namespace = "firedrill-probe"

// WorkloadName names the probe Deployment and its Service.
const WorkloadName = "probe"

// DefaultImage is the e2e test image the probe workload runs (agnhost
// netexec); AGNHOST_IMAGE overrides it.
const DefaultImage = "registry.k8s.io/e2e-test-images/agnhost:2.56"

// WorkloadSpec is the probe workload's shape.
type WorkloadSpec struct {
	Image string
	// Toleration, when > 0, is how long the pods stay on a node that is
	// not ready or unreachable before they are evicted (0: Kubernetes'
	// 300 s default tolerations).
	Toleration time.Duration
}

// tolerations are the pods' NoExecute tolerations of a lost node.
func (w WorkloadSpec) tolerations() []corev1.Toleration {
	if w.Toleration <= 0 {
		return nil
	}
	secs := ptr.To(int64(w.Toleration / time.Second))
	var out []corev1.Toleration
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		out = append(out, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs})
	}
	return out
}

// EnsureWorkload creates the namespace, the probe Deployment (two replicas,
// kept off control-plane nodes so control-plane faults do not touch it) and
// a NodePort Service, unless they exist. It returns the node port.
func EnsureWorkload(ctx context.Context, cs kubernetes.Interface, w WorkloadSpec, out io.Writer) (int32, error) {
	// The previous run removed the namespace when it left; it may still be
	// terminating.
	if err := waitfor.Until(ctx, waitfor.Input{What: "namespace " + Namespace + " of an earlier run gone", Timeout: 3 * time.Minute,
		Poll: time.Second, Out: out, Check: func(ctx context.Context) error {
			ns, err := cs.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{})
			if err == nil && ns.Status.Phase == corev1.NamespaceTerminating {
				return fmt.Errorf("still terminating")
			}
			if apierrors.IsNotFound(err) {
				return nil
			}
			return err
		}}); err != nil {
		return 0, err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: map[string]string{OwnerLabel: ownerValue}}}
	_, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// A namespace of that name that firedrill did not make is never
		// adopted: the run would delete it when it leaves.
		var have *corev1.Namespace
		if have, err = cs.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{}); err == nil && !Owned(have) {
			return 0, errNotOurs()
		}
	}
	if err != nil {
		return 0, fmt.Errorf("create namespace %s: %w", Namespace, err)
	}
	labels := map[string]string{"app": WorkloadName}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: WorkloadName, Namespace: Namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
							MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.NodeSelectorOpDoesNotExist}},
						}}},
					}},
					TerminationGracePeriodSeconds: ptr.To[int64](1),
					Tolerations:                   w.tolerations(),
					Containers: []corev1.Container{{
						Name:            "netexec",
						Image:           w.Image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            []string{"netexec", "--http-port=8080"},
						Ports:           []corev1.ContainerPort{{ContainerPort: 8080}},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/hostname", Port: intstr.FromInt32(8080)}},
							PeriodSeconds: 2,
						},
					}},
				},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments(Namespace).Create(ctx, dep, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return 0, fmt.Errorf("create deployment %s/%s: %w", Namespace, WorkloadName, err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: WorkloadName, Namespace: Namespace},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Selector: labels,
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	created, err := cs.CoreV1().Services(Namespace).Create(ctx, svc, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		created, err = cs.CoreV1().Services(Namespace).Get(ctx, WorkloadName, metav1.GetOptions{})
	}
	if err != nil {
		return 0, fmt.Errorf("service %s/%s: %w", Namespace, WorkloadName, err)
	}
	return created.Spec.Ports[0].NodePort, nil
}

// WorkloadAvailable requires every replica of the probe Deployment to be
// ready and up to date.
func WorkloadAvailable(ctx context.Context, cs kubernetes.Interface) error {
	d, err := cs.AppsV1().Deployments(Namespace).Get(ctx, WorkloadName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("deployment %s/%s: %w", Namespace, WorkloadName, err)
	}
	want := ptr.Deref(d.Spec.Replicas, 1)
	if d.Status.ReadyReplicas != want || d.Status.UpdatedReplicas != want {
		return fmt.Errorf("deployment %s/%s: %d of %d replicas ready", Namespace, WorkloadName, d.Status.ReadyReplicas, want)
	}
	return nil
}

// WorkloadURL is where the harness reaches the probe workload from outside
// the cluster: a node's address and the Service's node port.
func WorkloadURL(nodeAddress string, nodePort int32) string {
	return "http://" + net.JoinHostPort(nodeAddress, strconv.Itoa(int(nodePort))) + "/hostname"
}

// WorkloadSampler probes the workload over a new connection each time, so
// every sample goes through the node's Service rules afresh. With several
// URLs (one per node) each sample asks them all at once and the first
// answer counts: the workload is down only when no node serves it.
func WorkloadSampler(urls []string, timeout time.Duration) Sampler {
	client := &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext:       (&net.Dialer{Timeout: timeout}).DialContext,
	}}
	return Sampler{
		Series: timeline.SeriesWorkload,
		Do:     func(ctx context.Context, _ int64) error { return firstAnswer(ctx, client, urls) },
	}
}

// firstAnswer asks every URL at once and returns as soon as one answers;
// when none does, every URL's error.
func firstAnswer(ctx context.Context, client *http.Client, urls []string) error {
	if len(urls) == 1 {
		return get(ctx, client, urls[0])
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(urls))
	for _, u := range urls {
		go func() {
			if err := get(ctx, client, u); err != nil {
				errs <- fmt.Errorf("%s: %w", u, err)
				return
			}
			errs <- nil
		}()
	}
	var all []error
	for range urls {
		err := <-errs
		if err == nil {
			return nil
		}
		all = append(all, err)
	}
	return errors.Join(all...)
}

// WorkloadServes is one request to the workload, for the steady-state and
// recovery checks.
func WorkloadServes(ctx context.Context, urls []string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := WorkloadSampler(urls, timeout).Do(ctx, 0); err != nil {
		return fmt.Errorf("GET %s: %w", strings.Join(urls, " or "), err)
	}
	return nil
}
