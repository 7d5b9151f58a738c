package report

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// credentials are what must never be in a report folder: it is uploaded
// as a CI artifact and appended to the job page. Each names what it found.
var credentials = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a PEM private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
	{"a kubeconfig's client key", regexp.MustCompile(`client-key-data`)},
	{"a kubeconfig", regexp.MustCompile(`(?m)^kind: Config\s*$`)},
	{"a bootstrap token", regexp.MustCompile(`(?i)token[^a-z0-9]{1,5}[a-z0-9]{6}\.[a-z0-9]{16}\b`)},
	{"a bearer token", regexp.MustCompile(`(?m)(?:^\s*token:\s*|Bearer\s+)[A-Za-z0-9._~+/=-]{20,}`)},
	{"a certificate key", regexp.MustCompile(`certificate-key[ =]+[0-9a-f]{64}`)},
}

// Credentials lists every credential found in the files under dir (a
// run's report folder) and the files that are credentials by their name
// (kubeconfigs, snapshots, keys), as "path: what". Empty when clean.
func Credentials(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		switch ext := filepath.Ext(name); {
		case strings.Contains(name, "kubeconfig"), ext == ".key", ext == ".pem", ext == ".db":
			found = append(found, fmt.Sprintf("%s: a credential by its name", path))
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, c := range credentials {
			if c.re.Match(data) {
				found = append(found, fmt.Sprintf("%s: %s", path, c.what))
			}
		}
		return nil
	})
	return found, err
}
