package probe

import (
	"context"
	"io"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// A namespace called firedrill-probe that firedrill did not make (no owner
// label) is neither adopted by a run nor deleted when it leaves.
func TestNamespaceNotOursIsLeftAlone(t *testing.T) {
	ctx := context.Background()
	theirs := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: map[string]string{"team": "payments"}}}
	cs := fake.NewClientset(theirs)

	if _, err := EnsureWorkload(ctx, cs, WorkloadSpec{Image: "agnhost"}, io.Discard); err == nil || !strings.Contains(err.Error(), "not firedrill's") {
		t.Errorf("EnsureWorkload in a namespace firedrill did not make: %v, want a refusal", err)
	}
	if _, err := cs.AppsV1().Deployments(Namespace).Get(ctx, WorkloadName, metav1.GetOptions{}); err == nil {
		t.Error("the probe workload was created in a namespace firedrill did not make")
	}
	if err := RemoveNamespace(ctx, cs, io.Discard); err == nil || !strings.Contains(err.Error(), "not firedrill's") {
		t.Errorf("RemoveNamespace of a namespace firedrill did not make: %v, want a refusal", err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{}); err != nil {
		t.Errorf("the namespace firedrill did not make was deleted: %v", err)
	}
}

// Its own namespace, labelled when it was made, is removed.
func TestNamespaceOursIsRemoved(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset()
	if _, err := EnsureWorkload(ctx, cs, WorkloadSpec{Image: "agnhost"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	ns, err := cs.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{})
	if err != nil || !Owned(ns) {
		t.Fatalf("the namespace firedrill made is not marked as its own: %v %v", err, ns)
	}
	// A second run adopts the namespace of an earlier one.
	if _, err := EnsureWorkload(ctx, cs, WorkloadSpec{Image: "agnhost"}, io.Discard); err != nil {
		t.Errorf("a second run refused firedrill's own namespace: %v", err)
	}
	if err := RemoveNamespace(ctx, cs, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{}); err == nil {
		t.Error("firedrill's own namespace was not removed")
	}
}
