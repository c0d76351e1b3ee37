package exercise_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

func loadLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func dateSet(dates ...string) map[string]bool {
	m := map[string]bool{}
	for _, d := range dates {
		m[d] = true
	}
	return m
}

func TestStreaks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		days             map[string]bool
		today            string
		current, longest int
	}{
		{"no solves", nil, "2026-03-10", 0, 0},
		{"today only", dateSet("2026-03-10"), "2026-03-10", 1, 1},
		{"yesterday only is still alive", dateSet("2026-03-09"), "2026-03-10", 1, 1},
		{"two days ago is broken", dateSet("2026-03-08"), "2026-03-10", 0, 1},
		{"three days up to today", dateSet("2026-03-08", "2026-03-09", "2026-03-10"), "2026-03-10", 3, 3},
		{"three days up to yesterday", dateSet("2026-03-07", "2026-03-08", "2026-03-09"), "2026-03-10", 3, 3},
		{"broken run keeps the longest", dateSet("2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07"), "2026-03-10", 0, 4},
		{"a gap restarts the run", dateSet("2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23", "2026-02-24",
			"2026-03-09", "2026-03-10"), "2026-03-10", 2, 5},
		{"current is the longest", dateSet("2026-03-01", "2026-03-02", "2026-03-05", "2026-03-06", "2026-03-07"), "2026-03-07", 3, 3},
		{"across a month end", dateSet("2026-02-27", "2026-02-28", "2026-03-01"), "2026-03-01", 3, 3},
		{"across a leap day", dateSet("2028-02-28", "2028-02-29", "2028-03-01"), "2028-03-02", 3, 3},
		{"across a year end", dateSet("2025-12-31", "2026-01-01"), "2026-01-01", 2, 2},
		{"across the US DST change", dateSet("2026-03-07", "2026-03-08", "2026-03-09"), "2026-03-09", 3, 3},
		{"a future day does not keep it alive", dateSet("2026-03-12"), "2026-03-10", 0, 1},
		{"unparseable dates are ignored", dateSet("2026-03-10", "yesterday"), "2026-03-10", 1, 1},
		{"unparseable today", dateSet("2026-03-10"), "", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			current, longest := exercise.Streaks(tt.days, tt.today)
			assert.Equal(t, tt.current, current, "current")
			assert.Equal(t, tt.longest, longest, "longest")
		})
	}
}

func TestLocalDate(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 1, 10, 23, 30, 0, 0, time.UTC)
	assert.Equal(t, "2026-01-10", exercise.LocalDate(ts, time.UTC))
	assert.Equal(t, "2026-01-11", exercise.LocalDate(ts, loadLocation(t, "Asia/Tokyo")))
	assert.Equal(t, "2026-01-10", exercise.LocalDate(ts, loadLocation(t, "America/New_York")))
}

func TestComputeProgressStreakDependsOnTimeZone(t *testing.T) {
	t.Parallel()
	tokyo := loadLocation(t, "Asia/Tokyo")
	newYork := loadLocation(t, "America/New_York")

	// 23:30 UTC on 10 January is 08:30 on the 11th in Tokyo and 18:30 on the
	// 10th in New York.
	late := time.Date(2026, 1, 10, 23, 30, 0, 0, time.UTC)
	next := time.Date(2026, 1, 11, 14, 0, 0, 0, time.UTC) // Tokyo 23:00 on the 11th, New York 09:00 on the 11th

	t.Run("two solves: one Tokyo day, two New York days", func(t *testing.T) {
		t.Parallel()
		records := []exercise.AttemptRecord{
			solved("a", language.Go, exercise.Easy, []string{"loops"}, late, 0, 0),
			solved("b", language.Go, exercise.Easy, []string{"loops"}, next, 0, 0),
		}
		now := time.Date(2026, 1, 11, 15, 0, 0, 0, time.UTC) // Tokyo 00:00 on the 12th, New York 10:00 on the 11th

		ny := exercise.ComputeProgress(records, newYork, now)
		assert.Equal(t, 2, ny.CurrentStreak)
		assert.Equal(t, 2, ny.LongestStreak)

		tk := exercise.ComputeProgress(records, tokyo, now)
		assert.Equal(t, 1, tk.CurrentStreak)
		assert.Equal(t, 1, tk.LongestStreak)
	})

	t.Run("one late solve: alive in Tokyo, broken in New York", func(t *testing.T) {
		t.Parallel()
		records := []exercise.AttemptRecord{solved("a", language.Go, exercise.Easy, []string{"loops"}, late, 0, 0)}
		now := time.Date(2026, 1, 12, 14, 0, 0, 0, time.UTC) // Tokyo 23:00 on the 12th, New York 09:00 on the 12th

		tk := exercise.ComputeProgress(records, tokyo, now)
		assert.Equal(t, 1, tk.CurrentStreak, "solved on the 11th, Tokyo's yesterday")
		ny := exercise.ComputeProgress(records, newYork, now)
		assert.Equal(t, 0, ny.CurrentStreak, "solved on the 10th, two New York days ago")
		assert.Equal(t, 1, ny.LongestStreak)
	})
}

