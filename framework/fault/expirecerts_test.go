package fault

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/internal/fakes"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/procedure"
	"github.com/firedrill/firedrill/framework/scenario"
)

// certNodes are control-plane nodes whose /etc/kubernetes is a folder of
// the test: the faults' scripts run in a real sh with the path moved
// there, so cp, mv, sed and base64 do what they do on a node. Restarts
// of static pods are recorded, never run (pkill on this machine would
// reach a kind cluster's processes).
type certNodes struct {
	t        *testing.T
	ca       testCA
	roots    map[string]string
	mu       sync.Mutex
	restarts []string
	*fakes.Cluster
}

const keyLine = "    client-key-data: S0VZLU9GLVRIRS1DT01QT05FTlQ="

func newCertNodes(t *testing.T, names ...string) *certNodes {
	c := &certNodes{t: t, ca: newTestCA(t), roots: map[string]string{}}
	var nodes []cluster.Node
	for _, name := range names {
		root := t.TempDir()
		c.roots[name] = root
		nodes = append(nodes, cluster.Node{Name: name, Role: cluster.RoleControlPlane, Address: "192.0.2.1"})
		c.write(name, procedure.PKIDir+"/ca.crt", c.ca.certPEM())
		c.write(name, procedure.PKIDir+"/ca.key", c.ca.keyPEM)
		_, crt := c.ca.issue(t, servingTemplate())
		c.write(name, procedure.CertFiles[procedure.CertAPIServer], crt)
		for _, cert := range []string{procedure.CertControllerManager, procedure.CertScheduler} {
			_, crt := c.ca.issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "system:" + procedure.CertComponents[cert]},
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			c.write(name, procedure.CertFiles[cert], []byte("apiVersion: v1\nusers:\n- name: x\n  user:\n    client-certificate-data: "+
				base64.StdEncoding.EncodeToString(crt)+"\n"+keyLine+"\n"))
		}
	}
	c.Cluster = fakes.NewCluster("certs", nodes...)
	c.Commands = c.run
	return c
}

func (c *certNodes) path(node, p string) string {
	return filepath.Join(c.roots[node], strings.TrimPrefix(p, "/etc/kubernetes"))
}

func (c *certNodes) write(node, p string, data []byte) {
	c.t.Helper()
	f := c.path(node, p)
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(f, data, 0o600); err != nil {
		c.t.Fatal(err)
	}
}

func (c *certNodes) read(node, p string) string {
	data, _ := os.ReadFile(c.path(node, p))
	return string(data)
}

func (c *certNodes) run(ctx context.Context, n cluster.Node, argv []string) ([]byte, error) {
	for _, component := range kubeadm.Components {
		if len(argv) == 3 && argv[2] == procedure.RestartStatic(component) {
			c.mu.Lock()
			c.restarts = append(c.restarts, n.Name+" "+component)
			c.mu.Unlock()
			return nil, nil
		}
	}
	for i, a := range argv {
		argv[i] = strings.ReplaceAll(a, "/etc/kubernetes", c.roots[n.Name])
	}
	if strings.Contains(strings.Join(argv, " "), "pkill") {
		return nil, fmt.Errorf("the test does not run %q", argv)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%v: %s", err, stderr.String())
	}
	return out, nil
}

func (c *certNodes) nodes() []cluster.Node {
	ns, _ := c.Nodes(context.Background())
	return ns
}

// served answers as the API server on each node would: with the
// certificate in its file.
func (c *certNodes) served(f Fault) {
	e := f.(*expireCerts)
	e.servedWait = 2 * time.Second
	e.served = func(_ context.Context, _ string) (*x509.Certificate, error) {
		return parseCert([]byte(c.read("cp1", procedure.CertFiles[procedure.CertAPIServer])))
	}
}

func certOf(t *testing.T, c *certNodes, node, cert string) *x509.Certificate {
	t.Helper()
	x, err := readCert(context.Background(), c, cluster.Node{Name: node}, cert)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// The API server's certificate is replaced by one that expired, its
// original kept on the node and journaled; the served certificate is the
// evidence; Recover puts the original back and closes the entry.
func TestExpireServingCertificateAndPutItBack(t *testing.T) {
	c := newCertNodes(t, "cp1")
	dir := t.TempDir()
	f, err := New(scenario.Fault{Action: ActionExpireServingCertificate}, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "certs", "expired-certificates"))
	if err != nil {
		t.Fatal(err)
	}
	c.served(f)
	orig := c.read("cp1", procedure.CertFiles[procedure.CertAPIServer])
	ev := &events{}
	if err := f.Inject(context.Background(), c, c.nodes(), ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.evidence) != 1 || !ev.evidence[0].Proven {
		t.Fatalf("evidence %+v, want one proven", ev.evidence)
	}
	if got := certOf(t, c, "cp1", procedure.CertAPIServer); !got.NotAfter.Before(time.Now()) {
		t.Errorf("apiserver.crt valid until %s: not expired", got.NotAfter)
	}
	if c.read("cp1", "/etc/kubernetes/firedrill-held/certs/apiserver.crt") != orig {
		t.Error("the original is not kept on the node")
	}
	if got := pending(t, dir); !slices.Equal(got, []string{"expire-serving-certificate cp1 undo restore-certificates"}) {
		t.Errorf("journal %v", got)
	}
	if err := f.Recover(context.Background(), c, c.nodes(), ev); err != nil {
		t.Fatal(err)
	}
	if c.read("cp1", procedure.CertFiles[procedure.CertAPIServer]) != orig {
		t.Error("the original is not back")
	}
	if _, err := os.Stat(c.path("cp1", "/etc/kubernetes/firedrill-held/certs/apiserver.crt")); !os.IsNotExist(err) {
		t.Errorf("the kept original is still there: %v", err)
	}
	if got := pending(t, dir); len(got) != 0 {
		t.Errorf("journal left %v", got)
	}
	if len(c.restarts) != 0 {
		t.Errorf("restarted %v: the API server reloads its serving certificate", c.restarts)
	}
}

