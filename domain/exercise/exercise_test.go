package exercise_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

func TestValidateAcceptsAValidExercise(t *testing.T) {
	t.Parallel()
	require.NoError(t, exercise.Validate(validSnapshot()))

	e, err := exercise.New(validSnapshot())
	require.NoError(t, err)
	assert.Equal(t, "two-sum", e.Slug())
	assert.Equal(t, "two_sum", e.Entry())
	assert.True(t, e.Language().Equal(language.Python))
	assert.True(t, e.Difficulty().Equal(exercise.Easy))
	assert.Len(t, e.Tests(), 5)
	assert.Len(t, e.VisibleTests(), 3)
	assert.True(t, e.HasTopic("arrays"))
	assert.False(t, e.HasTopic("graphs"))
}

func TestValidateRules(t *testing.T) {
	t.Parallel()
	tc := func(name string, hidden bool) exercise.TestCase {
		return exercise.TestCase{Name: name, Args: raw(`[1]`), Expected: raw(`1`), Hidden: hidden}
	}
	nTests := func(n, hidden int) []exercise.TestCase {
		out := make([]exercise.TestCase, n)
		for i, name := range ids("t", n) {
			out[i] = tc(name, i >= n-hidden)
		}
		return out
	}
	withTest := func(i int, f func(*exercise.TestCase)) func(*exercise.Snapshot) {
		return func(s *exercise.Snapshot) { f(&s.Tests[i]) }
	}

	tests := []struct {
		name   string
		mutate func(*exercise.Snapshot)
		want   []string // the fields reported; empty means valid
	}{
		{"id blank", func(s *exercise.Snapshot) { s.ID = "  " }, []string{"id"}},

		{"slug empty", func(s *exercise.Snapshot) { s.Slug = "" }, []string{"slug"}},
		{"slug upper case", func(s *exercise.Snapshot) { s.Slug = "Two-Sum" }, []string{"slug"}},
		{"slug underscore", func(s *exercise.Snapshot) { s.Slug = "two_sum" }, []string{"slug"}},
		{"slug leading hyphen", func(s *exercise.Snapshot) { s.Slug = "-two-sum" }, []string{"slug"}},
		{"slug double hyphen", func(s *exercise.Snapshot) { s.Slug = "two--sum" }, []string{"slug"}},
		{"slug space", func(s *exercise.Snapshot) { s.Slug = "two sum" }, []string{"slug"}},
		{"slug 81 chars", func(s *exercise.Snapshot) { s.Slug = strings.Repeat("a", 81) }, []string{"slug"}},
		{"slug 80 chars", func(s *exercise.Snapshot) { s.Slug = strings.Repeat("a", 80) }, nil},
		{"slug digits", func(s *exercise.Snapshot) { s.Slug = "fizz-buzz-2" }, nil},

		{"title empty", func(s *exercise.Snapshot) { s.Title = "" }, []string{"title"}},
		{"title blank", func(s *exercise.Snapshot) { s.Title = " \t " }, []string{"title"}},
		{"title 121 runes", func(s *exercise.Snapshot) { s.Title = strings.Repeat("é", 121) }, []string{"title"}},
		{"title 120 runes", func(s *exercise.Snapshot) { s.Title = strings.Repeat("é", 120) }, nil},

		{"language missing", func(s *exercise.Snapshot) { s.Language = language.Language{} }, []string{"language"}},

		{"difficulty missing", func(s *exercise.Snapshot) { s.Difficulty = exercise.Difficulty{} }, []string{"difficulty"}},
		{"difficulty hard", func(s *exercise.Snapshot) { s.Difficulty = exercise.Hard }, nil},

		{"no topics", func(s *exercise.Snapshot) { s.Topics = nil }, []string{"topics"}},
		{"nine topics", func(s *exercise.Snapshot) { s.Topics = ids("topic", 9) }, []string{"topics"}},
		{"eight topics", func(s *exercise.Snapshot) { s.Topics = ids("topic", 8) }, nil},
		{"duplicate topic", func(s *exercise.Snapshot) { s.Topics = []string{"arrays", "loops", "arrays"} }, []string{"topics"}},
		{"topic upper case", func(s *exercise.Snapshot) { s.Topics = []string{"Arrays"} }, []string{"topics"}},
		{"topic with space", func(s *exercise.Snapshot) { s.Topics = []string{"hash maps"} }, []string{"topics"}},
		{"topic empty", func(s *exercise.Snapshot) { s.Topics = []string{""} }, []string{"topics"}},

		{"prompt empty", func(s *exercise.Snapshot) { s.Prompt = "" }, []string{"prompt"}},
		{"prompt blank", func(s *exercise.Snapshot) { s.Prompt = "\n\n " }, []string{"prompt"}},
		{"prompt too long", func(s *exercise.Snapshot) { s.Prompt = strings.Repeat("a", exercise.MaxPromptBytes+1) }, []string{"prompt"}},
		{"prompt at limit", func(s *exercise.Snapshot) { s.Prompt = strings.Repeat("a", exercise.MaxPromptBytes) }, nil},

		{"starter blank", func(s *exercise.Snapshot) { s.StarterCode = "  \n" }, []string{"starter_code"}},
		{"starter too long", func(s *exercise.Snapshot) { s.StarterCode = strings.Repeat("x", exercise.MaxCodeBytes+1) }, []string{"starter_code"}},
		{"solution empty", func(s *exercise.Snapshot) { s.Solution = "" }, []string{"solution"}},
		{"solution too long", func(s *exercise.Snapshot) { s.Solution = strings.Repeat("x", exercise.MaxCodeBytes+1) }, []string{"solution"}},

		{"entry empty", func(s *exercise.Snapshot) { s.Entry = "" }, []string{"entry"}},
		{"entry starts with digit", func(s *exercise.Snapshot) { s.Entry = "2sum" }, []string{"entry"}},
		{"entry with hyphen", func(s *exercise.Snapshot) { s.Entry = "two-sum" }, []string{"entry"}},
		{"entry with parens", func(s *exercise.Snapshot) { s.Entry = "two_sum()" }, []string{"entry"}},
		{"entry camel case", func(s *exercise.Snapshot) { s.Entry = "TwoSum" }, nil},
		{"entry underscore first", func(s *exercise.Snapshot) { s.Entry = "_solve1" }, nil},

		{"four tests", func(s *exercise.Snapshot) { s.Tests = nTests(4, 2) }, []string{"tests"}},
		{"no tests", func(s *exercise.Snapshot) { s.Tests = nil }, []string{"tests", "tests"}}, // count and hidden count
		{"fifty tests", func(s *exercise.Snapshot) { s.Tests = nTests(50, 10) }, nil},
		{"fifty-one tests", func(s *exercise.Snapshot) { s.Tests = nTests(51, 10) }, []string{"tests"}},
		{"one hidden test", func(s *exercise.Snapshot) { s.Tests = nTests(5, 1) }, []string{"tests"}},
		{"no hidden test", func(s *exercise.Snapshot) { s.Tests = nTests(5, 0) }, []string{"tests"}},
		{"every test hidden", func(s *exercise.Snapshot) { s.Tests = nTests(5, 5) }, []string{"tests"}},
		{"one visible test", func(s *exercise.Snapshot) { s.Tests = nTests(5, 4) }, nil},
		{"duplicate test name", withTest(1, func(c *exercise.TestCase) { c.Name = "basic" }), []string{"tests[1].name"}},
		{"blank test name", withTest(2, func(c *exercise.TestCase) { c.Name = "  " }), []string{"tests[2].name"}},
		{"test name too long", withTest(0, func(c *exercise.TestCase) { c.Name = strings.Repeat("n", 101) }), []string{"tests[0].name"}},
		{"args an object", withTest(0, func(c *exercise.TestCase) { c.Args = raw(`{"nums":[1]}`) }), []string{"tests[0].args"}},
		{"args a number", withTest(0, func(c *exercise.TestCase) { c.Args = raw(`1`) }), []string{"tests[0].args"}},
		{"args a string", withTest(0, func(c *exercise.TestCase) { c.Args = raw(`"[1]"`) }), []string{"tests[0].args"}},
		{"args invalid JSON", withTest(3, func(c *exercise.TestCase) { c.Args = raw(`[1,`) }), []string{"tests[3].args"}},
		{"args empty", withTest(0, func(c *exercise.TestCase) { c.Args = nil }), []string{"tests[0].args"}},
		{"args empty array", withTest(0, func(c *exercise.TestCase) { c.Args = raw(`[]`) }), nil},
		{"expected empty", withTest(0, func(c *exercise.TestCase) { c.Expected = nil }), []string{"tests[0].expected"}},
		{"expected invalid JSON", withTest(4, func(c *exercise.TestCase) { c.Expected = raw(`{"a":}`) }), []string{"tests[4].expected"}},
		{"expected null", withTest(0, func(c *exercise.TestCase) { c.Expected = raw(`null`) }), nil},
		{"expected a string", withTest(0, func(c *exercise.TestCase) { c.Expected = raw(`"ok"`) }), nil},

		{"two hints", func(s *exercise.Snapshot) { s.Hints = s.Hints[:2] }, []string{"hints"}},
		{"four hints", func(s *exercise.Snapshot) { s.Hints = append(s.Hints, "more") }, []string{"hints"}},
		{"no hints", func(s *exercise.Snapshot) { s.Hints = nil }, []string{"hints"}},
		{"blank hint", func(s *exercise.Snapshot) { s.Hints[1] = " " }, []string{"hints[1]"}},
		{"hint too long", func(s *exercise.Snapshot) { s.Hints[2] = strings.Repeat("h", 2001) }, []string{"hints[2]"}},

		{"visibility missing", func(s *exercise.Snapshot) { s.Visibility = exercise.Visibility{} }, []string{"visibility"}},
		{"owner-only without owner", func(s *exercise.Snapshot) { s.Visibility = exercise.OwnerOnly }, []string{"owner_id"}},
		{"owner-only with owner", func(s *exercise.Snapshot) {
			s.Visibility, s.OwnerID, s.Source = exercise.OwnerOnly, "learner-1", exercise.SourceGenerated
		}, nil},
		{"public with owner", func(s *exercise.Snapshot) { s.OwnerID = "learner-1" }, nil},

		{"source missing", func(s *exercise.Snapshot) { s.Source = "" }, []string{"source"}},
		{"source unknown", func(s *exercise.Snapshot) { s.Source = "imported" }, []string{"source"}},
		{"source generated", func(s *exercise.Snapshot) { s.Source = exercise.SourceGenerated }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := validSnapshot()
			tt.mutate(&s)
			err := exercise.Validate(s)
			e, newErr := exercise.New(s)
			if len(tt.want) == 0 {
				require.NoError(t, err)
				require.NoError(t, newErr)
				assert.NotNil(t, e)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.want, issueFields(t, err))
			require.Error(t, newErr, "New must refuse what Validate refuses")
			assert.Nil(t, e)
		})
	}
}

