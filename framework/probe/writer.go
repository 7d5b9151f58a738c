package probe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/overhead"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Writer writes a counter: each write adds its own key to a ConfigMap, so
// writes may run concurrently and land in any order, and after recovery
// every acknowledged write must still be there. (A single counter value
// would report a write as lost whenever a timed-out earlier write lands
// after a later one.)
//
// The keys are spread over a series of ConfigMaps ("chunks"): write seq
// goes into chunk (seq-1)/KeysPerObject, named "<Name>-<chunk>". One object
// cannot hold a long observation: the API server refuses a ConfigMap with
// more than 1 MiB of values, and etcd a request over 1.5 MiB (the whole
// object, keys and managedFields too); at ~36 bytes a write ("w12345" and
// an RFC 3339 timestamp) a single object reached 1 MiB after ~30,000
// writes, under two hours at 200 ms, and every write after that failed, a
// write outage that was none. A 24 h observation at 100 ms is 864,000
// writes: 864 chunks of the default size, each below 64 KiB. Small chunks
// also keep each write cheap: a patch rewrites its whole object in etcd.
//
// Every chunk carries the label CounterLabel=<Name> (see counterLabelValue),
// so the counter is read back and removed as one set.
type Writer struct {
	CS   kubernetes.Interface
	Name string // prefix of the ConfigMap names, one counter per drill
	// KeysPerObject is the number of writes per ConfigMap; zero means
	// DefaultKeysPerObject.
	KeysPerObject int64
}

// CounterLabel marks every ConfigMap of a counter; its value is the
// counter's Name (see counterLabelValue).
const CounterLabel = "firedrill.io/counter"

// DefaultKeysPerObject keeps a chunk below 64 KiB even at the longest keys
// of a 24 h observation (TestWriterDayFits).
const DefaultKeysPerObject = 1000

const writeKeyPrefix = "w"

// readBackPage is the number of chunks a list request returns: at most a
// few MiB, so the read-back after a long drill is a series of modest
// requests rather than one huge one.
const readBackPage = 50

func (w Writer) keysPerObject() int64 {
	if w.KeysPerObject > 0 {
		return w.KeysPerObject
	}
	return DefaultKeysPerObject
}

// chunkName is the ConfigMap holding write seq. Different counters never
// share a name: the chunk number has no '-', so "<Name>-<chunk>" splits back
// into Name and chunk one way only.
func (w Writer) chunkName(seq int64) string {
	return w.Name + "-" + strconv.FormatInt((seq-1)/w.keysPerObject(), 10)
}

// counterLabelValue is the label value of the counter's objects: the Name
// itself when it is a valid label value (at most 63 characters), else a
// prefix of it and a hash of all of it, so a long drill name still gets a
// label of its own. (Name is part of object names, a DNS subdomain, so its
// characters are all allowed in a label value.)
func counterLabelValue(name string) string {
	if len(validation.IsValidLabelValue(name)) == 0 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:8])
	return name[:min(len(name), validation.LabelValueMaxLength-len(h)-1)] + "-" + h
}

func (w Writer) selector() string {
	return labels.SelectorFromSet(labels.Set{CounterLabel: counterLabelValue(w.Name)}).String()
}

// object is one chunk of the counter as created.
func (w Writer) object(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace,
			Labels: map[string]string{CounterLabel: counterLabelValue(w.Name)}},
		Data: data,
	}
}

func writeKey(seq int64) string { return writeKeyPrefix + strconv.FormatInt(seq, 10) }

func (w Writer) leftOver(name string) error {
	return fmt.Errorf("counter %s/%s exists already: left over from an earlier drill? (object %s)", Namespace, w.Name, name)
}

// Create makes the first, empty chunk of the counter, and refuses a counter
// of which any chunk exists already: its keys would read as this drill's
// writes.
func (w Writer) Create(ctx context.Context) error {
	l, err := w.CS.CoreV1().ConfigMaps(Namespace).List(ctx, metav1.ListOptions{LabelSelector: w.selector(), Limit: 1})
	if err != nil {
		return fmt.Errorf("look for counter %s/%s: %w", Namespace, w.Name, err)
	}
	if len(l.Items) > 0 {
		return w.leftOver(l.Items[0].Name)
	}
	name := w.chunkName(1)
	_, err = w.CS.CoreV1().ConfigMaps(Namespace).Create(ctx, w.object(name, nil), metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return w.leftOver(name)
	}
	return err
}

