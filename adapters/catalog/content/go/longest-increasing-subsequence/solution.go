//go:build ignore

package main

import "sort"

// lengthOfLIS returns the length of the longest strictly increasing
// subsequence of nums, in O(n log n) time.
func lengthOfLIS(nums []int) int {
	// tails[l] is the smallest last value of any increasing subsequence of
	// length l+1 seen so far; it is always sorted.
	var tails []int
	for _, x := range nums {
		i := sort.SearchInts(tails, x) // first tail >= x
		if i == len(tails) {
			tails = append(tails, x)
		} else {
			tails[i] = x
		}
	}
	return len(tails)
}
