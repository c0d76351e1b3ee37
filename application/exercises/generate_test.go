package exercises_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

const (
	addSolution = "def add_numbers(a, b):\n    return a + b\n"
	addStarter  = "def add_numbers(a, b):\n    # TODO\n    return 0\n"
)

// generatedJSON is a model's answer for a valid "add two numbers"
// exercise; edit changes it first.
func generatedJSON(t *testing.T, edit func(m map[string]any)) string {
	t.Helper()
	test := func(name, args, expected string, hidden bool) map[string]any {
		return map[string]any{"name": name, "args_json": args, "expected_json": expected, "hidden": hidden}
	}
	m := map[string]any{
		"title":        "Add Two Numbers",
		"prompt":       "# Add Two Numbers\n\nWrite `add_numbers(a, b)` that returns the sum of two integers.\n\n```python\nadd_numbers(1, 2)  # 3\n```",
		"entry":        "add_numbers",
		"starter_code": addStarter,
		"solution":     addSolution,
		"topics":       []string{"basics", "not-a-topic", "math"},
		"hints":        []string{"What operator combines two numbers?", "Python has a + operator.", "Return a plus b."},
		"tests": []any{
			test("small numbers", "[1, 2]", "3", false),
			test("zeros", "[0, 0]", "0", false),
			test("opposites", "[-1, 1]", "0", false),
			test("bigger", "[10, 5]", "15", false),
			test("millions", "[1000000, 2000000]", "3000000", true),
			test("negatives", "[-5, -7]", "-12", true),
		},
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

// addRunner is the sandbox for the "add two numbers" exercise: the
// reference solution adds, the starter answers 0, anything else null.
func addRunner(spec exercise.RunSpec) (exercise.RunResult, error) {
	out := exercise.RunResult{Status: exercise.RunCompleted}
	for _, in := range spec.Tests {
		o := exercise.TestOutput{Name: in.Name, Status: exercise.TestReturned, Actual: json.RawMessage("null")}
		var args []json.Number
		if spec.Entry == "add_numbers" && json.Unmarshal(in.Args, &args) == nil && len(args) == 2 {
			switch spec.Code {
			case addSolution:
				a, _ := new(big.Int).SetString(args[0].String(), 10)
				b, _ := new(big.Int).SetString(args[1].String(), 10)
				o.Actual = json.RawMessage(new(big.Int).Add(a, b).String())
			case addStarter:
				o.Actual = json.RawMessage("0")
			}
		}
		out.Tests = append(out.Tests, o)
	}
	return out, nil
}

func TestGenerateValidatesEveryField(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc := f.Exercises(t)
	id := register(t, f)
	for _, tc := range []struct {
		name   string
		in     exercises.GenerateInput
		fields []string
	}{
		{"all wrong", exercises.GenerateInput{Language: "cobol", Topic: "astrology", Difficulty: 9}, []string{"language", "topic", "difficulty"}},
		{"empty", exercises.GenerateInput{}, []string{"language", "topic", "difficulty"}},
		{"difficulty zero", exercises.GenerateInput{Language: "go", Topic: "loops"}, []string{"difficulty"}},
		{"topic in capitals", exercises.GenerateInput{Language: "go", Topic: "Loops", Difficulty: 2}, []string{"topic"}},
	} {
		tc.in.LearnerID = id
		_, err := svc.Generate(ctx, tc.in)
		assert.ElementsMatch(t, tc.fields, issueFields(t, err), tc.name)
	}
	assert.Empty(t, l.Requests(), "no model was asked")
}

func TestGenerateOfflineIsNotConfigured(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc := f.Exercises(t)
	id := register(t, f)
	_, err := svc.Generate(ctx, exercises.GenerateInput{LearnerID: id, Language: "python", Topic: "math", Difficulty: 1})
	require.Error(t, err)
	assert.Equal(t, llm.ErrNotConfigured, llm.KindOf(err))
	assert.ErrorIs(t, err, domain.ErrUnavailable)
}

func TestGenerateStoresAProvenOwnerOnlyExercise(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, runner := f.NewExercises(t)
	runner.Func = addRunner
	author, other := register(t, f), register(t, f)
	l.Answer(generatedJSON(t, nil))

	g, err := svc.Generate(ctx, exercises.GenerateInput{LearnerID: author, Language: "py", Topic: "math", Difficulty: 1})
	require.NoError(t, err)
	e := g.Exercise
	require.NotNil(t, e)
	assert.Equal(t, exercise.OwnerOnly, e.Visibility())
	assert.Equal(t, author, e.OwnerID())
	assert.Equal(t, exercise.SourceGenerated, e.Source())
	assert.Equal(t, language.Python, e.Language())
	assert.Equal(t, exercise.Easy, e.Difficulty())
	assert.Equal(t, "math", e.Topics()[0], "the asked topic comes first")
	assert.Equal(t, []string{"math", "basics"}, e.Topics(), "unknown topics dropped")
	assert.Equal(t, "Add Two Numbers", e.Title())
	assert.True(t, strings.HasPrefix(e.Slug(), "add-two-numbers-"), e.Slug())
	assert.Equal(t, addSolution, e.Solution())
	assert.Contains(t, g.NewAchievements, "first_generated")
	assert.Equal(t, int64(2), runner.Runs.Load(), "the solution and the starter were run")

	reqs := l.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, llm.PurposeGenerate, reqs[0].Purpose)
	assert.Equal(t, author, reqs[0].LearnerID)
	require.NotNil(t, reqs[0].Schema)
	assert.True(t, json.Valid(reqs[0].Schema.JSON))
	assert.Contains(t, requestText(reqs[0]), `"math"`)
	assert.Contains(t, requestText(reqs[0]), "python")

	// Its author sees it, through Get and List.
	v, err := svc.Get(ctx, author, e.ID())
	require.NoError(t, err)
	assert.Equal(t, e.ID(), v.Exercise.ID())
	py := language.Python
	items, _, err := svc.List(ctx, ports.ExerciseFilter{ViewerID: author, Language: &py, Topic: "math", Page: ports.Page{Limit: 100}})
	require.NoError(t, err)
	assert.True(t, containsID(items, e.ID()))
	assert.Len(t, allVisible(t, svc, author), 37)

	// Nobody else does.
	_, err = svc.Get(ctx, other, e.ID())
	require.ErrorIs(t, err, domain.ErrNotFound)
	items, _, err = svc.List(ctx, ports.ExerciseFilter{ViewerID: other, Language: &py, Topic: "math", Page: ports.Page{Limit: 100}})
	require.NoError(t, err)
	assert.False(t, containsID(items, e.ID()))
	assert.Len(t, allVisible(t, svc, other), 36)
	_, err = svc.Hint(ctx, other, e.ID())
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = svc.Complete(ctx, other, e.ID())
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = svc.Skip(ctx, other, e.ID())
	require.ErrorIs(t, err, domain.ErrNotFound)

	ach, err := svc.Achievements(ctx, author)
	require.NoError(t, err)
	for _, a := range ach {
		if a.Code == "first_generated" {
			require.NotNil(t, a.EarnedAt)
			assert.True(t, a.EarnedAt.Equal(f.Clock.Now()))
		}
	}

	// Its hints are the generated ones.
	h, err := svc.Hint(ctx, author, e.ID())
	require.NoError(t, err)
	assert.Equal(t, "What operator combines two numbers?", h.Text)
}

func containsID(items []exercise.Summary, id string) bool {
	for _, s := range items {
		if s.ID == id {
			return true
		}
	}
	return false
}

func TestGenerateRejectsUnusableAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer func(t *testing.T) string
		fields []string
	}{
		{"not JSON", func(*testing.T) string { return "Sure! Here is an exercise: ..." }, []string{"exercise"}},
		{"JSON of another shape", func(*testing.T) string { return `["title"]` }, []string{"exercise"}},
		{"too few tests and hints", func(t *testing.T) string {
			return generatedJSON(t, func(m map[string]any) {
				m["tests"] = m["tests"].([]any)[:2]
				m["hints"] = []string{"only one"}
			})
		}, []string{"tests", "hints"}},
		{"bad entry and empty solution", func(t *testing.T) string {
			return generatedJSON(t, func(m map[string]any) { m["entry"], m["solution"] = "add numbers", " " })
		}, []string{"entry", "solution"}},
		{"bad test values", func(t *testing.T) string {
			return generatedJSON(t, func(m map[string]any) {
				tests := m["tests"].([]any)
				tests[0].(map[string]any)["args_json"] = "1, 2"
				tests[1].(map[string]any)["expected_json"] = "{oops"
			})
		}, []string{"tests[0].args", "tests[1].expected"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, l := withLLM(t)
			svc, runner := f.NewExercises(t)
			runner.Func = addRunner
			id := register(t, f)
			l.Answer(tc.answer(t))
			_, err := svc.Generate(ctx, exercises.GenerateInput{LearnerID: id, Language: "python", Topic: "math", Difficulty: 1})
			var uerr *domain.UnprocessableError
			require.ErrorAs(t, err, &uerr)
			assert.Equal(t, "generation_rejected", uerr.Code)
			got := issueFields(t, err)
			for _, want := range tc.fields {
				assert.Contains(t, got, want)
			}
			assert.Zero(t, runner.Runs.Load(), "an invalid exercise never reaches the sandbox")
			assert.Len(t, allVisible(t, svc, id), 36, "nothing stored")
			ach, err := svc.Achievements(ctx, id)
			require.NoError(t, err)
			for _, a := range ach {
				assert.Nil(t, a.EarnedAt, a.Code)
			}
		})
	}
}

