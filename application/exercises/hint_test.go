package exercises_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/test/accounttest"
)

func TestHintsClimbTheAuthoredLadderAndCostXP(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t) // offline: the authored hints only
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	authored := e.Hints()
	require.Len(t, authored, exercise.HintLevels)

	for level := 1; level <= exercise.HintLevels; level++ {
		h, err := svc.Hint(ctx, id, e.ID())
		require.NoError(t, err)
		assert.Equal(t, level, h.Level)
		assert.Equal(t, "authored", h.Source)
		assert.Equal(t, authored[level-1], h.Text)
		assert.Equal(t, level, h.HintsUsed)
		assert.Equal(t, exercise.HintLevels-level, h.HintsRemaining, "offline, the authored hints are all there is")
	}
	v, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, 3, v.Attempt.HintsUsed())
	assert.Equal(t, exercise.InProgress, v.Attempt.Status(), "a hint starts the attempt")

	// Offline there is no fourth hint, and asking does not count.
	_, err = svc.Hint(ctx, id, e.ID())
	require.Error(t, err)
	assert.Equal(t, llm.ErrNotConfigured, llm.KindOf(err))
	v, err = svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, 3, v.Attempt.HintsUsed(), "unchanged")

	s := solve(t, svc, id, e)
	assert.Equal(t, exercise.XPFor(e.Difficulty(), 3), s.XPAwarded)
	assert.Less(t, s.XPAwarded, exercise.XPFor(e.Difficulty(), 0))
	assert.Equal(t, 3, s.Submission.HintsUsed)
	p, err := svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, s.XPAwarded, p.XP)
	assert.Equal(t, 3, p.HintsUsed)
	assert.Zero(t, p.CleanSolves)
	assert.InDelta(t, 1.0, p.HintRate, 1e-9)

	// After the solve hints are free reading.
	h, err := svc.Hint(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, "authored", h.Source)
	assert.Equal(t, 3, h.HintsUsed)
	p2, err := svc.Progress(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, p.XP, p2.XP)
}

func TestHintsBeforeASolveReduceItsXP(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	_, err := svc.Hint(ctx, id, e.ID())
	require.NoError(t, err)
	s := solve(t, svc, id, e)
	assert.Equal(t, exercise.XPFor(e.Difficulty(), 1), s.XPAwarded)
	assert.Equal(t, 8, s.XPAwarded, "10 less a quarter, rounded")
}

func TestHintOnUnknownOrHiddenExerciseIsNotFound(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	for _, ex := range []string{"0190a6a4-0000-7000-8000-000000000000", "nope", ""} {
		_, err := svc.Hint(ctx, id, ex)
		assert.ErrorIs(t, err, domain.ErrNotFound, ex)
	}
}

// hintReady puts the learner at the fourth hint after a failed submission
// with code.
func hintReady(t *testing.T, svc *exercises.Service, id string, e *exercise.Exercise, code string) {
	t.Helper()
	_, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: id, ExerciseID: e.ID(), Code: code})
	require.NoError(t, err)
	for range exercise.HintLevels {
		h, err := svc.Hint(ctx, id, e.ID())
		require.NoError(t, err)
		require.Equal(t, "authored", h.Source)
	}
}

const learnerCode = "def second_largest(numbers):\n    # my try: xyzzy\n    return sorted(numbers)[-2]\n"

func TestModelHintSeesTheExerciseAndTheLearnersCodeOnly(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	hintReady(t, svc, id, e, learnerCode)
	require.Empty(t, l.Requests(), "authored hints need no model")

	const answer = "Look at what your code returns for [7]: is there a second largest value there?"
	l.Answer(answer)
	h, err := svc.Hint(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, 4, h.Level)
	assert.Equal(t, "llm", h.Source)
	assert.Equal(t, answer, h.Text)
	assert.Equal(t, 4, h.HintsUsed)
	assert.Equal(t, exercise.HintLevels+exercises.DefaultConfig().MaxLLMHints-4, h.HintsRemaining)

	reqs := l.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, llm.PurposeHint, r.Purpose)
	assert.Equal(t, id, r.LearnerID)
	text := requestText(r)
	assert.Contains(t, text, e.Prompt())
	assert.Contains(t, text, learnerCode)
	assert.Contains(t, text, "expected 4, got null", "the visible failure is context")
	for _, hint := range e.Hints() {
		assert.Contains(t, text, hint, "earlier hints are context")
	}
	assertNoSecrets(t, text, e)
}