func TestComputeProgressCounts(t *testing.T) {
	t.Parallel()
	now := t0
	records := []exercise.AttemptRecord{
		solved("py-easy", language.Python, exercise.Easy, []string{"loops"}, now.Add(-time.Hour), 0, 0),
		solved("py-medium", language.Python, exercise.Medium, []string{"strings"}, now.AddDate(0, 0, -1), 2, 1),
		solved("go-hard", language.Go, exercise.Hard, []string{"graphs"}, now.AddDate(0, 0, -2), 0, 3),
		solved("go-hard-old", language.Go, exercise.Hard, []string{"graphs"}, now.AddDate(0, 0, -20), 1, 0),
		skipped("js-skip", language.JavaScript, exercise.Medium, []string{"dom"}, now.AddDate(0, 0, -3)),
		struggling("go-wip", language.Go, exercise.Medium, []string{"maps"}, now.AddDate(0, 0, -1), 2),
		{
			Attempt:  exercise.AttemptSnapshot{ID: "a-new", ExerciseID: "py-new", Status: exercise.Assigned, AssignedAt: now, UpdatedAt: now},
			Exercise: exercise.Summary{ID: "py-new", Language: language.Python, Difficulty: exercise.Easy},
		},
	}
	p := exercise.ComputeProgress(records, time.UTC, now)

	assert.Equal(t, 4, p.SolvedTotal)
	assert.Equal(t, map[string]int{"python": 2, "javascript": 0, "go": 2}, p.SolvedByLanguage)
	assert.Equal(t, map[int]int{1: 1, 2: 1, 3: 2}, p.SolvedByDifficulty)
	assert.Equal(t, 2, p.HardSolves)
	assert.Equal(t, 2, p.CleanSolves)
	assert.Equal(t, 3, p.HintsUsed)
	assert.InDelta(t, 0.5, p.HintRate, 1e-12)
	assert.Equal(t, 1, p.Skipped)
	assert.Equal(t, 1, p.InProgress)

	wantXP := exercise.XPFor(exercise.Easy, 0) + exercise.XPFor(exercise.Medium, 2) + exercise.XPFor(exercise.Hard, 0) + exercise.XPFor(exercise.Hard, 1)
	assert.Equal(t, 111, wantXP)
	assert.Equal(t, wantXP, p.XP)
	assert.Equal(t, 2, p.Level)
	assert.Equal(t, 50, p.LevelStartXP)
	assert.Equal(t, 150, p.NextLevelXP)
	assert.Equal(t, 3, p.CurrentStreak)
	assert.Equal(t, 3, p.LongestStreak)

	require.Len(t, p.RecentActivity, exercise.RecentDays)
	assert.Equal(t, "2026-02-25", p.RecentActivity[0].Date, "oldest first")
	assert.Equal(t, "2026-03-10", p.RecentActivity[13].Date, "today last")
	byDate := map[string]exercise.DayActivity{}
	for _, d := range p.RecentActivity {
		byDate[d.Date] = d
	}
	assert.Equal(t, exercise.DayActivity{Date: "2026-03-10", Solved: 1, Attempts: 2}, byDate["2026-03-10"])
	assert.Equal(t, exercise.DayActivity{Date: "2026-03-09", Solved: 1, Attempts: 2}, byDate["2026-03-09"])
	assert.Equal(t, exercise.DayActivity{Date: "2026-03-08", Solved: 1, Attempts: 1}, byDate["2026-03-08"])
	assert.Equal(t, exercise.DayActivity{Date: "2026-03-07", Solved: 0, Attempts: 1}, byDate["2026-03-07"])
	total := 0
	for _, d := range p.RecentActivity {
		total += d.Attempts
	}
	assert.Equal(t, 6, total, "the solve 20 days ago is outside the window")
}

