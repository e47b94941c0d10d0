// Package similar measures how far apart two sequences are, for the suggestions conform makes
// when it does not know what it was given (a configuration key, a step).
package similar

// Distance is the Levenshtein distance of a and b: the fewest insertions, deletions and
// substitutions of elements that turn one into the other.
func Distance[T comparable](a, b []T) int {
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
