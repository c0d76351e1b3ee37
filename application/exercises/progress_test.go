package exercises_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

func TestCompleteNeedsAPassAndIsIdempotent(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)

	_, err := svc.Complete(ctx, id, e.ID())
	require.ErrorIs(t, err, domain.ErrConflict, "nothing submitted")
	untouched, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Nil(t, untouched.Attempt, "the refused complete left no attempt behind")
	_, err = svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: "def second_largest(n):\n    return 0\n"})
	require.NoError(t, err)
	_, err = svc.Complete(ctx, id, e.ID())
	require.ErrorIs(t, err, domain.ErrConflict, "no passing submission")
	v, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, exercise.InProgress, v.Attempt.Status())

	s := solve(t, svc, id, e)
	for range 2 {
		c, err := svc.Complete(ctx, id, e.ID())
		require.NoError(t, err)
		assert.Zero(t, c.XPAwarded, "the pass completed it already")
		assert.Empty(t, c.NewAchievements)
		assert.Equal(t, exercise.Completed, c.Attempt.Status())
		assert.Equal(t, s.XPAwarded, c.Attempt.XPAwarded())
	}
	p, err := svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, s.XPAwarded, p.XP)
	assert.Equal(t, 1, p.SolvedTotal)

	_, err = svc.Skip(ctx, id, e.ID())
	require.ErrorIs(t, err, domain.ErrConflict, "a completed exercise cannot be skipped")
	v, err = svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, exercise.Completed, v.Attempt.Status())
}

func TestCompleteOfUnknownExerciseIsNotFound(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	_, err := svc.Complete(ctx, id, "0190a6a4-0000-7000-8000-000000000000")
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = svc.Skip(ctx, id, "x")
	require.ErrorIs(t, err, domain.ErrNotFound)
}

func TestSkippedExerciseIsReopenedBySubmitting(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	sk, err := svc.Skip(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, exercise.Skipped, sk.Attempt.Status())
	p, err := svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 1, p.Skipped)

	s := solve(t, svc, id, e)
	assert.Equal(t, exercise.Completed, s.Attempt.Status())
	assert.Nil(t, s.Attempt.SkippedAt())
	p, err = svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Zero(t, p.Skipped)
	assert.Equal(t, 1, p.SolvedTotal)
}

func TestHistoryPagesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	for _, spaced := range []bool{true, false} {
		name := "same instant"
		if spaced {
			name = "a minute apart"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := accounttest.New(t)
			svc := f.Exercises(t)
			id, other := register(t, f), register(t, f)
			all := allVisible(t, svc, id)
			var touched []string // in order of their last change
			for _, s := range all[:5] {
				_, err := svc.Hint(ctx, id, s.ID)
				require.NoError(t, err)
				touched = append(touched, s.ID)
				if spaced {
					f.Clock.Advance(time.Minute)
				}
			}
			_, err := svc.Skip(ctx, other, all[6].ID) // someone else's attempt
			require.NoError(t, err)

			var got []string
			cursor := ""
			pages := 0
			for {
				items, next, err := svc.History(ctx, id, ports.Page{Cursor: cursor, Limit: 2})
				require.NoError(t, err)
				assert.LessOrEqual(t, len(items), 2)
				for _, r := range items {
					assert.Equal(t, id, r.Attempt.LearnerID)
					assert.Equal(t, r.Attempt.ExerciseID, r.Exercise.ID, "with its exercise")
					got = append(got, r.Attempt.ExerciseID)
				}
				pages++
				require.Less(t, pages, 10)
				if next == "" {
					break
				}
				cursor = next
			}
			assert.Equal(t, 3, pages)
			assert.ElementsMatch(t, touched, got)
			seen := map[string]bool{}
			for _, g := range got {
				assert.False(t, seen[g], "duplicate %s", g)
				seen[g] = true
			}
			if spaced {
				want := make([]string, 0, len(touched))
				for i := len(touched) - 1; i >= 0; i-- {
					want = append(want, touched[i])
				}
				assert.Equal(t, want, got, "most recent first")
			}
		})
	}
}

func TestHistoryRejectsAForeignCursor(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	_, _, err := svc.History(ctx, id, ports.Page{Cursor: "not a cursor", Limit: 2})
	var verr *domain.ValidationError
	require.ErrorAs(t, err, &verr)
	items, next, err := svc.History(ctx, id, ports.Page{Limit: 2})
	require.NoError(t, err)
	assert.Empty(t, items)
	assert.Empty(t, next)
}