func TestValidateArgsNullIsNotAnArray(t *testing.T) {
	t.Parallel()
	s := validSnapshot()
	s.Tests[0].Args = raw(`null`)
	err := exercise.Validate(s)
	require.Error(t, err)
	assert.Equal(t, []string{"tests[0].args"}, issueFields(t, err))
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	s := exercise.Snapshot{
		Slug:       "Bad Slug",
		Topics:     []string{"ok", "ok"},
		Entry:      "1x",
		Tests:      []exercise.TestCase{{Name: "a", Args: raw(`{}`), Expected: raw(`nope`), Hidden: true}},
		Hints:      []string{"one"},
		Visibility: exercise.OwnerOnly,
	}
	err := exercise.Validate(s)
	require.Error(t, err)
	fields := issueFields(t, err)
	for _, f := range []string{"id", "slug", "title", "language", "difficulty", "topics", "prompt", "starter_code",
		"solution", "entry", "tests", "tests[0].args", "tests[0].expected", "hints", "owner_id", "source"} {
		assert.Contains(t, fields, f)
	}
	// tests: the count, the hidden count and "at least one visible" are three issues.
	n := 0
	for _, f := range fields {
		if f == "tests" {
			n++
		}
	}
	assert.Equal(t, 3, n, "fields: %v", fields)
	assert.Contains(t, err.Error(), "validation failed")
}

