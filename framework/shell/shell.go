// Package shell writes command lines for a POSIX shell. Every script and
// runbook line the tool builds quotes its words here, so a value with a
// space, a quote or a `$(...)` in it stays one word and is never run.
package shell

import "strings"

// Quote makes s one word of a POSIX shell line: as it is when it holds
// only characters no shell treats specially, else in single quotes (each
// single quote inside closes the quotes, is escaped, and reopens them).
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Line is a command and its arguments as one shell line, each word quoted.
func Line(command string, args ...string) string {
	words := make([]string, 0, 1+len(args))
	words = append(words, Quote(command))
	for _, a := range args {
		words = append(words, Quote(a))
	}
	return strings.Join(words, " ")
}