func TestProgressAndAchievements(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	setTimezone(t, f, id, "Europe/Berlin")
	advanceTo(f, 10, 0)

	ach, err := svc.Achievements(ctx, id)
	require.NoError(t, err)
	require.Len(t, ach, len(exercise.Achievements))
	for i, a := range ach {
		assert.Equal(t, exercise.Achievements[i].Code, a.Code, "in display order")
		assert.NotEmpty(t, a.Name)
		assert.NotEmpty(t, a.Description)
		assert.Nil(t, a.EarnedAt)
	}
	p, err := svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Zero(t, p.XP)
	assert.Equal(t, 1, p.Level)
	assert.Len(t, p.RecentActivity, exercise.RecentDays)

	// Day 1: python. Day 2: javascript. Day 3: go, earning a streak and polyglot.
	firstDay := f.Clock.Now()
	total := 0
	var earned []string
	for i, pick := range []struct {
		lang language.Language
		slug string
	}{{language.Python, "second-largest"}, {language.JavaScript, "count-vowels"}, {language.Go, "sum-of-digits"}} {
		e := find(t, svc, id, pick.lang, pick.slug)
		s := solve(t, svc, id, e)
		total += s.XPAwarded
		earned = append(earned, s.NewAchievements...)
		if i == 0 {
			assert.Equal(t, []string{"first_solve"}, s.NewAchievements)
		}
		if i < 2 {
			f.Clock.Advance(24 * time.Hour)
		}
	}
	assert.ElementsMatch(t, []string{"first_solve", "streak_3", "polyglot"}, earned)

	p, err = svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, total, p.XP)
	assert.Equal(t, 3, p.SolvedTotal)
	assert.Equal(t, map[string]int{"python": 1, "javascript": 1, "go": 1}, p.SolvedByLanguage)
	assert.Equal(t, 3, p.CurrentStreak)
	assert.Equal(t, 3, p.LongestStreak)
	assert.Equal(t, 3, p.CleanSolves)
	assert.Equal(t, exercise.Level(total), p.Level)
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	last := p.RecentActivity[len(p.RecentActivity)-1]
	assert.Equal(t, f.Clock.Now().In(berlin).Format(time.DateOnly), last.Date)
	assert.Equal(t, 1, last.Solved)

	ach, err = svc.Achievements(ctx, id)
	require.NoError(t, err)
	require.Len(t, ach, len(exercise.Achievements))
	for _, a := range ach {
		switch a.Code {
		case "first_solve":
			require.NotNil(t, a.EarnedAt)
			assert.True(t, a.EarnedAt.Equal(firstDay), "earned at the first solve")
		case "streak_3", "polyglot":
			require.NotNil(t, a.EarnedAt, a.Code)
			assert.True(t, a.EarnedAt.Equal(f.Clock.Now()), a.Code)
		default:
			assert.Nil(t, a.EarnedAt, a.Code)
		}
	}

	// A day without a solve keeps the streak; two end it.
	f.Clock.Advance(24 * time.Hour)
	p, err = svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 3, p.CurrentStreak)
	f.Clock.Advance(24 * time.Hour)
	p, err = svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Zero(t, p.CurrentStreak)
	assert.Equal(t, 3, p.LongestStreak)
}

func TestListRejectsUnknownTopics(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	_, _, err := svc.List(ctx, ports.ExerciseFilter{ViewerID: id, Topic: "astrology"})
	assert.Equal(t, []string{"topic"}, issueFields(t, err))

	items, _, err := svc.List(ctx, ports.ExerciseFilter{ViewerID: id, Topic: "strings", Page: ports.Page{Limit: 100}})
	require.NoError(t, err)
	require.NotEmpty(t, items)
	for _, s := range items {
		assert.Contains(t, s.Topics, "strings")
	}

	var seen []string
	cursor := ""
	for {
		page, next, err := svc.List(ctx, ports.ExerciseFilter{ViewerID: id, Page: ports.Page{Cursor: cursor, Limit: 7}})
		require.NoError(t, err)
		for _, s := range page {
			seen = append(seen, s.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	assert.Len(t, seen, 36)
	uniq := map[string]bool{}
	for _, s := range seen {
		uniq[s] = true
	}
	assert.Len(t, uniq, 36)
}