func TestComputeProgressEmpty(t *testing.T) {
	t.Parallel()
	p := exercise.ComputeProgress(nil, time.UTC, t0)
	assert.Equal(t, map[string]int{"python": 0, "javascript": 0, "go": 0}, p.SolvedByLanguage)
	assert.Equal(t, map[int]int{1: 0, 2: 0, 3: 0}, p.SolvedByDifficulty)
	assert.Zero(t, p.HintRate)
	assert.Zero(t, p.XP)
	assert.Equal(t, 1, p.Level)
	assert.Equal(t, 0, p.LevelStartXP)
	assert.Equal(t, 50, p.NextLevelXP)
	assert.Zero(t, p.CurrentStreak)
	assert.Len(t, p.RecentActivity, exercise.RecentDays)
}

func TestComputeProgressActivityWindow(t *testing.T) {
	t.Parallel()
	newYork := loadLocation(t, "America/New_York")
	tokyo := loadLocation(t, "Asia/Tokyo")
	// 2026-03-10 23:30 UTC: Tokyo is already on the 11th; the New York window spans the DST change of 8 March.
	now := time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC)

	for _, tc := range []struct {
		loc         *time.Location
		first, last string
	}{
		{time.UTC, "2026-02-25", "2026-03-10"},
		{newYork, "2026-02-25", "2026-03-10"},
		{tokyo, "2026-02-26", "2026-03-11"},
	} {
		t.Run(tc.loc.String(), func(t *testing.T) {
			t.Parallel()
			records := []exercise.AttemptRecord{
				solved("edge-in", language.Go, exercise.Easy, nil, now.AddDate(0, 0, -13), 0, 0),
				solved("edge-out", language.Go, exercise.Easy, nil, now.AddDate(0, 0, -14).Add(-2*time.Hour), 0, 0),
			}
			p := exercise.ComputeProgress(records, tc.loc, now)
			require.Len(t, p.RecentActivity, exercise.RecentDays)
			assert.Equal(t, tc.first, p.RecentActivity[0].Date)
			assert.Equal(t, tc.last, p.RecentActivity[exercise.RecentDays-1].Date)
			for i := 1; i < len(p.RecentActivity); i++ {
				prev, err := time.Parse(time.DateOnly, p.RecentActivity[i-1].Date)
				require.NoError(t, err)
				assert.Equal(t, prev.AddDate(0, 0, 1).Format(time.DateOnly), p.RecentActivity[i].Date, "consecutive days")
			}
			assert.Equal(t, 1, p.RecentActivity[0].Solved, "13 days ago is the window's first day")
			sum := 0
			for _, d := range p.RecentActivity {
				sum += d.Solved
			}
			assert.Equal(t, 1, sum, "14 days ago is outside")
			assert.Equal(t, 2, p.SolvedTotal, "the window limits activity, not totals")
		})
	}
}

func TestComputeProgressIgnoresCompletedWithoutTime(t *testing.T) {
	t.Parallel()
	r := solved("x", language.Go, exercise.Easy, nil, t0, 0, 0)
	r.Attempt.CompletedAt = nil
	p := exercise.ComputeProgress([]exercise.AttemptRecord{r}, time.UTC, t0)
	assert.Zero(t, p.SolvedTotal)
	assert.Zero(t, p.XP)
}

