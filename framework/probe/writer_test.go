package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

var (
	writerGVR = corev1.SchemeGroupVersion.WithResource("configmaps")
	writerGVK = corev1.SchemeGroupVersion.WithKind("ConfigMap")
)

// writerFake is client-go's fake clientset made closer to an API server
// where the Writer depends on it: the plain fake ignores Limit and Continue
// and returns every object at once, and takes a collection delete without
// deleting anything. Here a list returns at most page objects (a server may
// return fewer than Limit; the client must follow Continue), in name
// order, and with deleteCollection a collection delete removes the
// objects its label selector matches. The fake runs one request at a time,
// as the API server applies a patch atomically, so concurrent patches of
// one object all stay.
func writerFake(t *testing.T, page int, deleteCollection bool) *fake.Clientset {
	t.Helper()
	cs := fake.NewClientset()
	matching := func(ns string, sel labels.Selector) ([]corev1.ConfigMap, error) {
		obj, err := cs.Tracker().List(writerGVR, writerGVK, ns)
		if err != nil {
			return nil, err
		}
		var items []corev1.ConfigMap
		for _, cm := range obj.(*corev1.ConfigMapList).Items {
			if sel == nil || sel.Matches(labels.Set(cm.Labels)) {
				items = append(items, cm)
			}
		}
		sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
		return items, nil
	}
	cs.PrependReactor("list", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		la := a.(k8stesting.ListActionImpl)
		items, err := matching(la.GetNamespace(), la.GetListRestrictions().Labels)
		if err != nil {
			return true, nil, err
		}
		from := 0
		if c := la.ListOptions.Continue; c != "" {
			if from, err = strconv.Atoi(c); err != nil || from > len(items) {
				return true, nil, apierrors.NewBadRequest("bad continue token " + c)
			}
		}
		n := len(items) - from
		if l := int(la.ListOptions.Limit); l > 0 {
			n = min(n, l)
		}
		n = min(n, page)
		out := &corev1.ConfigMapList{Items: items[from : from+n]}
		if from+n < len(items) {
			out.Continue = strconv.Itoa(from + n)
		}
		return true, out, nil
	})
	if deleteCollection {
		cs.PrependReactor("delete-collection", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
			da := a.(k8stesting.DeleteCollectionActionImpl)
			items, err := matching(da.GetNamespace(), da.GetListRestrictions().Labels)
			if err != nil {
				return true, nil, err
			}
			for _, cm := range items {
				if err := cs.Tracker().Delete(writerGVR, cm.Namespace, cm.Name); err != nil {
					return true, nil, err
				}
			}
			return true, nil, nil
		})
	}
	return cs
}

// writerObjects is every ConfigMap of the probe namespace, by name, read
// from the fake's store directly (whatever its labels).
func writerObjects(t *testing.T, cs *fake.Clientset) map[string]corev1.ConfigMap {
	t.Helper()
	obj, err := cs.Tracker().List(writerGVR, writerGVK, Namespace)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]corev1.ConfigMap{}
	for _, cm := range obj.(*corev1.ConfigMapList).Items {
		out[cm.Name] = cm
	}
	return out
}

// writerWrite runs write seq through the Sampler, as Samplers.once does.
func writerWrite(t *testing.T, s Sampler, seqs ...int64) {
	t.Helper()
	for _, seq := range seqs {
		if _, err := s.Write(context.Background(), seq); err != nil {
			t.Fatalf("write %d: %v", seq, err)
		}
	}
}