// assertNoSecrets checks text holds neither the reference solution nor
// anything of a hidden test.
func assertNoSecrets(t *testing.T, text string, e *exercise.Exercise) {
	t.Helper()
	assert.NotContains(t, text, e.Solution())
	for _, line := range strings.Split(e.Solution(), "\n") {
		l := strings.TrimSpace(line)
		if strings.Contains(e.Prompt(), l) || strings.Contains(e.StarterCode(), l) {
			continue // the signature is public
		}
		if len(l) > 20 {
			assert.NotContains(t, text, l, "a line of the reference solution")
		}
	}
	visibleExpected := map[string]bool{}
	for _, tc := range e.VisibleTests() {
		visibleExpected[string(tc.Expected)] = true
	}
	for _, tc := range e.Tests() {
		if !tc.Hidden {
			continue
		}
		assert.NotContains(t, text, tc.Name, "a hidden test's name")
		if len(tc.Args) > 4 {
			assert.NotContains(t, text, string(tc.Args), "a hidden test's arguments")
		}
		if len(tc.Expected) > 2 && !visibleExpected[string(tc.Expected)] {
			assert.NotContains(t, text, string(tc.Expected), "a hidden test's expected value")
		}
	}
	// second-largest's hidden tests, spelled as a person would.
	for _, s := range []string{"999999999999", "[5, 5, 5, 5]", "-8", "[1, 3, 2, 3, 2]"} {
		assert.NotContains(t, text, s)
	}
}

func TestModelHintWithoutASubmissionUsesTheStarter(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	for range exercise.HintLevels {
		_, err := svc.Hint(ctx, id, e.ID())
		require.NoError(t, err)
	}
	l.Answer("Start by tracking the largest value.")
	_, err := svc.Hint(ctx, id, e.ID())
	require.NoError(t, err)
	reqs := l.Requests()
	require.Len(t, reqs, 1)
	text := requestText(reqs[0])
	assert.Contains(t, text, e.StarterCode())
	assert.Contains(t, text, "not submitted yet")
	assertNoSecrets(t, text, e)
}

func TestModelHintGivingTheSolutionAwayIsAskedAgain(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	hintReady(t, svc, id, e, learnerCode)

	leak := "Here you go:\n```python\n" + e.Solution() + "```\n"
	require.False(t, exercise.CheckNoSolution(leak, e.Solution()).OK)
	const good = "Think about which values you need to remember while walking the list once."
	l.Answer(leak, good)

	h, err := svc.Hint(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, good, h.Text)
	assert.Equal(t, "llm", h.Source)
	assert.Equal(t, 4, h.HintsUsed, "counted once")

	reqs := l.Requests()
	require.Len(t, reqs, 2)
	first, second := reqs[0].Messages, reqs[1].Messages
	require.Len(t, second, len(first)+2)
	assert.Equal(t, first, second[:len(first)])
	assert.Equal(t, llm.RoleAssistant, second[len(first)].Role)
	last := second[len(second)-1]
	assert.Equal(t, llm.RoleUser, last.Role)
	assert.Equal(t, exercise.StricterHintNote, last.Content)
}

func TestModelHintLeakingTwiceIsCut(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	hintReady(t, svc, id, e, learnerCode)

	leak := "Here you go:\n```python\n" + e.Solution() + "```\n"
	again := "Keep two variables, the largest and the second.\n```python\n" + e.Solution() + "```\nThen return the second."
	l.Answer(leak, again)

	h, err := svc.Hint(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Len(t, l.Requests(), 2, "asked once more, not more")
	assert.Equal(t, "llm", h.Source)
	assert.NotEmpty(t, h.Text)
	c := exercise.CheckNoSolution(h.Text, e.Solution())
	assert.True(t, c.OK, "the result passes the check: %+v", c)
	assert.False(t, c.LongCode)
	assert.NotContains(t, h.Text, "largest, second = n, largest")
	assert.Contains(t, h.Text, "Keep two variables", "the prose stays")
	assert.Equal(t, 4, h.HintsUsed)
}

func TestModelHintThatIsAllCodeFallsBackToAdvice(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	hintReady(t, svc, id, e, learnerCode)
	// Unfenced, so there is no code block to cut.
	l.Answer(e.Solution(), e.Solution())

	h, err := svc.Hint(ctx, id, e.ID())
	require.NoError(t, err)
	assert.NotEmpty(t, h.Text)
	assert.True(t, exercise.CheckNoSolution(h.Text, e.Solution()).OK)
	assert.NotContains(t, h.Text, "largest, second")
}

func TestModelHintFailureIsNotCounted(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	hintReady(t, svc, id, e, learnerCode)
	l.Fail(&llm.Error{Kind: llm.ErrUnavailable, Provider: "scripted", Msg: "down"})

	_, err := svc.Hint(ctx, id, e.ID())
	require.Error(t, err)
	assert.Equal(t, llm.ErrUnavailable, llm.KindOf(err))
	v, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, 3, v.Attempt.HintsUsed())
}

