package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/kubeadm"
	"github.com/firedrill/firedrill/framework/timeline"
)

// kubeadm's etcd PKI on every control-plane node: the CA and the client
// certificate kubeadm itself uses for etcd health checks.
const (
	etcdPKI        = kubeadm.EtcdPKI
	etcdClientPort = kubeadm.EtcdClientPort
)

// EtcdClientTLS reads kubeadm's etcd CA and health-check client
// certificate from a control-plane node, so the harness can ask each
// member from outside, like any etcd client.
func EtcdClientTLS(ctx context.Context, x cluster.NodeExec, n cluster.Node) (*tls.Config, error) {
	read := func(name string) ([]byte, error) {
		b, err := x.Exec(ctx, n, "cat", etcdPKI+name)
		if err != nil {
			return nil, fmt.Errorf("read %s%s on %s: %w", etcdPKI, name, n.Name, err)
		}
		return b, nil
	}
	ca, err := read("ca.crt")
	if err != nil {
		return nil, err
	}
	crt, err := read("healthcheck-client.crt")
	if err != nil {
		return nil, err
	}
	key, err := read("healthcheck-client.key")
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(crt, key)
	if err != nil {
		return nil, fmt.Errorf("etcd health-check client certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("etcd CA from %s: no certificate", n.Name)
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// EtcdSamplers ask each member for /readyz on its client port: OK when it
// serves linearizable reads, i.e. it is in the cluster and has applied what
// the leader committed (a restarted member is down until it caught up).
func EtcdSamplers(members []cluster.Node, tlsConfig *tls.Config, timeout time.Duration) []Sampler {
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:     tlsConfig,
		DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		TLSHandshakeTimeout: timeout,
		MaxIdleConnsPerHost: 2,
	}}
	out := make([]Sampler, 0, len(members))
	for _, m := range members {
		url := "https://" + net.JoinHostPort(m.Address, etcdClientPort) + "/readyz"
		out = append(out, Sampler{
			Series: timeline.SeriesEtcdPrefix + m.Name,
			Do:     func(ctx context.Context, _ int64) error { return get(ctx, client, url) },
		})
	}
	return out
}
