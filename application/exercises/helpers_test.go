package exercises_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/account"
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

const goodPassword = "correct horse battery staple"

var emailSeq atomic.Int64

// register creates a learner and answers their id.
func register(t *testing.T, f *accounttest.Fixture) string {
	t.Helper()
	email := fmt.Sprintf("learner%d@example.com", emailSeq.Add(1))
	u, err := f.Service.Register(ctx, account.RegisterInput{Email: email, Password: goodPassword, DisplayName: "Ada",
		Client: account.Client{IP: "198.51.100.7", UserAgent: "test"}})
	require.NoError(t, err)
	return u.ID()
}

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

// scriptedLLM is a ports.LLM that answers Complete from a queue and
// records every request.
type scriptedLLM struct {
	mu       sync.Mutex
	answers  []scriptedAnswer
	requests []llm.Request
	// before, when set, runs (outside the lock) before call n (0-based)
	// takes its answer: tests hold calls with it. Set it before any call.
	before func(n int)
}

type scriptedAnswer struct {
	text string
	err  error
}

var _ ports.LLM = (*scriptedLLM)(nil)

func (s *scriptedLLM) Configured() bool { return true }

// Answer queues answers, in order.
func (s *scriptedLLM) Answer(texts ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range texts {
		s.answers = append(s.answers, scriptedAnswer{text: t})
	}
}

// Fail queues a failure.
func (s *scriptedLLM) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, scriptedAnswer{err: err})
}

func (s *scriptedLLM) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	s.mu.Lock()
	req.Messages = append([]llm.Message(nil), req.Messages...)
	s.requests = append(s.requests, req)
	n := len(s.requests) - 1
	s.mu.Unlock()
	if s.before != nil {
		s.before(n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.answers) == 0 {
		return llm.Response{}, &llm.Error{Kind: llm.ErrUnavailable, Provider: "scripted", Msg: "no answer scripted"}
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	if a.err != nil {
		return llm.Response{}, a.err
	}
	return llm.Response{Text: a.text, Provider: "scripted", Model: "scripted-1", FinishReason: llm.FinishStop,
		Usage: llm.Usage{PromptTokens: 10, CompletionTokens: len(strings.Fields(a.text))}}, nil
}

func (s *scriptedLLM) Stream(context.Context, llm.Request) (ports.Stream, error) {
	return nil, &llm.Error{Kind: llm.ErrInvalidRequest, Provider: "scripted", Msg: "streams are not scripted"}
}

// Requests answers a copy of the recorded requests.
func (s *scriptedLLM) Requests() []llm.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]llm.Request(nil), s.requests...)
}

// Pending is how many scripted answers are left.
func (s *scriptedLLM) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.answers)
}

// waitRequests waits up to d for n requests to have arrived and says
// whether they did.
func (s *scriptedLLM) waitRequests(n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if len(s.Requests()) >= n {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return len(s.Requests()) >= n
}

// requestText is everything a request tells the model.
func requestText(r llm.Request) string {
	var b strings.Builder
	b.WriteString(r.System)
	for _, m := range r.Messages {
		b.WriteString("\n")
		b.WriteString(m.Content)
	}
	return b.String()
}

// withLLM builds a fixture whose AI gateway fronts a scripted LLM.
func withLLM(t *testing.T) (*accounttest.Fixture, *scriptedLLM) {
	t.Helper()
	l := &scriptedLLM{}
	return accounttest.New(t, accounttest.WithLLM(l)), l
}
