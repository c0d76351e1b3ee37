package exercises_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/test/accounttest"
)

func TestSubmitReferenceSolutionPassesAndAwards(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)

	v := solve(t, svc, id, e)
	g := v.Submission.Grading
	assert.Equal(t, "passed", g.Verdict.Status())
	assert.Equal(t, len(e.Tests()), g.Total)
	assert.Equal(t, g.Total, g.Passed)
	assert.Equal(t, exercise.XPFor(e.Difficulty(), 0), v.XPAwarded)
	assert.Equal(t, 10, v.XPAwarded, "an easy solve without hints")
	require.NotNil(t, v.Attempt)
	assert.Equal(t, exercise.Completed, v.Attempt.Status())
	assert.Equal(t, v.Submission.ID, v.Attempt.PassedSubmissionID())
	assert.Equal(t, 1, v.Attempt.Submissions())
	assert.Equal(t, v.XPAwarded, v.Attempt.XPAwarded())
	assert.Contains(t, v.NewAchievements, "first_solve", "awarded in the same call")
	assert.Equal(t, id, v.Submission.LearnerID)
	assert.Equal(t, e.ID(), v.Submission.ExerciseID)
	assert.Equal(t, e.Solution(), v.Submission.Code)

	p, err := svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, v.XPAwarded, p.XP)
	assert.Equal(t, 1, p.SolvedTotal)
	assert.Equal(t, 1, p.SolvedByLanguage["python"])
	assert.Equal(t, 1, p.SolvedByDifficulty[1])
	assert.Equal(t, 1, p.CleanSolves)
	assert.Equal(t, 1, p.CurrentStreak)

	got, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	require.NotNil(t, got.Attempt)
	assert.Equal(t, exercise.Completed, got.Attempt.Status())

	// A later pass is practice: no XP, no new achievement.
	again := solve(t, svc, id, e)
	assert.Zero(t, again.XPAwarded)
	assert.Empty(t, again.NewAchievements)
	assert.Equal(t, exercise.Completed, again.Attempt.Status())
	assert.Equal(t, v.Submission.ID, again.Attempt.PassedSubmissionID(), "the first pass stays the one")
	p, err = svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, v.XPAwarded, p.XP)
	assert.Equal(t, 1, p.SolvedTotal)
}

func TestSubmitWrongAnswerShowsOnlyVisibleTests(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)

	v, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Language: "python",
		Code: "def second_largest(numbers):\n    return max(numbers)\n"})
	require.NoError(t, err)
	g := v.Submission.Grading
	assert.Equal(t, exercise.Failed, g.Verdict)
	assert.Equal(t, "failed", g.Verdict.Status())
	assert.Contains(t, g.Message, "example from the statement")
	assert.Contains(t, g.Message, "expected 4, got null")
	assert.Zero(t, v.XPAwarded)
	assert.Empty(t, v.NewAchievements)
	assert.Equal(t, exercise.InProgress, v.Attempt.Status())
	assert.Equal(t, 1, v.Attempt.Submissions())
	assert.Equal(t, 1, v.Attempt.FailedSubmissions())
	assert.False(t, v.Attempt.HasPassed())

	tests := e.Tests()
	require.Len(t, g.Tests, len(tests))
	hidden := 0
	for i, r := range g.Tests {
		assert.Equal(t, tests[i].Name, r.Name)
		assert.Equal(t, tests[i].Hidden, r.Hidden)
		if !r.Hidden {
			assert.NotEmpty(t, r.Expected, r.Name)
			continue
		}
		hidden++
		assert.Empty(t, r.Expected, r.Name)
		assert.Empty(t, r.Actual, r.Name)
		assert.Empty(t, r.Stdout, r.Name)
		assert.NotContains(t, r.Message, string(tests[i].Expected), r.Name)
		assert.NotContains(t, r.Message, "expected", r.Name)
		if !r.Passed {
			assert.Equal(t, "failed", r.Message, r.Name)
		}
	}
	assert.GreaterOrEqual(t, hidden, exercise.MinHiddenTests)
	first := g.Tests[0]
	assert.False(t, first.Passed)
	assert.JSONEq(t, "4", string(first.Expected))
	assert.JSONEq(t, "null", string(first.Actual))
	assert.Equal(t, "expected 4, got null", first.Message)

	p, err := svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Zero(t, p.XP)
	assert.Zero(t, p.SolvedTotal)
	assert.Equal(t, 1, p.InProgress)
}

