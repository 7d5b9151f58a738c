package fakes

import (
	"fmt"

	"github.com/firedrill/firedrill/framework/cluster"
)

// Ability is one of framework/cluster's optional node interfaces, which
// the code under test finds by a type assertion.
type Ability int

// The abilities a Cluster has.
const (
	NodeExec Ability = iota
	Pauser
	Rebooter
	Stopper
	BootIdentifier
	NetworkMap
	APIIsolator
	UndoArmer
	ZonePartitioner
	FileCopier
	Replacer
	KubeadmConfigured
)

// power is Rebooter and Stopper, which share Start: a struct embedding
// both separately would have an ambiguous Start and be neither.
type power interface {
	cluster.Rebooter
	cluster.Stopper
}

// The cluster without one ability: every other embedded, the one left out.
type (
	noExec struct {
		cluster.Cluster
		cluster.Pauser
		power
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noPause struct {
		cluster.Cluster
		cluster.NodeExec
		power
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noReboot struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		cluster.Stopper
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noStop struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		cluster.Rebooter
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noBootID struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		power
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noNetworkMap struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		power
		cluster.BootIdentifier
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noAPIIsolator struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		power
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noUndoArmer struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		power
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noZonePartitioner struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		power
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.FileCopier
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noFileCopier struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		power
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.Replacer
		cluster.KubeadmConfigured
	}
	noReplacer struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		power
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.KubeadmConfigured
	}
	noKubeadmConfigured struct {
		cluster.Cluster
		cluster.NodeExec
		cluster.Pauser
		power
		cluster.BootIdentifier
		cluster.NetworkMap
		cluster.APIIsolator
		cluster.UndoArmer
		cluster.ZonePartitioner
		cluster.FileCopier
		cluster.Replacer
	}
	bare struct{ cluster.Cluster }
)

// Without is the cluster with one ability switched off: the code under
// test finds every other and not that one, as on a provider that lacks
// it. For a cluster with only a few abilities, embed the Cluster in a
// struct of just those, as a provider's type has them:
//
//	struct {
//		cluster.Cluster
//		cluster.Pauser
//	}{c, c}
func (c *Cluster) Without(a Ability) cluster.Cluster {
	switch a {
	case NodeExec:
		return noExec{c, c, c, c, c, c, c, c, c, c, c}
	case Pauser:
		return noPause{c, c, c, c, c, c, c, c, c, c, c}
	case Rebooter:
		return noReboot{c, c, c, c, c, c, c, c, c, c, c, c}
	case Stopper:
		return noStop{c, c, c, c, c, c, c, c, c, c, c, c}
	case BootIdentifier:
		return noBootID{c, c, c, c, c, c, c, c, c, c, c}
	case NetworkMap:
		return noNetworkMap{c, c, c, c, c, c, c, c, c, c, c}
	case APIIsolator:
		return noAPIIsolator{c, c, c, c, c, c, c, c, c, c, c}
	case UndoArmer:
		return noUndoArmer{c, c, c, c, c, c, c, c, c, c, c}
	case ZonePartitioner:
		return noZonePartitioner{c, c, c, c, c, c, c, c, c, c, c}
	case FileCopier:
		return noFileCopier{c, c, c, c, c, c, c, c, c, c, c}
	case Replacer:
		return noReplacer{c, c, c, c, c, c, c, c, c, c, c}
	case KubeadmConfigured:
		return noKubeadmConfigured{c, c, c, c, c, c, c, c, c, c, c}
	}
	panic(fmt.Sprintf("fakes: unknown ability %d", a))
}

// Bare is the cluster with no node ability at all: its name, API and
// nodes.
func (c *Cluster) Bare() cluster.Cluster { return bare{c} }

// Has says whether a cluster has an ability, as the code under test finds
// it.
func Has(c cluster.Cluster, a Ability) bool {
	var ok bool
	switch a {
	case NodeExec:
		_, ok = c.(cluster.NodeExec)
	case Pauser:
		_, ok = c.(cluster.Pauser)
	case Rebooter:
		_, ok = c.(cluster.Rebooter)
	case Stopper:
		_, ok = c.(cluster.Stopper)
	case BootIdentifier:
		_, ok = c.(cluster.BootIdentifier)
	case NetworkMap:
		_, ok = c.(cluster.NetworkMap)
	case APIIsolator:
		_, ok = c.(cluster.APIIsolator)
	case UndoArmer:
		_, ok = c.(cluster.UndoArmer)
	case ZonePartitioner:
		_, ok = c.(cluster.ZonePartitioner)
	case FileCopier:
		_, ok = c.(cluster.FileCopier)
	case Replacer:
		_, ok = c.(cluster.Replacer)
	case KubeadmConfigured:
		_, ok = c.(cluster.KubeadmConfigured)
	}
	return ok
}
