package probe

import (
	"context"
	"io"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// A drill that loses a worker gives the workload's pods short tolerations
// of a lost node, or Kubernetes' 300 s would decide when it serves again.
func TestWorkloadTolerations(t *testing.T) {
	for _, tc := range []struct {
		toleration time.Duration
		want       *int64
	}{{0, nil}, {10 * time.Second, ptrTo(int64(10))}} {
		cs := fake.NewClientset()
		if _, err := EnsureWorkload(context.Background(), cs, WorkloadSpec{Image: "agnhost", Toleration: tc.toleration}, io.Discard); err != nil {
			t.Fatal(err)
		}
		d, err := cs.AppsV1().Deployments(Namespace).Get(context.Background(), WorkloadName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tols := d.Spec.Template.Spec.Tolerations
		if tc.want == nil {
			if len(tols) != 0 {
				t.Errorf("toleration 0: pods tolerate %+v, want Kubernetes' defaults", tols)
			}
			continue
		}
		got := map[string]int64{}
		for _, tol := range tols {
			if tol.Effect == corev1.TaintEffectNoExecute && tol.TolerationSeconds != nil {
				got[tol.Key] = *tol.TolerationSeconds
			}
		}
		if got[corev1.TaintNodeNotReady] != *tc.want || got[corev1.TaintNodeUnreachable] != *tc.want || len(got) != 2 {
			t.Errorf("toleration %s: NoExecute tolerations %v, want not-ready and unreachable for %ds", tc.toleration, got, *tc.want)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