func TestSubmitVerdicts(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)

	timeout, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(),
		Code: "def second_largest(numbers):\n    while True:\n        pass\n"})
	require.NoError(t, err)
	assert.Equal(t, exercise.Timeout, timeout.Submission.Grading.Verdict)
	assert.Equal(t, "timeout", timeout.Submission.Grading.Verdict.Status())
	assert.Equal(t, 1, timeout.Attempt.FailedSubmissions())

	raised, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(),
		Code: "def second_largest(numbers):\n    raise ValueError('boom')\n"})
	require.NoError(t, err)
	assert.Equal(t, exercise.RuntimeError, raised.Submission.Grading.Verdict)
	assert.Contains(t, raised.Submission.Grading.Message, "ValueError: boom")
	assert.Equal(t, 2, raised.Attempt.Submissions())
	assert.Equal(t, 2, raised.Attempt.FailedSubmissions())
	assert.Equal(t, exercise.RuntimeError, raised.Attempt.BestVerdict(), "a runtime error beats a timeout")
}

func TestSubmitRunnerFailureIsNotCounted(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc, runner := f.NewExercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)

	wrong, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: "def second_largest(n):\n    return 0\n"})
	require.NoError(t, err)
	require.Equal(t, 1, wrong.Attempt.Submissions())

	runner.Fail.Store(true)
	v, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: e.Solution()})
	require.NoError(t, err, "the runner's failure is a verdict, not an error")
	g := v.Submission.Grading
	assert.Equal(t, exercise.RunnerError, g.Verdict)
	assert.Equal(t, "error", g.Verdict.Status())
	assert.Contains(t, g.Message, "not counted against you")
	assert.NotContains(t, g.Message, "fake runner", "the runner's own error stays in the logs")
	assert.Zero(t, g.Passed)
	assert.Zero(t, v.XPAwarded)
	assert.Equal(t, 1, v.Attempt.Submissions(), "unchanged")
	assert.Equal(t, 1, v.Attempt.FailedSubmissions(), "unchanged")
	assert.Equal(t, exercise.Failed, v.Attempt.BestVerdict())
	assert.Equal(t, exercise.InProgress, v.Attempt.Status())

	runner.Fail.Store(false)
	ok := solve(t, svc, id, e)
	assert.Equal(t, 2, ok.Attempt.Submissions())
	assert.Equal(t, exercise.XPFor(e.Difficulty(), 0), ok.XPAwarded)
}

func TestSubmitRejectsBadInput(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc, runner := f.NewExercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	palindrome := find(t, svc, id, e.Language(), "valid-palindrome")

	for _, tc := range []struct {
		name  string
		in    exercises.SubmitInput
		check func(t *testing.T, err error)
	}{
		{"code over the limit", exercises.SubmitInput{ExerciseID: e.ID(), Code: strings.Repeat("x", exercises.DefaultConfig().MaxCodeBytes+1)},
			func(t *testing.T, err error) { assert.ErrorIs(t, err, domain.ErrTooLarge) }},
		{"empty code", exercises.SubmitInput{ExerciseID: e.ID(), Code: " \n\t "},
			func(t *testing.T, err error) { assert.Equal(t, []string{"code"}, issueFields(t, err)) }},
		{"unknown exercise", exercises.SubmitInput{ExerciseID: "0190a6a4-0000-7000-8000-000000000000", Code: "x = 1"},
			func(t *testing.T, err error) { assert.ErrorIs(t, err, domain.ErrNotFound) }},
		{"malformed id", exercises.SubmitInput{ExerciseID: "not-a-uuid", Code: "x = 1"},
			func(t *testing.T, err error) { assert.ErrorIs(t, err, domain.ErrNotFound) }},
		{"empty id", exercises.SubmitInput{ExerciseID: "", Code: "x = 1"},
			func(t *testing.T, err error) { assert.ErrorIs(t, err, domain.ErrNotFound) }},
		{"another language", exercises.SubmitInput{ExerciseID: e.ID(), Code: "x = 1", Language: "go"},
			func(t *testing.T, err error) { assert.Equal(t, []string{"language"}, issueFields(t, err)) }},
		{"another language, by its alias", exercises.SubmitInput{ExerciseID: palindrome.ID(), Code: "x = 1", Language: "js"},
			func(t *testing.T, err error) { assert.Equal(t, []string{"language"}, issueFields(t, err)) }},
		{"malformed language", exercises.SubmitInput{ExerciseID: e.ID(), Code: "x = 1", Language: "cobol"},
			func(t *testing.T, err error) { assert.Equal(t, []string{"language"}, issueFields(t, err)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.LearnerID = id
			_, err := svc.Submit(ctx, tc.in)
			require.Error(t, err)
			tc.check(t, err)
		})
	}
	assert.Zero(t, runner.Runs.Load(), "nothing reached the sandbox")
	v, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Nil(t, v.Attempt, "no attempt was started")

	// The exercise's language under another spelling is fine.
	ok, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: e.Solution(), Language: "PY"})
	require.NoError(t, err)
	assert.Equal(t, exercise.Passed, ok.Submission.Grading.Verdict)
}