// writerWriteConcurrently runs the writes each in its own goroutine, as
// Samplers does, released together and in random order.
func writerWriteConcurrently(t *testing.T, s Sampler, seqs []int64) {
	t.Helper()
	seqs = slices.Clone(seqs)
	rand.Shuffle(len(seqs), func(i, j int) { seqs[i], seqs[j] = seqs[j], seqs[i] })
	start := make(chan struct{})
	errs := make([]error, len(seqs))
	var wg sync.WaitGroup
	for i, seq := range seqs {
		wg.Go(func() {
			<-start
			_, errs[i] = s.Write(context.Background(), seq)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", seqs[i], err)
		}
	}
}

func writerSeqs(from, to int64) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// writerCheckChunks checks that every object holds only keys of its own
// chunk, at most k of them, and carries the counter's label.
func writerCheckChunks(t *testing.T, w Writer, objs map[string]corev1.ConfigMap, k int64) {
	t.Helper()
	for name, cm := range objs {
		if got := cm.Labels[CounterLabel]; got != counterLabelValue(w.Name) {
			t.Errorf("%s: label %s=%q, want %q", name, CounterLabel, got, counterLabelValue(w.Name))
		}
		if int64(len(cm.Data)) > k {
			t.Errorf("%s: %d keys, want at most %d", name, len(cm.Data), k)
		}
		for key := range cm.Data {
			seq, err := strconv.ParseInt(strings.TrimPrefix(key, writeKeyPrefix), 10, 64)
			if err != nil {
				t.Errorf("%s: key %q", name, key)
				continue
			}
			if want := fmt.Sprintf("%s-%d", w.Name, (seq-1)/k); name != want {
				t.Errorf("key %q in %s, want in %s", key, name, want)
			}
		}
	}
}

// TestWriterRotatesObjects: with 10 keys an object, 95 writes, the later
// ones concurrent, end in 10 objects of at most 10 keys each, and read back
// exactly, over several list pages; Delete removes them all.
func TestWriterRotatesObjects(t *testing.T) {
	ctx := context.Background()
	cs := writerFake(t, 3, true)
	w := Writer{CS: cs, Name: "counter-rotate-1767225600", KeysPerObject: 10}
	if err := w.Create(ctx); err != nil {
		t.Fatal(err)
	}
	s := w.Sampler()
	writerWrite(t, s, writerSeqs(1, 30)...)
	// The rest concurrently: several writes race for the same object, and
	// the first writes of chunks 3..9 race to create it.
	writerWriteConcurrently(t, s, writerSeqs(31, 95))

	objs := writerObjects(t, cs)
	if len(objs) != 10 { // ceil(95/10)
		t.Errorf("%d objects %v, want 10", len(objs), slices.Sorted(maps.Keys(objs)))
	}
	writerCheckChunks(t, w, objs, 10)
	if n := len(objs[w.Name+"-9"].Data); n != 5 {
		t.Errorf("last chunk has %d keys, want 5", n)
	}

	cs.ClearActions()
	got, err := w.ReadBack(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := writerSeqs(1, 95); !slices.Equal(got, want) {
		t.Errorf("read back %v, want %v", got, want)
	}
	// 10 objects in pages of 3: 4 list requests, each bounded and by label.
	lists := 0
	for _, a := range cs.Actions() {
		if la, ok := a.(k8stesting.ListActionImpl); ok {
			lists++
			if la.ListOptions.Limit <= 0 || la.ListOptions.LabelSelector != w.selector() {
				t.Errorf("list %+v: want a limit and selector %s", la.ListOptions, w.selector())
			}
		}
	}
	if lists != 4 {
		t.Errorf("read back in %d list requests, want 4 pages", lists)
	}

	// A counter of another drill is neither read back nor deleted.
	other := Writer{CS: cs, Name: "counter-other-1767225600", KeysPerObject: 10}
	if err := other.Create(ctx); err != nil {
		t.Fatal(err)
	}
	writerWrite(t, other.Sampler(), 1)

	if err := w.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	left := writerObjects(t, cs)
	if _, ok := left[other.Name+"-0"]; !ok || len(left) != 1 {
		t.Errorf("after Delete: objects %v, want only %s-0", slices.Sorted(maps.Keys(left)), other.Name)
	}
	if _, err := w.ReadBack(ctx); !apierrors.IsNotFound(err) {
		t.Errorf("ReadBack of a deleted counter: %v, want NotFound", err)
	}
	if got, err := other.ReadBack(ctx); err != nil || !slices.Equal(got, []int64{1}) {
		t.Errorf("other counter read back %v, %v; want [1]", got, err)
	}
	// Deleting again is fine.
	if err := w.Delete(ctx); err != nil {
		t.Errorf("second Delete: %v", err)
	}
}

// TestWriterDeleteWithoutDeleteCollection: when the collection delete
// removes nothing (the plain fake clientset), Delete still removes every
// chunk, one by one.
func TestWriterDeleteWithoutDeleteCollection(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset()
	w := Writer{CS: cs, Name: "counter-plain", KeysPerObject: 10}
	if err := w.Create(ctx); err != nil {
		t.Fatal(err)
	}
	writerWriteConcurrently(t, w.Sampler(), writerSeqs(1, 25))
	if n := len(writerObjects(t, cs)); n != 3 {
		t.Fatalf("%d objects, want 3", n)
	}
	if err := w.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if left := writerObjects(t, cs); len(left) != 0 {
		t.Errorf("after Delete: %v", slices.Sorted(maps.Keys(left)))
	}
}

// TestWriterCreateRace: a write finds its chunk missing, and before it
// creates it a concurrent write of the same chunk does; the create fails
// with AlreadyExists and the write patches after all, so both keys stay.
func TestWriterCreateRace(t *testing.T) {
	ctx := context.Background()
	cs := writerFake(t, 100, true)
	w := Writer{CS: cs, Name: "counter-race", KeysPerObject: 10}
	if err := w.Create(ctx); err != nil {
		t.Fatal(err)
	}
	raced := false
	cs.PrependReactor("patch", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if raced || a.(k8stesting.PatchActionImpl).GetName() != w.Name+"-1" {
			return false, nil, nil
		}
		raced = true
		// The concurrent write of seq 12 creates the chunk right after
		// this patch of seq 11 found none.
		other := w.object(w.Name+"-1", map[string]string{writeKey(12): "2026-01-01T00:00:00Z"})
		if err := cs.Tracker().Create(writerGVR, other, Namespace); err != nil {
			return true, nil, err
		}
		return true, nil, apierrors.NewNotFound(corev1.Resource("configmaps"), w.Name+"-1")
	})
	cs.ClearActions()
	writerWrite(t, w.Sampler(), 11)
	var verbs []string
	for _, a := range cs.Actions() {
		verbs = append(verbs, a.GetVerb())
	}
	if want := []string{"patch", "create", "patch"}; !slices.Equal(verbs, want) {
		t.Errorf("requests %v, want %v", verbs, want)
	}
	got, err := w.ReadBack(ctx)
	if err != nil || !slices.Equal(got, []int64{11, 12}) {
		t.Errorf("read back %v, %v; want [11 12]", got, err)
	}
}

// TestWriterCreateRefusesLeftOver: Create fails when any object of the
// counter exists, even when only a later chunk was left, since its keys
// would read as this drill's writes; counters of other names, even
// similar ones, are no obstacle.
func TestWriterCreateRefusesLeftOver(t *testing.T) {
	ctx := context.Background()
	const wantErr = "exists already: left over from an earlier drill?"

	cs := writerFake(t, 100, true)
	w := Writer{CS: cs, Name: "counter-a", KeysPerObject: 10}
	if err := w.Create(ctx); err != nil {
		t.Fatal(err)
	}
	writerWrite(t, w.Sampler(), 15) // chunk 1: counter-a-1
	again := Writer{CS: cs, Name: "counter-a"}
	if err := again.Create(ctx); err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Errorf("Create over a left-over counter: %v, want %q", err, wantErr)
	}
	for _, name := range []string{"counter-b", "counter-a-1", "counter"} {
		if err := (Writer{CS: cs, Name: name}).Create(ctx); err != nil {
			t.Errorf("Create %s next to counter-a: %v", name, err)
		}
	}

	// Only a later chunk left over (the first one deleted by hand, say).
	cs = writerFake(t, 100, true)
	w = Writer{CS: cs, Name: "counter-c", KeysPerObject: 10}
	writerWrite(t, w.Sampler(), 75) // creates counter-c-7
	if err := w.Create(ctx); err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Errorf("Create over a left-over later chunk: %v, want %q", err, wantErr)
	}
	if _, ok := writerObjects(t, cs)[w.Name+"-0"]; ok {
		t.Errorf("refused Create made %s-0 all the same", w.Name)
	}
}

