package exercise_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

// History helpers for the policy: the n-th outcome happens n days after
// t0, so their order is the order of the slice.
func cleanSolve(n int, d exercise.Difficulty) exercise.AttemptRecord {
	return solved(fmt.Sprintf("clean-%d", n), language.Go, d, []string{"loops"}, day(n), 0, 0)
}

func hintedSolve(n int, d exercise.Difficulty) exercise.AttemptRecord {
	return solved(fmt.Sprintf("hinted-%d", n), language.Go, d, []string{"loops"}, day(n), 1, 0)
}

func skipAt(n int, d exercise.Difficulty) exercise.AttemptRecord {
	return skipped(fmt.Sprintf("skip-%d", n), language.Go, d, []string{"loops"}, day(n))
}

func failedSubs(n int, d exercise.Difficulty, failed int) exercise.AttemptRecord {
	return struggling(fmt.Sprintf("stuck-%d", n), language.Go, d, []string{"loops"}, day(n), failed)
}

func TestTargetDifficulty(t *testing.T) {
	t.Parallel()
	E, M, H := exercise.Easy, exercise.Medium, exercise.Hard
	tests := []struct {
		name    string
		start   exercise.Difficulty
		history []exercise.AttemptRecord
		want    exercise.Difficulty
	}{
		{"beginner starts easy", E, nil, E},
		{"intermediate starts medium", M, nil, M},
		{"advanced starts hard", H, nil, H},
		{"no skill level starts easy", exercise.Difficulty{}, nil, E},

		{"two clean solves do not raise", E, []exercise.AttemptRecord{cleanSolve(1, E), cleanSolve(2, E)}, E},
		{"three clean solves raise", E, []exercise.AttemptRecord{cleanSolve(1, E), cleanSolve(2, E), cleanSolve(3, E)}, M},
		{"clean solves above the target count", E, []exercise.AttemptRecord{cleanSolve(1, H), cleanSolve(2, M), cleanSolve(3, H)}, M},
		{"clean solves below the target do not count", M, []exercise.AttemptRecord{cleanSolve(1, E), cleanSolve(2, E), cleanSolve(3, E)}, M},
		{"one failed submission is still clean", E, []exercise.AttemptRecord{
			cleanSolve(1, E), solved("one-fail", language.Go, E, nil, day(2), 0, 1), cleanSolve(3, E)}, M},
		{"two failed submissions are not clean", E, []exercise.AttemptRecord{
			cleanSolve(1, E), solved("two-fails", language.Go, E, nil, day(2), 0, 2), cleanSolve(3, E)}, E},
		{"a hinted solve resets the run", E, []exercise.AttemptRecord{
			cleanSolve(1, E), cleanSolve(2, E), hintedSolve(3, E), cleanSolve(4, E), cleanSolve(5, E)}, E},
		{"the run restarts after a hinted solve", E, []exercise.AttemptRecord{
			cleanSolve(1, E), cleanSolve(2, E), hintedSolve(3, E), cleanSolve(4, E), cleanSolve(5, E), cleanSolve(6, E)}, M},
		{"a skip resets the clean run", E, []exercise.AttemptRecord{
			cleanSolve(1, E), cleanSolve(2, E), skipAt(3, E), cleanSolve(4, E)}, E},
		{"raises twice", E, []exercise.AttemptRecord{
			cleanSolve(1, E), cleanSolve(2, E), cleanSolve(3, E), cleanSolve(4, M), cleanSolve(5, M), cleanSolve(6, M)}, H},
		{"the run restarts after a raise", E, []exercise.AttemptRecord{
			cleanSolve(1, E), cleanSolve(2, E), cleanSolve(3, E), cleanSolve(4, E), cleanSolve(5, E), cleanSolve(6, E)}, M},
		{"clamped at hard", H, []exercise.AttemptRecord{cleanSolve(1, H), cleanSolve(2, H), cleanSolve(3, H)}, H},

		{"one skip does not lower", M, []exercise.AttemptRecord{skipAt(1, M)}, M},
		{"two skips lower", M, []exercise.AttemptRecord{skipAt(1, M), skipAt(2, M)}, E},
		{"four skips lower twice", H, []exercise.AttemptRecord{skipAt(1, H), skipAt(2, H), skipAt(3, M), skipAt(4, M)}, E},
		{"three skips lower once", H, []exercise.AttemptRecord{skipAt(1, H), skipAt(2, H), skipAt(3, M)}, M},
		{"clamped at easy", E, []exercise.AttemptRecord{skipAt(1, E), skipAt(2, E)}, E},
		{"three failed submissions are a failure", M, []exercise.AttemptRecord{failedSubs(1, M, 3), failedSubs(2, M, 5)}, E},
		{"a skip and three failed submissions", M, []exercise.AttemptRecord{skipAt(1, M), failedSubs(2, M, 3)}, E},
		{"two failed submissions are not a failure", M, []exercise.AttemptRecord{failedSubs(1, M, 2), failedSubs(2, M, 2)}, M},
		{"an attempt still open with few failures is not an outcome", M, []exercise.AttemptRecord{
			skipAt(1, M), failedSubs(2, M, 2), skipAt(3, M)}, E},
		{"a clean solve between failures resets", M, []exercise.AttemptRecord{skipAt(1, M), cleanSolve(2, M), skipAt(3, M)}, M},
		{"a hinted solve between failures resets", M, []exercise.AttemptRecord{skipAt(1, M), hintedSolve(2, M), skipAt(3, M)}, M},
		{"a completed attempt with many failures is a solve, not a failure", M, []exercise.AttemptRecord{
			skipAt(1, M), solved("hard-won", language.Go, M, nil, day(2), 0, 5), skipAt(3, M)}, M},
		{"assigned attempts are not outcomes", M, []exercise.AttemptRecord{
			skipAt(1, M), {Attempt: exercise.AttemptSnapshot{ExerciseID: "new", Status: exercise.Assigned, UpdatedAt: day(2)},
				Exercise: exercise.Summary{ID: "new", Difficulty: M}}, skipAt(3, M)}, E},

		{"lowered then raised", M, []exercise.AttemptRecord{
			skipAt(1, M), skipAt(2, M), cleanSolve(3, E), cleanSolve(4, E), cleanSolve(5, E)}, M},
		{"history is read in time order, not slice order", E, []exercise.AttemptRecord{
			cleanSolve(4, E), skipAt(1, E), cleanSolve(2, E), cleanSolve(3, E)}, M},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := exercise.TargetDifficulty(tt.start, tt.history)
			assert.Equal(t, tt.want, got, "got %s", got)
		})
	}
}

