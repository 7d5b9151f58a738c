package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/timeline"
)

// Writer writes a counter: each write adds its own key to one ConfigMap, so
// writes may run concurrently and land in any order, and after recovery
// every acknowledged write must still be there. (A single counter value
// would report a write as lost whenever a timed-out earlier write lands
// after a later one.)
type Writer struct {
	CS   kubernetes.Interface
	Name string // ConfigMap name, one per drill
}

const writeKeyPrefix = "w"

// Create makes the empty counter object.
func (w Writer) Create(ctx context.Context) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: w.Name, Namespace: Namespace}}
	_, err := w.CS.CoreV1().ConfigMaps(Namespace).Create(ctx, cm, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("counter %s/%s exists already: left over from an earlier drill?", Namespace, w.Name)
	}
	return err
}

// Sampler writes key w<seq> at each sample.
func (w Writer) Sampler() Sampler {
	return Sampler{Series: timeline.SeriesWrite, Do: func(ctx context.Context, seq int64) error {
		patch, _ := json.Marshal(map[string]any{"data": map[string]string{
			writeKeyPrefix + strconv.FormatInt(seq, 10): time.Now().UTC().Format(time.RFC3339Nano),
		}})
		_, err := w.CS.CoreV1().ConfigMaps(Namespace).Patch(ctx, w.Name, types.MergePatchType, patch, metav1.PatchOptions{})
		return err
	}}
}

// ReadBack reads the counter and returns the sequence numbers present.
func (w Writer) ReadBack(ctx context.Context) ([]int64, error) {
	cm, err := w.CS.CoreV1().ConfigMaps(Namespace).Get(ctx, w.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read counter %s/%s: %w", Namespace, w.Name, err)
	}
	var seen []int64
	for k := range cm.Data {
		if n, err := strconv.ParseInt(strings.TrimPrefix(k, writeKeyPrefix), 10, 64); err == nil {
			seen = append(seen, n)
		}
	}
	return seen, nil
}

// Delete removes the counter.
func (w Writer) Delete(ctx context.Context) error {
	err := w.CS.CoreV1().ConfigMaps(Namespace).Delete(ctx, w.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
