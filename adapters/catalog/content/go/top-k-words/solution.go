//go:build ignore

package main

import "sort"

// topKWords returns the k most frequent words: higher counts first, equal
// counts in ascending string order.
func topKWords(words []string, k int) []string {
	counts := make(map[string]int)
	for _, w := range words {
		counts[w]++
	}

	distinct := make([]string, 0, len(counts))
	for w := range counts {
		distinct = append(distinct, w)
	}
	sort.Slice(distinct, func(i, j int) bool {
		a, b := distinct[i], distinct[j]
		if counts[a] != counts[b] {
			return counts[a] > counts[b]
		}
		return a < b
	})

	k = max(0, min(k, len(distinct)))
	return distinct[:k]
}
