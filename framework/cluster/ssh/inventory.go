// Package ssh is the provider of clusters on machines reached over SSH:
// any Linux hosts with containerd, kubelet and kubeadm installed (cloud
// VMs, bare metal, the sandbox's vm-hosts). It bootstraps the cluster with
// kubeadm over SSH, drives every node ability (exec, reboot, boot id, file
// copies) over SSH with verified host keys, and takes down only what it
// made. It is the only package that imports golang.org/x/crypto/ssh.
package ssh

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Host is one machine of an inventory: where to reach it, how to log in
// and how to trust it.
type Host struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	Port    int    `yaml:"port,omitempty"`
	User    string `yaml:"user,omitempty"`
	// Role and Zone, when given, say what the host is for; the profile's
	// node the host is given to must agree (a worker's disk is not
	// wiped as a master's etcd).
	Role string `yaml:"role,omitempty"`
	Zone string `yaml:"zone,omitempty"`
	// KeyPath is the private key to log in with; Agent logs in with the
	// keys of the running ssh-agent ($SSH_AUTH_SOCK) instead. One of the
	// two is required.
	KeyPath string `yaml:"keyPath,omitempty"`
	Agent   bool   `yaml:"agent,omitempty"`
	// KnownHostsPath is the known_hosts file the host's key must be in.
	// TrustOnFirstUse, an explicit opt-in, adds the key of a host the
	// file does not name yet on first contact (and says so); a key that
	// differs from the one the file holds is refused all the same.
	KnownHostsPath  string `yaml:"knownHostsPath"`
	TrustOnFirstUse bool   `yaml:"trustOnFirstUse,omitempty"`
	// Bastion is the jump host the connection goes through (ssh -J),
	// checked and logged into as any host.
	Bastion *Host `yaml:"bastion,omitempty"`
}

// Addr is host:port.
func (h Host) Addr() string { return h.Address + ":" + strconv.Itoa(h.port()) }

// port is the host's SSH port, 22 unless the inventory says otherwise.
func (h Host) port() int {
	if h.Port == 0 {
		return 22
	}
	return h.Port
}

// route names the connection to the host: its address, through its
// bastion's when it has one (two private networks may reuse an address).
func (h Host) route() string {
	if h.Bastion != nil {
		return h.Bastion.route() + " > " + h.Addr()
	}
	return h.Addr()
}

// Inventory is a list of hosts, in the format the sandbox's vm-hosts
// writes (and a cloud provider hands over). Defaults, when set, fill in
// what a host leaves out: the login, the key or agent, known_hosts,
// trust on first use and the bastion.
type Inventory struct {
	Defaults *Host  `yaml:"defaults,omitempty"`
	Hosts    []Host `yaml:"hosts"`
}

// ReadInventory reads an inventory file; relative key and known_hosts
// paths are relative to it. Every host needs a name, an address, a key
// or the agent, and a known_hosts file.
func ReadInventory(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	var inv Inventory
	if err := yaml.Unmarshal(data, &inv); err != nil {
		return nil, fmt.Errorf("inventory %s: %w", path, err)
	}
	if len(inv.Hosts) == 0 {
		return nil, fmt.Errorf("inventory %s: no hosts", path)
	}
	for i := range inv.Hosts {
		h := &inv.Hosts[i]
		if inv.Defaults != nil {
			h.withDefaults(*inv.Defaults)
		}
		if err := h.check(path, fmt.Sprintf("hosts[%d]", i)); err != nil {
			return nil, err
		}
	}
	return &inv, nil
}

// withDefaults fills in what h leaves out from d.
func (h *Host) withDefaults(d Host) {
	if h.User == "" {
		h.User = d.User
	}
	if h.KeyPath == "" && !h.Agent {
		h.KeyPath, h.Agent = d.KeyPath, d.Agent
	}
	if h.KnownHostsPath == "" {
		h.KnownHostsPath = d.KnownHostsPath
	}
	h.TrustOnFirstUse = h.TrustOnFirstUse || d.TrustOnFirstUse
	if h.Bastion == nil && d.Bastion != nil {
		b := *d.Bastion
		h.Bastion = &b
	}
}

// check requires what a connection needs and makes paths absolute
// (relative to the inventory file); where names the host in errors.
func (h *Host) check(path, where string) error {
	if h.User == "" {
		h.User = "root"
	}
	if h.Name == "" || h.Address == "" {
		return fmt.Errorf("inventory %s: %s: name and address are required", path, where)
	}
	if h.KeyPath == "" && !h.Agent {
		return fmt.Errorf("inventory %s: %s.keyPath: required (or agent: true to log in with ssh-agent's keys)", path, where)
	}
	if h.KnownHostsPath == "" {
		return fmt.Errorf("inventory %s: %s.knownHostsPath: required (host keys are always checked)", path, where)
	}
	for _, p := range []*string{&h.KeyPath, &h.KnownHostsPath} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(filepath.Dir(path), *p)
		}
	}
	if h.Bastion != nil {
		b := *h.Bastion
		if b.Name == "" {
			b.Name = "bastion " + b.Address
		}
		// The bastion logs in and checks keys as its host does, unless
		// it says otherwise (and has no bastion of its own).
		own := *h
		own.Bastion = nil
		b.withDefaults(own)
		if err := b.check(path, where+".bastion"); err != nil {
			return err
		}
		h.Bastion = &b
	}
	return nil
}