func TestGenerateRejectsExercisesThatFailInTheSandbox(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		edit   func(m map[string]any)
		fields []string
	}{
		{"wrong expected value", func(m map[string]any) {
			m["tests"].([]any)[5].(map[string]any)["expected_json"] = "-13"
		}, []string{"solution"}},
		{"solution that does not run", func(m map[string]any) {
			m["solution"] = "def add_numbers(a, b):\n    return a - b\n"
		}, []string{"solution"}},
		{"starter that passes", func(m map[string]any) { m["starter_code"] = addSolution }, []string{"starter_code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, l := withLLM(t)
			svc, runner := f.NewExercises(t)
			runner.Func = addRunner
			id := register(t, f)
			l.Answer(generatedJSON(t, tc.edit))
			_, err := svc.Generate(ctx, exercises.GenerateInput{LearnerID: id, Language: "python", Topic: "math", Difficulty: 1})
			var uerr *domain.UnprocessableError
			require.ErrorAs(t, err, &uerr)
			assert.Equal(t, tc.fields, issueFields(t, err))
			assert.Len(t, allVisible(t, svc, id), 36, "nothing stored")
		})
	}
}

func TestGenerateWithTheSandboxDownIsUnavailable(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, runner := f.NewExercises(t)
	runner.Fail.Store(true)
	id := register(t, f)
	l.Answer(generatedJSON(t, nil))
	_, err := svc.Generate(ctx, exercises.GenerateInput{LearnerID: id, Language: "python", Topic: "math", Difficulty: 1})
	require.ErrorIs(t, err, domain.ErrUnavailable)
	var uerr *domain.UnprocessableError
	assert.NotErrorAs(t, err, &uerr, "not the model's fault")
	assert.Len(t, allVisible(t, svc, id), 36)
}

