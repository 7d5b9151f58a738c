package scenario

import (
	"fmt"
	"strings"
)

// levenshtein is the edit distance between a and b (bytes; names are ASCII).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// closest returns the candidate nearest to name (case-insensitive edit
// distance; ties go to the first in candidates) and its distance.
func closest(name string, candidates []string) (string, int) {
	best, bestD := "", -1
	for _, c := range candidates {
		d := levenshtein(strings.ToLower(name), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// didYouMean returns ` (did you mean "x"?)` when a candidate is close enough
// to be a likely typo of name, else "".
func didYouMean(name string, candidates []string) string {
	best, d := closest(name, candidates)
	if d < 0 || d > max(2, len(name)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// QuoteList is names quoted and joined for a message, `"a", "b" or
// "c"`, as the loader writes lists: for providers' Check.
func QuoteList(names []string) string { return quoteList(names) }

// quoteList writes names as `"a", "b" or "c"`.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return "none"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
