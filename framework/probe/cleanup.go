package probe

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr/funcr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// RemoveNamespace deletes the harness's namespace, and with it every probe
// object, from a cluster that outlives the run.
func RemoveNamespace(ctx context.Context, cs kubernetes.Interface) error {
	err := cs.CoreV1().Namespaces().Delete(ctx, Namespace, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace %s left in the cluster: %w", Namespace, err)
	}
	return nil
}

// ClientLogTo sends client-go's own log to a file: while the API is down
// its informers log every failed watch, which is expected in a drill and
// noise on the console.
func ClientLogTo(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	klog.SetLogger(funcr.New(func(prefix, args string) {
		fmt.Fprintln(f, time.Now().Format(time.RFC3339Nano), prefix, args)
	}, funcr.Options{}))
	return nil
}