func TestGeneratePerDayLimitFollowsTheLearnersDay(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, runner := f.NewExercises(t, func(c *exercises.Config) { c.GeneratePerDay = 1 })
	runner.Func = addRunner
	id := register(t, f)
	setTimezone(t, f, id, "Asia/Kolkata") // UTC+05:30
	loc, err := time.LoadLocation("Asia/Kolkata")
	require.NoError(t, err)
	advanceTo(f, 10, 17) // 15:47 in Kolkata
	in := exercises.GenerateInput{LearnerID: id, Language: "python", Topic: "math", Difficulty: 1}

	l.Answer(generatedJSON(t, nil))
	_, err = svc.Generate(ctx, in)
	require.NoError(t, err)

	f.Clock.Advance(3 * time.Hour)
	now := f.Clock.Now().In(loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	_, err = svc.Generate(ctx, in)
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, midnight.Sub(now), rl.RetryAfter, "until the learner's next midnight")
	assert.Equal(t, 5*time.Hour+13*time.Minute, rl.RetryAfter)
	assert.Len(t, l.Requests(), 1, "the model was not asked")

	// After the learner's midnight (still the same UTC day) they may again.
	f.Clock.Advance(rl.RetryAfter)
	l.Answer(generatedJSON(t, nil))
	_, err = svc.Generate(ctx, in)
	require.NoError(t, err)
}

func TestGenerateTurnedOff(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, _ := f.NewExercises(t, func(c *exercises.Config) { c.GeneratePerDay = 0 })
	id := register(t, f)
	_, err := svc.Generate(ctx, exercises.GenerateInput{LearnerID: id, Language: "python", Topic: "math", Difficulty: 1})
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.Empty(t, l.Requests())
}

func TestGenerateModelFailurePassesThrough(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc := f.Exercises(t)
	id := register(t, f)
	l.Fail(&llm.Error{Kind: llm.ErrRateLimited, Provider: "scripted", RetryAfter: time.Minute})
	_, err := svc.Generate(ctx, exercises.GenerateInput{LearnerID: id, Language: "python", Topic: "math", Difficulty: 1})
	require.Error(t, err)
	assert.Equal(t, llm.ErrRateLimited, llm.KindOf(err))
	assert.Len(t, allVisible(t, svc, id), 36)
}

func TestConcurrentGenerationsRespectThePerDayLimit(t *testing.T) {
	t.Parallel()
	f, l := withLLM(t)
	svc, runner := f.NewExercises(t, func(c *exercises.Config) { c.GeneratePerDay = 1 })
	runner.Func = addRunner
	repo := memory.NewExerciseRepository(f.DB)
	id := register(t, f)
	l.Answer(generatedJSON(t, nil), generatedJSON(t, nil))
	// Two tabs: the first answer waits (a little) for the second request;
	// the second answer comes once the first exercise is stored.
	l.Before = func(n int) {
		if n == 0 {
			l.WaitRequests(2, time.Second)
			return
		}
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			if c, err := repo.CountGenerated(ctx, id, time.Time{}); err == nil && c > 0 {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	in := exercises.GenerateInput{LearnerID: id, Language: "python", Topic: "math", Difficulty: 1}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Generate(ctx, in)
		}()
	}
	wg.Wait()
	stored, err := repo.CountGenerated(ctx, id, time.Time{})
	require.NoError(t, err)
	if stored > 1 {
		t.Fatalf("two concurrent Generate calls with GeneratePerDay=1 store %d exercises (errors %v, %v): "+
			"generationAllowed counts before the LLM call and nothing re-checks at store time", stored, errs[0], errs[1])
	}
	assert.Equal(t, 1, stored)
	refused := 0
	for _, err := range errs {
		var rl *domain.RateLimitedError
		if errors.As(err, &rl) {
			refused++
		}
	}
	assert.Equal(t, 1, refused)
}
