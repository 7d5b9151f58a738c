package drill

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/timeline"
)

// configzScript asks the controller-manager on the node for the
// configuration it runs with (/configz on its secure port, 10257), as the
// cluster admin of kubeadm's admin.conf: the effective values, defaults
// included, not what a manifest happens to spell out.
const configzScript = `set -e
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
sed -n 's/^ *client-certificate-data: //p' /etc/kubernetes/admin.conf | base64 -d > "$d/crt"
sed -n 's/^ *client-key-data: //p' /etc/kubernetes/admin.conf | base64 -d > "$d/key"
curl -sSfk --max-time 5 --cert "$d/crt" --key "$d/key" https://127.0.0.1:10257/configz`

// controllerManagerConfigz is the part of /configz the harness reads.
type controllerManagerConfigz struct {
	Config *struct {
		NodeLifecycleController struct {
			NodeMonitorGracePeriod string
		}
	} `json:"kubecontrollermanager.config.k8s.io"`
}

// readSettings reads the settings that bound figures from below from the
// cluster itself, from the first control-plane node that answers. Each
// value says where it came from.
func readSettings(ctx context.Context, c cluster.Cluster, controlPlane []cluster.Node) (*timeline.Settings, error) {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return nil, fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	var errs []error
	for _, n := range controlPlane {
		out, err := x.Exec(ctx, n, "sh", "-c", configzScript)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.Name, err))
			continue
		}
		s, err := parseConfigz(out, n.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return s, nil
	}
	return nil, fmt.Errorf("read the controller-manager's configuration: %w", errors.Join(errs...))
}

func parseConfigz(out []byte, node string) (*timeline.Settings, error) {
	var z controllerManagerConfigz
	if err := json.Unmarshal(out, &z); err != nil {
		return nil, fmt.Errorf("%s: /configz: %w", node, err)
	}
	if z.Config == nil || z.Config.NodeLifecycleController.NodeMonitorGracePeriod == "" {
		return nil, fmt.Errorf("%s: /configz has no NodeLifecycleController.NodeMonitorGracePeriod", node)
	}
	grace, err := time.ParseDuration(z.Config.NodeLifecycleController.NodeMonitorGracePeriod)
	if err != nil {
		return nil, fmt.Errorf("%s: /configz: NodeMonitorGracePeriod: %w", node, err)
	}
	return &timeline.Settings{NodeMonitorGracePeriod: grace.Seconds(),
		NodeMonitorGracePeriodFrom: "the controller-manager's /configz on " + node}, nil
}
