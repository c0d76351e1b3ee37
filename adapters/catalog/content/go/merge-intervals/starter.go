//go:build ignore

package main

// mergeIntervals merges the intervals that overlap or touch and returns the
// result sorted by start. For example, [[1,3] [2,6] [8,10]] becomes [[1,6] [8,10]].
func mergeIntervals(intervals [][]int) [][]int {
	// TODO: merge the overlapping intervals.
	return nil
}
