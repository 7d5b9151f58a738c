package probe

import (
	"context"
	"strconv"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/timeline"
)

// revisionPoll is how often a revision watcher reads where its informer
// stands; an informer's revision moves at each list and watch event.
const revisionPoll = 100 * time.Millisecond

// WatchRevisions runs an informer on the ConfigMaps of the probe namespace
// (the writer's counter changes there several times a second) and records,
// under the watcher's name, every cluster revision it synced to: the
// resource version of its last list or watch event, as client-go's
// reflector keeps it. A restore that sends etcd's revision back makes an
// informer relist at a lower revision than it had, and keep stale objects
// (timeline.RevisionsBackwards). It runs until ctx ends.
func WatchRevisions(ctx context.Context, cs kubernetes.Interface, rec *Recorder, watcher string) {
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(Namespace))
	inf := f.Core().V1().ConfigMaps().Informer()
	f.Start(ctx.Done())
	go func() {
		last := ""
		t := time.NewTicker(revisionPoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rv := inf.LastSyncResourceVersion()
			if rv == last || rv == "" {
				continue
			}
			last = rv
			if n, err := strconv.ParseInt(rv, 10, 64); err == nil {
				rec.Revision(timeline.RevisionObservation{ObservedAt: time.Now(), Watcher: watcher, Revision: n})
			}
		}
	}()
}

// Revision names of the watchers a restore drill opens.
const (
	WatcherBefore = "before" // opened with the probes, before the fault
	WatcherAfter  = "after"  // opened once the recovery procedure was done
)
