package contract

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/ports"
)

// ExerciseStore is every exercises-area repository of one adapter, sharing
// one database, plus a way to make a learner (the tables reference users).
type ExerciseStore struct {
	Exercises    ports.ExerciseRepository
	Attempts     ports.AttemptRepository
	Daily        ports.DailyRepository
	Submissions  ports.SubmissionRepository
	Achievements ports.AchievementRepository
	Tx           ports.TxManager
	Learner      func(t *testing.T) string
}

// exerciseSnapshot is a valid exercise; opts adjust it before validation.
func exerciseSnapshot(lang language.Language, slug string, d exercise.Difficulty, opts ...func(*exercise.Snapshot)) exercise.Snapshot {
	tests := []exercise.TestCase{
		{Name: "example", Args: json.RawMessage(`[[2, 7, 11, 15], 9]`), Expected: json.RawMessage(`[0, 1]`)},
		{Name: "object", Args: json.RawMessage(`[{"b": 1, "a": [1, 2.5]}]`), Expected: json.RawMessage(`{"z": null, "a": "x<y"}`)},
		{Name: "empty", Args: json.RawMessage(`[]`), Expected: json.RawMessage(`null`)},
		{Name: "hidden one", Args: json.RawMessage(`[1]`), Expected: json.RawMessage(`1`), Hidden: true},
		{Name: "hidden two", Args: json.RawMessage(`["é"]`), Expected: json.RawMessage(`"\u00e9"`), Hidden: true},
	}
	s := exercise.Snapshot{ID: newID(), Slug: slug, Title: "Exercise " + slug, Language: lang, Difficulty: d,
		Topics: []string{"arrays", "hash-maps"}, Prompt: "Return the indices.", StarterCode: "def f(x):\n    return None\n",
		Solution: "def f(x):\n    return x\n", Entry: "f", Tests: tests, Hints: []string{"one", "two", "three"},
		Visibility: exercise.Public, Source: exercise.SourceCatalog, Version: "v1", CreatedAt: t0, UpdatedAt: t0}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func newExercise(t *testing.T, lang language.Language, slug string, d exercise.Difficulty, opts ...func(*exercise.Snapshot)) *exercise.Exercise {
	t.Helper()
	e, err := exercise.New(exerciseSnapshot(lang, slug, d, opts...))
	require.NoError(t, err)
	return e
}

// generatedBy makes an exercise generated for owner, visible to them only
// unless public is set.
func generatedBy(owner string, at time.Time) func(*exercise.Snapshot) {
	return func(s *exercise.Snapshot) {
		s.Source, s.OwnerID, s.Visibility, s.Version, s.CreatedAt, s.UpdatedAt = exercise.SourceGenerated, owner,
			exercise.OwnerOnly, "", at, at
	}
}

func assertSameExercise(t *testing.T, want, got *exercise.Exercise) {
	t.Helper()
	w, g := want.Snapshot(), got.Snapshot()
	require.Len(t, g.Tests, len(w.Tests))
	for i := range w.Tests {
		assert.Equal(t, w.Tests[i].Name, g.Tests[i].Name)
		assert.Equal(t, w.Tests[i].Hidden, g.Tests[i].Hidden)
		assert.JSONEq(t, string(w.Tests[i].Args), string(g.Tests[i].Args))
		assert.JSONEq(t, string(w.Tests[i].Expected), string(g.Tests[i].Expected))
	}
	assert.True(t, w.CreatedAt.Equal(g.CreatedAt), "created_at %s != %s", w.CreatedAt, g.CreatedAt)
	assert.True(t, w.UpdatedAt.Equal(g.UpdatedAt), "updated_at %s != %s", w.UpdatedAt, g.UpdatedAt)
	w.Tests, g.Tests, w.CreatedAt, g.CreatedAt, w.UpdatedAt, g.UpdatedAt = nil, nil, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, w, g)
}

func assertBadCursor(t *testing.T, err error) {
	t.Helper()
	var ve *domain.ValidationError
	require.ErrorAs(t, err, &ve)
	require.NotEmpty(t, ve.Issues)
	assert.Equal(t, "cursor", ve.Issues[0].Field)
}

func badCursors() []string {
	b64 := base64.RawURLEncoding.EncodeToString
	return []string{"!!!", "not a cursor", b64([]byte("{}")), b64([]byte(`["go", 1, "x", "not-a-uuid"]`)),
		b64([]byte(`["go", "one", "x", "` + newID() + `"]`)), b64([]byte(`[1, 2, 3]`)), b64([]byte(`"x"`))}
}

func ids(items []exercise.Summary) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = s.ID
	}
	return out
}