func TestDueTopics(t *testing.T) {
	t.Parallel()
	now := t0
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	skipTopics := func(id string, when time.Time, topics ...string) exercise.AttemptRecord {
		return skipped(id, language.Go, exercise.Easy, topics, when)
	}
	solveTopics := func(id string, when time.Time, topics ...string) exercise.AttemptRecord {
		return solved(id, language.Go, exercise.Easy, topics, when, 0, 0)
	}
	tests := []struct {
		name    string
		history []exercise.AttemptRecord
		want    []string
	}{
		{"nothing failed", []exercise.AttemptRecord{solveTopics("a", ago(10*24*time.Hour), "loops")}, nil},
		{"failed just under the interval", []exercise.AttemptRecord{
			skipTopics("a", ago(exercise.SpacingInterval-time.Second), "recursion")}, nil},
		{"failed exactly the interval ago", []exercise.AttemptRecord{
			skipTopics("a", ago(exercise.SpacingInterval), "recursion")}, []string{"recursion"}},
		{"every topic of the failed exercise", []exercise.AttemptRecord{
			skipTopics("a", ago(4*24*time.Hour), "recursion", "trees")}, []string{"recursion", "trees"}},
		{"three failed submissions count", []exercise.AttemptRecord{
			struggling("a", language.Go, exercise.Easy, []string{"graphs"}, ago(4*24*time.Hour), 3)}, []string{"graphs"}},
		{"two failed submissions do not", []exercise.AttemptRecord{
			struggling("a", language.Go, exercise.Easy, []string{"graphs"}, ago(4*24*time.Hour), 2)}, nil},
		{"solved since the failure", []exercise.AttemptRecord{
			skipTopics("a", ago(5*24*time.Hour), "recursion"),
			solveTopics("b", ago(4*24*time.Hour), "recursion", "loops")}, nil},
		{"solved since, even with hints", []exercise.AttemptRecord{
			skipTopics("a", ago(5*24*time.Hour), "recursion"),
			solved("b", language.Go, exercise.Easy, []string{"recursion"}, ago(4*24*time.Hour), 3, 4)}, nil},
		{"solved only before the failure", []exercise.AttemptRecord{
			solveTopics("b", ago(9*24*time.Hour), "recursion"),
			skipTopics("a", ago(5*24*time.Hour), "recursion")}, []string{"recursion"}},
		{"solving another topic does not help", []exercise.AttemptRecord{
			skipTopics("a", ago(5*24*time.Hour), "recursion"),
			solveTopics("b", ago(4*24*time.Hour), "loops")}, []string{"recursion"}},
		{"a newer failure restarts the interval", []exercise.AttemptRecord{
			skipTopics("a", ago(10*24*time.Hour), "recursion"),
			skipTopics("b", ago(24*time.Hour), "recursion")}, nil},
		{"oldest failure first", []exercise.AttemptRecord{
			skipTopics("a", ago(4*24*time.Hour), "zebra"),
			skipTopics("b", ago(8*24*time.Hour), "trees"),
			skipTopics("c", ago(6*24*time.Hour), "arrays")}, []string{"trees", "arrays", "zebra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, exercise.DueTopics(tt.history, now))
		})
	}
}

