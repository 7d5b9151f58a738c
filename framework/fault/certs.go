package fault

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// What the certificate faults make: a copy of a certificate the cluster
// uses, signed by the cluster's CA, that expired. Pure functions on
// bytes read from a node; nothing read is ever run.

// expiredFor is how long ago the copy expired, and how long it was valid
// before: a cluster left a year without renewal (kubeadm issues its
// certificates for a year).
const expiredFor = 365 * 24 * time.Hour

// expiredCopy signs with the CA a copy of cur that expired a year before
// now, valid for the year before that: the same subject, names, key
// usages and public key (so the private key on the node still fits), a
// new serial. cur must be the CA's: a certificate signed by another is
// refused.
func expiredCopy(cur, ca *x509.Certificate, caKey crypto.Signer, now time.Time) (*x509.Certificate, []byte, error) {
	if err := cur.CheckSignatureFrom(ca); err != nil {
		return nil, nil, fmt.Errorf("the certificate (%s) is not signed by the cluster's CA (%s): %w", cur.Subject, ca.Subject, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               cur.Subject,
		DNSNames:              cur.DNSNames,
		IPAddresses:           cur.IPAddresses,
		EmailAddresses:        cur.EmailAddresses,
		URIs:                  cur.URIs,
		KeyUsage:              cur.KeyUsage,
		ExtKeyUsage:           cur.ExtKeyUsage,
		BasicConstraintsValid: cur.BasicConstraintsValid,
		NotAfter:              now.Add(-expiredFor).Truncate(time.Second),
	}
	tmpl.NotBefore = tmpl.NotAfter.Add(-expiredFor)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, cur.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("sign the expired copy: %w", err)
	}
	out, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// parseCert reads the first certificate of PEM data.
func parseCert(data []byte) (*x509.Certificate, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("no PEM certificate")
		}
		if b.Type == "CERTIFICATE" {
			return x509.ParseCertificate(b.Bytes)
		}
	}
}

// parseCAKey reads the CA's private key (PKCS#1 RSA, SEC 1 EC or PKCS#8,
// as kubeadm writes them) and checks that it is the key of ca.
func parseCAKey(data []byte, ca *x509.Certificate) (crypto.Signer, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, fmt.Errorf("no PEM key")
	}
	var key any
	var err error
	switch b.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(b.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	default:
		return nil, fmt.Errorf("not a private key (PEM type %q)", b.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("CA key cannot sign")
	}
	pub, ok := s.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(ca.PublicKey) {
		return nil, fmt.Errorf("the CA key is not the CA certificate's")
	}
	return s, nil
}

// kubeconfigCert reads the client certificate of a kubeconfig's
// client-certificate-data line, as `sed` prints it from the file (its
// base64 value only: the key beside it never leaves the node).
func kubeconfigCert(line []byte) (*x509.Certificate, error) {
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(line)))
	if err != nil {
		return nil, fmt.Errorf("client-certificate-data: %w", err)
	}
	return parseCert(data)
}

// describeCert is a certificate as evidence shows it.
func describeCert(c *x509.Certificate) string {
	return fmt.Sprintf("serial %x, valid %s to %s", c.SerialNumber, c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly))
}