func TestVisibleTo(t *testing.T) {
	t.Parallel()
	public := mustNew(t, validSnapshot())
	s := validSnapshot()
	s.Visibility, s.OwnerID, s.Source = exercise.OwnerOnly, "owner-1", exercise.SourceGenerated
	private := mustNew(t, s)
	// A public exercise with an owner is still public.
	s = validSnapshot()
	s.OwnerID = "owner-1"
	ownedPublic := mustNew(t, s)

	tests := []struct {
		name    string
		e       *exercise.Exercise
		learner string
		want    bool
	}{
		{"public to anyone", public, "someone", true},
		{"public to anonymous", public, "", true},
		{"owned public to another", ownedPublic, "someone", true},
		{"owner-only to its owner", private, "owner-1", true},
		{"owner-only to another learner", private, "owner-2", false},
		{"owner-only to anonymous", private, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.e.VisibleTo(tt.learner))
		})
	}
}

func TestVisibleToRehydratedOwnerOnlyWithoutOwner(t *testing.T) {
	t.Parallel()
	// Rehydrate skips the rules: an owner-only row without owner is seen by nobody,
	// not by every learner with an empty id.
	s := validSnapshot()
	s.Visibility = exercise.OwnerOnly
	e := exercise.Rehydrate(s)
	assert.False(t, e.VisibleTo(""))
	assert.False(t, e.VisibleTo("x"))
}

