package scenario

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// ClusterBlock is a provider's block of a cluster profile (kindCluster:,
// sshCluster:, ...): a type of the provider's package, with yaml tags,
// which the loader decodes as strictly as the rest of the file.
type ClusterBlock interface {
	// NodeShapes are the nodes the block describes: what fault targets
	// are checked against.
	NodeShapes() []NodeShape
	// Check reports the block's problems through f, with paths relative
	// to the block; it runs once the file is decoded, whatever else is
	// wrong with it.
	Check(f *Fields)
}

// SiteChecker is a ClusterBlock with rules that depend on what the run
// overrides by site (WithOverrides): checked when a catalog or a set of
// files is validated (LoadCatalog, ValidateFiles), not when one profile
// is loaded to be run.
type SiteChecker interface {
	CheckSite(f *Fields, overrides map[string]string)
}

// NodeShape is one node as a profile writes it; Zone becomes the
// topology.kubernetes.io/zone label.
type NodeShape struct {
	Role string `yaml:"role"` // control-plane or worker
	Zone string `yaml:"zone"` // required
}

// NodeRoles are the roles a node of a profile may have.
var NodeRoles = []string{RoleControlPlane, RoleWorker}

// ProviderFormat is what a provider registers of the profile format.
type ProviderFormat struct {
	// Name is the value of the profile's provider field.
	Name string
	// Key is the block's key in the profile (kindCluster), required when
	// provider is Name and refused otherwise.
	Key string
	// New returns an empty block: a pointer to a struct with yaml tags.
	New func() ClusterBlock
	// Needs lists what the block requires, for the message when it is
	// missing ("clusterName, waitForReady, nodes").
	Needs string
	// Rank orders the providers wherever they are listed (messages, the
	// profile's known fields): lowest first, equal ranks by name.
	Rank int
}

var formats struct {
	sync.Mutex
	list []ProviderFormat // in Rank order
}

// RegisterProvider adds a provider's block to the profile format; each
// provider calls it from its package's init. A second registration of a
// name or key, a key the profile already has, or a block that is not a
// pointer to a struct is a programming error: it panics.
func RegisterProvider(f ProviderFormat) {
	formats.Lock()
	defer formats.Unlock()
	if f.Name == "" || f.Key == "" || f.New == nil {
		panic(fmt.Sprintf("scenario.RegisterProvider(%+v): Name, Key and New are required", f))
	}
	if t := reflect.TypeOf(f.New()); t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("scenario.RegisterProvider(%s): New must return a pointer to a struct, got %v", f.Name, t))
	}
	if slices.Contains(yamlFields(profileType), f.Key) {
		panic(fmt.Sprintf("scenario.RegisterProvider(%s): key %q is a field of every profile", f.Name, f.Key))
	}
	for _, g := range formats.list {
		if g.Name == f.Name || g.Key == f.Key {
			panic(fmt.Sprintf("scenario.RegisterProvider(%s, %s): provider %s has key %s already", f.Name, f.Key, g.Name, g.Key))
		}
	}
	formats.list = append(formats.list, f)
	slices.SortStableFunc(formats.list, func(a, b ProviderFormat) int {
		if a.Rank != b.Rank {
			return a.Rank - b.Rank
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// ProviderFormats are the registered providers' formats, in Rank order.
func ProviderFormats() []ProviderFormat {
	formats.Lock()
	defer formats.Unlock()
	return slices.Clone(formats.list)
}

// providerNames are the registered providers' names, in Rank order.
func providerNames(list []ProviderFormat) []string {
	names := make([]string, len(list))
	for i, f := range list {
		names[i] = f.Name
	}
	return names
}

// profileSchema is the Go type a profile file is decoded into:
// ClusterProfile's fields with, after provider, one pointer field per
// registered block, so that yaml's strict decoding knows every key. keys
// are the block fields' keys, by field index.
func profileSchema(list []ProviderFormat) (reflect.Type, map[int]string) {
	var fields []reflect.StructField
	keys := map[int]string{}
	for f := range profileType.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		fields = append(fields, reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag})
		if name != "provider" {
			continue
		}
		for i, pf := range list {
			keys[len(fields)] = pf.Key
			fields = append(fields, reflect.StructField{Name: fmt.Sprintf("Block%d", i), Type: reflect.TypeOf(pf.New()),
				Tag: reflect.StructTag(fmt.Sprintf("yaml:%q", pf.Key))})
		}
	}
	return reflect.StructOf(fields), keys
}

// Fields is how a ClusterBlock's Check reports problems: paths are
// relative to the block ("nodes[0].role"); each problem is placed at its
// line and column and named by its full path, as the loader's own are.
type Fields struct {
	d  *doc
	at string // the block's key
}

// Path is the full path of a path relative to the block, for messages
// that name another field.
func (f *Fields) Path(rel string) string {
	switch {
	case rel == "":
		return f.at
	case strings.HasPrefix(rel, "["):
		return f.at + rel
	}
	return joinPath(f.at, rel)
}

// Errorf reports a problem at rel: at its value when the file has one,
// else at the nearest enclosing key that is written.
func (f *Fields) Errorf(rel, format string, args ...any) { f.d.errorf(f.Path(rel), format, args...) }

// Present says whether the file writes a non-null value at rel.
func (f *Fields) Present(rel string) bool { return f.d.present(f.Path(rel)) }

// Require requires a non-blank string at rel.
func (f *Fields) Require(rel, v string) bool { return f.d.requireString(f.Path(rel), v) }

// Positive requires a duration > 0 at rel.
func (f *Fields) Positive(rel string, v time.Duration) bool { return f.d.positive(f.Path(rel), v) }

// DNSLabel requires a DNS-1123 label at rel; example is shown when it is
// missing.
func (f *Fields) DNSLabel(rel, v, example string) bool {
	return f.d.checkDNSLabel(f.Path(rel), v, example)
}

// KubernetesVersion requires a Kubernetes release (v1.34.4) at rel: it
// goes into kubeadm's configuration and commands on the machines.
func (f *Fields) KubernetesVersion(rel, v string) { f.d.checkKubernetesVersion(f.Path(rel), v) }

// PodSubnet checks the pods' CIDR at rel, required or not.
func (f *Fields) PodSubnet(rel, v string, required bool) {
	f.d.checkPodSubnet(f.Path(rel), v, required)
}
