//go:build ignore

package main

import "sort"

// searchRange returns the first and last index of target in the sorted slice
// nums, or [-1, -1] when target is absent.
func searchRange(nums []int, target int) []int {
	first := sort.SearchInts(nums, target) // first index with nums[i] >= target
	if first == len(nums) || nums[first] != target {
		return []int{-1, -1}
	}
	// First index with nums[i] > target, minus one.
	last := first + sort.Search(len(nums)-first, func(i int) bool { return nums[first+i] > target }) - 1
	return []int{first, last}
}
