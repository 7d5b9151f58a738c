package fakes

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// This file runs the sh -c scripts firedrill sends a node's packet filter
// (packetfilter.Set.Script, cluster.StampedRule): commands joined by &&,
// || and ;, ( ) groups, if/then/else/fi, 2>/dev/null and the like, words
// quoted as framework/shell quotes them. A script with anything else in
// it (a variable, a substitution, a pipe, a command other than the ones
// below) is not the emulation's: the node hands it to the test's
// Commands as it came.

// emulated are the commands a script may hold for the node to run it.
var emulated = []string{"iptables", "ip6tables", "echo", "true", "false", "date"}

var errNotEmulated = errors.New("not a script the fake runs itself")

type scriptToken struct {
	word   string
	op     string // && || ; ( ) or a redirection (2>/dev/null, 2>&1, ...)
	quoted bool   // the word had quotes: never a keyword
}

// tokens splits a script into words and operators.
func tokens(s string) ([]scriptToken, error) {
	var out []scriptToken
	var word strings.Builder
	inWord, quoted := false, false
	flush := func() {
		if inWord {
			out = append(out, scriptToken{word: word.String(), quoted: quoted})
		}
		word.Reset()
		inWord, quoted = false, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '\n' || c == ';':
			flush()
			out = append(out, scriptToken{op: ";"})
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errNotEmulated
			}
			word.WriteString(s[i+1 : i+1+end])
			inWord, quoted = true, true
			i += end + 1
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				switch s[j] {
				case '$', '`':
					return nil, errNotEmulated
				case '\\':
					if j+1 < len(s) && strings.IndexByte("\"\\$`", s[j+1]) >= 0 {
						j++
					}
				}
				word.WriteByte(s[j])
			}
			if j == len(s) {
				return nil, errNotEmulated
			}
			inWord, quoted = true, true
			i = j
		case c == '\\':
			if i+1 == len(s) {
				return nil, errNotEmulated
			}
			i++
			word.WriteByte(s[i])
			inWord, quoted = true, true
		case c == '&' && strings.HasPrefix(s[i:], "&&"), c == '|' && strings.HasPrefix(s[i:], "||"):
			flush()
			out = append(out, scriptToken{op: s[i : i+2]})
			i++
		case c == '(' || c == ')':
			flush()
			out = append(out, scriptToken{op: string(c)})
		case c == '>':
			// A redirection to /dev/null or to the other stream; a digit
			// right before it is the stream redirected.
			fd := "1"
			if inWord && !quoted && (word.String() == "1" || word.String() == "2") {
				fd = word.String()
				word.Reset()
				inWord = false
			}
			flush()
			rest := strings.TrimLeft(s[i+1:], " ")
			var to string
			switch {
			case strings.HasPrefix(rest, "/dev/null"):
				to = "/dev/null"
			case strings.HasPrefix(rest, "&1"), strings.HasPrefix(rest, "&2"):
				to = rest[:2]
			default:
				return nil, errNotEmulated
			}
			out = append(out, scriptToken{op: fd + ">" + to})
			i = len(s) - len(rest) + len(to) - 1
		case strings.IndexByte("$`|&<*?[]{}#~", c) >= 0:
			return nil, errNotEmulated
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return out, nil
}

// A script is a list of and-or lists: what sh runs.
type (
	list  []andOr
	andOr struct {
		first command
		rest  []step // && or || and the command after
	}
	step struct {
		op  string
		cmd command
	}
	command struct {
		argv   []string
		redirs []string
		group  *list // ( list )
		cond   *list // if cond; then body; else other; fi
		body   *list
		other  *list
	}
)

type scriptParser struct {
	toks []scriptToken
	i    int
}

func (p *scriptParser) peek() scriptToken {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return scriptToken{op: "end"}
}

func (p *scriptParser) keyword(k string) bool {
	t := p.peek()
	return t.op == "" && !t.quoted && t.word == k
}

// parseScript reads a whole script.
func parseScript(s string) (list, error) {
	toks, err := tokens(s)
	if err != nil {
		return nil, err
	}
	p := &scriptParser{toks: toks}
	l, err := p.list()
	if err != nil {
		return nil, err
	}
	if p.peek().op != "end" {
		return nil, errNotEmulated
	}
	return l, nil
}

// list reads and-or lists up to a ), a keyword that ends a block, or the
// end.
func (p *scriptParser) list() (list, error) {
	var l list
	for {
		for p.peek().op == ";" {
			p.i++
		}
		if t := p.peek(); t.op == "end" || t.op == ")" || p.keyword("then") || p.keyword("else") || p.keyword("fi") {
			return l, nil
		}
		ao, err := p.andOr()
		if err != nil {
			return nil, err
		}
		l = append(l, ao)
	}
}

