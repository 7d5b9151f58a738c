package probe

import (
	"context"
	"fmt"
	"io"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/firedrill/firedrill/framework/waitfor"
)

// ScaleCheck proves that the controllers and the scheduler act: it creates
// a Deployment of one replica, waits until it is available, scales it to
// two and waits again. Each wait needs the Deployment and ReplicaSet
// controllers to make pods, the scheduler to bind them and a kubelet to
// run them.
type ScaleCheck struct {
	CS    kubernetes.Interface
	Name  string
	Image string
	// Timeout bounds each of the two waits.
	Timeout time.Duration
	Out     io.Writer
}

// Command is the check as an operator types it.
func (c ScaleCheck) Command() string {
	return fmt.Sprintf("kubectl -n %[1]s create deployment %[2]s --image %[3]s --replicas 1 -- /agnhost pause && "+
		"kubectl -n %[1]s rollout status deployment/%[2]s --timeout %[4]s && "+
		"kubectl -n %[1]s scale deployment/%[2]s --replicas 2 && "+
		"kubectl -n %[1]s rollout status deployment/%[2]s --timeout %[4]s", Namespace, c.Name, c.Image, c.Timeout)
}

// Run creates the Deployment and scales it.
func (c ScaleCheck) Run(ctx context.Context) error {
	labels := map[string]string{"app": c.Name}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: c.Name, Namespace: Namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](0),
					Containers:                    []corev1.Container{{Name: "pause", Image: c.Image, ImagePullPolicy: corev1.PullIfNotPresent, Args: []string{"pause"}}},
				},
			},
		},
	}
	deps := c.CS.AppsV1().Deployments(Namespace)
	if _, err := deps.Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create deployment %s/%s: %w", Namespace, c.Name, err)
	}
	if err := c.available(ctx, 1); err != nil {
		return err
	}
	if _, err := deps.Patch(ctx, c.Name, "application/merge-patch+json", []byte(`{"spec":{"replicas":2}}`), metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("scale deployment %s/%s to 2: %w", Namespace, c.Name, err)
	}
	return c.available(ctx, 2)
}

func (c ScaleCheck) available(ctx context.Context, replicas int32) error {
	return waitfor.Until(ctx, waitfor.Input{What: fmt.Sprintf("deployment %s available with %d replicas", c.Name, replicas),
		Timeout: c.Timeout, Poll: time.Second, Out: c.Out, Check: func(ctx context.Context) error {
			d, err := c.CS.AppsV1().Deployments(Namespace).Get(ctx, c.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if d.Status.ObservedGeneration < d.Generation || d.Status.AvailableReplicas < replicas || d.Status.UpdatedReplicas < replicas {
				return fmt.Errorf("%d of %d replicas available (generation %d observed %d)", d.Status.AvailableReplicas, replicas, d.Generation, d.Status.ObservedGeneration)
			}
			return nil
		}})
}

// Delete removes the Deployment (its pods go with it).
func (c ScaleCheck) Delete(ctx context.Context) error {
	err := c.CS.AppsV1().Deployments(Namespace).Delete(ctx, c.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