// TestWriterLongName: a drill name too long for a label value still gets
// a valid label of its own, and the counter works.
func TestWriterLongName(t *testing.T) {
	ctx := context.Background()
	long := "counter-" + strings.Repeat("a-very-long-drill-name-", 6)
	for _, name := range []string{long + "1767225600", long + "1767225601"} {
		if v := counterLabelValue(name); len(validation.IsValidLabelValue(v)) != 0 {
			t.Errorf("label value %q of %q is invalid: %v", v, name, validation.IsValidLabelValue(v))
		}
	}
	if counterLabelValue(long+"1767225600") == counterLabelValue(long+"1767225601") {
		t.Error("two long names share a label value")
	}
	if got := counterLabelValue("counter-short-1"); got != "counter-short-1" {
		t.Errorf("label value of a short name: %q", got)
	}
	cs := writerFake(t, 100, true)
	w := Writer{CS: cs, Name: long + "1767225600", KeysPerObject: 10}
	if err := w.Create(ctx); err != nil {
		t.Fatal(err)
	}
	writerWriteConcurrently(t, w.Sampler(), writerSeqs(1, 12))
	if got, err := w.ReadBack(ctx); err != nil || !slices.Equal(got, writerSeqs(1, 12)) {
		t.Errorf("read back %v, %v", got, err)
	}
}

