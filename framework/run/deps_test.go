package run_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/firedrill/firedrill/framework/cluster"
)

// The runner reaches providers through their registrations only: it must
// not link one (a binary that wants no AWS must not carry its SDK), nor
// Ginkgo (the front ends parse label filters).
func TestRunnerLinksNoProviderNorGinkgo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the runner's dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/firedrill/firedrill/framework/run").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := []string{
		"github.com/aws/", "github.com/onsi/", "sigs.k8s.io/kind/", "golang.org/x/crypto/ssh",
		"github.com/firedrill/firedrill/framework/cluster/aws", "github.com/firedrill/firedrill/framework/cluster/kind",
		"github.com/firedrill/firedrill/framework/cluster/ssh", "github.com/firedrill/firedrill/framework/labels",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("framework/run links %s", dep)
			}
		}
	}
}

// Nothing in the runner, the schema or the cluster package decides by a
// provider's name or reads its settings: no import of a provider, no
// comparison, case, constant or map key with a provider's name, no
// provider's environment variable. Adding a provider touches none of them.
func TestNoProviderNamesInTheCore(t *testing.T) {
	var names, env []string
	for _, r := range cluster.Registrations() {
		if r.Name == "fake" { // the runner tests' own
			continue
		}
		names = append(names, r.Name)
		env = append(env, r.Env...)
	}
	if len(names) < 3 {
		t.Fatalf("registered providers %v: the shipped ones are missing (providers_test.go)", names)
	}
	isName := func(e ast.Expr) bool {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return false
		}
		v, _ := strconv.Unquote(lit.Value)
		for _, n := range names {
			if v == n {
				return true
			}
		}
		return false
	}
	for _, dir := range []string{".", "../scenario", "../cluster"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				for _, n := range names {
					if imp.Path.Value == strconv.Quote("github.com/firedrill/firedrill/framework/cluster/"+n) {
						t.Errorf("%s imports the %s provider", fset.Position(imp.Pos()), n)
					}
				}
			}
			ast.Inspect(f, func(node ast.Node) bool {
				var suspects []ast.Expr
				switch n := node.(type) {
				case *ast.BinaryExpr:
					if n.Op == token.EQL || n.Op == token.NEQ {
						suspects = append(suspects, n.X, n.Y)
					}
				case *ast.CaseClause:
					suspects = n.List
				case *ast.ValueSpec:
					suspects = n.Values
				case *ast.KeyValueExpr:
					suspects = append(suspects, n.Key)
				case *ast.BasicLit:
					for _, e := range env {
						if n.Kind == token.STRING && strings.Contains(n.Value, e) {
							t.Errorf("%s names %s, a provider's own variable", fset.Position(n.Pos()), e)
						}
					}
				}
				for _, e := range suspects {
					if isName(e) {
						t.Errorf("%s decides by a provider's name: %s", fset.Position(e.Pos()), e.(*ast.BasicLit).Value)
					}
				}
				return true
			})
		}
	}
}

// The runner reads the environment in one place, FromEnv (config.go):
// everything else takes its Config, so a test or a front end can set any
// of it without touching the process's environment.
func TestEnvironmentIsReadOnlyInConfig(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") || file == "config.go" {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(node ast.Node) bool {
			sel, ok := node.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, isIdent := sel.X.(*ast.Ident); isIdent && id.Name == "os" &&
				(sel.Sel.Name == "Getenv" || sel.Sel.Name == "LookupEnv" || sel.Sel.Name == "Environ") {
				t.Errorf("%s reads the environment (os.%s): read it in FromEnv, into Config", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