// After the procedure renewed the certificate, Recover keeps the renewal
// and only forgets the original.
func TestRecoverKeepsARenewedCertificate(t *testing.T) {
	c := newCertNodes(t, "cp1")
	f, err := New(scenario.Fault{Action: ActionExpireServingCertificate}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.served(f)
	if err := f.Inject(context.Background(), c, c.nodes(), &events{}); err != nil {
		t.Fatal(err)
	}
	_, renewed := c.ca.issue(t, servingTemplate())
	c.write("cp1", procedure.CertFiles[procedure.CertAPIServer], renewed)
	if err := f.Recover(context.Background(), c, c.nodes(), &events{}); err != nil {
		t.Fatal(err)
	}
	if c.read("cp1", procedure.CertFiles[procedure.CertAPIServer]) != string(renewed) {
		t.Error("the renewed certificate was replaced")
	}
	if _, err := os.Stat(c.path("cp1", "/etc/kubernetes/firedrill-held/certs/apiserver.crt")); !os.IsNotExist(err) {
		t.Errorf("the kept original is still there: %v", err)
	}
}

// An API server that keeps serving the old certificate is no proof: the
// drill would measure nothing.
func TestServingCertificateNotServedIsNotProven(t *testing.T) {
	c := newCertNodes(t, "cp1")
	f, err := New(scenario.Fault{Action: ActionExpireServingCertificate}, scenario.DefaultTimeouts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	old := certOf(t, c, "cp1", procedure.CertAPIServer)
	e := f.(*expireCerts)
	e.servedWait = time.Second
	e.served = func(context.Context, string) (*x509.Certificate, error) { return old, nil }
	ev := &events{}
	if err := f.Inject(context.Background(), c, c.nodes(), ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.evidence) != 1 || ev.evidence[0].Proven || !strings.Contains(ev.evidence[0].Error, "did not serve") {
		t.Errorf("evidence %+v, want not proven", ev.evidence)
	}
}

// The client certificates in both kubeconfigs expire (the keys beside
// them untouched) and both components restart to load them; the journal's
// undo, as `firedrill clean` replays it, puts them back and restarts them
// again.
func TestExpireClientCertificatesAndCleanPutsThemBack(t *testing.T) {
	c := newCertNodes(t, "cp1", "cp2")
	dir := t.TempDir()
	f, err := New(scenario.Fault{Action: ActionExpireClientCertificates}, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "certs", "expired-client-certificates"))
	if err != nil {
		t.Fatal(err)
	}
	orig := map[string]string{}
	for _, cert := range []string{procedure.CertControllerManager, procedure.CertScheduler} {
		orig[cert] = c.read("cp1", procedure.CertFiles[cert])
	}
	ev := &events{}
	if err := f.Inject(context.Background(), c, c.nodes(), ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.evidence) != 2 || !ev.evidence[0].Proven || !ev.evidence[1].Proven {
		t.Fatalf("evidence %+v, want two proven", ev.evidence)
	}
	for _, cert := range []string{procedure.CertControllerManager, procedure.CertScheduler} {
		if got := certOf(t, c, "cp2", cert); !got.NotAfter.Before(time.Now()) || got.Subject.CommonName != "system:"+procedure.CertComponents[cert] {
			t.Errorf("%s: %s valid until %s", cert, got.Subject, got.NotAfter)
		}
		if !strings.Contains(c.read("cp2", procedure.CertFiles[cert]), keyLine+"\n") {
			t.Errorf("%s: the key line changed", cert)
		}
	}
	slices.Sort(c.restarts)
	want := []string{"cp1 kube-controller-manager", "cp1 kube-scheduler", "cp2 kube-controller-manager", "cp2 kube-scheduler"}
	if !slices.Equal(c.restarts, want) {
		t.Errorf("restarts %v, want %v", c.restarts, want)
	}
	// The run dies (kill -9): clean replays the journal.
	es, err := journal.Pending(dir)
	if err != nil || len(es) != 2 {
		t.Fatalf("journal %v, %v", es, err)
	}
	c.restarts = nil
	for _, e := range es {
		if err := Undo(context.Background(), c, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, cert := range []string{procedure.CertControllerManager, procedure.CertScheduler} {
		if got := c.read("cp1", procedure.CertFiles[cert]); got != orig[cert] {
			t.Errorf("%s not put back:\n%s", cert, got)
		}
	}
	slices.Sort(c.restarts)
	if !slices.Equal(c.restarts, want) {
		t.Errorf("restarts after the undo %v, want %v", c.restarts, want)
	}
	// Replayed again (clean cut short), it changes nothing.
	c.restarts = nil
	if err := Undo(context.Background(), c, es[0]); err != nil || len(c.restarts) != 0 {
		t.Errorf("a second undo: %v, restarts %v", err, c.restarts)
	}
}

// What goes into a node's script is the harness's own: fixed paths, and
// the certificate as quoted base64 only.
func TestCertScriptsHoldNoTextRead(t *testing.T) {
	s := writeCertScript(procedure.CertScheduler, []byte("-----BEGIN CERTIFICATE-----\n'$(x)`y`\n"))
	if strings.Contains(s, "$(x)") || strings.Contains(s, "`y`") {
		t.Errorf("the data reached the script as text: %s", s)
	}
	if err := undoCerts(context.Background(), nil, cluster.Node{Name: "n"}, "client; rm -rf /", time.Now()); err == nil {
		t.Error("an unknown shape from a journal entry was taken")
	}
}
