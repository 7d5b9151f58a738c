package fault

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"slices"
	"testing"
	"time"
)

// testCA is a throwaway CA, as kubeadm makes one: a self-signed RSA key.
type testCA struct {
	cert   *x509.Certificate
	key    crypto.Signer
	keyPEM []byte
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernetes"},
		NotBefore: now.Add(-3 * 365 * 24 * time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert: cert, key: key, keyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})}
}

func (ca testCA) certPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})
}

// issue signs a certificate valid for a year from now, as kubeadm's
// apiserver.crt (server) or a component's client certificate.
func (ca testCA) issue(t *testing.T, tmpl *x509.Certificate) (*x509.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(365*24*time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func servingTemplate() *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"kubernetes", "kubernetes.default", "localhost", "firedrill-control-plane"},
		IPAddresses: []net.IP{net.ParseIP("10.96.0.1"), net.ParseIP("172.18.0.3"), net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
}

// The expired copy is the certificate it replaces in all but its dates
// and serial: the same subject, names, usages and key, signed by the same
// CA, and a client that trusts the CA refuses it as expired, and only as
// expired.
func TestExpiredCopyKeepsEverythingButTheDates(t *testing.T) {
	ca := newTestCA(t)
	cur, _ := ca.issue(t, servingTemplate())
	now := time.Now()
	exp, pemData, err := expiredCopy(cur, ca.cert, ca.key, now)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := parseCert(pemData)
	if err != nil || !parsed.Equal(exp) {
		t.Fatalf("the PEM is not the copy: %v", err)
	}
	if exp.Subject.String() != cur.Subject.String() || !slices.Equal(exp.DNSNames, cur.DNSNames) ||
		len(exp.IPAddresses) != len(cur.IPAddresses) || !slices.Equal(exp.ExtKeyUsage, cur.ExtKeyUsage) || exp.KeyUsage != cur.KeyUsage {
		t.Errorf("the copy changed the subject, names or usages: %+v", exp)
	}
	for i := range cur.IPAddresses {
		if !exp.IPAddresses[i].Equal(cur.IPAddresses[i]) {
			t.Errorf("IP SAN %d: %s, want %s", i, exp.IPAddresses[i], cur.IPAddresses[i])
		}
	}
	if !cur.PublicKey.(*ecdsa.PublicKey).Equal(exp.PublicKey) {
		t.Error("the copy has another public key: the node's private key would not fit it")
	}
	if exp.SerialNumber.Cmp(cur.SerialNumber) == 0 {
		t.Error("the copy kept the serial")
	}
	if d := now.Sub(exp.NotAfter); d < expiredFor-time.Minute || d > expiredFor+time.Minute {
		t.Errorf("expired %s ago, want a year", d)
	}
	if got := exp.NotAfter.Sub(exp.NotBefore); got != expiredFor {
		t.Errorf("valid for %s, want a year", got)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	_, err = exp.Verify(x509.VerifyOptions{Roots: roots, DNSName: "kubernetes", CurrentTime: now})
	var invalid x509.CertificateInvalidError
	if !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
		t.Errorf("verified now: %v, want expired", err)
	}
	if _, err := exp.Verify(x509.VerifyOptions{Roots: roots, DNSName: "kubernetes", CurrentTime: exp.NotAfter.Add(-time.Hour)}); err != nil {
		t.Errorf("the copy does not verify within its year: %v", err)
	}
}

// A certificate the cluster's CA did not sign is refused: the fault
// would otherwise write one no client of the cluster trusts, a fault of
// another kind.
func TestExpiredCopyRefusesAnotherCA(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)
	cur, _ := other.issue(t, servingTemplate())
	if _, _, err := expiredCopy(cur, ca.cert, ca.key, time.Now()); err == nil {
		t.Error("a certificate of another CA was copied")
	}
}

func TestParseCAKey(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)
	if k, err := parseCAKey(ca.keyPEM, ca.cert); err != nil || k == nil {
		t.Errorf("PKCS#1 key: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ca.key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseCAKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), ca.cert); err != nil {
		t.Errorf("PKCS#8 key: %v", err)
	}
	if _, err := parseCAKey(other.keyPEM, ca.cert); err == nil {
		t.Error("another CA's key was taken")
	}
	if _, err := parseCAKey(ca.certPEM(), ca.cert); err == nil {
		t.Error("a certificate was taken for a key")
	}
	if _, err := parseCAKey([]byte("not pem"), ca.cert); err == nil {
		t.Error("garbage was taken for a key")
	}
}
