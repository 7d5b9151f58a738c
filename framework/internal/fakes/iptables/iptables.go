// Package iptables is a node's packet filter for tests: the filter table
// of iptables and of ip6tables, changed and read by argv as firedrill
// issues them (-A, -I, -C, -D, -S, -F, -N, -X, -P). It keeps rules the way
// iptables does, not as they were typed: -s and -d lists become one rule
// per address, an address becomes a prefix (/32, /128), tcp and udp ports
// get their implicit -m tcp, and -S lists each rule in iptables' own order
// of words, a comment quoted as iptables quotes it. A rule to check or
// delete that is not there fails with iptables' message and exit status 1.
//
// It is test support (framework/internal): only _test.go files import it.
// It imports nothing of firedrill, so packetfilter's own tests can use it.
package iptables

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Tools are the commands a Filter answers, one table each.
var Tools = []string{"iptables", "ip6tables"}

// ExitError is a command that failed: its exit status and what it printed
// on standard error.
type ExitError struct {
	Status int
	Stderr string
}

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d: %s", e.Status, e.Stderr) }

// Filter is one node's packet filter: a table per tool, each with the
// filter table's built-in chains (INPUT, FORWARD, OUTPUT, policy ACCEPT).
// It is safe for concurrent use.
type Filter struct {
	mu     sync.Mutex
	tables map[string]*table
}

type table struct {
	tool   string
	v6     bool
	chains []*chain
}

type chain struct {
	name   string
	policy string // built-in chains only
	rules  []rule
}

// rule is a rule's words as -S lists them after "-A chain", comments
// unquoted.
type rule []string

// New is an empty packet filter.
func New() *Filter {
	f := &Filter{tables: map[string]*table{}}
	for _, tool := range Tools {
		t := &table{tool: tool, v6: tool == "ip6tables"}
		for _, name := range []string{"INPUT", "FORWARD", "OUTPUT"} {
			t.chains = append(t.chains, &chain{name: name, policy: "ACCEPT"})
		}
		f.tables[tool] = t
	}
	return f
}

// Exec runs one command, argv[0] being iptables or ip6tables: the shape
// of packetfilter.Run.
func (f *Filter) Exec(_ context.Context, argv ...string) ([]byte, error) { return f.Run(argv...) }

