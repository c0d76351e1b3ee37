//go:build ignore

package main

// numIslands returns the number of groups of 1 cells connected up, down, left
// or right in grid.
func numIslands(grid [][]int) int {
	seen := make([][]bool, len(grid))
	for r := range grid {
		seen[r] = make([]bool, len(grid[r]))
	}

	// visit marks every land cell of the island that contains (r, c).
	var visit func(r, c int)
	visit = func(r, c int) {
		if r < 0 || r >= len(grid) || c < 0 || c >= len(grid[r]) || grid[r][c] != 1 || seen[r][c] {
			return
		}
		seen[r][c] = true
		visit(r+1, c)
		visit(r-1, c)
		visit(r, c+1)
		visit(r, c-1)
	}

	islands := 0
	for r, row := range grid {
		for c, cell := range row {
			if cell == 1 && !seen[r][c] {
				islands++
				visit(r, c)
			}
		}
	}
	return islands
}
