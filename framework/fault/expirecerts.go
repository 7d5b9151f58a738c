package fault

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/procedure"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/shell"
	"github.com/firedrill/firedrill/framework/timeline"
)

// ActionExpireServingCertificate replaces each target's API server
// serving certificate with a copy that expired a year ago, signed by the
// cluster's CA; ActionExpireClientCertificates does the same to the
// client certificates in the controller-manager's and the scheduler's
// kubeconfigs, and restarts both so that they load them. Only the
// renew-certificates procedure recovers either.
const (
	ActionExpireServingCertificate = "expire-serving-certificate"
	ActionExpireClientCertificates = "expire-client-certificates"
)

// UndoRestoreCertificates puts back the certificates the faults replaced.
const UndoRestoreCertificates = "restore-certificates"

// certSets are the certificates each action expires (procedure's kubeadm
// names), and the journal's shape for each.
var certSets = map[string][]string{
	"serving": {procedure.CertAPIServer},
	"client":  {procedure.CertControllerManager, procedure.CertScheduler},
}

var actionShapes = map[string]string{
	ActionExpireServingCertificate: "serving",
	ActionExpireClientCertificates: "client",
}

// ExpiredCertificates are the certificates an action expires, by their
// kubeadm names (none for another action): what renew-certificates renews.
func ExpiredCertificates(action string) []string {
	return slices.Clone(certSets[actionShapes[action]])
}

// restoreCertificates is the journal's undo of both: each certificate the
// fault replaced is put back from the copy it kept on the node, unless a
// renewal replaced it already.
var restoreCertificates = &JournalUndo{Kind: UndoRestoreCertificates,
	Do: func(ctx context.Context, c cluster.Cluster, n cluster.Node, shape string) error {
		x, ok := c.(cluster.NodeExec)
		if !ok {
			return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
		}
		return undoCerts(ctx, x, n, shape, time.Now())
	}}

func init() {
	for name, shape := range actionShapes {
		what := "the API server serves a certificate that expired"
		if shape == "client" {
			what = "the kubeconfigs hold client certificates that expired, and the components restarted"
		}
		register(action{
			name:     name,
			needs:    scenario.FaultAction{Role: scenario.RoleControlPlane, Procedure: scenario.ProcedureRenewCertificates},
			evidence: says(what),
			undo:     restoreCertificates,
			build: func(b Build) (Fault, error) {
				return &expireCerts{shape: shape, undo: b.Undo, evidence: b.Evidence, book: b.Book,
					servedWait: servedWait, served: servedCert, active: map[string]*journal.Open{}}, nil
			},
		})
	}
}

// servedWait bounds the wait for an API server to serve the certificate
// written: it reloads its serving certificate when the file changes
// (fsnotify), and polls it every minute besides.
const servedWait = 90 * time.Second

// heldCerts is where the originals are kept on the node, beside the
// manifests the procedures move aside.
const heldCerts = procedure.HeldDir + "/certs"

// backupOf is where the original of a certificate's file is kept.
func backupOf(cert string) string { return heldCerts + "/" + path.Base(procedure.CertFiles[cert]) }

// isKubeconfig: the certificate is embedded in a kubeconfig.
func isKubeconfig(cert string) bool { return strings.HasSuffix(procedure.CertFiles[cert], ".conf") }

// readCertScript prints the certificate: the PEM file, or a kubeconfig's
// client-certificate-data value only.
func readCertScript(cert string) string {
	f := procedure.CertFiles[cert]
	if isKubeconfig(cert) {
		return "sed -n 's/^ *client-certificate-data: *//p' " + f
	}
	return "cat " + f
}

// writeCertScript keeps the original (once: a second write keeps the
// first original) and writes the new certificate, given as PEM bytes the
// harness made: atomically into a PEM file, or into the kubeconfig's
// client-certificate-data line. The data reaches the script as base64
// only, quoted.
func writeCertScript(cert string, pemData []byte) string {
	f, b := procedure.CertFiles[cert], backupOf(cert)
	data := shell.Quote(base64.StdEncoding.EncodeToString(pemData))
	keep := "mkdir -p " + heldCerts + " && { [ -f " + b + " ] || cp -p " + f + " " + b + "; }"
	if isKubeconfig(cert) {
		return keep + " && sed -i 's|^\\( *client-certificate-data:\\).*|\\1 '" + data + "'|' " + f
	}
	return keep + " && printf %s " + data + " | base64 -d > " + f + ".firedrill && mv " + f + ".firedrill " + f
}

