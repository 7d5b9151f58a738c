package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadScenario reads, strictly decodes and validates one scenario file. All
// problems of the file come back at once, joined and sorted by line; each
// reads FILE:LINE:COL: FIELD.PATH: message (see FieldError). Cross-file
// checks (does the cluster profile exist?) are the Catalog's.
func LoadScenario(path string) (*Scenario, error) {
	d, err := readDoc(path)
	if err != nil {
		return nil, err
	}
	s := d.loadScenario(true)
	if err := d.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadProfile reads, strictly decodes and validates one cluster profile.
// Whether the scenarios its budget overrides name exist is the Catalog's
// check.
func LoadProfile(path string) (*ClusterProfile, error) { return loadProfileIn(nil, path) }

// LoadProfileIn loads the profile named name from dir (its file is
// named after it), which may be the shipped catalog's.
func LoadProfileIn(dir Dir, name string) (*ClusterProfile, error) {
	file := filepath.Join(dir.Path, name+".yaml")
	if dir.FS != nil {
		file = path.Join(dir.Path, name+".yaml")
	}
	return loadProfileIn(dir.FS, file)
}

// loadProfileIn is LoadProfile of a file of fsys (nil: this machine's).
func loadProfileIn(fsys fs.FS, file string) (*ClusterProfile, error) {
	d, err := readDocIn(fsys, file)
	if err != nil {
		return nil, err
	}
	p := d.loadProfile(true)
	if err := d.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// LoadFile loads a scenario or a cluster profile, whichever the file's
// kind says: the result is a *Scenario or a *ClusterProfile.
func LoadFile(path string) (any, error) {
	d, err := readDoc(path)
	if err != nil {
		return nil, err
	}
	s, p := d.loadAny()
	if err := d.err(); err != nil {
		return nil, err
	}
	if s != nil {
		return s, nil
	}
	return p, nil
}

// doc is one file being loaded: its node tree, an index from field path to
// node, and the problems found so far.
type doc struct {
	file string
	// fsys holds the file (nil: this machine's files); a profile's
	// relative paths are read from there too.
	fsys fs.FS
	data []byte
	root *yaml.Node // the document's top node, nil when the file has none

	entries []*entry          // every node the schema walk reached, in document order
	byPath  map[string]*entry // the first entry of each path
	bad     []string          // paths whose value yaml could not decode

	errs []*FieldError
}

// entry is one node of the tree with the Go type the schema expects there.
type entry struct {
	path   string
	key    *yaml.Node   // the mapping key; nil for list items and the root
	val    *yaml.Node   // the value
	typ    reflect.Type // expected Go type (pointers removed); nil: unknown field
	parent reflect.Type // Go type of the enclosing mapping or list
}

var (
	scenarioType = reflect.TypeFor[Scenario]()
	profileType  = reflect.TypeFor[ClusterProfile]()
	valueType    = reflect.TypeFor[Value]()
	durationType = reflect.TypeFor[time.Duration]()
)

// MaxFileBytes bounds a scenario or profile file: the largest here is
// under 6 KiB, and a parser fed an unbounded file spends memory many times
// its size.
const MaxFileBytes = 256 << 10

// readDoc reads path and parses it into a node tree. Only an I/O failure is
// returned as error; everything about the content is recorded in the doc.
func readDoc(path string) (*doc, error) { return readDocIn(nil, path) }

// readDocIn is readDoc of a file of fsys (nil: this machine's files).
func readDocIn(fsys fs.FS, path string) (*doc, error) {
	var f fs.File
	var err error
	if fsys == nil {
		f, err = os.Open(path)
	} else {
		f, err = fsys.Open(path)
	}
	var data []byte
	if err == nil {
		// One byte past the limit tells a file at the limit from a bigger one.
		data, err = io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
		f.Close()
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: cannot read: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: more than %d KiB: a scenario or cluster profile is a few KiB of YAML; refused unread", path, MaxFileBytes>>10)
	}
	d := parseDoc(path, data)
	d.fsys = fsys
	return d, nil
}

// parseDoc parses the content of the file at path. Everything about the
// content is recorded in the doc, never returned: it is what the fuzz test
// feeds.
func parseDoc(path string, data []byte) *doc {
	d := &doc{file: path, data: data, byPath: map[string]*entry{}}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var top yaml.Node
	switch err := dec.Decode(&top); {
	case errors.Is(err, io.EOF):
		d.addf(1, 1, "", "file is empty: want a %s or %s mapping", KindScenario, KindClusterProfile)
		return d
	case err != nil:
		d.yamlError(err)
		return d
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case err == nil:
		n := &second
		if len(n.Content) > 0 {
			n = n.Content[0]
		}
		d.addf(n.Line, n.Column, "", "a second YAML document: a file holds exactly one %s or %s", KindScenario, KindClusterProfile)
	case !errors.Is(err, io.EOF):
		d.yamlError(err)
	}

	n := &top
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	n = unalias(n)
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		d.addf(1, 1, "", "file has no content: want a %s or %s mapping", KindScenario, KindClusterProfile)
	case n.Kind != yaml.MappingNode:
		d.addf(n.Line, n.Column, "", "want a mapping with apiVersion and kind, got %s", describeNode(n))
	default:
		d.root = n
	}
	return d
}

func unalias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// loadAny dispatches on the kind field.
func (d *doc) loadAny() (*Scenario, *ClusterProfile) {
	if d.root == nil {
		return nil, nil
	}
	kind, ok := d.header("")
	if !ok {
		return nil, nil
	}
	if kind == KindScenario {
		return d.loadScenario(false), nil
	}
	return nil, d.loadProfile(false)
}

// loadScenario decodes and validates a scenario; withHeader checks
// apiVersion and kind first (loadAny has done it already otherwise). It
// returns nil when the file is not one to decode as a Scenario.
func (d *doc) loadScenario(withHeader bool) *Scenario {
	if d.root == nil {
		return nil
	}
	if withHeader {
		if _, ok := d.header(KindScenario); !ok {
			return nil
		}
	}
	var s Scenario
	d.decode(scenarioType, &s)
	s.Path = d.file
	d.validateScenario(&s)
	return &s
}

// loadProfile is loadScenario for a ClusterProfile.
func (d *doc) loadProfile(withHeader bool) *ClusterProfile {
	if d.root == nil {
		return nil
	}
	if withHeader {
		if _, ok := d.header(KindClusterProfile); !ok {
			return nil
		}
	}
	list := ProviderFormats()
	schema, keys := profileSchema(list)
	v := reflect.New(schema)
	d.decode(schema, v.Interface())
	// The schema's fields are ClusterProfile's, by name, and the blocks.
	var p ClusterProfile
	out := reflect.ValueOf(&p).Elem()
	for i := range schema.NumField() {
		key, block := keys[i]
		switch {
		case !block:
			out.FieldByName(schema.Field(i).Name).Set(v.Elem().Field(i))
		case !v.Elem().Field(i).IsNil():
			if p.blocks == nil {
				p.blocks = map[string]ClusterBlock{}
			}
			p.blocks[key] = v.Elem().Field(i).Interface().(ClusterBlock)
		}
	}
	if i := slices.IndexFunc(list, func(f ProviderFormat) bool { return f.Name == p.Provider }); i >= 0 {
		p.Cluster = p.blocks[list[i].Key]
	}
	p.Path, p.Files = d.file, d.fsys
	d.validateProfile(&p, list)
	return &p
}

// mapGet returns the key and value nodes of key in mapping m.
func mapGet(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], unalias(m.Content[i+1])
		}
	}
	return nil, nil
}

