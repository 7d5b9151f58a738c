package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the scenario and profile loader: it
// must never panic, and every problem it reports must name the file, a
// line and a column (and the field, where there is one). Seeded with every
// shipped file, the test fixtures and the error cases of the tests.
func FuzzLoad(f *testing.F) {
	for _, glob := range []string{"../../scenarios/*.yaml", "../../clusters/*.yaml", "testdata/*/*.yaml"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(baseScenario))
	f.Add([]byte(baseProfile))
	for _, broken := range []string{
		"",
		"---\n",
		"- a\n- b\n",
		"kind: Scenario\n",
		strings.Replace(baseScenario, "settle: 10s", "settle: 10", 1),
		strings.Replace(baseScenario, "settle: 10s", "settle: -10s", 1),
		strings.Replace(baseScenario, "settle: 10s", "settle: 10s\n  settle: 20s", 1),
		strings.Replace(baseScenario, "count: one", "count: 0", 1),
		strings.Replace(baseScenario, "max: 120s", "max: *anchor", 1),
		strings.Replace(baseScenario, "labels: [reboot, single-master]", "labels: &l [a]\nx: *l", 1),
		baseScenario + "---\nkind: Scenario\n",
		"{a: [}",
		"apiVersion: firedrill.io/v1alpha1\nkind: ClusterProfile\nname: p\nprovider: kind\nkindCluster: {nodes: [{role: control-plane}]}\n",
	} {
		f.Add([]byte(broken))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz/drill.yaml"
		d := parseDoc(path, data)
		if d.root != nil {
			d.loadAny()
		}
		err := d.err()
		if err == nil {
			return
		}
		for _, e := range unjoin(err) {
			var fe *FieldError
			if !errors.As(e, &fe) {
				t.Fatalf("a problem without file, line and column: %v", e)
			}
			if fe.File != path || fe.Line < 1 || fe.Col < 1 || fe.Msg == "" {
				t.Fatalf("a problem that does not say where: %q (file %q line %d col %d)", fe.Error(), fe.File, fe.Line, fe.Col)
			}
		}
	})
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
