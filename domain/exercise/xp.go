package exercise

import "math"

// XP for a solve: 10, 25 or 50 by difficulty, minus a quarter of that per
// hint used, never below a tenth (a solve always earns something).
func XPFor(d Difficulty, hintsUsed int) int {
	base := [...]int{0, 10, 25, 50}[d.value]
	if hintsUsed < 0 {
		hintsUsed = 0
	}
	factor := math.Max(0.1, 1-0.25*float64(hintsUsed))
	xp := int(math.Round(float64(base) * factor))
	if xp < 1 && base > 0 {
		xp = 1
	}
	return xp
}

// Level for a total XP: level n starts at 50*n*(n-1)/2 XP (0, 50, 150,
// 300, 500...), so each level asks 50 XP more than the one before.
func Level(xp int) int {
	if xp <= 0 {
		return 1
	}
	n := 1
	for LevelStart(n+1) <= xp {
		n++
	}
	return n
}

// LevelStart is the XP at which level n begins.
func LevelStart(n int) int { return 50 * n * (n - 1) / 2 }