func dailyInput() exercise.DailyInput {
	return exercise.DailyInput{LearnerID: "learner-1", Day: "2026-03-10", Start: exercise.Easy, Now: t0}
}

// learners and days to show a preference is not the tie-break's luck.
var (
	someLearners = []string{"ada", "grace", "linus", "barbara", "ken"}
	someDays     = []string{"2026-03-10", "2026-03-11", "2026-03-12"}
)

func forManyLearners(t *testing.T, in exercise.DailyInput, check func(t *testing.T, c exercise.DailyChoice)) {
	t.Helper()
	for _, l := range someLearners {
		for _, d := range someDays {
			in.LearnerID, in.Day = l, d
			c, ok := exercise.ChooseDaily(in)
			require.True(t, ok, "%s on %s", l, d)
			check(t, c)
		}
	}
}

func TestChooseDailyLanguages(t *testing.T) {
	t.Parallel()
	t.Run("prefers the preferred languages", func(t *testing.T) {
		t.Parallel()
		in := dailyInput()
		in.Languages = []language.Language{language.Go}
		in.Candidates = []exercise.Summary{
			summary("py-1", language.Python, exercise.Easy, "loops"),
			summary("go-1", language.Go, exercise.Hard, "loops"), // off target, still the only Go one
			summary("js-1", language.JavaScript, exercise.Easy, "loops"),
		}
		forManyLearners(t, in, func(t *testing.T, c exercise.DailyChoice) {
			assert.Equal(t, "go-1", c.Exercise.ID)
		})
	})
	t.Run("among several preferred languages", func(t *testing.T) {
		t.Parallel()
		in := dailyInput()
		in.Languages = []language.Language{language.Go, language.JavaScript}
		in.Candidates = []exercise.Summary{
			summary("py-1", language.Python, exercise.Easy),
			summary("go-1", language.Go, exercise.Easy),
			summary("js-1", language.JavaScript, exercise.Easy),
		}
		forManyLearners(t, in, func(t *testing.T, c exercise.DailyChoice) {
			assert.NotEqual(t, "py-1", c.Exercise.ID)
		})
	})
	t.Run("falls back to every language when none qualifies", func(t *testing.T) {
		t.Parallel()
		in := dailyInput()
		in.Languages = []language.Language{language.Go}
		in.Candidates = []exercise.Summary{
			summary("py-1", language.Python, exercise.Easy),
			summary("js-1", language.JavaScript, exercise.Hard),
			summary("go-done", language.Go, exercise.Easy),
		}
		in.History = []exercise.AttemptRecord{solved("go-done", language.Go, exercise.Easy, nil, t0.AddDate(0, 0, -2), 0, 0)}
		forManyLearners(t, in, func(t *testing.T, c exercise.DailyChoice) {
			assert.Equal(t, "py-1", c.Exercise.ID, "the fallback still prefers the target difficulty")
		})
	})
	t.Run("no preference means every language", func(t *testing.T) {
		t.Parallel()
		in := dailyInput()
		in.Candidates = []exercise.Summary{summary("js-1", language.JavaScript, exercise.Easy)}
		c, ok := exercise.ChooseDaily(in)
		require.True(t, ok)
		assert.Equal(t, "js-1", c.Exercise.ID)
	})
	t.Run("nudges the preferred language practised least recently", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			practised language.Language
			want      string
		}{{language.Python, "go-new"}, {language.Go, "py-new"}} {
			in := dailyInput()
			in.Languages = []language.Language{language.Python, language.Go}
			in.History = []exercise.AttemptRecord{
				struggling("old", tc.practised, exercise.Easy, nil, t0.AddDate(0, 0, -1), 1),
			}
			in.Candidates = []exercise.Summary{
				summary("py-new", language.Python, exercise.Easy),
				summary("go-new", language.Go, exercise.Easy),
			}
			forManyLearners(t, in, func(t *testing.T, c exercise.DailyChoice) {
				assert.Equal(t, tc.want, c.Exercise.ID, "practised %s yesterday", tc.practised)
			})
		}
	})
}