// Run runs one command, argv[0] being iptables or ip6tables, and returns
// what it prints.
func (f *Filter) Run(argv ...string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, &ExitError{Status: 127, Stderr: "no command"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tables[argv[0]]
	if !ok {
		return nil, &ExitError{Status: 127, Stderr: argv[0] + ": not an iptables command"}
	}
	return t.run(argv[1:])
}

// Rules are the rules of tool's table as -S lists them ("-A CHAIN ..."),
// chain by chain.
func (f *Filter) Rules(tool string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tables[tool]
	if !ok {
		return nil
	}
	var out []string
	for _, c := range t.chains {
		for _, r := range c.rules {
			out = append(out, "-A "+c.name+" "+r.String())
		}
	}
	return out
}

// Len is how many rules both tables hold.
func (f *Filter) Len() int {
	n := 0
	for _, tool := range Tools {
		n += len(f.Rules(tool))
	}
	return n
}

// String is the rule as -S lists it, after "-A chain": the comment
// quoted as iptables quotes it.
func (r rule) String() string {
	words := slices.Clone(r)
	for i := 1; i < len(words); i++ {
		if words[i-1] == "--comment" {
			words[i] = saveString(words[i])
		}
	}
	return strings.Join(words, " ")
}

// saveString is libxtables' xtables_save_string: a word of letters,
// digits, _ and - as it is, anything else in double quotes with ", \
// and ' escaped.
func saveString(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
	if plain {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' || r == '\'' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// errors as iptables prints them.
func (t *table) fail(msg string) *ExitError {
	return &ExitError{Status: 1, Stderr: t.tool + ": " + msg + "."}
}

func (t *table) usage(format string, args ...any) *ExitError {
	return &ExitError{Status: 2, Stderr: fmt.Sprintf("%s v1.8.10 (fake): %s\nTry `%s -h' or '%s --help' for more information.",
		t.tool, fmt.Sprintf(format, args...), t.tool, t.tool)}
}

func (t *table) noChain() *ExitError { return t.fail("No chain/target/match by that name") }

func (t *table) chain(name string) *chain {
	for _, c := range t.chains {
		if c.name == name {
			return c
		}
	}
	return nil
}

// commands by their long and short options.
var commands = map[string]string{
	"-A": "-A", "--append": "-A", "-I": "-I", "--insert": "-I", "-C": "-C", "--check": "-C",
	"-D": "-D", "--delete": "-D", "-S": "-S", "--list-rules": "-S", "-F": "-F", "--flush": "-F",
	"-N": "-N", "--new-chain": "-N", "-X": "-X", "--delete-chain": "-X", "-P": "-P", "--policy": "-P",
}

func (t *table) run(args []string) ([]byte, error) {
	// Options before the command: the table and the lock wait.
	for len(args) > 0 {
		switch args[0] {
		case "-t", "--table":
			if len(args) < 2 {
				return nil, t.usage("option \"-t\" requires an argument")
			}
			if args[1] != "filter" {
				return nil, &ExitError{Status: 3, Stderr: fmt.Sprintf("%s v1.8.10 (fake): can't initialize %s table `%s': Table does not exist", t.tool, t.tool, args[1])}
			}
			args = args[2:]
			continue
		case "-w", "--wait":
			args = args[1:]
			if len(args) > 0 {
				if _, err := strconv.Atoi(args[0]); err == nil {
					args = args[1:]
				}
			}
			continue
		}
		break
	}
	if len(args) == 0 {
		return nil, t.usage("no command specified")
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return nil, t.usage("unknown option %q (the fake knows -A -I -C -D -S -F -N -X -P)", args[0])
	}
	args = args[1:]
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	switch cmd {
	case "-S":
		return t.list(name)
	case "-F":
		return nil, t.flush(name)
	case "-N":
		return nil, t.newChain(name)
	case "-X":
		return nil, t.deleteChain(name)
	case "-P":
		return nil, t.setPolicy(name, args)
	}
	if name == "" {
		return nil, t.usage("option \"%s\" requires an argument", cmd)
	}
	c := t.chain(name)
	if c == nil {
		return nil, t.noChain()
	}
	// A number after the chain: the position of -I, the rule -D deletes.
	pos := 0
	if len(args) > 0 && (cmd == "-I" || cmd == "-D") {
		if n, err := strconv.Atoi(args[0]); err == nil {
			if n < 1 {
				return nil, t.usage("invalid rule number `%s'", args[0])
			}
			pos, args = n, args[1:]
		}
	}
	if cmd == "-D" && pos > 0 && len(args) == 0 {
		if pos > len(c.rules) {
			return nil, t.fail("Index of deletion too big")
		}
		c.rules = slices.Delete(c.rules, pos-1, pos)
		return nil, nil
	}
	rules, err := t.parse(args)
	if err != nil {
		return nil, err
	}
	switch cmd {
	case "-A":
		c.rules = append(c.rules, rules...)
	case "-I":
		if pos == 0 {
			pos = 1
		}
		if pos > len(c.rules)+1 {
			return nil, t.fail("Index of insertion too big")
		}
		c.rules = slices.Insert(c.rules, pos-1, rules...)
	case "-C":
		for _, r := range rules {
			if c.find(r) < 0 {
				return nil, t.fail("Bad rule (does a matching rule exist in that chain?)")
			}
		}
	case "-D":
		// Each rule of the list that is there goes; one missing fails the
		// command, as iptables does.
		missing := false
		for _, r := range rules {
			if i := c.find(r); i >= 0 {
				c.rules = slices.Delete(c.rules, i, i+1)
			} else {
				missing = true
			}
		}
		if missing {
			return nil, t.fail("Bad rule (does a matching rule exist in that chain?)")
		}
	}
	return nil, nil
}

func (c *chain) find(r rule) int {
	return slices.IndexFunc(c.rules, func(x rule) bool { return slices.Equal(x, r) })
}

func (t *table) list(name string) ([]byte, error) {
	var b strings.Builder
	chains := t.chains
	if name != "" {
		c := t.chain(name)
		if c == nil {
			return nil, t.noChain()
		}
		chains = []*chain{c}
	}
	for _, c := range chains {
		if c.policy != "" {
			fmt.Fprintf(&b, "-P %s %s\n", c.name, c.policy)
		}
	}
	for _, c := range chains {
		if c.policy == "" {
			fmt.Fprintf(&b, "-N %s\n", c.name)
		}
	}
	for _, c := range chains {
		for _, r := range c.rules {
			fmt.Fprintf(&b, "-A %s %s\n", c.name, r)
		}
	}
	return []byte(b.String()), nil
}

func (t *table) flush(name string) error {
	if name == "" {
		for _, c := range t.chains {
			c.rules = nil
		}
		return nil
	}
	c := t.chain(name)
	if c == nil {
		return t.noChain()
	}
	c.rules = nil
	return nil
}

func (t *table) newChain(name string) error {
	if name == "" {
		return t.usage("option \"-N\" requires an argument")
	}
	if t.chain(name) != nil {
		return t.fail("Chain already exists")
	}
	t.chains = append(t.chains, &chain{name: name})
	return nil
}

func (t *table) deleteChain(name string) error {
	del := func(c *chain) error {
		if c.policy != "" {
			return t.fail("Invalid argument")
		}
		if len(c.rules) > 0 {
			return t.fail("Directory not empty")
		}
		for _, o := range t.chains {
			for _, r := range o.rules {
				if j := slices.Index(r, "-j"); j >= 0 && j+1 < len(r) && r[j+1] == c.name {
					return t.fail("Too many links")
				}
			}
		}
		t.chains = slices.DeleteFunc(t.chains, func(x *chain) bool { return x == c })
		return nil
	}
	if name != "" {
		c := t.chain(name)
		if c == nil {
			return t.noChain()
		}
		return del(c)
	}
	for _, c := range slices.Clone(t.chains) {
		if c.policy == "" {
			if err := del(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *table) setPolicy(name string, args []string) error {
	c := t.chain(name)
	if c == nil || c.policy == "" {
		return t.fail("Bad built-in chain name")
	}
	if len(args) != 1 || (args[0] != "ACCEPT" && args[0] != "DROP") {
		return t.fail("Bad policy name")
	}
	c.policy = args[0]
	return nil
}

// targets iptables has besides user chains.
var targets = []string{"ACCEPT", "DROP", "RETURN", "REJECT", "LOG", "MARK", "CONNMARK", "NFLOG", "NFQUEUE", "TCPMSS", "CT", "NOTRACK"}

// implicit are the options of a protocol's own match, which iptables
// loads by itself (-p tcp --dport 22 is -p tcp -m tcp --dport 22), with
// their long aliases.
var implicit = map[string]map[string]string{
	"tcp": {"--dport": "--dport", "--destination-port": "--dport", "--sport": "--sport", "--source-port": "--sport",
		"--tcp-flags": "--tcp-flags", "--syn": "--syn", "--tcp-option": "--tcp-option"},
	"udp": {"--dport": "--dport", "--destination-port": "--dport", "--sport": "--sport", "--source-port": "--sport"},
}

// arity is how many words an option takes, for options that take other
// than one.
var arity = map[string]int{"--tcp-flags": 2, "--syn": 0}

type match struct {
	name string
	opts []string
}

// parse reads a rule's matches and target into the rules iptables would
// keep: one per source and destination of their lists.
func (t *table) parse(args []string) ([]rule, error) {
	var src, dst [][]string     // per address of the list: its words
	var in, out, proto []string // with a "!" before when negated
	var matches []*match
	var target []string
	var current *match
	for i := 0; i < len(args); i++ {
		neg := false
		if args[i] == "!" {
			neg = true
			i++
			if i == len(args) {
				return nil, t.usage("cannot have ! before end of line")
			}
		}
		opt := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", t.usage("option \"%s\" requires an argument", opt)
			}
			i++
			return args[i], nil
		}
		bang := func(words ...string) []string {
			if neg {
				return append([]string{"!"}, words...)
			}
			return words
		}
		switch opt {
		case "-s", "--source", "--src", "-d", "--destination", "--dst":
			v, err := value()
			if err != nil {
				return nil, err
			}
			if neg && strings.Contains(v, ",") {
				return nil, t.usage("! not allowed with multiple source or destination IP addresses")
			}
			list, err := t.addresses(v)
			if err != nil {
				return nil, err
			}
			flag := "-s"
			if opt[1] == 'd' || opt == "--dst" {
				flag = "-d"
			}
			var each [][]string
			for _, a := range list {
				each = append(each, bang(flag, a))
			}
			if flag == "-s" {
				src = each
			} else {
				dst = each
			}
		case "-i", "--in-interface", "-o", "--out-interface":
			v, err := value()
			if err != nil {
				return nil, err
			}
			if opt == "-i" || opt == "--in-interface" {
				in = bang("-i", v)
			} else {
				out = bang("-o", v)
			}
		case "-p", "--protocol":
			v, err := value()
			if err != nil {
				return nil, err
			}
			proto = bang("-p", strings.ToLower(v))
		case "-m", "--match":
			v, err := value()
			if err != nil {
				return nil, err
			}
			current = &match{name: v}
			matches = append(matches, current)
		case "-j", "--jump":
			v, err := value()
			if err != nil {
				return nil, err
			}
			if !slices.Contains(targets, v) {
				if c := t.chain(v); c == nil || c.policy != "" {
					return nil, t.fail(fmt.Sprintf("Couldn't load target `%s':No such file or directory", v))
				}
			}
			target = []string{"-j", v}
		default:
			if !strings.HasPrefix(opt, "--") {
				return nil, t.usage("unknown option %q", opt)
			}
			n, ok := arity[opt]
			if !ok {
				n = 1
			}
			if i+n >= len(args) {
				return nil, t.usage("option \"%s\" requires an argument", opt)
			}
			words := bang(append([]string{opt}, args[i+1:i+1+n]...)...)
			i += n
			switch {
			case target != nil:
				target = append(target, words...)
			default:
				m, err := t.owner(opt, current, matches, proto)
				if err != nil {
					return nil, err
				}
				if m == nil {
					m = &match{name: proto[len(proto)-1]}
					matches = append(matches, m)
				}
				if long, ok := implicit[m.name][opt]; ok {
					words[slices.Index(words, opt)] = long
				}
				m.opts = append(m.opts, words...)
			}
		}
	}
	if len(target) == 2 && target[1] == "REJECT" {
		with := "icmp-port-unreachable"
		if t.v6 {
			with = "icmp6-port-unreachable"
		}
		target = append(target, "--reject-with", with)
	}
	var body []string
	body = append(body, in...)
	body = append(body, out...)
	body = append(body, proto...)
	for _, m := range matches {
		body = append(append(body, "-m", m.name), m.opts...)
	}
	body = append(body, target...)
	if len(src) == 0 {
		src = [][]string{nil}
	}
	if len(dst) == 0 {
		dst = [][]string{nil}
	}
	var rules []rule
	for _, s := range src {
		for _, d := range dst {
			r := append(append(append(rule{}, s...), d...), body...)
			rules = append(rules, r)
		}
	}
	return rules, nil
}

// owner is the match an option belongs to: the latest loaded one that
// takes it, else the protocol's implicit match (nil: to be loaded).
func (t *table) owner(opt string, current *match, matches []*match, proto []string) (*match, error) {
	takes := func(m *match) bool {
		switch m.name {
		case "comment":
			return opt == "--comment"
		case "tcp", "udp":
			_, ok := implicit[m.name][opt]
			return ok
		}
		// A match the fake does not know takes any option but the
		// protocol's own.
		if len(proto) > 0 {
			_, own := implicit[proto[len(proto)-1]][opt]
			return !own
		}
		return true
	}
	if current != nil && takes(current) {
		return current, nil
	}
	for k := len(matches) - 1; k >= 0; k-- {
		if takes(matches[k]) {
			return matches[k], nil
		}
	}
	if len(proto) > 0 {
		p := proto[len(proto)-1]
		if _, ok := implicit[p][opt]; ok {
			for _, m := range matches {
				if m.name == p {
					return m, nil
				}
			}
			return nil, nil
		}
	}
	return nil, t.usage("unknown option \"%s\"", opt)
}

// addresses are a -s or -d list as iptables keeps them: each a prefix of
// the table's family, masked.
func (t *table) addresses(list string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(list, ",") {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			addr, aerr := netip.ParseAddr(a)
			if aerr != nil {
				return nil, t.usage("host/network `%s' not found", a)
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		if p.Addr().Is6() != t.v6 || p.Addr().Is4In6() {
			return nil, t.usage("host/network `%s' not found", a)
		}
		out = append(out, p.Masked().String())
	}
	return out, nil
}