func TestModelHintsEndAfterTheConfiguredNumber(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, _ := f.NewExercises(t, func(c *exercises.Config) { c.MaxLLMHints = 2 })
	id := register(t, f)
	e := secondLargest(t, svc, id)
	hintReady(t, svc, id, e, learnerCode)

	l.Answer("Hint four.", "Hint five.", "Hint six (never asked for).")
	for i, want := range []string{"Hint four.", "Hint five."} {
		h, err := svc.Hint(ctx, id, e.ID())
		require.NoError(t, err)
		assert.Equal(t, want, h.Text)
		assert.Equal(t, 4+i, h.Level)
		assert.Equal(t, 1-i, h.HintsRemaining)
	}
	_, err := svc.Hint(ctx, id, e.ID())
	require.ErrorIs(t, err, domain.ErrConflict)
	assert.Equal(t, 1, l.Pending(), "the model was not asked")
	v, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	assert.Equal(t, 5, v.Attempt.HintsUsed(), "unchanged")

	s := solve(t, svc, id, e)
	assert.Equal(t, exercise.XPFor(e.Difficulty(), 5), s.XPAwarded)
	assert.Equal(t, 1, s.XPAwarded, "never below a tenth")
}

func TestHintsWithoutModelHintsEndAtTheAuthoredOnes(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, _ := f.NewExercises(t, func(c *exercises.Config) { c.MaxLLMHints = 0 })
	id := register(t, f)
	e := secondLargest(t, svc, id)
	for range exercise.HintLevels {
		_, err := svc.Hint(ctx, id, e.ID())
		require.NoError(t, err)
	}
	_, err := svc.Hint(ctx, id, e.ID())
	require.ErrorIs(t, err, domain.ErrConflict)
	assert.Empty(t, l.Requests())
}

func TestConcurrentModelHintsRespectTheCap(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, _ := f.NewExercises(t, func(c *exercises.Config) { c.MaxLLMHints = 1 })
	id := register(t, f)
	e := secondLargest(t, svc, id)
	hintReady(t, svc, id, e, learnerCode)
	l.Answer("Hint A.", "Hint B.")
	// Each model call waits (a little) for the other, as two tabs would.
	l.Before = func(int) { l.WaitRequests(2, time.Second) }

	var wg sync.WaitGroup
	views := make([]exercises.HintView, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i], errs[i] = svc.Hint(ctx, id, e.ID())
		}()
	}
	wg.Wait()
	ok := 0
	for i := range 2 {
		if errs[i] == nil {
			ok++
			continue
		}
		assert.ErrorIs(t, errs[i], domain.ErrConflict)
	}
	v, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	if v.Attempt.HintsUsed() > exercise.HintLevels+1 || ok != 1 {
		t.Fatalf("two concurrent Hint calls at the last model hint (MaxLLMHints=1, hints_used=3) both "+
			"succeed with level %d and %d and leave hints_used=%d, past the 3+MaxLLMHints cap (hint.go computes the "+
			"level before the LLM call and increments without re-checking it in Attempts.Update)",
			views[0].Level, views[1].Level, v.Attempt.HintsUsed())
	}
	assert.Equal(t, exercise.HintLevels+1, v.Attempt.HintsUsed())
}

func TestConcurrentModelHintsAreEachCountedOnce(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc := f.Exercises(t)
	id := register(t, f)
	e := secondLargest(t, svc, id)
	hintReady(t, svc, id, e, learnerCode)
	l.Answer("Hint A.", "Hint B.")
	l.Before = func(int) { l.WaitRequests(2, time.Second) }

	var wg sync.WaitGroup
	views := make([]exercises.HintView, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i], errs[i] = svc.Hint(ctx, id, e.ID())
		}()
	}
	wg.Wait()
	levels := map[int]bool{}
	ok := 0
	for i := range 2 {
		if errs[i] == nil {
			ok++
			levels[views[i].Level] = true
		}
	}
	v, err := svc.Get(ctx, id, e.ID())
	require.NoError(t, err)
	if len(levels) != ok {
		t.Fatalf("two concurrent Hint calls at hints_used=3 both answer level 4 yet count two hints "+
			"(hints_used=%d): the learner pays for a hint they never saw", v.Attempt.HintsUsed())
	}
	assert.Equal(t, exercise.HintLevels+ok, v.Attempt.HintsUsed(), "one hint counted per hint shown")
}
