//go:build ignore

package main

// topKWords returns the k most frequent words: higher counts first, equal
// counts in ascending string order.
func topKWords(words []string, k int) []string {
	// TODO: count the words, order them and keep the first k.
	return nil
}