// Exercises runs the exercise repository contract.
func Exercises(t *testing.T, newStore func(t *testing.T) ExerciseStore) {
	ctx := context.Background()

	t.Run("sync catalog creates, leaves unchanged versions alone, updates changed ones in place", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		a := newExercise(t, language.Python, "two-sum", exercise.Easy)
		b := newExercise(t, language.Go, "two-sum", exercise.Medium)
		rep, err := s.Exercises.SyncCatalog(ctx, []*exercise.Exercise{a, b})
		require.NoError(t, err)
		assert.Equal(t, ports.CatalogSyncReport{Created: 2}, rep)

		rep, err = s.Exercises.SyncCatalog(ctx, []*exercise.Exercise{a, b})
		require.NoError(t, err)
		assert.Equal(t, ports.CatalogSyncReport{Unchanged: 2}, rep, "idempotent")

		// The loader gives every exercise a fresh id; the stored row keeps its own.
		later := t0.Add(time.Hour)
		a2 := newExercise(t, language.Python, "two-sum", exercise.Hard, func(s *exercise.Snapshot) {
			s.Title, s.Version, s.Topics, s.CreatedAt, s.UpdatedAt = "Two Sum, revised", "v2", []string{"math"}, later, later
		})
		c := newExercise(t, language.JavaScript, "fizz-buzz", exercise.Easy)
		rep, err = s.Exercises.SyncCatalog(ctx, []*exercise.Exercise{a2, b, c})
		require.NoError(t, err)
		assert.Equal(t, ports.CatalogSyncReport{Created: 1, Updated: 1, Unchanged: 1}, rep)

		got, err := s.Exercises.Get(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, "Two Sum, revised", got.Title())
		assert.Equal(t, "v2", got.Version())
		assert.True(t, exercise.Hard.Equal(got.Difficulty()))
		assert.Equal(t, []string{"math"}, got.Topics())
		assert.True(t, t0.Equal(got.CreatedAt()), "created_at kept")
		assert.True(t, later.Equal(got.UpdatedAt()))
		_, err = s.Exercises.Get(ctx, a2.ID())
		assert.ErrorIs(t, err, domain.ErrNotFound, "the incoming id of an existing row is not used")

		rep, err = s.Exercises.SyncCatalog(ctx, []*exercise.Exercise{a2, b, c})
		require.NoError(t, err)
		assert.Equal(t, ports.CatalogSyncReport{Unchanged: 3}, rep)
		rep, err = s.Exercises.SyncCatalog(ctx, nil)
		require.NoError(t, err)
		assert.Zero(t, rep)
		all, err := s.Exercises.Candidates(ctx, "")
		require.NoError(t, err)
		assert.Len(t, all, 3)
	})

	t.Run("sync catalog is all or nothing and never overwrites a generated exercise", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Learner(t)
		gen := newExercise(t, language.Python, "taken", exercise.Easy, generatedBy(owner, t0))
		require.NoError(t, s.Exercises.Create(ctx, gen))

		cat := newExercise(t, language.Python, "taken", exercise.Medium, func(s *exercise.Snapshot) { s.Version = "v9" })
		rep, err := s.Exercises.SyncCatalog(ctx, []*exercise.Exercise{cat})
		require.NoError(t, err)
		assert.Equal(t, ports.CatalogSyncReport{Unchanged: 1}, rep)
		got, err := s.Exercises.Get(ctx, gen.ID())
		require.NoError(t, err)
		assertSameExercise(t, gen, got)

		// An id already used by another row fails the whole sync.
		fresh := newExercise(t, language.Go, "fresh", exercise.Easy)
		clash := newExercise(t, language.Go, "clash", exercise.Easy, func(s *exercise.Snapshot) { s.ID = gen.ID() })
		_, err = s.Exercises.SyncCatalog(ctx, []*exercise.Exercise{fresh, clash})
		assert.ErrorIs(t, err, domain.ErrConflict)
		_, err = s.Exercises.Get(ctx, fresh.ID())
		assert.ErrorIs(t, err, domain.ErrNotFound, "rolled back")
	})

	t.Run("create stores every field; language and slug or id taken is a conflict", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Learner(t)
		e := newExercise(t, language.Python, "reverse-words", exercise.Medium, generatedBy(owner, t0.In(time.FixedZone("X", 7200))))
		require.NoError(t, s.Exercises.Create(ctx, e))
		got, err := s.Exercises.Get(ctx, e.ID())
		require.NoError(t, err)
		assertSameExercise(t, e, got)
		assert.Equal(t, owner, got.OwnerID())
		assert.Equal(t, exercise.SourceGenerated, got.Source())
		assert.Equal(t, exercise.OwnerOnly, got.Visibility())
		assert.Equal(t, "UTC", got.CreatedAt().Location().String())
		// Both stores answer one spelling of a JSON value: compact, keys sorted.
		tests := got.Tests()
		assert.Equal(t, `[[2,7,11,15],9]`, string(tests[0].Args))
		assert.Equal(t, `[{"a":[1,2.5],"b":1}]`, string(tests[1].Args))
		assert.Equal(t, `{"a":"x<y","z":null}`, string(tests[1].Expected))
		assert.Equal(t, `null`, string(tests[2].Expected))
		assert.Equal(t, `"é"`, string(tests[4].Expected))

		err = s.Exercises.Create(ctx, newExercise(t, language.Python, "reverse-words", exercise.Easy))
		assert.ErrorIs(t, err, domain.ErrConflict, "language and slug taken")
		err = s.Exercises.Create(ctx, newExercise(t, language.Go, "other", exercise.Easy, func(s *exercise.Snapshot) { s.ID = e.ID() }))
		assert.ErrorIs(t, err, domain.ErrConflict, "id taken")
		require.NoError(t, s.Exercises.Create(ctx, newExercise(t, language.Go, "reverse-words", exercise.Easy)),
			"the same slug in another language")
		err = s.Exercises.Create(ctx, newExercise(t, language.Go, "orphan", exercise.Easy, generatedBy(newID(), t0)))
		assert.ErrorIs(t, err, domain.ErrNotFound, "unknown owner")
	})

	t.Run("get: unknown or malformed ids are not found", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, id := range []string{newID(), "not-a-uuid", "", "'; DROP TABLE exercises; --"} {
			_, err := s.Exercises.Get(ctx, id)
			assert.ErrorIs(t, err, domain.ErrNotFound, id)
		}
	})

	t.Run("list filters by language, difficulty and topic; owner-only exercises are their owner's", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ada, bob := s.Learner(t), s.Learner(t)
		topics := func(ts ...string) func(*exercise.Snapshot) { return func(s *exercise.Snapshot) { s.Topics = ts } }
		pyEasy := newExercise(t, language.Python, "a-strings", exercise.Easy, topics("strings"))
		pyHard := newExercise(t, language.Python, "b-graphs", exercise.Hard, topics("recursion", "strings"))
		goEasy := newExercise(t, language.Go, "c-loops", exercise.Easy, topics("loops"))
		_, err := s.Exercises.SyncCatalog(ctx, []*exercise.Exercise{pyEasy, pyHard, goEasy})
		require.NoError(t, err)
		adas := newExercise(t, language.Python, "ada-private", exercise.Easy, generatedBy(ada, t0), topics("strings"))
		adasPublic := newExercise(t, language.Go, "ada-public", exercise.Medium, generatedBy(ada, t0),
			func(s *exercise.Snapshot) { s.Visibility = exercise.Public })
		require.NoError(t, s.Exercises.Create(ctx, adas))
		require.NoError(t, s.Exercises.Create(ctx, adasPublic))

		list := func(f ports.ExerciseFilter) []string {
			t.Helper()
			items, next, err := s.Exercises.List(ctx, f)
			require.NoError(t, err)
			assert.Empty(t, next)
			return ids(items)
		}
		// Order: language, difficulty, slug.
		assert.Equal(t, []string{goEasy.ID(), adasPublic.ID(), pyEasy.ID(), pyHard.ID()}, list(ports.ExerciseFilter{ViewerID: bob}))
		// Bytewise: "a-strings" < "ada-private".
		assert.Equal(t, []string{goEasy.ID(), adasPublic.ID(), pyEasy.ID(), adas.ID(), pyHard.ID()},
			list(ports.ExerciseFilter{ViewerID: ada}))
		assert.Equal(t, list(ports.ExerciseFilter{ViewerID: bob}), list(ports.ExerciseFilter{}), "anonymous sees public ones")
		assert.Equal(t, list(ports.ExerciseFilter{ViewerID: bob}), list(ports.ExerciseFilter{ViewerID: "not-a-uuid"}))

		assert.Equal(t, []string{pyEasy.ID(), adas.ID(), pyHard.ID()},
			list(ports.ExerciseFilter{ViewerID: ada, Language: &language.Python}))
		assert.Equal(t, []string{goEasy.ID(), pyEasy.ID(), adas.ID()},
			list(ports.ExerciseFilter{ViewerID: ada, Difficulty: &exercise.Easy}))
		assert.Equal(t, []string{pyEasy.ID(), adas.ID(), pyHard.ID()}, list(ports.ExerciseFilter{ViewerID: ada, Topic: "strings"}))
		assert.Equal(t, []string{pyEasy.ID(), pyHard.ID()}, list(ports.ExerciseFilter{ViewerID: bob, Topic: "strings"}))
		assert.Equal(t, []string{pyEasy.ID()}, list(ports.ExerciseFilter{ViewerID: bob, Topic: "strings",
			Language: &language.Python, Difficulty: &exercise.Easy}))
		assert.Empty(t, list(ports.ExerciseFilter{ViewerID: bob, Topic: "nothing-here"}))
		assert.Empty(t, list(ports.ExerciseFilter{ViewerID: bob, Language: &language.JavaScript}))

		items, _, err := s.Exercises.List(ctx, ports.ExerciseFilter{ViewerID: ada, Language: &language.Python, Difficulty: &exercise.Hard})
		require.NoError(t, err)
		require.Len(t, items, 1)
		assert.Equal(t, pyHard.Summarize(), items[0], "a summary carries every field")
	})

	t.Run("list pages through everything in order, without gaps or duplicates", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		viewer := s.Learner(t)
		// Slugs whose order differs between bytewise and natural-language
		// collations, in every language and difficulty.
		stems := []string{"a-b", "ab", "a-c", "a0", "b", "a-a-a", "z", "m-9", "m9"}
		var exs []*exercise.Exercise
		for _, l := range language.All() {
			for _, d := range []exercise.Difficulty{exercise.Easy, exercise.Medium, exercise.Hard} {
				for i, st := range stems {
					for k := range 2 {
						if i%2 == 0 || k == 0 {
							exs = append(exs, newExercise(t, l, fmt.Sprintf("%s-%d-%d", st, d.Int(), k), d))
						}
					}
				}
			}
		}
		require.Greater(t, len(exs), 100)
		rep, err := s.Exercises.SyncCatalog(ctx, exs)
		require.NoError(t, err)
		require.Equal(t, len(exs), rep.Created)

		want := make([]exercise.Summary, len(exs))
		for i, e := range exs {
			want[i] = e.Summarize()
		}
		slices.SortFunc(want, func(a, b exercise.Summary) int {
			if c := cmpStrings(a.Language.String(), b.Language.String()); c != 0 {
				return c
			}
			if a.Difficulty.Int() != b.Difficulty.Int() {
				return a.Difficulty.Int() - b.Difficulty.Int()
			}
			return cmpStrings(a.Slug, b.Slug)
		})
		cands, err := s.Exercises.Candidates(ctx, viewer)
		require.NoError(t, err)
		assert.Equal(t, ids(want), ids(cands), "candidates are in listing order")

		var got []string
		cursor, pages := "", 0
		for {
			items, next, err := s.Exercises.List(ctx, ports.ExerciseFilter{ViewerID: viewer, Page: ports.Page{Cursor: cursor, Limit: 7}})
			require.NoError(t, err)
			pages++
			if next != "" {
				assert.Len(t, items, 7)
			}
			got = append(got, ids(items)...)
			if next == "" {
				break
			}
			cursor = next
			require.Less(t, pages, 100, "pagination must end")
		}
		assert.Equal(t, ids(want), got)
		assert.Equal(t, (len(want)+6)/7, pages)

		// With a filter, the cursor keeps working.
		got = nil
		cursor = ""
		for {
			items, next, err := s.Exercises.List(ctx, ports.ExerciseFilter{Language: &language.Go, Page: ports.Page{Cursor: cursor, Limit: 4}})
			require.NoError(t, err)
			got = append(got, ids(items)...)
			if cursor = next; cursor == "" {
				break
			}
		}
		var wantGo []string
		for _, w := range want {
			if w.Language.Equal(language.Go) {
				wantGo = append(wantGo, w.ID)
			}
		}
		assert.Equal(t, wantGo, got)

		items, next, err := s.Exercises.List(ctx, ports.ExerciseFilter{})
		require.NoError(t, err)
		assert.Len(t, items, 20, "default limit")
		assert.NotEmpty(t, next)
		items, next, err = s.Exercises.List(ctx, ports.ExerciseFilter{Page: ports.Page{Limit: 1000}})
		require.NoError(t, err)
		assert.Len(t, items, 100, "limit clamped")
		assert.NotEmpty(t, next)
		items, next, err = s.Exercises.List(ctx, ports.ExerciseFilter{Page: ports.Page{Limit: 100, Cursor: next}})
		require.NoError(t, err)
		assert.Len(t, items, len(want)-100)
		assert.Empty(t, next)

		for _, c := range badCursors() {
			_, _, err := s.Exercises.List(ctx, ports.ExerciseFilter{Page: ports.Page{Cursor: c}})
			assertBadCursor(t, err)
		}
	})

	t.Run("candidates are public exercises and the viewer's own", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ada, bob := s.Learner(t), s.Learner(t)
		pub := newExercise(t, language.Python, "public", exercise.Easy)
		_, err := s.Exercises.SyncCatalog(ctx, []*exercise.Exercise{pub})
		require.NoError(t, err)
		mine := newExercise(t, language.Python, "mine", exercise.Easy, generatedBy(ada, t0))
		theirs := newExercise(t, language.Python, "theirs", exercise.Easy, generatedBy(bob, t0))
		require.NoError(t, s.Exercises.Create(ctx, mine))
		require.NoError(t, s.Exercises.Create(ctx, theirs))

		got, err := s.Exercises.Candidates(ctx, ada)
		require.NoError(t, err)
		assert.Equal(t, []string{mine.ID(), pub.ID()}, ids(got))
		assert.Equal(t, mine.Summarize(), got[0])
		got, err = s.Exercises.Candidates(ctx, "")
		require.NoError(t, err)
		assert.Equal(t, []string{pub.ID()}, ids(got))
	})

	t.Run("count generated counts an owner's generated exercises since a time", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ada, bob := s.Learner(t), s.Learner(t)
		for i := range 3 {
			require.NoError(t, s.Exercises.Create(ctx, newExercise(t, language.Python, fmt.Sprintf("gen-%d", i), exercise.Easy,
				generatedBy(ada, t0.Add(time.Duration(i)*time.Hour)))))
		}
		require.NoError(t, s.Exercises.Create(ctx, newExercise(t, language.Python, "bobs", exercise.Easy, generatedBy(bob, t0))))
		_, err := s.Exercises.SyncCatalog(ctx, []*exercise.Exercise{newExercise(t, language.Python, "catalog", exercise.Easy)})
		require.NoError(t, err)

		for _, c := range []struct {
			owner string
			since time.Time
			want  int
		}{
			{ada, time.Time{}, 3}, {ada, t0, 3}, {ada, t0.Add(time.Hour), 2}, {ada, t0.Add(time.Hour + time.Microsecond), 1},
			{ada, t0.Add(3 * time.Hour), 0}, {bob, t0, 1}, {newID(), t0, 0}, {"not-a-uuid", t0, 0}, {"", t0, 0},
		} {
			n, err := s.Exercises.CountGenerated(ctx, c.owner, c.since)
			require.NoError(t, err)
			assert.Equal(t, c.want, n, "%s since %s", c.owner, c.since)
		}
	})
}

func cmpStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// seedExercise stores a public catalogue exercise.
func seedExercise(t *testing.T, s ExerciseStore, slug string) *exercise.Exercise {
	t.Helper()
	e := newExercise(t, language.Python, slug, exercise.Medium)
	require.NoError(t, s.Exercises.Create(context.Background(), e))
	return e
}

// Attempts runs the attempt and daily assignment contracts.
func Attempts(t *testing.T, newStore func(t *testing.T) ExerciseStore) {
	ctx := context.Background()

	t.Run("ensure creates once and then answers the stored attempt", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner, e := s.Learner(t), seedExercise(t, s, "ensure")
		first := exercise.NewAttempt(newID(), learner, e.ID(), t0)
		got, err := s.Attempts.Ensure(ctx, first)
		require.NoError(t, err)
		assert.Equal(t, first.Snapshot(), got.Snapshot())

		again, err := s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), learner, e.ID(), t0.Add(time.Hour)))
		require.NoError(t, err)
		assert.Equal(t, first.Snapshot(), again.Snapshot(), "the stored attempt, untouched")

		loaded, err := s.Attempts.Get(ctx, learner, e.ID())
		require.NoError(t, err)
		assert.Equal(t, first.Snapshot(), loaded.Snapshot())

		_, err = s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), learner, newID(), t0))
		assert.ErrorIs(t, err, domain.ErrNotFound, "unknown exercise")
		_, err = s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), newID(), e.ID(), t0))
		assert.ErrorIs(t, err, domain.ErrNotFound, "unknown learner")
		_, err = s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), "not-a-uuid", e.ID(), t0))
		assert.ErrorIs(t, err, domain.ErrNotFound, "malformed learner")
		other := seedExercise(t, s, "other")
		_, err = s.Attempts.Ensure(ctx, exercise.NewAttempt(first.ID(), learner, other.ID(), t0))
		assert.ErrorIs(t, err, domain.ErrConflict, "id taken by another attempt")

		for _, ids := range [][2]string{{learner, other.ID()}, {newID(), e.ID()}, {"x", e.ID()}, {learner, "x"}, {"", ""}} {
			_, err := s.Attempts.Get(ctx, ids[0], ids[1])
			assert.ErrorIs(t, err, domain.ErrNotFound, ids)
			_, err = s.Attempts.Update(ctx, ids[0], ids[1], func(*exercise.Attempt) error { return nil })
			assert.ErrorIs(t, err, domain.ErrNotFound, ids)
		}
	})

	t.Run("concurrent ensures answer the same attempt", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner, e := s.Learner(t), seedExercise(t, s, "race")
		const n = 8
		got := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), learner, e.ID(), t0))
				if assert.NoError(t, err) {
					got[i] = a.ID()
				}
			}()
		}
		wg.Wait()
		for i := range n {
			assert.Equal(t, got[0], got[i])
		}
		a, err := s.Attempts.Get(ctx, learner, e.ID())
		require.NoError(t, err)
		assert.Equal(t, got[0], a.ID())
	})

	t.Run("update stores every field; a failing fn changes nothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner, e := s.Learner(t), seedExercise(t, s, "update")
		_, err := s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), learner, e.ID(), t0))
		require.NoError(t, err)

		sub := newID()
		updated, err := s.Attempts.Update(ctx, learner, e.ID(), func(a *exercise.Attempt) error {
			a.UseHint(t0.Add(time.Minute))
			a.RecordSubmission(newID(), exercise.Failed, t0.Add(2*time.Minute))
			a.RecordSubmission(sub, exercise.Passed, t0.Add(3*time.Minute))
			_, _, err := a.Complete(e.Difficulty(), t0.Add(4*time.Minute))
			return err
		})
		require.NoError(t, err)
		got, err := s.Attempts.Get(ctx, learner, e.ID())
		require.NoError(t, err)
		assert.Equal(t, updated.Snapshot(), got.Snapshot())
		g := got.Snapshot()
		assert.Equal(t, exercise.Completed, g.Status)
		assert.Equal(t, 1, g.HintsUsed)
		assert.Equal(t, 2, g.Submissions)
		assert.Equal(t, 1, g.FailedSubmissions)
		assert.Equal(t, exercise.Passed, g.BestVerdict)
		assert.Equal(t, sub, g.PassedSubmissionID)
		assert.Equal(t, exercise.XPFor(e.Difficulty(), 1), g.XPAwarded)
		require.NotNil(t, g.StartedAt)
		require.NotNil(t, g.CompletedAt)
		assert.True(t, t0.Add(time.Minute).Equal(*g.StartedAt))
		assert.True(t, t0.Add(4*time.Minute).Equal(*g.CompletedAt))
		assert.Nil(t, g.SkippedAt)

		boom := errors.New("boom")
		_, err = s.Attempts.Update(ctx, learner, e.ID(), func(a *exercise.Attempt) error {
			a.UseHint(t0.Add(time.Hour))
			a.RecordSubmission(newID(), exercise.Failed, t0.Add(time.Hour))
			return boom
		})
		assert.ErrorIs(t, err, boom)
		again, err := s.Attempts.Get(ctx, learner, e.ID())
		require.NoError(t, err)
		assert.Equal(t, g, again.Snapshot(), "unchanged")

		// Inside a caller's transaction the update joins it and rolls back with it.
		err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			if _, err := s.Attempts.Update(ctx, learner, e.ID(), func(a *exercise.Attempt) error {
				a.RecordSubmission(newID(), exercise.Failed, t0.Add(time.Hour))
				return nil
			}); err != nil {
				return err
			}
			return boom
		})
		assert.ErrorIs(t, err, boom)
		again, err = s.Attempts.Get(ctx, learner, e.ID())
		require.NoError(t, err)
		assert.Equal(t, g, again.Snapshot(), "rolled back")
	})

	t.Run("concurrent updates are serialised, none lost", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner, e := s.Learner(t), seedExercise(t, s, "counter")
		_, err := s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), learner, e.ID(), t0))
		require.NoError(t, err)
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Attempts.Update(ctx, learner, e.ID(), func(a *exercise.Attempt) error {
					a.UseHint(t0)
					return nil
				})
				assert.NoError(t, err)
			}()
		}
		wg.Wait()
		a, err := s.Attempts.Get(ctx, learner, e.ID())
		require.NoError(t, err)
		assert.Equal(t, 10, a.HintsUsed())
	})

	t.Run("history: most recently updated first, paged, with exercises; records since", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner, other := s.Learner(t), s.Learner(t)
		// Two attempts share an updated_at: id breaks the tie.
		at := []time.Duration{5, 1, 3, 3, 7, 2, 3, 6}
		var want []exercise.AttemptRecord
		for i, d := range at {
			e := seedExercise(t, s, fmt.Sprintf("hist-%d", i))
			a, err := s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), learner, e.ID(), t0.Add(d*time.Minute)))
			require.NoError(t, err)
			want = append(want, exercise.AttemptRecord{Attempt: a.Snapshot(), Exercise: e.Summarize()})
			_, err = s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), other, e.ID(), t0.Add(d*time.Minute)))
			require.NoError(t, err)
		}
		slices.SortFunc(want, func(a, b exercise.AttemptRecord) int {
			if c := b.Attempt.UpdatedAt.Compare(a.Attempt.UpdatedAt); c != 0 {
				return c
			}
			return cmpStrings(b.Attempt.ID, a.Attempt.ID)
		})

		var got []exercise.AttemptRecord
		cursor, pages := "", 0
		for {
			items, next, err := s.Attempts.History(ctx, learner, ports.Page{Cursor: cursor, Limit: 3})
			require.NoError(t, err)
			got = append(got, items...)
			pages++
			if cursor = next; cursor == "" {
				break
			}
			require.Less(t, pages, 10)
		}
		assert.Equal(t, want, got)
		assert.Equal(t, 3, pages)

		all, next, err := s.Attempts.History(ctx, learner, ports.Page{})
		require.NoError(t, err)
		assert.Empty(t, next)
		assert.Equal(t, want, all)

		// Updating an attempt moves it to the front.
		moved := want[len(want)-1]
		_, err = s.Attempts.Update(ctx, learner, moved.Attempt.ExerciseID, func(a *exercise.Attempt) error {
			a.UseHint(t0.Add(time.Hour))
			return nil
		})
		require.NoError(t, err)
		first, _, err := s.Attempts.History(ctx, learner, ports.Page{Limit: 1})
		require.NoError(t, err)
		require.Len(t, first, 1)
		assert.Equal(t, moved.Attempt.ID, first[0].Attempt.ID)

		recs, err := s.Attempts.Records(ctx, learner, time.Time{})
		require.NoError(t, err)
		assert.Len(t, recs, len(at))
		recs, err = s.Attempts.Records(ctx, learner, t0.Add(5*time.Minute))
		require.NoError(t, err)
		var gotIDs []string
		for _, r := range recs {
			gotIDs = append(gotIDs, r.Attempt.ID)
			assert.Equal(t, r.Attempt.ExerciseID, r.Exercise.ID)
		}
		assert.Equal(t, []string{moved.Attempt.ID, want[0].Attempt.ID, want[1].Attempt.ID, want[2].Attempt.ID}, gotIDs,
			"updated at or after since, most recent first")

		for _, id := range []string{newID(), "not-a-uuid"} {
			items, next, err := s.Attempts.History(ctx, id, ports.Page{})
			require.NoError(t, err)
			assert.Empty(t, items)
			assert.Empty(t, next)
			recs, err := s.Attempts.Records(ctx, id, time.Time{})
			require.NoError(t, err)
			assert.Empty(t, recs)
		}
		for _, c := range badCursors() {
			_, _, err := s.Attempts.History(ctx, learner, ports.Page{Cursor: c})
			assertBadCursor(t, err)
		}
		listCursor := base64.RawURLEncoding.EncodeToString([]byte(`["go", 1, "x", "` + newID() + `"]`))
		_, _, err = s.Attempts.History(ctx, learner, ports.Page{Cursor: listCursor})
		assertBadCursor(t, err)
	})

	t.Run("daily: the first claim of a day wins, even under a race", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner := s.Learner(t)
		const day = "2026-11-25"
		_, err := s.Daily.Get(ctx, learner, day)
		assert.ErrorIs(t, err, domain.ErrNotFound)

		const n = 10
		exs := make([]string, n)
		for i := range n {
			exs[i] = seedExercise(t, s, fmt.Sprintf("daily-%d", i)).ID()
		}
		got := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, err := s.Daily.Claim(ctx, learner, day, exs[i], t0)
				if assert.NoError(t, err) {
					got[i] = id
				}
			}()
		}
		wg.Wait()
		winner := got[0]
		assert.Contains(t, exs, winner)
		for i := range n {
			assert.Equal(t, winner, got[i], "every claimer sees the winner")
		}
		held, err := s.Daily.Get(ctx, learner, day)
		require.NoError(t, err)
		assert.Equal(t, winner, held)

		loser := exs[0]
		if loser == winner {
			loser = exs[1]
		}
		id, err := s.Daily.Claim(ctx, learner, day, loser, t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, winner, id, "a later claim changes nothing")

		next, err := s.Daily.Claim(ctx, learner, "2026-11-26", loser, t0)
		require.NoError(t, err)
		assert.Equal(t, loser, next, "another day is another assignment")
		other := s.Learner(t)
		_, err = s.Daily.Get(ctx, other, day)
		assert.ErrorIs(t, err, domain.ErrNotFound)

		_, err = s.Daily.Claim(ctx, other, day, newID(), t0)
		assert.ErrorIs(t, err, domain.ErrNotFound, "unknown exercise")
		_, err = s.Daily.Claim(ctx, newID(), day, winner, t0)
		assert.ErrorIs(t, err, domain.ErrNotFound, "unknown learner")
		for _, bad := range []string{"", "25/11/2026", "2026-13-01", "2026-11-25T00:00:00Z"} {
			_, err = s.Daily.Get(ctx, learner, bad)
			assert.ErrorIs(t, err, domain.ErrNotFound, bad)
			_, err = s.Daily.Claim(ctx, learner, bad, winner, t0)
			var ve *domain.ValidationError
			assert.ErrorAs(t, err, &ve, bad)
		}
		_, err = s.Daily.Get(ctx, "not-a-uuid", day)
		assert.ErrorIs(t, err, domain.ErrNotFound)
	})

	t.Run("daily: reassign only from the expected exercise", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner := s.Learner(t)
		const day = "2026-11-25"
		a, b, c := seedExercise(t, s, "a").ID(), seedExercise(t, s, "b").ID(), seedExercise(t, s, "c").ID()

		_, err := s.Daily.Reassign(ctx, learner, day, a, b, t0)
		assert.ErrorIs(t, err, domain.ErrNotFound, "nothing assigned yet")

		_, err = s.Daily.Claim(ctx, learner, day, a, t0)
		require.NoError(t, err)
		id, err := s.Daily.Reassign(ctx, learner, day, c, b, t0)
		require.NoError(t, err)
		assert.Equal(t, a, id, "not from c: unchanged")
		id, err = s.Daily.Reassign(ctx, learner, day, "not-a-uuid", b, t0)
		require.NoError(t, err)
		assert.Equal(t, a, id)

		id, err = s.Daily.Reassign(ctx, learner, day, a, b, t0.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, b, id)
		held, err := s.Daily.Get(ctx, learner, day)
		require.NoError(t, err)
		assert.Equal(t, b, held)

		// Two skips racing from the same assignment: one replaces it, both
		// see the result.
		var wg sync.WaitGroup
		got := make([]string, 2)
		for i, to := range []string{a, c} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, err := s.Daily.Reassign(ctx, learner, day, b, to, t0.Add(2*time.Minute))
				if assert.NoError(t, err) {
					got[i] = id
				}
			}()
		}
		wg.Wait()
		held, err = s.Daily.Get(ctx, learner, day)
		require.NoError(t, err)
		assert.Contains(t, []string{a, c}, held)
		assert.Contains(t, got, held)

		_, err = s.Daily.Reassign(ctx, learner, day, held, newID(), t0)
		assert.ErrorIs(t, err, domain.ErrNotFound, "unknown target exercise")
		_, err = s.Daily.Reassign(ctx, learner, day, held, "not-a-uuid", t0)
		assert.ErrorIs(t, err, domain.ErrNotFound)
		again, err := s.Daily.Get(ctx, learner, day)
		require.NoError(t, err)
		assert.Equal(t, held, again)
	})
}

