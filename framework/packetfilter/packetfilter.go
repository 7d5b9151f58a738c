// Package packetfilter finds and removes the packet filter rules firedrill
// put in a node. Each rule it inserts carries the comment Comment; a run
// that died leaves them, and three things remove them: `firedrill clean`,
// the undo journal, and the undo a fault leaves on the host to run by
// itself. All three read `iptables -S` listings, which are text anyone with
// NET_ADMIN in the node can write into (a comment is free text), so a
// listing is parsed into words and never handed to a shell: a line that is
// not plainly one of firedrill's rules is skipped.
package packetfilter

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Comment marks every rule firedrill inserts (iptables -m comment).
const Comment = "firedrill"

// Tools are the packet filters a node has: kind's network is dual-stack.
var Tools = []string{"iptables", "ip6tables"}

// Rule is one of firedrill's rules as `iptables -S` lists it, without the
// -A: its chain, then its matches and target. Deleting it is
// `iptables -D` followed by these words.
type Rule []string

func (r Rule) String() string { return "-A " + strings.Join(r, " ") }

// Marked are the rules of a listing that carry firedrill's comment, each as
// its words. A line with a quote, a backslash, a `$` or a backquote is
// skipped: firedrill's rules have none, and iptables quotes a comment it
// did not write plainly.
func Marked(listing string) []Rule {
	var out []Rule
	for _, line := range strings.Split(listing, "\n") {
		if strings.ContainsAny(line, "\"'\\$`") {
			continue
		}
		words := strings.Fields(line)
		if len(words) < 2 || words[0] != "-A" || !marked(words) {
			continue
		}
		out = append(out, Rule(words[1:]))
	}
	return out
}

// marked says whether the words hold `--comment firedrill` as a pair.
func marked(words []string) bool {
	for i := 0; i+1 < len(words); i++ {
		if words[i] == "--comment" && words[i+1] == Comment {
			return true
		}
	}
	return false
}

// Run runs one command (argv, no shell) on the node and returns its output.
type Run func(ctx context.Context, argv ...string) ([]byte, error)

// Found is a marked rule in one tool's table.
type Found struct {
	Tool string
	Rule Rule
}

// List are firedrill's rules in the node, by tool. A tool the node lacks
// or cannot list is an error for that tool; the others are still listed.
func List(ctx context.Context, run Run) ([]Found, error) {
	var out []Found
	var errs []error
	for _, tool := range Tools {
		listing, err := run(ctx, tool, "-S")
		if err != nil {
			errs = append(errs, fmt.Errorf("%s -S: %w", tool, err))
			continue
		}
		for _, r := range Marked(string(listing)) {
			out = append(out, Found{Tool: tool, Rule: r})
		}
	}
	return out, errors.Join(errs...)
}

// Remove deletes the rule if it is still there (an undo may have removed
// it already).
func (f Found) Remove(ctx context.Context, run Run) error {
	if _, err := run(ctx, append([]string{f.Tool, "-C"}, f.Rule...)...); err != nil {
		return nil
	}
	_, err := run(ctx, append([]string{f.Tool, "-D"}, f.Rule...)...)
	return err
}

// RemoveAll deletes every rule of firedrill's in the node.
func RemoveAll(ctx context.Context, run Run) error {
	found, err := List(ctx, run)
	errs := []error{err}
	for _, f := range found {
		if err := f.Remove(ctx, run); err != nil {
			errs = append(errs, fmt.Errorf("%s -D %s: %w", f.Tool, strings.Join(f.Rule, " "), err))
		}
	}
	return errors.Join(errs...)
}

// RemoveAllScript is RemoveAll as a POSIX shell script, for a host to run
// by itself when the harness is gone (the undo a fault leaves armed). It
// follows Marked's rule: only a line with no quote, backslash, `$` or
// backquote and the pair `--comment firedrill` is taken, split into words
// with globbing off, and given to iptables -D as arguments; nothing read
// is ever evaluated.
const RemoveAllScript = `set -f
for t in iptables ip6tables; do
  command -v "$t" >/dev/null 2>&1 || continue
  "$t" -S | while IFS= read -r line; do
    case "$line" in *[\"\'\\\$\` + "`" + `]*) continue ;; esac
    case "$line" in "-A "*) ;; *) continue ;; esac
    case " $line " in *" --comment ` + Comment + ` "*) ;; *) continue ;; esac
    set -- $line
    shift
    "$t" -D "$@" || exit 1
  done || exit 1
done`
