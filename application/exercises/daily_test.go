package exercises_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

func TestDailyIsStableWithinTheDayAndCreatesTheAttempt(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	advanceTo(f, 9, 0)

	first, err := svc.Daily(ctx, id)
	require.NoError(t, err)
	require.NotNil(t, first.Exercise)
	assert.Equal(t, exercise.LocalDate(f.Clock.Now(), time.UTC), first.Day)
	require.NotNil(t, first.Attempt, "the daily exercise comes with its attempt")
	assert.Equal(t, exercise.Assigned, first.Attempt.Status())
	assert.Equal(t, first.Exercise.ID(), first.Attempt.ExerciseID())

	for _, d := range []time.Duration{time.Second, time.Hour, 10 * time.Hour} {
		f.Clock.Advance(d)
		again, err := svc.Daily(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, first.Exercise.ID(), again.Exercise.ID())
		assert.Equal(t, first.Day, again.Day)
		assert.Equal(t, first.Attempt.ID(), again.Attempt.ID(), "the same attempt, not a new one")
	}
	hist, _, err := svc.History(ctx, id, ports.Page{Limit: 100})
	require.NoError(t, err)
	assert.Len(t, hist, 1)
}

func TestDailyConcurrentFirstCallsMakeOneAssignment(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)

	const n = 20
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			v, err := svc.Daily(ctx, id)
			errs[i] = err
			if err == nil {
				got[i] = v.Exercise.ID()
			}
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, got[0], got[i], "call %d", i)
	}
	v, err := svc.Daily(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, got[0], v.Exercise.ID())
	hist, _, err := svc.History(ctx, id, ports.Page{Limit: 100})
	require.NoError(t, err)
	require.Len(t, hist, 1, "one attempt: the losers of the race created nothing")
	assert.Equal(t, got[0], hist[0].Attempt.ExerciseID)
}

func TestDailyANewLocalDayGivesANewExercise(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	advanceTo(f, 12, 0)

	seen := map[string]bool{}
	days := map[string]bool{}
	for range 4 {
		v, err := svc.Daily(ctx, id)
		require.NoError(t, err)
		assert.False(t, seen[v.Exercise.ID()], "day %s repeats an exercise", v.Day)
		assert.False(t, days[v.Day])
		seen[v.Exercise.ID()], days[v.Day] = true, true
		f.Clock.Advance(24 * time.Hour)
	}
}

func TestDailyRespectsPreferredLanguages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		langs []string
		skill string
		want  []string
		diff  exercise.Difficulty
	}{
		{[]string{"go"}, "beginner", []string{"go"}, exercise.Easy},
		{[]string{"javascript"}, "advanced", []string{"javascript"}, exercise.Hard},
		{[]string{"python"}, "intermediate", []string{"python"}, exercise.Medium},
		{[]string{"go", "javascript"}, "intermediate", []string{"go", "javascript"}, exercise.Medium},
	} {
		t.Run(tc.skill+"-"+tc.langs[0], func(t *testing.T) {
			t.Parallel()
			f := accounttest.New(t)
			svc := f.Exercises(t)
			id := register(t, f)
			onboard(t, f, id, tc.skill, tc.langs...)
			for range 5 {
				v, err := svc.Daily(ctx, id)
				require.NoError(t, err)
				assert.Contains(t, tc.want, v.Exercise.Language().String())
				assert.Equal(t, tc.diff, v.Exercise.Difficulty(), "the skill level sets the start")
				f.Clock.Advance(24 * time.Hour)
			}
		})
	}
}

func TestDailyDefaultsToPythonForBeginners(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f) // not onboarded: the default preferences
	v, err := svc.Daily(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "python", v.Exercise.Language().String())
	assert.Equal(t, exercise.Easy, v.Exercise.Difficulty(), "a beginner starts easy")
}