// header checks apiVersion and kind; want is the kind the caller needs, or
// "" for either. It reports whether the file is of a kind to decode.
func (d *doc) header(want string) (string, bool) {
	kinds := []string{KindScenario, KindClusterProfile}
	if _, v := mapGet(d.root, "apiVersion"); v == nil || isNull(v) {
		d.addf(d.root.Line, d.root.Column, "apiVersion", "required: %q", APIVersion)
	} else if v.Kind != yaml.ScalarNode || v.Value != APIVersion {
		d.addf(v.Line, v.Column, "apiVersion", "unknown version %s: want %q", describeNode(v), APIVersion)
	}
	_, v := mapGet(d.root, "kind")
	switch {
	case v == nil || isNull(v):
		if want == "" {
			d.addf(d.root.Line, d.root.Column, "kind", "required: %s", quoteList(kinds))
		} else {
			d.addf(d.root.Line, d.root.Column, "kind", "required: %q", want)
		}
	case v.Kind != yaml.ScalarNode || !slices.Contains(kinds, v.Value):
		d.addf(v.Line, v.Column, "kind", "unknown kind %s: want %s", describeNode(v), quoteList(kinds))
	case want != "" && v.Value != want:
		d.addf(v.Line, v.Column, "kind", "want %q here, got %q", want, v.Value)
	default:
		return v.Value, true
	}
	return "", false
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// decode indexes the node tree against typ and strictly decodes the file
// into out, rewriting yaml's own errors into FieldErrors.
func (d *doc) decode(typ reflect.Type, out any) {
	d.walk(d.root, typ, "", nil, nil)
	dec := yaml.NewDecoder(bytes.NewReader(d.data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		d.yamlError(err)
	}
}

// walk records n at path with the Go type t expected there, and descends
// into mappings and lists as far as the schema knows their shape.
func (d *doc) walk(n *yaml.Node, t reflect.Type, path string, key *yaml.Node, parent reflect.Type) {
	n = unalias(n)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	e := &entry{path: path, key: key, val: n, typ: t, parent: parent}
	d.entries = append(d.entries, e)
	if _, ok := d.byPath[path]; !ok {
		d.byPath[path] = e
	}
	if t == nil || t == valueType || t == durationType {
		return
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		// Keys merged in with "<<" count as the mapping's own, after its
		// explicit keys, which take precedence as yaml decodes them.
		var merged []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if isMergeKey(k) {
				m := unalias(n.Content[i+1])
				if m.Kind == yaml.SequenceNode {
					for _, item := range m.Content {
						merged = append(merged, unalias(item))
					}
				} else {
					merged = append(merged, m)
				}
				continue
			}
			d.walk(n.Content[i+1], fieldType(t, k.Value), joinPath(path, k.Value), k, t)
		}
		for _, m := range merged {
			if m.Kind != yaml.MappingNode {
				continue
			}
			for i := 0; i+1 < len(m.Content); i += 2 {
				k := m.Content[i]
				d.walk(m.Content[i+1], fieldType(t, k.Value), joinPath(path, k.Value), k, t)
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			d.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), nil, t)
		}
	}
}