// restoreCertScript puts the original back (atomically) and forgets it;
// nothing happens without one.
func restoreCertScript(cert string) string {
	f, b := procedure.CertFiles[cert], backupOf(cert)
	return "if [ -f " + b + " ]; then cp -p " + b + " " + f + ".firedrill && mv " + f + ".firedrill " + f + " && rm -f " + b + "; fi"
}

// forgetCertScript removes the original once a renewal replaced what the
// fault wrote.
func forgetCertScript(cert string) string { return "rm -f " + backupOf(cert) }

// readCert reads a certificate from a node.
func readCert(ctx context.Context, x cluster.NodeExec, n cluster.Node, cert string) (*x509.Certificate, error) {
	out, err := x.Exec(ctx, n, "sh", "-c", readCertScript(cert))
	if err != nil {
		return nil, fmt.Errorf("read %s on %s: %w", procedure.CertFiles[cert], n.Name, err)
	}
	var c *x509.Certificate
	if isKubeconfig(cert) {
		c, err = kubeconfigCert(out)
	} else {
		c, err = parseCert(out)
	}
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", procedure.CertFiles[cert], n.Name, err)
	}
	return c, nil
}

// undoCerts puts back the originals of the shape's certificates where the
// file still holds an expired one (the fault's); where a renewal replaced
// it, the original is forgotten. The components whose kubeconfigs were
// put back restart to load them; an API server reloads its serving
// certificate by itself.
func undoCerts(ctx context.Context, x cluster.NodeExec, n cluster.Node, shape string, now time.Time) error {
	certs, ok := certSets[shape]
	if !ok {
		return fmt.Errorf("unknown certificate set %q", shape)
	}
	var restart []string
	for _, cert := range certs {
		script := restoreCertScript(cert)
		if c, err := readCert(ctx, x, n, cert); err == nil && now.Before(c.NotAfter) {
			script = forgetCertScript(cert)
		} else if isKubeconfig(cert) {
			restart = append(restart, procedure.CertComponents[cert])
		}
		if _, err := x.Exec(ctx, n, "sh", "-c", script); err != nil {
			return fmt.Errorf("put back %s on %s: %w", procedure.CertFiles[cert], n.Name, err)
		}
	}
	for _, component := range restart {
		if _, err := x.Exec(ctx, n, "sh", "-c", procedure.RestartStatic(component)); err != nil {
			return fmt.Errorf("restart %s on %s: %w", component, n.Name, err)
		}
	}
	return nil
}

// expireCerts replaces certificates on each target with copies that
// expired, keeping the originals on the node (journaled: Recover, Ctrl-C
// and `firedrill clean` put them back unless the procedure renewed them).
type expireCerts struct {
	shape, undo, evidence string
	book                  *journal.Book
	servedWait            time.Duration
	// served is the certificate an API server at address serves.
	served func(ctx context.Context, address string) (*x509.Certificate, error)

	mu     sync.Mutex
	active map[string]*journal.Open
}

func (e *expireCerts) Desc() string {
	if e.shape == "client" {
		return "replace the controller-manager's and the scheduler's client certificates with copies that expired a year ago, signed by the cluster's CA, and restart both"
	}
	return "replace the API server's serving certificate with a copy that expired a year ago, signed by the cluster's CA"
}

func (e *expireCerts) action() string {
	if e.shape == "client" {
		return ActionExpireClientCertificates
	}
	return ActionExpireServingCertificate
}

func (e *expireCerts) Inject(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	return onEach(ctx, targets, ev, timeline.EventInject, e.action(), func(ctx context.Context, n cluster.Node) (time.Time, error) {
		ca, caKey, err := readCA(ctx, x, n)
		if err != nil {
			return time.Time{}, err
		}
		entry, err := e.book.Begin(n.Name, e.action(), e.undo, e.shape)
		if err != nil {
			return time.Time{}, err
		}
		e.mu.Lock()
		e.active[n.Name] = entry
		e.mu.Unlock()
		var before, after []string
		made := map[string]*x509.Certificate{}
		for _, cert := range certSets[e.shape] {
			cur, err := readCert(ctx, x, n, cert)
			if err != nil {
				return time.Time{}, err
			}
			exp, pemData, err := expiredCopy(cur, ca, caKey, time.Now())
			if err != nil {
				return time.Time{}, fmt.Errorf("%s on %s: %w", procedure.CertFiles[cert], n.Name, err)
			}
			if _, err := x.Exec(ctx, n, "sh", "-c", writeCertScript(cert, pemData)); err != nil {
				return time.Time{}, fmt.Errorf("write the expired %s on %s: %w", procedure.CertFiles[cert], n.Name, err)
			}
			made[cert] = exp
			before = append(before, cert+": "+describeCert(cur))
		}
		at := time.Now()
		ok := true
		var errs []string
		if e.shape == "client" {
			for _, cert := range certSets[e.shape] {
				if _, err := x.Exec(ctx, n, "sh", "-c", procedure.RestartStatic(procedure.CertComponents[cert])); err != nil {
					ok = false
					errs = append(errs, fmt.Sprintf("restart %s: %v", procedure.CertComponents[cert], err))
				}
				got, err := readCert(ctx, x, n, cert)
				if err != nil {
					ok = false
					errs = append(errs, err.Error())
					continue
				}
				after = append(after, cert+": "+describeCert(got))
				ok = ok && got.SerialNumber.Cmp(made[cert].SerialNumber) == 0
			}
		} else {
			got, err := e.waitServed(ctx, n, made[procedure.CertAPIServer])
			if got != nil {
				after = append(after, "served: "+describeCert(got))
			}
			if err != nil {
				ok = false
				errs = append(errs, err.Error())
			}
		}
		ev.Evidence(timeline.Evidence{At: time.Now(), Target: n.Name, Action: e.action(), What: e.evidence,
			Before: strings.Join(before, "; "), After: strings.Join(after, "; "), Proven: ok, Error: strings.Join(errs, "; ")})
		return at, nil
	})
}

