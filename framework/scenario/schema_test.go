package scenario_test

// The JSON Schemas of scenario and profile files (docs/schema/*.json), made
// from the Go types the loader decodes into, so that editors with the YAML
// language server complete and check the files the shipped ones name in
// their first line. The loader stays the authority: the schemas say less
// than validation (no rule between fields), never more.
//
//	go test ./framework/scenario -run TestJSONSchemas -update
//
// rewrites them; the test fails while they differ from the types.

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/firedrill/firedrill/framework/cluster/aws"
	"github.com/firedrill/firedrill/framework/cluster/kind"
	"github.com/firedrill/firedrill/framework/cluster/ssh"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

var updateSchemas = flag.Bool("update", false, "rewrite docs/schema/*.json from the types")

const schemaDir = "../../docs/schema"

// schemaLine is the first line of each shipped file: the schema its editor
// checks it against, relative to the file.
var schemaLine = map[string]string{
	"../../scenarios": "# yaml-language-server: $schema=../docs/schema/scenario.json",
	"../../clusters":  "# yaml-language-server: $schema=../docs/schema/profile.json",
}

// durationPattern is what time.ParseDuration takes, without a sign
// (validation refuses negative durations).
const durationPattern = `^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`

var (
	durationType = reflect.TypeFor[time.Duration]()
	valueType    = reflect.TypeFor[scenario.Value]()
	targetType   = reflect.TypeFor[scenario.Target]()
)

// field names one field of one type, by its yaml key.
type field struct {
	t   reflect.Type
	key string
}

// schemaFacts are what the types alone do not say: the fields validation
// requires, and the names a field takes, from the package's own lists.
type schemaFacts struct {
	required map[reflect.Type][]string
	enums    map[field][]string
	consts   map[field]string
}

func facts() schemaFacts {
	var figures []string
	for _, f := range timeline.Figures {
		figures = append(figures, f.Name)
	}
	var providers []string
	for _, f := range scenario.ProviderFormats() {
		providers = append(providers, f.Name)
	}
	s, p := reflect.TypeFor[scenario.Scenario](), reflect.TypeFor[scenario.ClusterProfile]()
	budget, override := reflect.TypeFor[scenario.Budget](), reflect.TypeFor[scenario.BudgetOverride]()
	fault, probes := reflect.TypeFor[scenario.Fault](), reflect.TypeFor[scenario.Probes]()
	steady, recovery := reflect.TypeFor[scenario.SteadyState](), reflect.TypeFor[scenario.Recovery]()
	shape, sshNode := reflect.TypeFor[scenario.NodeShape](), reflect.TypeFor[ssh.Node]()
	roles := []string{scenario.RoleControlPlane, scenario.RoleWorker}
	return schemaFacts{
		required: map[reflect.Type][]string{
			s:                               {"apiVersion", "kind", "name", "description", "cluster", "steadyState", "probes", "fault", "recovery", "budgets"},
			steady:                          {"checks", "settle", "timeout"},
			probes:                          {"interval", "timeout", "writeInterval"},
			fault:                           {"action", "target"},
			targetType:                      {"role", "count"},
			recovery:                        {"conditions", "timeout"},
			budget:                          {"figure", "kind", "why"},
			p:                               {"apiVersion", "kind", "name", "provider"},
			override:                        {"scenario", "figure", "why"},
			shape:                           {"role", "zone"},
			sshNode:                         {"role", "zone"},
			reflect.TypeFor[kind.Profile](): {"clusterName", "waitForReady", "nodes"},
			reflect.TypeFor[kind.Network](): {"name", "subnet", "subnetV6"},
			// inventory and sshKey may come from the environment
			// (FIREDRILL_SSH_INVENTORY, FIREDRILL_AWS_SSH_KEY).
			reflect.TypeFor[ssh.Profile](): {"clusterName", "waitForReady", "nodes"},
			reflect.TypeFor[aws.Profile](): {"clusterName", "region", "instanceType", "image", "keyPair", "securityGroups", "zones",
				"kubeadmConfig", "kubernetesVersion", "podSubnet", "waitForReady", "nodes"},
			reflect.TypeFor[aws.Zone](): {"name", "subnet"},
		},
		enums: map[field][]string{
			{steady, "checks"}:         scenario.Checks,
			{recovery, "conditions"}:   scenario.Checks,
			{probes, "workloadVia"}:    scenario.WorkloadVias,
			{fault, "action"}:          scenario.ActionNames(),
			{fault, "kubeletBackoff"}:  scenario.KubeletBackoffs,
			{targetType, "role"}:       {scenario.RoleControlPlane, scenario.RoleWorker, scenario.RoleAny},
			{targetType, "component"}:  scenario.Components,
			{targetType, "leadership"}: {scenario.Leader, scenario.Follower},
			{recovery, "procedure"}:    scenario.Procedures,
			{recovery, "snapshot"}:     scenario.Snapshots,
			{budget, "kind"}:           {scenario.BudgetSelfHealing, scenario.BudgetAvailability, scenario.BudgetCalibration},
			{budget, "figure"}:         figures,
			{override, "figure"}:       figures,
			{p, "provider"}:            providers,
			{shape, "role"}:            roles,
			{sshNode, "role"}:          roles,
		},
		consts: map[field]string{
			{s, "apiVersion"}: scenario.APIVersion,
			{s, "kind"}:       scenario.KindScenario,
			{p, "apiVersion"}: scenario.APIVersion,
			{p, "kind"}:       scenario.KindClusterProfile,
		},
	}
}