func (p *scriptParser) andOr() (andOr, error) {
	first, err := p.command()
	if err != nil {
		return andOr{}, err
	}
	ao := andOr{first: first}
	for op := p.peek().op; op == "&&" || op == "||"; op = p.peek().op {
		p.i++
		c, err := p.command()
		if err != nil {
			return andOr{}, err
		}
		ao.rest = append(ao.rest, step{op, c})
	}
	return ao, nil
}

func (p *scriptParser) command() (command, error) {
	var c command
	switch {
	case p.peek().op == "(":
		p.i++
		l, err := p.list()
		if err != nil {
			return c, err
		}
		if p.peek().op != ")" {
			return c, errNotEmulated
		}
		p.i++
		c.group = &l
	case p.keyword("if"):
		p.i++
		cond, err := p.list()
		if err != nil || !p.keyword("then") {
			return c, errNotEmulated
		}
		p.i++
		body, err := p.list()
		if err != nil {
			return c, err
		}
		c.cond, c.body = &cond, &body
		if p.keyword("else") {
			p.i++
			other, err := p.list()
			if err != nil {
				return c, err
			}
			c.other = &other
		}
		if !p.keyword("fi") {
			return c, errNotEmulated
		}
		p.i++
	default:
		for t := p.peek(); t.op == "" || strings.Contains(t.op, ">"); t = p.peek() {
			if t.op != "" {
				c.redirs = append(c.redirs, t.op)
			} else {
				c.argv = append(c.argv, t.word)
			}
			p.i++
		}
		if len(c.argv) == 0 || !slices.Contains(emulated, c.argv[0]) {
			return c, errNotEmulated
		}
		if c.argv[0] == "date" {
			if len(c.argv) != 2 || !strings.HasPrefix(c.argv[1], "+") {
				return c, errNotEmulated
			}
			if _, ok := dateFormat(c.argv[1][1:], 0, 0); !ok {
				return c, errNotEmulated
			}
		}
	}
	for t := p.peek(); strings.Contains(t.op, ">"); t = p.peek() {
		c.redirs = append(c.redirs, t.op)
		p.i++
	}
	return c, nil
}

// shell runs a parsed script: simple runs each command, returning its
// standard output and error and its exit status.
type shell struct {
	simple         func(argv []string) (out []byte, stderr string, status int)
	stdout, stderr strings.Builder
}

func (sh *shell) list(l list) int {
	status := 0
	for _, ao := range l {
		status = sh.andOr(ao)
	}
	return status
}

func (sh *shell) andOr(ao andOr) int {
	status := sh.command(ao.first)
	for _, s := range ao.rest {
		if (s.op == "&&") == (status == 0) {
			status = sh.command(s.cmd)
		}
	}
	return status
}

func (sh *shell) command(c command) int {
	// Redirections apply to what the command prints.
	outer := &shell{simple: sh.simple}
	var status int
	switch {
	case c.group != nil:
		status = outer.list(*c.group)
	case c.cond != nil:
		if outer.list(*c.cond) == 0 {
			status = outer.list(*c.body)
		} else if c.other != nil {
			status = outer.list(*c.other)
		}
	default:
		out, errText, st := sh.simple(c.argv)
		outer.stdout.Write(out)
		outer.stderr.WriteString(errText)
		status = st
	}
	stdout, stderr := outer.stdout.String(), outer.stderr.String()
	for _, r := range c.redirs {
		switch r {
		case "1>/dev/null":
			stdout = ""
		case "2>/dev/null":
			stderr = ""
		case "2>&1":
			stdout, stderr = stdout+stderr, ""
		case "1>&2":
			stdout, stderr = "", stderr+stdout
		}
	}
	sh.stdout.WriteString(stdout)
	sh.stderr.WriteString(stderr)
	return status
}

// dateFormat is date +FORMAT for the conversions firedrill uses: %s the
// seconds since the epoch, %N the nanoseconds, %% a percent sign.
func dateFormat(format string, sec int64, nsec int) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			b.WriteByte(format[i])
			continue
		}
		if i+1 == len(format) {
			return "", false
		}
		i++
		switch format[i] {
		case 's':
			fmt.Fprint(&b, sec)
		case 'N':
			fmt.Fprintf(&b, "%09d", nsec)
		case '%':
			b.WriteByte('%')
		default:
			return "", false
		}
	}
	return b.String(), true
}
