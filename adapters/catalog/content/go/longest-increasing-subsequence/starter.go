//go:build ignore

package main

// lengthOfLIS returns the length of the longest strictly increasing
// subsequence of nums.
func lengthOfLIS(nums []int) int {
	// TODO: find the length of the longest increasing subsequence.
	return 0
}