// isMergeKey is yaml's own test for a "<<" merge key.
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "" || k.Tag == "!" || k.ShortTag() == "!!merge")
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// parentPath strips the last ".key" or "[i]" of path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// under reports whether path is p or lies inside it.
func under(path, p string) bool {
	return p == "" || path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[")
}

// yamlFields lists the YAML keys of struct type t in declaration order.
func yamlFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		names = append(names, name)
	}
	return names
}

// fieldType is the type of t's field with YAML key key, nil if none.
func fieldType(t reflect.Type, key string) reflect.Type {
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if name == key && name != "-" {
			return f.Type
		}
	}
	return nil
}

var (
	reLine     = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)
	reUnknown  = regexp.MustCompile(`(?s)^field (.*) not found in type (.+)$`)
	reType     = regexp.MustCompile("(?s)^cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.+)$")
	reDupKey   = regexp.MustCompile(`(?s)^mapping key (".*") already defined at line (\d+)$`)
	reDupField = regexp.MustCompile(`(?s)^field (.*) already set in type (.+)$`)
	reYAML     = regexp.MustCompile(`(?s)^yaml: (?:line (\d+): )?(.*)$`)
)

// parserProblems are the messages of yaml's parser (not its scanner): it
// gives their line counting from 0, and for those mapped to true, the line
// where the construct that holds the problem begins.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   false,
	"did not find expected <document start>": false,
	"found duplicate %YAML directive":        false,
	"found incompatible YAML document":       false,
	"found duplicate %TAG directive":         false,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
}

// yamlError rewrites an error of the yaml package into FieldErrors.
func (d *doc) yamlError(err error) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		// A syntax error: the node tree is incomplete, so no field path.
		line, msg := 1, err.Error()
		if m := reYAML.FindStringSubmatch(msg); m != nil {
			msg = m[2]
			if m[1] != "" {
				line, _ = strconv.Atoi(m[1])
				if _, ok := parserProblems[msg]; ok {
					// yaml counts lines from 0 for its parser's errors.
					line++
				}
			}
			if inWhat := parserProblems[msg]; inWhat {
				msg += " (in what starts at this line)"
			}
		}
		d.addf(line, 1, "", "invalid YAML: %s", msg)
		return
	}
	for _, s := range te.Errors {
		d.typeError(s)
	}
}