// Sampler writes key w<seq> into its chunk at each sample: a merge patch
// adds the key and leaves the other keys alone, so concurrent writes to one
// chunk all stay. The first write of a chunk finds no object and creates
// it; if a concurrent write of the same chunk created it first, it patches
// after all. A write is acknowledged only when its patch or create
// succeeded, that is when its key is stored.
func (w Writer) Sampler() Sampler {
	return Sampler{Series: timeline.SeriesWrite, Write: func(ctx context.Context, seq int64) (int64, error) {
		if seq < 1 {
			return 0, fmt.Errorf("counter write %d: sequence numbers start at 1", seq)
		}
		name, key := w.chunkName(seq), writeKey(seq)
		value := time.Now().UTC().Format(time.RFC3339Nano)
		patch, err := json.Marshal(map[string]any{"data": map[string]string{key: value}})
		if err != nil {
			return 0, err
		}
		ctx = overhead.DefaultKind(ctx, timeline.RequestWrite)
		cms := w.CS.CoreV1().ConfigMaps(Namespace)
		cm, err := cms.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
		if apierrors.IsNotFound(err) {
			cm, err = cms.Create(ctx, w.object(name, map[string]string{key: value}), metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				cm, err = cms.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
			}
		}
		if err != nil {
			return 0, err
		}
		return revisionOf(cm), nil
	}}
}

// revisionOf is the etcd revision an object was stored at: the API server
// hands etcd's modification revision back as the resource version (0 when
// it is not a number, as with a fake client).
func revisionOf(o metav1.Object) int64 {
	rv, err := strconv.ParseInt(o.GetResourceVersion(), 10, 64)
	if err != nil {
		return 0
	}
	return rv
}

// ReadBack reads every chunk of the counter and returns the sequence
// numbers present, in order. The list is paged, and, being a quorum read,
// consistent: all pages come from one snapshot. No chunk at all is an
// error, as Create made the first one: the counter itself was lost.
func (w Writer) ReadBack(ctx context.Context) ([]int64, error) {
	opts := metav1.ListOptions{LabelSelector: w.selector(), Limit: readBackPage}
	var seen []int64
	objects := 0
	for {
		l, err := w.CS.CoreV1().ConfigMaps(Namespace).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("read counter %s/%s: %w", Namespace, w.Name, err)
		}
		objects += len(l.Items)
		for _, cm := range l.Items {
			for k := range cm.Data {
				s, ok := strings.CutPrefix(k, writeKeyPrefix)
				if !ok {
					continue
				}
				if n, err := strconv.ParseInt(s, 10, 64); err == nil {
					seen = append(seen, n)
				}
			}
		}
		if l.Continue == "" {
			break
		}
		opts.Continue = l.Continue
	}
	if objects == 0 {
		return nil, fmt.Errorf("read counter %s/%s: %w", Namespace, w.Name,
			apierrors.NewNotFound(corev1.Resource("configmaps"), w.chunkName(1)))
	}
	slices.Sort(seen)
	return slices.Compact(seen), nil
}

// Delete removes every chunk of the counter, in one request; then it lists
// what is left and deletes it one by one, for an API (or a fake) without
// collection deletes, so Delete returns nil only when no chunk is left.
func (w Writer) Delete(ctx context.Context) error {
	cms := w.CS.CoreV1().ConfigMaps(Namespace)
	sel := w.selector()
	err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: sel})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) && !apierrors.IsForbidden(err) {
		return err
	}
	var errs []error
	opts := metav1.ListOptions{LabelSelector: sel, Limit: readBackPage}
	for {
		l, lerr := cms.List(ctx, opts)
		if lerr != nil {
			return errors.Join(append(errs, err, lerr)...)
		}
		for _, cm := range l.Items {
			if derr := cms.Delete(ctx, cm.Name, metav1.DeleteOptions{}); derr != nil && !apierrors.IsNotFound(derr) {
				errs = append(errs, derr)
			}
		}
		if l.Continue == "" {
			break
		}
		opts.Continue = l.Continue
	}
	return errors.Join(errs...)
}
