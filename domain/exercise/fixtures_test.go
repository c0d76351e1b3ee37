package exercise_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// validSnapshot is an exercise that passes every rule: 3 visible and 2
// hidden tests, the hidden ones last.
func validSnapshot() exercise.Snapshot {
	return exercise.Snapshot{
		ID:          "ex-1",
		Slug:        "two-sum",
		Title:       "Two sum",
		Language:    language.Python,
		Difficulty:  exercise.Easy,
		Topics:      []string{"arrays", "hash-maps"},
		Prompt:      "Return the indices of the two numbers that add up to target.",
		StarterCode: "def two_sum(nums, target):\n    pass\n",
		Solution:    "def two_sum(nums, target):\n    seen = {}\n    for i, n in enumerate(nums):\n        if target - n in seen:\n            return [seen[target - n], i]\n        seen[n] = i\n",
		Entry:       "two_sum",
		Tests: []exercise.TestCase{
			{Name: "basic", Args: raw(`[[2,7,11,15],9]`), Expected: raw(`[0,1]`)},
			{Name: "middle", Args: raw(`[[3,2,4],6]`), Expected: raw(`[1,2]`)},
			{Name: "same", Args: raw(`[[3,3],6]`), Expected: raw(`[0,1]`)},
			{Name: "hidden-neg", Args: raw(`[[-1,-2,-3],-5]`), Expected: raw(`[1,2]`), Hidden: true},
			{Name: "hidden-big", Args: raw(`[[1,5,9],14]`), Expected: raw(`[1,2]`), Hidden: true},
		},
		Hints:      []string{"Think about what you need to remember.", "A map from value to index helps.", "Look up target - n before storing n."},
		Visibility: exercise.Public,
		Source:     exercise.SourceCatalog,
		Version:    "v1",
		CreatedAt:  t0,
		UpdatedAt:  t0,
	}
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func mustNew(t *testing.T, s exercise.Snapshot) *exercise.Exercise {
	t.Helper()
	e, err := exercise.New(s)
	require.NoError(t, err)
	return e
}

// issueFields lists the fields a validation error names, in order.
func issueFields(t *testing.T, err error) []string {
	t.Helper()
	var verr *domain.ValidationError
	require.True(t, errors.As(err, &verr), "want a *domain.ValidationError, got %v", err)
	fields := make([]string, 0, len(verr.Issues))
	for _, i := range verr.Issues {
		fields = append(fields, i.Field)
	}
	return fields
}

func tp(t time.Time) *time.Time { return &t }

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

// solved is a completed attempt record.
func solved(exID string, lang language.Language, d exercise.Difficulty, topics []string, at time.Time, hints, failed int) exercise.AttemptRecord {
	return exercise.AttemptRecord{
		Attempt: exercise.AttemptSnapshot{ID: "a-" + exID, LearnerID: "l-1", ExerciseID: exID, Status: exercise.Completed,
			HintsUsed: hints, FailedSubmissions: failed, Submissions: failed + 1, BestVerdict: exercise.Passed,
			PassedSubmissionID: "s-" + exID, XPAwarded: exercise.XPFor(d, hints),
			AssignedAt: at.Add(-time.Hour), StartedAt: tp(at.Add(-time.Hour)), CompletedAt: tp(at), UpdatedAt: at},
		Exercise: exercise.Summary{ID: exID, Language: lang, Difficulty: d, Topics: topics},
	}
}

// skipped is a skipped attempt record.
func skipped(exID string, lang language.Language, d exercise.Difficulty, topics []string, at time.Time) exercise.AttemptRecord {
	return exercise.AttemptRecord{
		Attempt: exercise.AttemptSnapshot{ID: "a-" + exID, LearnerID: "l-1", ExerciseID: exID, Status: exercise.Skipped,
			AssignedAt: at.Add(-time.Hour), SkippedAt: tp(at), UpdatedAt: at},
		Exercise: exercise.Summary{ID: exID, Language: lang, Difficulty: d, Topics: topics},
	}
}

// struggling is an in-progress attempt with failed submissions.
func struggling(exID string, lang language.Language, d exercise.Difficulty, topics []string, at time.Time, failed int) exercise.AttemptRecord {
	return exercise.AttemptRecord{
		Attempt: exercise.AttemptSnapshot{ID: "a-" + exID, LearnerID: "l-1", ExerciseID: exID, Status: exercise.InProgress,
			Submissions: failed, FailedSubmissions: failed, BestVerdict: exercise.Failed,
			AssignedAt: at.Add(-time.Hour), StartedAt: tp(at.Add(-time.Hour)), UpdatedAt: at},
		Exercise: exercise.Summary{ID: exID, Language: lang, Difficulty: d, Topics: topics},
	}
}

func summary(id string, lang language.Language, d exercise.Difficulty, topics ...string) exercise.Summary {
	return exercise.Summary{ID: id, Slug: id, Title: id, Language: lang, Difficulty: d, Topics: topics, Source: exercise.SourceCatalog}
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}
