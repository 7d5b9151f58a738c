package ssh

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/firedrill/firedrill/framework/shell"
)

// joinCommand is what `kubeadm token create --print-join-command` printed
// on the first machine, parsed. The join line each other machine runs is
// written anew from these checked values, never from the printed text.
type joinCommand struct {
	endpoint, token, caHash string
}

var (
	bootstrapToken = regexp.MustCompile(`^[a-z0-9]{6}\.[a-z0-9]{16}$`)
	caCertHash     = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	certificateKey = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// parseJoinCommand reads `kubeadm join <host:port> --token <t>
// --discovery-token-ca-cert-hash sha256:<h>`; anything else is refused.
func parseJoinCommand(s string) (joinCommand, error) {
	words := strings.Fields(s)
	var j joinCommand
	if len(words) < 3 || words[0] != "kubeadm" || words[1] != "join" {
		return j, fmt.Errorf("not a kubeadm join command")
	}
	host, port, err := net.SplitHostPort(words[2])
	if p, perr := strconv.Atoi(port); err != nil || perr != nil || p < 1 || p > 65535 || !validHost(host) {
		return j, fmt.Errorf("join endpoint %q is not host:port", words[2])
	}
	j.endpoint = words[2]
	for i := 3; i < len(words); i += 2 {
		if i+1 >= len(words) {
			return j, fmt.Errorf("flag %q without a value", words[i])
		}
		switch v := words[i+1]; words[i] {
		case "--token":
			if !bootstrapToken.MatchString(v) {
				return j, fmt.Errorf("--token is not a bootstrap token")
			}
			j.token = v
		case "--discovery-token-ca-cert-hash":
			if !caCertHash.MatchString(v) {
				return j, fmt.Errorf("--discovery-token-ca-cert-hash %q is not sha256:<64 hex>", v)
			}
			j.caHash = v
		default:
			return j, fmt.Errorf("unexpected flag %q", words[i])
		}
	}
	if j.token == "" || j.caHash == "" {
		return j, fmt.Errorf("no --token or no --discovery-token-ca-cert-hash")
	}
	return j, nil
}

// validHost is an IP address or a DNS name.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if !dnsName.MatchString(label) {
			return false
		}
	}
	return true
}

var dnsName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$`)

// line is the join command for a worker named node; certKey, when set,
// joins it as a control-plane node advertising address.
func (j joinCommand) line(node, certKey, address string) string {
	args := []string{"join", j.endpoint, "--token", j.token, "--discovery-token-ca-cert-hash", j.caHash, "--node-name", node}
	if certKey != "" {
		args = append(args, "--control-plane", "--certificate-key", certKey, "--apiserver-advertise-address", address)
	}
	return shell.Line("kubeadm", args...)
}

// redacted is an error whose text has the secrets it may carry (a
// bootstrap token, a certificate key: what a failed join's command line
// holds) replaced, so it can go to a console or a CI log.
type redacted struct {
	err     error
	secrets []string
}

func (r redacted) Error() string {
	s := r.err.Error()
	for _, secret := range r.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}

// redact hides secrets in err's text. The error it wraps is not exposed,
// so nothing can print the original by unwrapping it.
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	return redacted{err: err, secrets: secrets}
}
