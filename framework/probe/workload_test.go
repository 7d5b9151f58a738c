package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// Through every node's NodePort the workload is up while any node serves
// it, and down only when none does; the error names every node's.
func TestWorkloadSamplerFirstAnswer(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hello from pod") }))
	defer up.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer down.Close()
	hung := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hung.Close()
	ctx := context.Background()
	if err := WorkloadSampler([]string{down.URL, hung.URL, up.URL}, 2*time.Second).Do(ctx, 0); err != nil {
		t.Errorf("one node serves: %v", err)
	}
	start := time.Now()
	// The samplers bound each request with the probe's timeout.
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	err := WorkloadSampler([]string{down.URL, hung.URL}, 300*time.Millisecond).Do(tctx, 0)
	if err == nil || !strings.Contains(err.Error(), down.URL) || !strings.Contains(err.Error(), hung.URL) {
		t.Errorf("no node serves: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s", took)
	}
	if err := WorkloadServes(ctx, []string{down.URL}, time.Second); err == nil || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("one node, down: %v", err)
	}
}
