package exercises_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/learner"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

var ctx = context.Background()

// register creates a learner and answers their id.
func register(t *testing.T, f *accounttest.Fixture) string { return f.NewLearner(t) }

// onboard sets the learner's languages and skill level.
func onboard(t *testing.T, f *accounttest.Fixture, id, skill string, langs ...string) {
	t.Helper()
	_, err := f.Service.Onboard(ctx, id, learner.Onboarding{Languages: langs, SkillLevel: skill})
	require.NoError(t, err)
}

// setTimezone sets the learner's time zone.
func setTimezone(t *testing.T, f *accounttest.Fixture, id, tz string) {
	t.Helper()
	_, err := f.Service.UpdateMe(ctx, id, identity.AccountPatch{Timezone: &tz})
	require.NoError(t, err)
}

// advanceTo moves the fixture's clock forward to the next instant whose UTC
// time of day is hh:mm.
func advanceTo(f *accounttest.Fixture, hh, mm int) {
	now := f.Clock.Now().UTC()
	next := time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, time.UTC)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	f.Clock.Advance(next.Sub(now))
}

// allVisible lists every exercise the learner may see.
func allVisible(t *testing.T, svc *exercises.Service, learnerID string) []exercise.Summary {
	t.Helper()
	items, next, err := svc.List(ctx, ports.ExerciseFilter{ViewerID: learnerID, Page: ports.Page{Limit: 100}})
	require.NoError(t, err)
	require.Empty(t, next)
	return items
}

// find loads a catalogue exercise by language and slug.
func find(t *testing.T, svc *exercises.Service, learnerID string, lang language.Language, slug string) *exercise.Exercise {
	t.Helper()
	items, _, err := svc.List(ctx, ports.ExerciseFilter{ViewerID: learnerID, Language: &lang, Page: ports.Page{Limit: 100}})
	require.NoError(t, err)
	for _, s := range items {
		if s.Slug == slug {
			v, err := svc.Get(ctx, learnerID, s.ID)
			require.NoError(t, err)
			return v.Exercise
		}
	}
	t.Fatalf("no exercise %s/%s", lang, slug)
	return nil
}

// secondLargest is the python exercise most tests use: easy, with a
// failing visible test for null answers and five hidden tests.
func secondLargest(t *testing.T, svc *exercises.Service, learnerID string) *exercise.Exercise {
	t.Helper()
	return find(t, svc, learnerID, language.Python, "second-largest")
}

// solve submits the reference solution and requires a pass.
func solve(t *testing.T, svc *exercises.Service, learnerID string, e *exercise.Exercise) exercises.SubmissionView {
	t.Helper()
	v, err := svc.Submit(ctx, exercises.SubmitInput{LearnerID: learnerID, ExerciseID: e.ID(), Code: e.Solution()})
	require.NoError(t, err)
	require.Equal(t, exercise.Passed, v.Submission.Grading.Verdict, v.Submission.Grading.Message)
	return v
}

func issueFields(t *testing.T, err error) []string {
	t.Helper()
	var issues []domain.FieldIssue
	var verr *domain.ValidationError
	var uerr *domain.UnprocessableError
	switch {
	case errors.As(err, &verr):
		issues = verr.Issues
	case errors.As(err, &uerr):
		issues = uerr.Issues
	default:
		t.Fatalf("want a validation or unprocessable error, got %v", err)
	}
	out := make([]string, 0, len(issues))
	for _, i := range issues {
		out = append(out, i.Field)
	}
	return out
}

// scriptedLLM is the shared scripted model (answers Complete from a
// queue, records every request).
type scriptedLLM = accounttest.ScriptedLLM

// requestText is everything a request tells the model.
func requestText(r llm.Request) string { return accounttest.RequestText(r) }

// withLLM builds a fixture whose AI gateway fronts a scripted LLM.
func withLLM(t *testing.T) (*accounttest.Fixture, *scriptedLLM) {
	t.Helper()
	l := &scriptedLLM{}
	return accounttest.New(t, accounttest.WithLLM(l)), l
}