func TestChooseDailyEligibility(t *testing.T) {
	t.Parallel()
	only := func(id string, history ...exercise.AttemptRecord) exercise.DailyInput {
		in := dailyInput()
		in.Candidates = []exercise.Summary{summary(id, language.Go, exercise.Easy, "loops")}
		in.History = history
		return in
	}
	tests := []struct {
		name string
		in   exercise.DailyInput
		want string // "" means nothing eligible
	}{
		{"completed 29 days ago", only("a", solved("a", language.Go, exercise.Easy, nil, t0.AddDate(0, 0, -29), 0, 0)), ""},
		{"completed yesterday", only("a", solved("a", language.Go, exercise.Easy, nil, t0.AddDate(0, 0, -1), 0, 0)), ""},
		{"completed just inside 30 days", only("a", solved("a", language.Go, exercise.Easy, nil, t0.Add(-exercise.NoRepeatWindow+time.Minute), 0, 0)), ""},
		{"completed 31 days ago", only("a", solved("a", language.Go, exercise.Easy, nil, t0.AddDate(0, 0, -31), 0, 0)), "a"},
		{"skipped 6 days ago", only("a", skipped("a", language.Go, exercise.Easy, nil, t0.AddDate(0, 0, -6))), ""},
		{"skipped an hour ago", only("a", skipped("a", language.Go, exercise.Easy, nil, t0.Add(-time.Hour))), ""},
		{"skipped 8 days ago", only("a", skipped("a", language.Go, exercise.Easy, nil, t0.AddDate(0, 0, -8))), "a"},
		{"in progress", only("a", struggling("a", language.Go, exercise.Easy, nil, t0.Add(-time.Hour), 5)), "a"},
		{"another exercise completed", only("a", solved("b", language.Go, exercise.Easy, nil, t0.Add(-time.Hour), 0, 0)), "a"},
		{"excluded", func() exercise.DailyInput {
			in := only("a")
			in.Exclude = []string{"a"}
			return in
		}(), ""},
		{"no candidates", dailyInput(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, ok := exercise.ChooseDaily(tt.in)
			if tt.want == "" {
				assert.False(t, ok)
				assert.Equal(t, exercise.DailyChoice{}, c)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tt.want, c.Exercise.ID)
		})
	}
}