func TestSnapshotRehydrateRoundTrip(t *testing.T) {
	t.Parallel()
	s := validSnapshot()
	s.CreatedAt = time.Date(2026, 3, 10, 21, 0, 0, 0, time.FixedZone("X", 9*3600))
	s.UpdatedAt = s.CreatedAt.Add(time.Hour)
	e := mustNew(t, s)

	got := e.Snapshot()
	want := s
	want.CreatedAt, want.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	assert.Equal(t, want, got)
	assert.Equal(t, time.UTC, e.CreatedAt().Location())
	assert.Equal(t, got, exercise.Rehydrate(got).Snapshot())

	sum := e.Summarize()
	assert.Equal(t, exercise.Summary{ID: "ex-1", Slug: "two-sum", Title: "Two sum", Language: language.Python,
		Difficulty: exercise.Easy, Topics: []string{"arrays", "hash-maps"}, Source: exercise.SourceCatalog}, sum)
}

func TestExerciseDoesNotAliasSlices(t *testing.T) {
	t.Parallel()
	s := validSnapshot()
	e := mustNew(t, s)
	before := e.Snapshot()

	// The snapshot given to New.
	s.Topics[0] = "changed"
	s.Hints[0] = "changed"
	s.Tests[0].Name = "changed"
	s.Tests[0].Args[1] = '9'
	s.Tests[0].Expected[1] = '9'
	assert.Equal(t, before, e.Snapshot(), "mutating the input snapshot changed the entity")

	// What the getters return.
	topics := e.Topics()
	topics[0] = "changed"
	hints := e.Hints()
	hints[0] = "changed"
	tests := e.Tests()
	tests[0].Name = "changed"
	tests[0].Args[1] = '9'
	tests[0].Expected[1] = '9'
	tests[3].Hidden = false
	snap := e.Snapshot()
	snap.Topics[1] = "changed"
	snap.Tests[1].Args[1] = '9'
	snap.Hints[2] = "changed"
	sum := e.Summarize()
	sum.Topics[0] = "changed"
	assert.Equal(t, before, e.Snapshot(), "mutating returned slices changed the entity")
	assert.Len(t, e.VisibleTests(), 3)

	// Rehydrate copies too.
	r := exercise.Rehydrate(before)
	before.Topics[0] = "again"
	before.Tests[0].Args[1] = '8'
	assert.Equal(t, "arrays", r.Topics()[0])
	assert.JSONEq(t, `[[2,7,11,15],9]`, string(r.Tests()[0].Args))
}

func TestExerciseDoesNotLeakTestBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(e *exercise.Exercise)
	}{
		{"VisibleTests", func(e *exercise.Exercise) { e.VisibleTests()[0].Args[1] = '9' }},
		{"SpecFor", func(e *exercise.Exercise) {
			exercise.SpecFor(e, "code", exercise.DefaultLimits()).Tests[1].Args[1] = '9'
		}},
		{"Grade", func(e *exercise.Exercise) {
			g := exercise.Grade(e, exercise.RunResult{Status: exercise.RunCompleted, Tests: []exercise.TestOutput{
				{Name: "same", Status: exercise.TestReturned, Actual: raw(`[0,1]`)},
			}})
			g.Tests[2].Expected[1] = '9'
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := mustNew(t, validSnapshot())
			want := e.Snapshot()
			tt.mutate(e)
			assert.Equal(t, want, e.Snapshot(), "%s must not alias the exercise's test bytes", tt.name)
		})
	}
}

func TestSpecFor(t *testing.T) {
	t.Parallel()
	e := mustNew(t, validSnapshot())
	limits := exercise.DefaultLimits()
	spec := exercise.SpecFor(e, "def two_sum(n, t): return [0, 1]", limits)
	assert.True(t, spec.Language.Equal(language.Python))
	assert.Equal(t, "two_sum", spec.Entry)
	assert.Equal(t, limits, spec.Limits)
	require.Len(t, spec.Tests, 5)
	for i, tc := range e.Tests() {
		assert.Equal(t, tc.Name, spec.Tests[i].Name)
		assert.JSONEq(t, string(tc.Args), string(spec.Tests[i].Args))
	}
	// Expected values never enter the sandbox: RunInput has no such field.
	b, err := json.Marshal(spec.Tests)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "Expected")
}

func TestParseDifficultyAndVisibility(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]exercise.Difficulty{1: exercise.Easy, 2: exercise.Medium, 3: exercise.Hard} {
		d, err := exercise.ParseDifficulty(n)
		require.NoError(t, err)
		assert.True(t, d.Equal(want))
		assert.Equal(t, n, d.Int())
		assert.False(t, d.IsZero())
	}
	for _, n := range []int{-1, 0, 4} {
		d, err := exercise.ParseDifficulty(n)
		require.Error(t, err, "%d", n)
		assert.True(t, d.IsZero())
	}
	assert.Equal(t, []string{"easy", "medium", "hard"}, []string{exercise.Easy.String(), exercise.Medium.String(), exercise.Hard.String()})

	v, err := exercise.ParseVisibility("public")
	require.NoError(t, err)
	assert.Equal(t, exercise.Public, v)
	v, err = exercise.ParseVisibility("owner")
	require.NoError(t, err)
	assert.Equal(t, exercise.OwnerOnly, v)
	assert.Equal(t, "owner", v.String())
	for _, s := range []string{"", "private", "Public"} {
		_, err := exercise.ParseVisibility(s)
		assert.Error(t, err, "%q", s)
	}
}
