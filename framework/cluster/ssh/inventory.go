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

// Host is one machine of an inventory: where to reach it and how to
// trust it.
type Host struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	Port    int    `yaml:"port"`
	User    string `yaml:"user"`
	// KeyPath is the private key to log in with; KnownHostsPath the
	// known_hosts file its host key must be in (never trusted on first
	// use).
	KeyPath        string `yaml:"keyPath"`
	KnownHostsPath string `yaml:"knownHostsPath"`
}

// Addr is host:port.
func (h Host) Addr() string {
	port := h.Port
	if port == 0 {
		port = 22
	}
	return h.Address + ":" + strconv.Itoa(port)
}

// Inventory is a list of hosts, in the format the sandbox's vm-hosts
// writes (and a cloud provider hands over).
type Inventory struct {
	Hosts []Host `yaml:"hosts"`
}

// ReadInventory reads an inventory file; relative key and known_hosts
// paths are relative to it. Every host needs a name, an address, a key
// and a known_hosts file.
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
		if h.User == "" {
			h.User = "root"
		}
		for field, p := range map[string]*string{"keyPath": &h.KeyPath, "knownHostsPath": &h.KnownHostsPath} {
			if *p == "" {
				return nil, fmt.Errorf("inventory %s: hosts[%d].%s: required", path, i, field)
			}
			if !filepath.IsAbs(*p) {
				*p = filepath.Join(filepath.Dir(path), *p)
			}
		}
		if h.Name == "" || h.Address == "" {
			return nil, fmt.Errorf("inventory %s: hosts[%d]: name and address are required", path, i)
		}
	}
	return &inv, nil
}
