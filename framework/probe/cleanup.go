package probe

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
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
//
// A namespace of that name without firedrill's owner label is not its own:
// it is left, and the error says so. The delete carries the UID of the
// namespace whose label was checked, so one made in between by someone
// else is never the one deleted.
func RemoveNamespace(ctx context.Context, cs kubernetes.Interface, out io.Writer) error {
	var notOurs error
	err := waitfor.Until(ctx, waitfor.Input{What: "namespace " + Namespace + " gone", Timeout: removeTimeout, Poll: time.Second,
		Every: 10 * time.Second, Out: out, Check: func(ctx context.Context) error {
			ns, err := cs.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				return nil
			case err != nil:
				return err
			case !Owned(ns):
				notOurs = errNotOurs()
				return nil
			case ns.DeletionTimestamp == nil:
				uid := ns.UID
				err := cs.CoreV1().Namespaces().Delete(ctx, Namespace, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
				if err != nil && !apierrors.IsNotFound(err) {
					return err
				}
			}
			return fmt.Errorf("terminating")
		}})
	if err != nil {
		return err
	}
	return notOurs
}

// OwnerLabel marks the namespace firedrill made for its probes.
const OwnerLabel = "app.kubernetes.io/managed-by"

const ownerValue = "firedrill"

// Owned says whether ns is the probe namespace firedrill made: only then
// may a run use it or remove it.
func Owned(ns *corev1.Namespace) bool { return ns != nil && ns.Labels[OwnerLabel] == ownerValue }

func errNotOurs() error {
	return fmt.Errorf("namespace %s exists and is not firedrill's (no %s=%s label): left as it is; "+
		"remove it yourself (kubectl delete namespace %s) if nothing of yours is in it", Namespace, OwnerLabel, ownerValue, Namespace)
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
