//go:build ignore

package main

// searchRange returns the first and last index of target in the sorted slice
// nums, or [-1, -1] when target is absent.
func searchRange(nums []int, target int) []int {
	// TODO: binary-search the two boundaries of target.
	return nil
}
