//go:build ignore

package main

// uniquePaths returns how many right/down paths lead from the top-left to the
// bottom-right cell of grid without entering a cell that holds 1.
func uniquePaths(grid [][]int) int {
	if len(grid) == 0 || len(grid[0]) == 0 {
		return 0
	}
	// ways[c] is the number of paths to column c of the current row; before a
	// cell is updated it still holds the count for the cell above it.
	ways := make([]int, len(grid[0]))
	ways[0] = 1
	for _, row := range grid {
		for c, cell := range row {
			switch {
			case cell == 1:
				ways[c] = 0
			case c > 0:
				ways[c] += ways[c-1]
			}
		}
	}
	return ways[len(ways)-1]
}