func TestDailyFollowsTheLearnersTimeZone(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	east, west, utc := register(t, f), register(t, f), register(t, f)
	setTimezone(t, f, east, "Pacific/Kiritimati") // UTC+14
	setTimezone(t, f, west, "America/Adak")       // UTC-10 (-9 in summer)
	kiri, err := time.LoadLocation("Pacific/Kiritimati")
	require.NoError(t, err)
	adak, err := time.LoadLocation("America/Adak")
	require.NoError(t, err)
	daily := func(id string) exercises.DailyView {
		t.Helper()
		v, err := svc.Daily(ctx, id)
		require.NoError(t, err)
		return v
	}

	// 12:00 UTC on day D: 02:00 on D+1 in Kiritimati, 02:00 or 03:00 on D in Adak.
	advanceTo(f, 12, 0)
	now := f.Clock.Now()
	e1, w1, u1 := daily(east), daily(west), daily(utc)
	assert.Equal(t, now.In(kiri).Format(time.DateOnly), e1.Day)
	assert.Equal(t, now.In(adak).Format(time.DateOnly), w1.Day)
	assert.Equal(t, now.UTC().Format(time.DateOnly), u1.Day)
	assert.Equal(t, u1.Day, w1.Day)
	assert.Equal(t, now.UTC().AddDate(0, 0, 1).Format(time.DateOnly), e1.Day, "Kiritimati is already tomorrow")

	// 13 hours later (01:00 UTC on D+1) UTC's date has changed but neither
	// Kiritimati's nor Adak's has.
	f.Clock.Advance(13 * time.Hour)
	e2, w2, u2 := daily(east), daily(west), daily(utc)
	assert.NotEqual(t, u1.Day, u2.Day)
	assert.NotEqual(t, u1.Exercise.ID(), u2.Exercise.ID(), "a new day in UTC, a new exercise")
	assert.Equal(t, e1.Day, e2.Day)
	assert.Equal(t, e1.Exercise.ID(), e2.Exercise.ID(), "still the same day in Kiritimati")
	assert.Equal(t, w1.Day, w2.Day)
	assert.Equal(t, w1.Exercise.ID(), w2.Exercise.ID(), "still the same day in Adak")

	// Ten hours more (11:00 UTC on D+1): past midnight in both.
	f.Clock.Advance(10 * time.Hour)
	e3, w3, u3 := daily(east), daily(west), daily(utc)
	assert.Equal(t, u2.Exercise.ID(), u3.Exercise.ID())
	assert.NotEqual(t, e1.Day, e3.Day)
	assert.NotEqual(t, e1.Exercise.ID(), e3.Exercise.ID())
	assert.NotEqual(t, w1.Day, w3.Day)
	assert.NotEqual(t, w1.Exercise.ID(), w3.Exercise.ID())
	assert.NotEqual(t, e3.Day, w3.Day, "the two are a day apart")
}

func TestSkippingTheDailyReassignsTheDay(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)

	d, err := svc.Daily(ctx, id)
	require.NoError(t, err)
	sk, err := svc.Skip(ctx, id, d.Exercise.ID())
	require.NoError(t, err)
	assert.Equal(t, exercise.Skipped, sk.Attempt.Status())
	require.NotEmpty(t, sk.NextDaily)
	assert.NotEqual(t, d.Exercise.ID(), sk.NextDaily)

	again, err := svc.Daily(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, sk.NextDaily, again.Exercise.ID())
	assert.Equal(t, d.Day, again.Day)

	// Skipping something that is not the day's leaves the day alone.
	other := find(t, svc, id, d.Exercise.Language(), "valid-palindrome")
	if other.ID() == sk.NextDaily {
		other = find(t, svc, id, d.Exercise.Language(), "word-frequency")
	}
	sk2, err := svc.Skip(ctx, id, other.ID())
	require.NoError(t, err)
	assert.Empty(t, sk2.NextDaily)
	still, err := svc.Daily(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, sk.NextDaily, still.Exercise.ID())

	// Skipping a skipped exercise is a no-op.
	_, err = svc.Skip(ctx, id, d.Exercise.ID())
	require.NoError(t, err)
}

func TestDailyWithNothingLeftIsNotFound(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	all := allVisible(t, svc, id)
	require.Len(t, all, 36)

	// Skip all but one: the daily policy offers the last one.
	for _, s := range all[1:] {
		_, err := svc.Skip(ctx, id, s.ID)
		require.NoError(t, err)
	}
	d, err := svc.Daily(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, all[0].ID, d.Exercise.ID(), "the only one left, even outside the preferred language")

	// Skipping it finds nothing to replace it with: the day keeps it.
	sk, err := svc.Skip(ctx, id, d.Exercise.ID())
	require.NoError(t, err)
	assert.Empty(t, sk.NextDaily)
	d2, err := svc.Daily(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, d.Exercise.ID(), d2.Exercise.ID())

	// The next day nothing is eligible at all.
	f.Clock.Advance(24 * time.Hour)
	_, err = svc.Daily(ctx, id)
	require.ErrorIs(t, err, domain.ErrNotFound)
	var pub *domain.PublicError
	require.ErrorAs(t, err, &pub)
	assert.Contains(t, pub.Msg, "generate")

	// After the skip cooldown they come back.
	f.Clock.Advance(exercise.SkipCooldown)
	_, err = svc.Daily(ctx, id)
	require.NoError(t, err)
}

func TestDailyForAnUnknownLearnerFails(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	_, err := svc.Daily(ctx, "0190a6a4-0000-7000-8000-000000000000")
	require.ErrorIs(t, err, domain.ErrNotFound)
}