// Submissions runs the submission and achievement contracts.
func Submissions(t *testing.T, newStore func(t *testing.T) ExerciseStore) {
	ctx := context.Background()

	grading := func(v exercise.Verdict, passed int) exercise.Grading {
		return exercise.Grading{Verdict: v, Passed: passed, Total: 3, Duration: 1234567 * time.Microsecond,
			Message: "example: expected [0, 1], got null",
			Tests: []exercise.TestResult{
				{Name: "example", Passed: passed > 0, Message: "expected [0, 1], got null", Expected: json.RawMessage(`[0, 1]`),
					Actual: json.RawMessage(`null`), Stdout: "debug\n", Duration: 12345 * time.Microsecond},
				{Name: "object", Passed: passed > 1, Expected: json.RawMessage(`{"b": 2, "a": 1}`), Actual: json.RawMessage(`{"a":1,"b":2}`)},
				{Name: "hidden", Hidden: true, Message: "failed", Duration: time.Millisecond},
			}}
	}

	t.Run("create then latest by created_at; conflicts and unknown references", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner, e := s.Learner(t), seedExercise(t, s, "submit")
		a, err := s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), learner, e.ID(), t0))
		require.NoError(t, err)
		_, err = s.Submissions.Latest(ctx, learner, e.ID())
		assert.ErrorIs(t, err, domain.ErrNotFound)

		sub := func(at time.Time, v exercise.Verdict, passed int) exercise.Submission {
			return exercise.Submission{ID: newID(), AttemptID: a.ID(), LearnerID: learner, ExerciseID: e.ID(),
				Code: "def f(x):\n    return x\n", Grading: grading(v, passed), HintsUsed: 1, CreatedAt: at}
		}
		first := sub(t0, exercise.Failed, 1)
		latest := sub(t0.Add(2*time.Second).In(time.FixedZone("X", -3600)), exercise.Passed, 3)
		middle := sub(t0.Add(time.Second), exercise.RuntimeError, 0)
		for _, x := range []exercise.Submission{first, latest, middle} {
			require.NoError(t, s.Submissions.Create(ctx, x))
		}
		got, err := s.Submissions.Latest(ctx, learner, e.ID())
		require.NoError(t, err)
		assert.Equal(t, latest.ID, got.ID)
		assert.True(t, latest.CreatedAt.Equal(got.CreatedAt))
		assert.Equal(t, "UTC", got.CreatedAt.Location().String())
		assert.Equal(t, latest.Code, got.Code)
		assert.Equal(t, latest.AttemptID, got.AttemptID)
		assert.Equal(t, 1, got.HintsUsed)
		g := got.Grading
		assert.Equal(t, exercise.Passed, g.Verdict)
		assert.Equal(t, 3, g.Passed)
		assert.Equal(t, 3, g.Total)
		assert.Equal(t, 1234*time.Millisecond, g.Duration, "milliseconds")
		assert.Equal(t, latest.Grading.Message, g.Message)
		require.Len(t, g.Tests, 3)
		for i, w := range latest.Grading.Tests {
			h := g.Tests[i]
			assert.Equal(t, w.Name, h.Name)
			assert.Equal(t, w.Hidden, h.Hidden)
			assert.Equal(t, w.Passed, h.Passed)
			assert.Equal(t, w.Message, h.Message)
			assert.Equal(t, w.Stdout, h.Stdout)
			assert.Equal(t, w.Duration.Truncate(time.Millisecond), h.Duration)
			if len(w.Expected) == 0 {
				assert.Empty(t, h.Expected)
				assert.Empty(t, h.Actual)
			} else {
				assert.JSONEq(t, string(w.Expected), string(h.Expected))
				assert.JSONEq(t, string(w.Actual), string(h.Actual))
			}
		}

		_, err = s.Submissions.Latest(ctx, s.Learner(t), e.ID())
		assert.ErrorIs(t, err, domain.ErrNotFound, "another learner's")
		for _, id := range []string{"not-a-uuid", ""} {
			_, err = s.Submissions.Latest(ctx, id, e.ID())
			assert.ErrorIs(t, err, domain.ErrNotFound)
			_, err = s.Submissions.Latest(ctx, learner, id)
			assert.ErrorIs(t, err, domain.ErrNotFound)
		}

		dup := sub(t0, exercise.Failed, 0)
		dup.ID = first.ID
		assert.ErrorIs(t, s.Submissions.Create(ctx, dup), domain.ErrConflict)
		orphan := sub(t0, exercise.Failed, 0)
		orphan.ExerciseID = newID()
		assert.ErrorIs(t, s.Submissions.Create(ctx, orphan), domain.ErrNotFound, "unknown exercise")
		orphan = sub(t0, exercise.Failed, 0)
		orphan.AttemptID = newID()
		assert.ErrorIs(t, s.Submissions.Create(ctx, orphan), domain.ErrNotFound, "unknown attempt")

		// Same instant: the greater id is the latest, in both stores.
		tieA, tieB := sub(t0.Add(time.Hour), exercise.Failed, 0), sub(t0.Add(time.Hour), exercise.Failed, 0)
		require.NoError(t, s.Submissions.Create(ctx, tieA))
		require.NoError(t, s.Submissions.Create(ctx, tieB))
		got, err = s.Submissions.Latest(ctx, learner, e.ID())
		require.NoError(t, err)
		assert.Equal(t, max(tieA.ID, tieB.ID), got.ID)
	})

	t.Run("a submission written in a rolled-back transaction is gone", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner, e := s.Learner(t), seedExercise(t, s, "tx")
		boom := errors.New("boom")
		err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			a, err := s.Attempts.Ensure(ctx, exercise.NewAttempt(newID(), learner, e.ID(), t0))
			require.NoError(t, err)
			require.NoError(t, s.Submissions.Create(ctx, exercise.Submission{ID: newID(), AttemptID: a.ID(), LearnerID: learner,
				ExerciseID: e.ID(), Code: "x", Grading: grading(exercise.Passed, 3), CreatedAt: t0}))
			_, err = s.Achievements.Award(ctx, learner, []string{"first-solve"}, t0)
			require.NoError(t, err)
			return boom
		})
		assert.ErrorIs(t, err, boom)
		_, err = s.Submissions.Latest(ctx, learner, e.ID())
		assert.ErrorIs(t, err, domain.ErrNotFound)
		_, err = s.Attempts.Get(ctx, learner, e.ID())
		assert.ErrorIs(t, err, domain.ErrNotFound)
		held, err := s.Achievements.List(ctx, learner)
		require.NoError(t, err)
		assert.Empty(t, held)
	})

	t.Run("achievements are awarded once each and listed oldest first", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner, other := s.Learner(t), s.Learner(t)
		got, err := s.Achievements.Award(ctx, learner, []string{"first-solve", "streak-3"}, t0.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, []string{"first-solve", "streak-3"}, got)

		got, err = s.Achievements.Award(ctx, learner, []string{"streak-7", "first-solve", "streak-7", "hintless"}, t0)
		require.NoError(t, err)
		assert.Equal(t, []string{"streak-7", "hintless"}, got, "only the new ones, once, in the order given")
		got, err = s.Achievements.Award(ctx, learner, []string{"first-solve"}, t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Empty(t, got, "nothing new")
		got, err = s.Achievements.Award(ctx, learner, nil, t0)
		require.NoError(t, err)
		assert.Empty(t, got)

		list, err := s.Achievements.List(ctx, learner)
		require.NoError(t, err)
		assert.Equal(t, []exercise.Achievement{
			{Code: "hintless", EarnedAt: t0}, {Code: "streak-7", EarnedAt: t0},
			{Code: "first-solve", EarnedAt: t0.Add(time.Minute)}, {Code: "streak-3", EarnedAt: t0.Add(time.Minute)},
		}, list, "by earned_at, then code; the first award's time is kept")

		list, err = s.Achievements.List(ctx, other)
		require.NoError(t, err)
		assert.Empty(t, list)
		got, err = s.Achievements.Award(ctx, other, []string{"first-solve"}, t0)
		require.NoError(t, err)
		assert.Equal(t, []string{"first-solve"}, got, "awards are per learner")

		_, err = s.Achievements.Award(ctx, newID(), []string{"x"}, t0)
		assert.ErrorIs(t, err, domain.ErrNotFound, "unknown learner")
		_, err = s.Achievements.Award(ctx, "not-a-uuid", []string{"x"}, t0)
		assert.ErrorIs(t, err, domain.ErrNotFound)
		list, err = s.Achievements.List(ctx, "not-a-uuid")
		require.NoError(t, err)
		assert.Empty(t, list)
	})

	t.Run("concurrent awards of one code: exactly one is new", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		learner := s.Learner(t)
		var mu sync.Mutex
		var news []string
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.Achievements.Award(ctx, learner, []string{"first-solve"}, t0)
				if assert.NoError(t, err) {
					mu.Lock()
					news = append(news, got...)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, []string{"first-solve"}, news)
	})
}
