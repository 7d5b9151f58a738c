package kind

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
)

// ownership is the record a cluster's creation leaves, so that the harness
// deletes only what it made. A name proves nothing (anyone can create a
// kind cluster called firedrill-single); the record names the node
// containers this harness created. It is written before creation starts,
// so a Ctrl-C in the middle still finds it, and completed with the
// containers once kind returns.
type ownership struct {
	Cluster string    `json:"cluster"`
	Profile string    `json:"profile"`
	Created time.Time `json:"created"` // when creation started
	// Containers are the node containers' IDs; empty while creation runs.
	Containers []string `json:"containers,omitempty"`
	// Network is the docker network made for the cluster, if any: removed
	// with it.
	Network string `json:"network,omitempty"`
}

func recordPath(name string) string {
	return filepath.Join(cluster.StateDir(), "kind-clusters", name+".json")
}

func writeRecord(o ownership) error {
	path := recordPath(o.Cluster)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("ownership record: %w", err)
	}
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func readRecord(name string) (ownership, bool, error) {
	b, err := os.ReadFile(recordPath(name))
	if errors.Is(err, os.ErrNotExist) {
		return ownership{}, false, nil
	}
	if err != nil {
		return ownership{}, false, err
	}
	var o ownership
	if err := json.Unmarshal(b, &o); err != nil {
		return ownership{}, false, fmt.Errorf("ownership record %s: %w", recordPath(name), err)
	}
	return o, true, nil
}

// nodeContainer is one container of a kind cluster, as docker sees it.
type nodeContainer struct {
	ID      string
	Created time.Time
}

// nodeContainers lists the containers kind labels as the cluster's.
func nodeContainers(ctx context.Context, cluster string) ([]nodeContainer, error) {
	out, err := dockerOutput(ctx, "ps", "-a", "--no-trunc", "--filter", "label=io.x-k8s.kind.cluster="+cluster, "--format", "{{.ID}}")
	if err != nil {
		return nil, fmt.Errorf("list containers of kind cluster %s: %w", cluster, err)
	}
	ids := strings.Fields(out)
	if len(ids) == 0 {
		return nil, nil
	}
	// One inspect for all of them: ID and creation time per line. A
	// container removed between the listing and the inspect (kind deleting
	// a half-made cluster after a Ctrl-C) fails the whole inspect: then
	// each is inspected alone, and one that is gone is no longer there.
	out, err = dockerOutput(ctx, append([]string{"inspect", "--format", "{{.Id}} {{.Created}}"}, ids...)...)
	if err != nil {
		var lines []string
		for _, id := range ids {
			line, ierr := dockerOutput(ctx, "inspect", "--format", "{{.Id}} {{.Created}}", id)
			switch {
			case ierr == nil:
				lines = append(lines, strings.TrimSpace(line))
			case !strings.Contains(ierr.Error(), "No such object"):
				return nil, fmt.Errorf("inspect containers of kind cluster %s: %w", cluster, ierr)
			}
		}
		if len(lines) == 0 {
			return nil, nil
		}
		out = strings.Join(lines, "\n")
	}
	var list []nodeContainer
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		id, created, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("docker inspect of kind cluster %s: unexpected line %q", cluster, line)
		}
		t, err := time.Parse(time.RFC3339Nano, created)
		if err != nil {
			return nil, fmt.Errorf("creation time of container %s: %w", short(id), err)
		}
		list = append(list, nodeContainer{ID: id, Created: t})
	}
	return list, nil
}

// owns says whether this harness created the cluster now running under
// that name, and if not, why not.
func owns(ctx context.Context, name string) (bool, string, error) {
	rec, ok, err := readRecord(name)
	if err != nil {
		return false, "", err
	}
	if !ok {
		return false, "firedrill has no record of creating it (" + recordPath(name) + ")", nil
	}
	cs, err := nodeContainers(ctx, name)
	if err != nil {
		return false, "", err
	}
	owned, why := ownedContainers(rec, cs)
	return owned, why, nil
}