// waitServed waits until the API server on n serves want.
func (e *expireCerts) waitServed(ctx context.Context, n cluster.Node, want *x509.Certificate) (*x509.Certificate, error) {
	if n.Address == "" {
		return nil, fmt.Errorf("node %s has no address to reach its API server at", n.Name)
	}
	addr := net.JoinHostPort(n.Address, kubeadm.APIServerPort)
	var got *x509.Certificate
	var last error
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, e.servedWait, true, func(ctx context.Context) (bool, error) {
		c, err := e.served(ctx, addr)
		if err != nil {
			last = err
			return false, nil
		}
		got = c
		return c.SerialNumber.Cmp(want.SerialNumber) == 0, nil
	})
	if err != nil {
		if last != nil {
			return got, fmt.Errorf("the API server at %s did not serve the expired certificate within %s: %w", addr, e.servedWait, last)
		}
		return got, fmt.Errorf("the API server at %s did not serve the expired certificate within %s", addr, e.servedWait)
	}
	return got, nil
}

// servedCert is the certificate the server at address presents. Only the
// certificate is read: the handshake sends no credential, and the
// connection is closed at once.
func servedCert(ctx context.Context, address string) (*x509.Certificate, error) {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 2 * time.Second},
		Config: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}} // #nosec G402 -- only reads the presented certificate
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s presented no certificate", address)
	}
	return certs[0], nil
}

// readCA reads the cluster's CA certificate and key from the node: the
// key stays in memory, for the signatures of this inject.
func readCA(ctx context.Context, x cluster.NodeExec, n cluster.Node) (*x509.Certificate, crypto.Signer, error) {
	certPEM, err := x.Exec(ctx, n, "cat", caCert)
	if err != nil {
		return nil, nil, fmt.Errorf("read the CA certificate on %s: %w", n.Name, err)
	}
	ca, err := parseCert(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("the CA certificate on %s: %w", n.Name, err)
	}
	keyPEM, err := x.Exec(ctx, n, "cat", caKey)
	if err != nil {
		// The error carries the command's output: never the key's.
		return nil, nil, fmt.Errorf("read the CA key on %s: it could not be read", n.Name)
	}
	key, err := parseCAKey(keyPEM, ca)
	if err != nil {
		return nil, nil, fmt.Errorf("the CA key on %s: %w", n.Name, err)
	}
	return ca, key, nil
}

// The cluster's CA on every control-plane node.
const (
	caCert = procedure.PKIDir + "/ca.crt"
	caKey  = procedure.PKIDir + "/ca.key"
)

func (e *expireCerts) Recover(ctx context.Context, c cluster.Cluster, targets []cluster.Node, ev Events) error {
	var active []cluster.Node
	e.mu.Lock()
	for _, n := range targets {
		if e.active[n.Name] != nil {
			active = append(active, n)
		}
	}
	e.mu.Unlock()
	if len(active) == 0 {
		return nil
	}
	x, ok := c.(cluster.NodeExec)
	if !ok {
		return fmt.Errorf("cluster %s cannot run commands on nodes", c.Name())
	}
	return onEach(ctx, active, ev, timeline.EventRecover, e.undo, func(ctx context.Context, n cluster.Node) (time.Time, error) {
		if err := undoCerts(ctx, x, n, e.shape, time.Now()); err != nil {
			return time.Time{}, err
		}
		e.mu.Lock()
		entry := e.active[n.Name]
		delete(e.active, n.Name)
		e.mu.Unlock()
		return time.Now(), entry.Close()
	})
}