func TestEarned(t *testing.T) {
	t.Parallel()
	prog := func(f func(p *exercise.Progress)) exercise.Stats {
		p := exercise.Progress{SolvedByLanguage: map[string]int{"python": 0, "javascript": 0, "go": 0}}
		f(&p)
		return exercise.Stats{Progress: p}
	}
	tests := []struct {
		name  string
		stats exercise.Stats
		want  []string
	}{
		{"nothing", prog(func(*exercise.Progress) {}), nil},
		{"first solve", prog(func(p *exercise.Progress) { p.SolvedTotal = 1 }), []string{"first_solve"}},
		{"streak 2", prog(func(p *exercise.Progress) { p.CurrentStreak = 2 }), nil},
		{"streak 3", prog(func(p *exercise.Progress) { p.CurrentStreak = 3 }), []string{"streak_3"}},
		{"streak 6", prog(func(p *exercise.Progress) { p.CurrentStreak = 6 }), []string{"streak_3"}},
		{"streak 7", prog(func(p *exercise.Progress) { p.CurrentStreak = 7 }), []string{"streak_3", "streak_7"}},
		{"streak 29", prog(func(p *exercise.Progress) { p.CurrentStreak = 29 }), []string{"streak_3", "streak_7"}},
		{"streak 30", prog(func(p *exercise.Progress) { p.CurrentStreak = 30 }), []string{"streak_3", "streak_7", "streak_30"}},
		{"a broken long streak earns nothing now", prog(func(p *exercise.Progress) { p.LongestStreak = 30 }), nil},
		{"9 clean solves", prog(func(p *exercise.Progress) { p.CleanSolves = 9 }), nil},
		{"10 clean solves", prog(func(p *exercise.Progress) { p.CleanSolves = 10 }), []string{"clean_10"}},
		{"two languages", prog(func(p *exercise.Progress) {
			p.SolvedByLanguage["python"], p.SolvedByLanguage["go"] = 3, 1
		}), nil},
		{"three languages", prog(func(p *exercise.Progress) {
			p.SolvedByLanguage["python"], p.SolvedByLanguage["javascript"], p.SolvedByLanguage["go"] = 1, 1, 1
		}), []string{"polyglot"}},
		{"polyglot with a nil map", exercise.Stats{}, nil},
		{"4 hard", prog(func(p *exercise.Progress) { p.HardSolves = 4 }), nil},
		{"5 hard", prog(func(p *exercise.Progress) { p.HardSolves = 5 }), []string{"hard_5"}},
		{"24 solves", prog(func(p *exercise.Progress) { p.SolvedTotal = 24 }), []string{"first_solve"}},
		{"25 solves", prog(func(p *exercise.Progress) { p.SolvedTotal = 25 }), []string{"first_solve", "solves_25"}},
		{"level 4", prog(func(p *exercise.Progress) { p.Level = 4 }), nil},
		{"level 5", prog(func(p *exercise.Progress) { p.Level = 5 }), []string{"level_5"}},
		{"first generated", exercise.Stats{GeneratedExercises: 1}, []string{"first_generated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, exercise.Earned(tt.stats))
		})
	}
}

func TestEarnedFromComputedProgress(t *testing.T) {
	t.Parallel()
	var records []exercise.AttemptRecord
	for i, l := range language.All() {
		records = append(records, solved(l.String(), l, exercise.Easy, nil, t0.AddDate(0, 0, -i), 0, 0))
	}
	p := exercise.ComputeProgress(records, time.UTC, t0)
	assert.Equal(t, []string{"first_solve", "streak_3", "polyglot"}, exercise.Earned(exercise.Stats{Progress: p}))
}

func TestAchievementDefinitions(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, a := range exercise.Achievements {
		assert.False(t, seen[a.Code], "duplicate code %s", a.Code)
		seen[a.Code] = true
		assert.NotEmpty(t, a.Name)
		assert.NotEmpty(t, a.Description)
		got, ok := exercise.AchievementByCode(a.Code)
		require.True(t, ok)
		assert.Equal(t, a.Name, got.Name)
	}
	assert.Len(t, exercise.Achievements, 10)
	_, ok := exercise.AchievementByCode("nope")
	assert.False(t, ok)
}
