//go:build ignore

package main

import "sort"

// mergeIntervals merges the intervals that overlap or touch and returns the
// result sorted by start.
func mergeIntervals(intervals [][]int) [][]int {
	sorted := make([][]int, len(intervals))
	copy(sorted, intervals) // leave the caller's slice in its order
	sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })

	merged := make([][]int, 0, len(sorted))
	for _, iv := range sorted {
		if n := len(merged); n > 0 && iv[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], iv[1])
			continue
		}
		merged = append(merged, []int{iv[0], iv[1]})
	}
	return merged
}