func TestSubmitCodeAtTheLimitIsAccepted(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc, _ := f.NewExercises(t, func(c *exercises.Config) { c.MaxCodeBytes = 64 })
	id := register(t, f)
	e := secondLargest(t, svc, id)
	_, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: strings.Repeat("#", 64)})
	require.NoError(t, err)
	_, err = svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: strings.Repeat("#", 65)})
	require.ErrorIs(t, err, domain.ErrTooLarge)
}

// waitRuns waits until the runner has started n runs.
func waitRuns(t *testing.T, r *accounttest.FakeRunner, n int64) {
	t.Helper()
	require.Eventually(t, func() bool { return r.Runs.Load() >= n }, 5*time.Second, time.Millisecond)
}

func TestSubmitOneGradingPerLearner(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc, runner := f.NewExercises(t)
	runner.Block = make(chan struct{})
	id, other := register(t, f), register(t, f)
	e := secondLargest(t, svc, id)

	type result struct {
		v   exercises.SubmissionView
		err error
	}
	first := make(chan result, 1)
	go func() {
		v, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: e.Solution()})
		first <- result{v, err}
	}()
	waitRuns(t, runner, 1)

	_, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: e.Solution()})
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.Positive(t, rl.RetryAfter)
	assert.Equal(t, int64(1), runner.Runs.Load(), "the second never ran")

	// Another learner is not held up (two workers by default).
	second := make(chan result, 1)
	go func() {
		v, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: other, ExerciseID: e.ID(), Code: e.Solution()})
		second <- result{v, err}
	}()
	waitRuns(t, runner, 2)

	close(runner.Block)
	for _, ch := range []chan result{first, second} {
		r := <-ch
		require.NoError(t, r.err)
		assert.Equal(t, exercise.Passed, r.v.Submission.Grading.Verdict)
	}
	// The slot is free again.
	v, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: e.Solution()})
	require.NoError(t, err)
	assert.Equal(t, exercise.Passed, v.Submission.Grading.Verdict)
	assert.Equal(t, 2, v.Attempt.Submissions(), "the refused one was not recorded")
}

func TestSubmitRefusedWhenTheGradingQueueIsFull(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc, runner := f.NewExercises(t, func(c *exercises.Config) { c.GradingWorkers, c.GradingQueue = 1, 0 })
	runner.Block = make(chan struct{})
	a, b := register(t, f), register(t, f)
	e := secondLargest(t, svc, a)

	done := make(chan error, 1)
	go func() {
		_, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: a, ExerciseID: e.ID(), Code: e.Solution()})
		done <- err
	}()
	waitRuns(t, runner, 1)

	_, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: b, ExerciseID: e.ID(), Code: e.Solution()})
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.Positive(t, rl.RetryAfter)
	assert.Contains(t, rl.Reason, "queue")
	v, err := svc.Get(ctx, b, e.ID())
	require.NoError(t, err)
	assert.Nil(t, v.Attempt, "a refused submission leaves nothing behind")

	// The refusal released b's own grading slot: once the worker is free, b is served.
	close(runner.Block)
	require.NoError(t, <-done)
	ok, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: b, ExerciseID: e.ID(), Code: e.Solution()})
	require.NoError(t, err)
	assert.Equal(t, exercise.Passed, ok.Submission.Grading.Verdict)
}

func TestSubmitWaitsInTheQueueWhenThereIsRoom(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc, runner := f.NewExercises(t, func(c *exercises.Config) { c.GradingWorkers, c.GradingQueue = 1, 1 })
	runner.Block = make(chan struct{})
	a, b := register(t, f), register(t, f)
	e := secondLargest(t, svc, a)

	errs := make(chan error, 2)
	go func() {
		_, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: a, ExerciseID: e.ID(), Code: e.Solution()})
		errs <- err
	}()
	waitRuns(t, runner, 1)
	go func() {
		_, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: b, ExerciseID: e.ID(), Code: e.Solution()})
		errs <- err
	}()
	// b waits for the worker rather than being refused.
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, int64(1), runner.Runs.Load())
	close(runner.Block)
	for range 2 {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, int64(2), runner.Runs.Load())
}

func TestSubmitOthersOwnerOnlyExerciseIsNotFound(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, runner := f.NewExercises(t)
	runner.Func = addRunner
	author, other := register(t, f), register(t, f)
	l.Answer(generatedJSON(t, nil))
	g, err := svc.Generate(ctx, exercises.GenerateInput{LearnerID: author, Language: "python", Topic: "math", Difficulty: 1})
	require.NoError(t, err)

	runs := runner.Runs.Load()
	_, err = svc.Submit(ctx, exercises.SubmitInput{LearnerID: other, ExerciseID: g.Exercise.ID(), Code: addSolution})
	require.ErrorIs(t, err, domain.ErrNotFound)
	assert.Equal(t, runs, runner.Runs.Load())
	v, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: author, ExerciseID: g.Exercise.ID(), Code: addSolution})
	require.NoError(t, err)
	assert.Equal(t, exercise.Passed, v.Submission.Grading.Verdict)
	assert.Equal(t, exercise.XPFor(exercise.Easy, 0), v.XPAwarded)
}