// typeError rewrites one "line N: ..." message of a yaml.TypeError by
// finding its node at line N.
func (d *doc) typeError(s string) {
	m := reLine.FindStringSubmatch(s)
	if m == nil {
		d.addf(1, 1, "", "%s", s)
		return
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	atLine := func(ok func(e *entry) bool) *entry {
		for _, e := range d.entries {
			n := e.val
			if e.key != nil {
				n = e.key
			}
			if (n.Line == line || e.val.Line == line) && ok(e) {
				return e
			}
		}
		return nil
	}

	if m := reUnknown.FindStringSubmatch(msg); m != nil {
		e := atLine(func(e *entry) bool {
			return e.key != nil && e.key.Value == m[1] && e.typ == nil && e.parent != nil && e.parent.String() == m[2]
		})
		if e != nil {
			known := yamlFields(e.parent)
			d.addf(e.key.Line, e.key.Column, e.path, "unknown field %q%s; known fields: %s",
				m[1], didYouMean(m[1], known), strings.Join(known, ", "))
			return
		}
	}

	if m := reType.FindStringSubmatch(msg); m != nil {
		tag, val, typ := m[1], m[2], m[3]
		match := func(e *entry) bool { return e.typ != nil && e.typ.String() == typ && e.val.Line == line }
		e := atLine(func(e *entry) bool { return match(e) && e.val.ShortTag() == tag && truncated(e.val) == val })
		if e == nil {
			e = atLine(match)
		}
		if e != nil {
			d.bad = append(d.bad, e.path)
			d.addf(e.val.Line, e.val.Column, e.path, "%s", mismatch(e.typ, e.val))
			return
		}
	}

	if m := reDupKey.FindStringSubmatch(msg); m != nil {
		name, _ := strconv.Unquote(m[1])
		first, _ := strconv.Atoi(m[2])
		e := atLine(func(e *entry) bool { return e.key != nil && e.key.Value == name && e.key.Line == line })
		if e != nil {
			// yaml decodes nothing of a mapping with a duplicate key.
			d.bad = append(d.bad, parentPath(e.path))
			d.addf(e.key.Line, e.key.Column, e.path, "duplicate key %q (first at line %d)", name, first)
			return
		}
	}

	if m := reDupField.FindStringSubmatch(msg); m != nil {
		e := atLine(func(e *entry) bool { return e.key != nil && e.key.Value == m[1] && e.key.Line == line })
		if e != nil {
			d.addf(e.key.Line, e.key.Column, e.path, "field %q set twice", m[1])
			return
		}
	}

	// Anything else: name the first field found on that line.
	if e := atLine(func(*entry) bool { return true }); e != nil {
		n := e.val
		if e.key != nil {
			n = e.key
		}
		d.bad = append(d.bad, e.path)
		d.addf(n.Line, n.Column, e.path, "%s", msg)
		return
	}
	d.addf(line, 1, "", "%s", msg)
}

// truncated is how yaml quotes a scalar in its messages.
func truncated(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	if len(n.Value) > 10 {
		return n.Value[:7] + "..."
	}
	return n.Value
}

// mismatch says what was expected where yaml could not decode n into t.
func mismatch(t reflect.Type, n *yaml.Node) string {
	if t == durationType && n.Kind == yaml.ScalarNode {
		if _, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return fmt.Sprintf("bare number %s: write a duration with its unit, e.g. %ss or %sms", n.Value, n.Value, n.Value)
		}
	}
	return fmt.Sprintf("want %s, got %s", describeType(t), describeNode(n))
}

func describeType(t reflect.Type) string {
	switch {
	case t == durationType:
		return `a duration such as "30s" or "500ms"`
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return "a list of strings"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Struct:
		return "a mapping with " + strings.Join(yamlFields(t), ", ")
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "an integer"
	}
	return t.String()
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	return "an alias"
}

// addf records a problem at a given position, unconditionally.
func (d *doc) addf(line, col int, path, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// errorf records a validation problem at path: at its value when the file
// has one there, else at the key of the nearest enclosing field that is
// written. It is dropped when yaml could not decode path or what encloses
// it: that was reported already and the Go value is not what the file says.
func (d *doc) errorf(path, format string, args ...any) {
	for _, b := range d.bad {
		if under(path, b) {
			return
		}
	}
	line, col := d.pos(path)
	d.addf(line, col, path, format, args...)
}

// pos is where a problem at path is reported.
func (d *doc) pos(path string) (int, int) {
	if e, ok := d.byPath[path]; ok {
		n := e.val
		if isNull(n) && e.key != nil {
			n = e.key
		}
		return n.Line, n.Column
	}
	for p := path; p != ""; {
		p = parentPath(p)
		if e, ok := d.byPath[p]; ok {
			n := e.key
			if n == nil {
				n = e.val
			}
			return n.Line, n.Column
		}
	}
	if d.root != nil {
		return d.root.Line, d.root.Column
	}
	return 1, 1
}

// present reports whether the file writes a non-null value at path.
func (d *doc) present(path string) bool {
	e, ok := d.byPath[path]
	return ok && !isNull(e.val)
}

// err is the file's problems, sorted and joined; nil if none.
func (d *doc) err() error {
	return joinSorted(fieldErrors(d.errs))
}