func TestChooseDailyExcludesTheBestCandidate(t *testing.T) {
	t.Parallel()
	in := dailyInput()
	in.Candidates = []exercise.Summary{
		summary("easy", language.Go, exercise.Easy),
		summary("medium", language.Go, exercise.Medium),
	}
	c, ok := exercise.ChooseDaily(in)
	require.True(t, ok)
	require.Equal(t, "easy", c.Exercise.ID)

	in.Exclude = []string{"easy"}
	c, ok = exercise.ChooseDaily(in)
	require.True(t, ok)
	assert.Equal(t, "medium", c.Exercise.ID)
}

func TestChooseDailyPrefersTheTargetDifficulty(t *testing.T) {
	t.Parallel()
	all := []exercise.Summary{
		summary("easy", language.Go, exercise.Easy),
		summary("medium", language.Go, exercise.Medium),
		summary("hard", language.Go, exercise.Hard),
	}
	tests := []struct {
		name       string
		start      exercise.Difficulty
		history    []exercise.AttemptRecord
		candidates []exercise.Summary
		want       string
		target     exercise.Difficulty
	}{
		{"beginner", exercise.Easy, nil, all, "easy", exercise.Easy},
		{"intermediate", exercise.Medium, nil, all, "medium", exercise.Medium},
		{"advanced", exercise.Hard, nil, all, "hard", exercise.Hard},
		{"closest when the target is missing", exercise.Hard, nil, all[:2], "medium", exercise.Hard},
		{"raised by clean solves", exercise.Easy, []exercise.AttemptRecord{
			cleanSolve(-5, exercise.Easy), cleanSolve(-4, exercise.Easy), cleanSolve(-3, exercise.Easy)}, all, "medium", exercise.Medium},
		{"lowered by skips", exercise.Hard, []exercise.AttemptRecord{
			skipAt(-2, exercise.Hard), skipAt(-1, exercise.Hard)}, all, "medium", exercise.Medium},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := dailyInput()
			in.Start, in.History, in.Candidates = tt.start, tt.history, tt.candidates
			forManyLearners(t, in, func(t *testing.T, c exercise.DailyChoice) {
				assert.Equal(t, tt.want, c.Exercise.ID)
				assert.Equal(t, tt.target, c.TargetDifficulty)
			})
		})
	}
}

func TestChooseDailyPrefersADueReviewTopic(t *testing.T) {
	t.Parallel()
	failure := skipped("failed-one", language.Go, exercise.Easy, []string{"recursion"}, t0.AddDate(0, 0, -4))

	t.Run("review topic wins among equals", func(t *testing.T) {
		t.Parallel()
		in := dailyInput()
		in.History = []exercise.AttemptRecord{failure}
		in.Candidates = []exercise.Summary{
			summary("loops-1", language.Go, exercise.Easy, "loops"),
			summary("failed-one", language.Go, exercise.Easy, "recursion"), // skipped 4 days ago: cooling down
			summary("recursion-1", language.Go, exercise.Easy, "trees", "recursion"),
			summary("loops-2", language.Go, exercise.Easy, "loops"),
		}
		forManyLearners(t, in, func(t *testing.T, c exercise.DailyChoice) {
			assert.Equal(t, "recursion-1", c.Exercise.ID)
			assert.Equal(t, "recursion", c.ReviewTopic)
		})
	})
	t.Run("a due review outweighs novelty", func(t *testing.T) {
		t.Parallel()
		// The skipped exercise itself, past its cooldown, revisits its topic.
		in := dailyInput()
		in.History = []exercise.AttemptRecord{skipped("failed-one", language.Go, exercise.Easy, []string{"recursion"}, t0.AddDate(0, 0, -10))}
		in.Candidates = []exercise.Summary{
			summary("loops-1", language.Go, exercise.Easy, "loops"),
			summary("failed-one", language.Go, exercise.Easy, "recursion"),
			summary("loops-2", language.Go, exercise.Easy, "loops"),
		}
		forManyLearners(t, in, func(t *testing.T, c exercise.DailyChoice) {
			assert.Equal(t, "failed-one", c.Exercise.ID)
			assert.Equal(t, "recursion", c.ReviewTopic)
		})
	})
	t.Run("not due yet", func(t *testing.T) {
		t.Parallel()
		in := dailyInput()
		in.History = []exercise.AttemptRecord{skipped("failed-one", language.Go, exercise.Easy, []string{"recursion"}, t0.AddDate(0, 0, -1))}
		in.Candidates = []exercise.Summary{
			summary("recursion-1", language.Go, exercise.Easy, "recursion"),
			summary("loops-1", language.Go, exercise.Easy, "loops"),
		}
		c, ok := exercise.ChooseDaily(in)
		require.True(t, ok)
		assert.Empty(t, c.ReviewTopic)
	})
	t.Run("difficulty outweighs review", func(t *testing.T) {
		t.Parallel()
		in := dailyInput()
		in.History = []exercise.AttemptRecord{failure}
		in.Candidates = []exercise.Summary{
			summary("recursion-hard", language.Go, exercise.Medium, "recursion"),
			summary("loops-easy", language.Go, exercise.Easy, "loops"),
		}
		forManyLearners(t, in, func(t *testing.T, c exercise.DailyChoice) {
			assert.Equal(t, "loops-easy", c.Exercise.ID)
			assert.Empty(t, c.ReviewTopic)
		})
	})
}

