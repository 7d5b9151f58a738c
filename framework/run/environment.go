package run

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/firedrill/firedrill/framework/record"
	"github.com/firedrill/firedrill/framework/scenario"
)

// environment reads where a drill runs: the cluster's Kubernetes version
// and nodes from its API, and this harness and machine. What cannot be
// read is named in Error, never guessed.
func environment(ctx context.Context, client kubernetes.Interface, runID, ci string, profile *scenario.ClusterProfile) *record.Environment {
	version, commit := harnessVersion()
	env := &record.Environment{Run: runID, Provider: profile.Provider, Profile: profile.Name,
		Firedrill: version, Commit: commit, Machine: thisMachine(ci)}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var errs []error
	if v, err := client.Discovery().ServerVersion(); err != nil {
		errs = append(errs, fmt.Errorf("server version: %w", err))
	} else {
		env.KubernetesVersion = v.GitVersion
	}
	if nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err != nil {
		errs = append(errs, fmt.Errorf("nodes: %w", err))
	} else {
		for _, n := range nodes.Items {
			role := "worker"
			if _, ok := n.Labels["node-role.kubernetes.io/control-plane"]; ok {
				role = "control-plane"
			}
			env.Nodes = append(env.Nodes, record.Node{Name: n.Name, Role: role, Kubelet: n.Status.NodeInfo.KubeletVersion})
		}
	}
	if err := errors.Join(errs...); err != nil {
		env.Error = err.Error()
	}
	return env
}

// harnessVersion is the module version and the source commit this binary
// was built from. `go test` binaries (the Ginkgo suites) carry no VCS
// stamp, so git is asked about the working directory then.
var harnessVersion = sync.OnceValues(func() (version, commit string) {
	version = "(unknown)"
	if info, ok := debug.ReadBuildInfo(); ok {
		version = info.Main.Version
		var rev, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			if modified == "true" {
				rev += "-dirty"
			}
			return version, rev
		}
	}
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return version, ""
	}
	commit = strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		commit += "-dirty"
	}
	return version, commit
})

// thisMachine describes the machine the harness runs on; ci names its
// CI job (Config.CI).
func thisMachine(ci string) record.Machine {
	host, _ := os.Hostname()
	return record.Machine{Hostname: host, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(),
		Go: runtime.Version(), MemoryBytes: memTotal(), CI: ci}
}

// memTotal is MemTotal of /proc/meminfo in bytes; 0 where there is none.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				kb, _ := strconv.ParseInt(fields[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