// TestWriterDayFits shows why the counter rotates objects, and that a 24 h
// observation fits: the largest object it makes stays far below the API's
// limits, where one object for all writes would pass them within hours.
func TestWriterDayFits(t *testing.T) {
	const mib = 1 << 20
	// A day of writes at 100 ms, twice the fastest write interval in use.
	maxSeq := int64(24 * time.Hour / (100 * time.Millisecond))
	if maxSeq != 864_000 {
		t.Fatalf("maxSeq %d", maxSeq)
	}
	// The values are RFC 3339 timestamps with trailing zeros cut: at most
	// 30 characters (all nine fractional digits), at least 20 (none).
	longest := time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, time.UTC).Format(time.RFC3339Nano)
	shortest := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339Nano)
	if len(longest) != 30 || len(shortest) != 20 {
		t.Fatalf("timestamps %q %q", longest, shortest)
	}

	// The largest chunk: the one of the day's last write, full, with the
	// longest keys and values, a long drill name, and the managedFields the
	// API server keeps (one field per key).
	w := Writer{Name: "counter-" + strings.Repeat("x", 40) + "-1767225600"}
	k := int64(DefaultKeysPerObject)
	first := (maxSeq-1)/k*k + 1
	data := map[string]string{}
	var fields strings.Builder
	fields.WriteString(`{"f:data":{`)
	for seq := first; seq < first+k; seq++ {
		data[writeKey(seq)] = longest
		if seq > first {
			fields.WriteString(",")
		}
		fmt.Fprintf(&fields, `"f:%s":{}`, writeKey(seq))
	}
	fields.WriteString(`},"f:metadata":{"f:labels":{".":{},"f:firedrill.io/counter":{}}}}`)
	cm := w.object(w.chunkName(maxSeq), data)
	if cm.Name != w.Name+"-863" || len(writeKey(first+k-1)) != len(writeKey(maxSeq)) {
		t.Fatalf("chunk %s, keys %s..%s", cm.Name, writeKey(first), writeKey(first+k-1))
	}
	cm.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}
	cm.UID, cm.ResourceVersion = "0b5c5a3e-0000-4000-8000-000000000000", "123456789"
	cm.CreationTimestamp = metav1.NewTime(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC))
	cm.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "firedrill", Operation: metav1.ManagedFieldsOperationUpdate,
		APIVersion: "v1", Time: &cm.CreationTimestamp, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(fields.String())}}}
	b, err := json.Marshal(cm)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) >= 256<<10 {
		t.Errorf("largest chunk is %d bytes, want < 256 KiB (limit 1 MiB)", len(b))
	}
	// The API server limits the sum of a ConfigMap's values to 1 MiB.
	values := 0
	for _, v := range cm.Data {
		values += len(v)
	}
	if values >= mib/4 {
		t.Errorf("largest chunk holds %d bytes of values, want well below 1 MiB", values)
	}
	t.Logf("24 h at 100 ms: %d writes in %d chunks; the largest is %d bytes as JSON (%d of values)",
		maxSeq, (maxSeq-1)/k+1, len(b), values)

	// One object for all writes, as before: even at the slowest write
	// interval in use (200 ms, half the writes) and with the shortest
	// timestamps, its values alone pass the server's 1 MiB, so writes would
	// fail long before the day ends.
	var oldValues, oldData int64
	full := int64(0)
	for seq := int64(1); seq <= maxSeq/2; seq++ {
		oldValues += int64(len(shortest))
		oldData += int64(len(writeKey(seq)) + len(longest))
		if full == 0 && oldData > mib {
			full = seq
		}
	}
	if oldValues <= mib {
		t.Errorf("one object for 24 h at 200 ms holds %d bytes of values; want over 1 MiB", oldValues)
	}
	if full == 0 || full > maxSeq/2/10 {
		t.Errorf("one object passes 1 MiB of keys and values at write %d; want within a tenth of the day", full)
	}
	t.Logf("one object for 24 h at 200 ms: ≥ %d bytes of values; 1 MiB of keys and values after %d writes (%s at 200 ms)",
		oldValues, full, time.Duration(full)*200*time.Millisecond)

	// And writes at a day's end, across a chunk boundary (chunk 863 ends
	// with write 864,000), concurrently through the fake API.
	ctx := context.Background()
	cs := writerFake(t, 2, true)
	w = Writer{CS: cs, Name: "counter-day-1767225600"}
	if err := w.Create(ctx); err != nil {
		t.Fatal(err)
	}
	seqs := writerSeqs(maxSeq-5, maxSeq+5)
	writerWriteConcurrently(t, w.Sampler(), seqs)
	objs := writerObjects(t, cs)
	writerCheckChunks(t, w, objs, k)
	want := map[string]int{w.Name + "-0": 0, w.Name + "-863": 6, w.Name + "-864": 5}
	for name, cm := range objs {
		if n, ok := want[name]; !ok || len(cm.Data) != n {
			t.Errorf("%s: %d keys, want %d (expected objects: %v)", name, len(cm.Data), n, want)
		}
	}
	if len(objs) != len(want) {
		t.Errorf("objects %v, want %v", slices.Sorted(maps.Keys(objs)), want)
	}
	got, err := w.ReadBack(ctx)
	if err != nil || !slices.Equal(got, seqs) {
		t.Errorf("read back %v, %v; want %v", got, err, seqs)
	}
	if err := w.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if left := writerObjects(t, cs); len(left) != 0 {
		t.Errorf("after Delete: %v", slices.Sorted(maps.Keys(left)))
	}
}