func TestChooseDailyPrefersNeverAttempted(t *testing.T) {
	t.Parallel()
	in := dailyInput()
	in.History = []exercise.AttemptRecord{solved("old", language.Go, exercise.Easy, []string{"loops"}, t0.AddDate(0, 0, -40), 0, 0)}
	in.Candidates = []exercise.Summary{
		summary("old", language.Go, exercise.Easy, "loops"),
		summary("fresh", language.Go, exercise.Easy, "loops"),
	}
	forManyLearners(t, in, func(t *testing.T, c exercise.DailyChoice) {
		assert.Equal(t, "fresh", c.Exercise.ID)
	})
}

func equalCandidates(n int) []exercise.Summary {
	out := make([]exercise.Summary, n)
	for i, id := range ids("ex", n) {
		out[i] = summary(id, language.Go, exercise.Easy, "loops")
	}
	return out
}

func TestChooseDailyIsDeterministic(t *testing.T) {
	t.Parallel()
	in := dailyInput()
	in.Candidates = equalCandidates(12)
	first, ok := exercise.ChooseDaily(in)
	require.True(t, ok)
	for range 5 {
		again, ok := exercise.ChooseDaily(in)
		require.True(t, ok)
		assert.Equal(t, first, again)
	}

	// The candidates' order does not matter.
	r := rand.New(rand.NewPCG(1, 2))
	for range 10 {
		shuffled := append([]exercise.Summary(nil), in.Candidates...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		in2 := in
		in2.Candidates = shuffled
		got, ok := exercise.ChooseDaily(in2)
		require.True(t, ok)
		assert.Equal(t, first.Exercise.ID, got.Exercise.ID)
	}
}

func TestChooseDailyTieBreakDiffersAcrossLearnersAndDays(t *testing.T) {
	t.Parallel()
	in := dailyInput()
	in.Candidates = equalCandidates(10)
	pick := func(learner, d string) string {
		in.LearnerID, in.Day = learner, d
		c, ok := exercise.ChooseDaily(in)
		require.True(t, ok)
		return c.Exercise.ID
	}
	differ, alicePicks := 0, map[string]bool{}
	for i := range 7 {
		d := t0.AddDate(0, 0, i).Format(time.DateOnly)
		a, b := pick("alice", d), pick("bob", d)
		assert.Equal(t, a, pick("alice", d), "stable for a learner and day")
		if a != b {
			differ++
		}
		alicePicks[a] = true
	}
	assert.Positive(t, differ, "two learners got the same pick every day")
	assert.Greater(t, len(alicePicks), 1, "one learner got the same pick every day")
}