// typeSchema is the schema of values of t; enum and constant belong to
// the field that holds the value.
func (f schemaFacts) typeSchema(t reflect.Type, enum []string, constant string) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		return map[string]any{"type": "string", "pattern": durationPattern, "description": `a duration such as "30s" or "500ms"`}
	case t == valueType:
		// max: 60s (seconds), max: 0 (a count), max: 99.5 (percent).
		return map[string]any{"type": []string{"string", "number"}, "description": "in the figure's unit: a duration for seconds, an integer for counts, a number for percent"}
	case t.Kind() == reflect.String && constant != "":
		return map[string]any{"const": constant}
	case t.Kind() == reflect.String && enum != nil:
		return map[string]any{"enum": enum}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Slice:
		return map[string]any{"type": "array", "items": f.typeSchema(t.Elem(), enum, "")}
	case t.Kind() == reflect.Struct:
		props := map[string]any{}
		for sf := range t.Fields() {
			key, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
			if !sf.IsExported() || key == "-" || key == "" {
				continue
			}
			at := field{t, key}
			props[key] = f.typeSchema(sf.Type, f.enums[at], f.consts[at])
			if t == targetType && key == "count" {
				// "one", "all" or N >= 1, as an int or a string.
				props[key] = map[string]any{"anyOf": []any{
					map[string]any{"enum": []string{"one", "all"}},
					map[string]any{"type": "integer", "minimum": 1},
					map[string]any{"type": "string", "pattern": "^[1-9][0-9]*$"},
				}}
			}
		}
		out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if req := f.required[t]; req != nil {
			out["required"] = req
		}
		return out
	}
	panic("no schema for " + t.String())
}

// schemas are the two files' schemas: a scenario, and a profile with one
// block per registered provider, the one its provider names required.
func schemas() map[string]map[string]any {
	f := facts()
	scen := f.typeSchema(reflect.TypeFor[scenario.Scenario](), nil, "")
	scen["title"] = "firedrill scenario (scenarios/*.yaml)"

	prof := f.typeSchema(reflect.TypeFor[scenario.ClusterProfile](), nil, "")
	prof["title"] = "firedrill cluster profile (clusters/*.yaml)"
	props := prof["properties"].(map[string]any)
	var rules []any
	for _, pf := range scenario.ProviderFormats() {
		props[pf.Key] = f.typeSchema(reflect.TypeOf(pf.New()), nil, "")
		var others []any
		for _, g := range scenario.ProviderFormats() {
			if g.Key != pf.Key {
				others = append(others, map[string]any{"required": []string{g.Key}})
			}
		}
		rules = append(rules, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"provider": map[string]any{"const": pf.Name}}, "required": []string{"provider"}},
			"then": map[string]any{"required": []string{pf.Key}, "not": map[string]any{"anyOf": others}},
		})
	}
	prof["allOf"] = rules

	for _, s := range []map[string]any{scen, prof} {
		s["$schema"] = "http://json-schema.org/draft-07/schema#"
		s["description"] = "Generated from the Go types by go test ./framework/scenario -run TestJSONSchemas -update; the loader (firedrill validate) is the authority. Fields: docs/scenarios.md."
	}
	return map[string]map[string]any{"scenario.json": scen, "profile.json": prof}
}

func TestJSONSchemas(t *testing.T) {
	for name, s := range schemas() {
		want, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		path := filepath.Join(schemaDir, name)
		if *updateSchemas {
			if err := os.MkdirAll(schemaDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./framework/scenario -run TestJSONSchemas -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date with the Go types: run go test ./framework/scenario -run TestJSONSchemas -update", path)
		}
	}
}

// Every shipped scenario and profile names its schema in its first line,
// so that an editor checks it; the example inventory is no profile.
func TestShippedFilesNameTheirSchema(t *testing.T) {
	for dir, line := range schemaLine {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no files in %s (%v)", dir, err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, ".example.yaml") {
				continue
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if first, _, _ := strings.Cut(string(data), "\n"); first != line {
				t.Errorf("%s: first line %q, want %q", path, first, line)
			}
		}
	}
}

// The schemas accept what the loader accepts: every key of every shipped
// file is a property of the schema at its place (a check of the schema's
// shape, without a JSON Schema validator in the module).
func TestSchemasKnowTheShippedKeys(t *testing.T) {
	all := schemas()
	for dir, name := range map[string]string{"../../scenarios": "scenario.json", "../../clusters": "profile.json"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, path := range files {
			if strings.HasSuffix(path, ".example.yaml") {
				continue
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := yaml.Unmarshal(data, &doc); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, problem := range unknownKeys(all[name], doc, "") {
				t.Errorf("%s: %s", path, problem)
			}
		}
	}
}

// unknownKeys are the keys of v that schema s has no property for, and
// the values an enum or const of s does not list.
func unknownKeys(s map[string]any, v any, path string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, sub := range v {
			ps, ok := props[k].(map[string]any)
			if !ok {
				out = append(out, path+k+": not in the schema")
				continue
			}
			out = append(out, unknownKeys(ps, sub, path+k+".")...)
		}
	case []any:
		items, _ := s["items"].(map[string]any)
		for _, item := range v {
			out = append(out, unknownKeys(items, item, path)...)
		}
	case string:
		if enum, ok := s["enum"].([]string); ok && !slices.Contains(enum, v) {
			out = append(out, strings.TrimSuffix(path, ".")+": "+v+" not in the schema's enum")
		}
		if c, ok := s["const"].(string); ok && c != v {
			out = append(out, strings.TrimSuffix(path, ".")+": "+v+" is not "+c)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
			out = append(out, strings.TrimSuffix(path, ".")+": "+v+" does not match "+p)
		}
	}
	return out
}