// ownedContainers is the rule: every node container must be one the record
// names, or, for a record whose creation never completed (Ctrl-C during
// kind's create), have been created during that creation.
func ownedContainers(rec ownership, cs []nodeContainer) (bool, string) {
	for _, c := range cs {
		switch {
		case len(rec.Containers) > 0 && !slices.Contains(rec.Containers, c.ID):
			return false, fmt.Sprintf("container %s is not one firedrill created for it (recorded: %d containers)", short(c.ID), len(rec.Containers))
		case len(rec.Containers) == 0 && (c.Created.Before(rec.Created) || c.Created.After(rec.Created.Add(creationWindow))):
			return false, fmt.Sprintf("container %s was not created during firedrill's unfinished creation at %s", short(c.ID), rec.Created.Format(time.RFC3339))
		}
	}
	return true, ""
}

// creationWindow bounds when the containers of an unfinished creation were
// made: a record left by a creation that was killed must not claim a
// cluster someone makes under the same name later.
const creationWindow = 10 * time.Minute

func short(id string) string { return id[:min(12, len(id))] }

// recordContainers completes the record once kind created the cluster.
func recordContainers(ctx context.Context, rec ownership) error {
	cs, err := nodeContainers(ctx, rec.Cluster)
	if err != nil {
		return err
	}
	for _, c := range cs {
		rec.Containers = append(rec.Containers, c.ID)
	}
	return writeRecord(rec)
}

// forget removes the record of a cluster that no longer exists.
func forget(name string) {
	_ = os.Remove(recordPath(name))
}

// Straggler sweep bounds: how long no node container may show before the
// sweep ends, and how long it may last.
const (
	stragglerQuiet = 5 * time.Second
	stragglerLimit = 45 * time.Second
)

// removeStragglers removes the node containers of a creation that was cut
// short and that appear after kind deleted the nodes it listed. A Ctrl-C
// reaches docker's CLI too: the daemon may still be making a container
// kind could not list yet, which then stays behind in state "created"
// (seen in CI). It sweeps until no container has shown for
// stragglerQuiet, removing only containers the record owns (made during
// this creation), also when ctx was cancelled by the Ctrl-C itself.
func removeStragglers(ctx context.Context, out io.Writer, rec ownership) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stragglerLimit)
	defer cancel()
	quietSince := time.Now()
	for ctx.Err() == nil && time.Since(quietSince) < stragglerQuiet {
		cs, err := nodeContainers(ctx, rec.Cluster)
		if err == nil && len(cs) > 0 {
			quietSince = time.Now()
			if owned, why := ownedContainers(rec, cs); !owned {
				fmt.Fprintf(out, "not removing the containers of kind cluster %s: %s\n", rec.Cluster, why)
				return
			}
			for _, c := range cs {
				if err := docker(ctx, "rm", "-f", "-v", c.ID); err == nil {
					fmt.Fprintf(out, "removed node container %s of kind cluster %s, made after its creation was cut short\n", short(c.ID), rec.Cluster)
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// forgetIfGone removes the record, and the network made for the cluster,
// when no container of the cluster is left (kind cleans up after a failed
// create).
func forgetIfGone(ctx context.Context, rec ownership) {
	if cs, err := nodeContainers(ctx, rec.Cluster); err == nil && len(cs) == 0 {
		if rec.Network != "" && removeNetwork(ctx, rec.Network, rec.Cluster) != nil {
			return // the record keeps naming it, for clean
		}
		forget(rec.Cluster)
	}
}

// Made implements cluster.Provider: the clusters whose ownership record
// still matches their containers.
func (p *Provider) Made(ctx context.Context) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(cluster.StateDir(), "kind-clusters"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		exists, err := p.Exists(name)
		if err != nil {
			return nil, err
		}
		if !exists {
			continue
		}
		if owned, _, err := owns(ctx, name); err == nil && owned {
			names = append(names, name)
		}
	}
	return names, nil
}
