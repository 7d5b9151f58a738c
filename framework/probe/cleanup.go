package probe

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-logr/logr/funcr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/firedrill/firedrill/framework/waitfor"
)

// RemoveNamespace removes the harness's namespace, and with it every probe
// object, from a cluster that outlives the run, and waits, polling every
// second within ctx, until it is gone: a namespace still terminating is
// still there. While the API refuses (it may be coming back from the
// fault) it keeps trying; the error says what it saw last.
func RemoveNamespace(ctx context.Context, cs kubernetes.Interface, out io.Writer) error {
	return waitfor.Until(ctx, waitfor.Input{What: "namespace " + Namespace + " gone", Timeout: removeTimeout, Poll: time.Second,
		Every: 10 * time.Second, Out: out, Check: func(ctx context.Context) error {
			ns, err := cs.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				return nil
			case err != nil:
				return err
			case ns.DeletionTimestamp == nil:
				if err := cs.CoreV1().Namespaces().Delete(ctx, Namespace, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
					return err
				}
			}
			return fmt.Errorf("terminating")
		}})
}

// removeTimeout bounds RemoveNamespace: the probe workload's pods end
// within their 1 s grace period, a rebooted control plane serves again
// within about 40 s here.
const removeTimeout = 2 * time.Minute

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
