// Package suggest finds the likely intended word for a misspelt one, for
// the "did you mean …?" hints of the spec, stormpy.yaml and the CLI.
package suggest

import "strings"

// Closest returns the candidate closest to s by edit distance, ignoring
// case, or "" when none is close enough to be a likely misspelling: the
// distance must stay under half the length of s plus two.
func Closest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if d := Distance(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