func TestSubmitErrorInAHiddenTestDoesNotNameIt(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, runner := f.NewExercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	byName := map[string]exercise.TestCase{}
	for _, tc := range e.Tests() {
		byName[tc.Name] = tc
	}
	// Every visible test passes; the hidden ones raise.
	runner.Func = func(spec exercise.RunSpec) (exercise.RunResult, error) {
		out := exercise.RunResult{Status: exercise.RunCompleted}
		for _, in := range spec.Tests {
			tc := byName[in.Name]
			o := exercise.TestOutput{Name: in.Name, Status: exercise.TestReturned, Actual: tc.Expected}
			if tc.Hidden {
				o = exercise.TestOutput{Name: in.Name, Status: exercise.TestRaised, Error: "IndexError: secret 14"}
			}
			out.Tests = append(out.Tests, o)
		}
		return out, nil
	}
	v, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: learnerCode})
	require.NoError(t, err)
	g := v.Submission.Grading
	assert.Equal(t, exercise.RuntimeError, g.Verdict)
	assert.NotContains(t, g.Message, "secret")
	assert.NotContains(t, g.Message, "IndexError")
	var leaked []string
	for _, r := range g.Tests {
		if r.Hidden {
			assert.Equal(t, "failed", r.Message)
			assert.Empty(t, r.Actual)
			if strings.Contains(g.Message, r.Name) {
				leaked = append(leaked, r.Name)
			}
		}
	}

	// Nor does the model hear of them.
	for range exercise.HintLevels {
		_, err := svc.Hint(ctx, id, e.ID())
		require.NoError(t, err)
	}
	l.Answer("Which inputs could make your code fail?")
	_, err = svc.Hint(ctx, id, e.ID())
	require.NoError(t, err)
	reqs := l.Requests()
	require.Len(t, reqs, 1)
	if len(leaked) > 0 {
		require.Contains(t, requestText(reqs[0]), leaked[0], "the leak reaches the model too")
		t.Fatalf("a runtime error in a hidden test names it: grading message %q (domain/exercise.Grade sets "+
			"raised = t.Name+\": raised an error\" for hidden tests too), shown to the learner and sent to the LLM in hint prompts",
			g.Message)
	}
	assertNoSecrets(t, requestText(reqs[0]), e)
}

func TestSubmitIsRecordedEvenWhenTheLearnerLeaves(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc, runner := f.NewExercises(t)
	runner.Block = make(chan struct{})
	id := register(t, f)
	e := secondLargest(t, svc, id)

	cctx, cancel := context.WithCancel(ctx)
	type result struct {
		v   exercises.SubmissionView
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := svc.Submit(cctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: e.Solution()})
		done <- result{v, err}
	}()
	waitRuns(t, runner, 1)
	cancel()
	time.Sleep(20 * time.Millisecond)
	close(runner.Block)
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, exercise.Passed, r.v.Submission.Grading.Verdict, "the run was not cut short by the learner leaving")
	v, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	require.NotNil(t, v.Attempt)
	assert.Equal(t, exercise.Completed, v.Attempt.Status())
}

func TestSubmitGivingUpInTheQueueFreesTheLearner(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc, runner := f.NewExercises(t, func(c *exercises.Config) { c.GradingWorkers, c.GradingQueue = 1, 1 })
	runner.Block = make(chan struct{})
	a, b := register(t, f), register(t, f)
	e := secondLargest(t, svc, a)

	first := make(chan error, 1)
	go func() {
		_, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: a, ExerciseID: e.ID(), Code: e.Solution()})
		first <- err
	}()
	waitRuns(t, runner, 1)
	cctx, cancel := context.WithCancel(ctx)
	waiting := make(chan error, 1)
	go func() {
		_, err := svc.Submit(cctx, exercises.SubmitInput{LearnerID: b, ExerciseID: e.ID(), Code: e.Solution()})
		waiting <- err
	}()
	time.Sleep(30 * time.Millisecond)
	cancel()
	err := <-waiting
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int64(1), runner.Runs.Load())

	close(runner.Block)
	require.NoError(t, <-first)
	v, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: b, ExerciseID: e.ID(), Code: e.Solution()})
	require.NoError(t, err, "b's grading slot was given back")
	assert.Equal(t, exercise.Passed, v.Submission.Grading.Verdict)
	assert.Equal(t, 1, v.Attempt.Submissions(), "the abandoned one was not recorded")
}
