package exercise_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/codementor/codementor/domain/exercise"
)

func TestXPFor(t *testing.T) {
	t.Parallel()
	// 10, 25, 50 minus a quarter per hint, rounded half away from zero,
	// never below a tenth.
	want := map[exercise.Difficulty][6]int{
		exercise.Easy:   {10, 8, 5, 3, 1, 1},
		exercise.Medium: {25, 19, 13, 6, 3, 3},
		exercise.Hard:   {50, 38, 25, 13, 5, 5},
	}
	for d, row := range want {
		for hints, xp := range row {
			t.Run(fmt.Sprintf("%s/%d hints", d, hints), func(t *testing.T) {
				t.Parallel()
				got := exercise.XPFor(d, hints)
				assert.Equal(t, xp, got)
				assert.GreaterOrEqual(t, got, 1, "a solve always earns something")
				assert.GreaterOrEqual(t, got*10, row[0], "never below a tenth of the base")
				if hints > 0 {
					assert.LessOrEqual(t, got, exercise.XPFor(d, hints-1), "a hint never earns more")
				}
			})
		}
	}
}

func TestXPForEdgeCases(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 50, exercise.XPFor(exercise.Hard, -3), "negative hints count as none")
	assert.Equal(t, 5, exercise.XPFor(exercise.Hard, 100))
	assert.Equal(t, 1, exercise.XPFor(exercise.Easy, 100))
	assert.Equal(t, 0, exercise.XPFor(exercise.Difficulty{}, 0), "no difficulty, no XP")
}

func TestLevel(t *testing.T) {
	t.Parallel()
	tests := []struct{ xp, level int }{
		{-10, 1}, {0, 1}, {1, 1}, {49, 1},
		{50, 2}, {51, 2}, {149, 2},
		{150, 3}, {299, 3},
		{300, 4}, {499, 4},
		{500, 5}, {749, 5},
		{750, 6},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.xp), func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.level, exercise.Level(tt.xp))
		})
	}
}

func TestLevelStart(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]int{1: 0, 2: 50, 3: 150, 4: 300, 5: 500, 6: 750} {
		assert.Equal(t, want, exercise.LevelStart(n), "level %d", n)
	}
	for n := 1; n < 30; n++ {
		assert.Equal(t, 50*n, exercise.LevelStart(n+1)-exercise.LevelStart(n), "level %d asks 50 XP more than the one before", n)
		assert.Equal(t, n, exercise.Level(exercise.LevelStart(n)))
		assert.Equal(t, n, exercise.Level(exercise.LevelStart(n+1)-1))
	}
}
