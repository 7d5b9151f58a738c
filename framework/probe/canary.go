package probe

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/firedrill/firedrill/framework/timeline"
)

// Canary is a pod created while the fault may have left no scheduler: it
// shows when scheduling works again.
type Canary struct {
	CS    kubernetes.Interface
	Name  string
	Image string
}

// Create makes the canary pod and returns when the API accepted it.
func (c Canary) Create(ctx context.Context) (time.Time, error) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: c.Name, Namespace: Namespace, Labels: map[string]string{"app": "firedrill-canary"}},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](0),
			Containers: []corev1.Container{{
				Name: "pause", Image: c.Image, ImagePullPolicy: corev1.PullIfNotPresent, Args: []string{"pause"},
			}},
		},
	}
	if _, err := c.CS.CoreV1().Pods(Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return time.Time{}, fmt.Errorf("create canary pod: %w", err)
	}
	return time.Now(), nil
}

// Scheduled reads whether and when the canary was bound to a node.
func (c Canary) Scheduled(ctx context.Context) (timeline.CanaryObservation, error) {
	var o timeline.CanaryObservation
	p, err := c.CS.CoreV1().Pods(Namespace).Get(ctx, c.Name, metav1.GetOptions{})
	if err != nil {
		return o, fmt.Errorf("canary pod: %w", err)
	}
	o.Node = p.Spec.NodeName
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionTrue {
			o.Scheduled = cond.LastTransitionTime.Time
		}
	}
	if o.Node == "" {
		return o, fmt.Errorf("canary pod %s not scheduled yet", c.Name)
	}
	return o, nil
}

// Delete removes the canary.
func (c Canary) Delete(ctx context.Context) error {
	err := c.CS.CoreV1().Pods(Namespace).Delete(ctx, c.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
