package exercises

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/llm"
)

// generateLockTTL bounds a generation's hold on the learner's lock: the
// model call plus two sandbox runs.
const generateLockTTL = 5 * time.Minute

// GenerateInput asks for a new exercise.
type GenerateInput struct {
	LearnerID  string
	Language   string
	Topic      string
	Difficulty int
}

// GenerateView is the stored exercise and what it earned.
type GenerateView struct {
	Exercise        *exercise.Exercise
	NewAchievements []string
}

// Generate asks the model for an exercise, proves it in the sandbox (the
// reference solution passes every test, the starter fails one) and only
// then stores it, visible to its author alone; otherwise 422 with reasons.
func (s *Service) Generate(ctx context.Context, in GenerateInput) (GenerateView, error) {
	req, err := parseGenerate(in)
	if err != nil {
		return GenerateView{}, err
	}
	loc, err := s.location(ctx, in.LearnerID)
	if err != nil {
		return GenerateView{}, err
	}
	// One generation per learner at a time, so the daily count cannot be
	// passed by overlapping requests.
	lease, ok, err := s.Locker.TryLock(ctx, "generate:"+in.LearnerID, generateLockTTL)
	if err != nil {
		return GenerateView{}, fmt.Errorf("generation lock: %w", err)
	}
	if !ok {
		return GenerateView{}, &domain.RateLimitedError{RetryAfter: 10 * time.Second, Reason: "one generation at a time", Public: true}
	}
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
	if err := s.generationAllowed(ctx, in.LearnerID, loc); err != nil {
		return GenerateView{}, err
	}
	if !s.AI.Configured() {
		return GenerateView{}, llm.NotConfigured
	}
	resp, err := s.AI.Complete(ctx, llm.Request{Purpose: llm.PurposeGenerate, LearnerID: in.LearnerID,
		System: exercise.GenerateSystemPrompt, MaxTokens: 4000,
		Messages: []llm.Message{{Role: llm.RoleUser, Content: exercise.GeneratePrompt(req)}},
		Schema:   &llm.Schema{Name: "exercise", Description: "a programming exercise", JSON: []byte(exercise.GeneratedSchema)}})
	if err != nil {
		return GenerateView{}, err
	}
	e, err := exercise.ParseGenerated(resp.Text, req, s.IDs.NewID(), in.LearnerID, s.Clock.Now())
	var verr *domain.ValidationError
	if errors.As(err, &verr) {
		return GenerateView{}, &domain.UnprocessableError{Code: "generation_rejected",
			Msg: "the generated exercise was not usable; try again", Issues: verr.Issues}
	}
	if err != nil {
		return GenerateView{}, err
	}
	if err := s.prove(ctx, in.LearnerID, e); err != nil {
		return GenerateView{}, err
	}
	var out GenerateView
	err = s.Tx.WithinTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if err := s.Exercises.Create(ctx, e); err != nil {
			return fmt.Errorf("store generated exercise: %w", err)
		}
		out.Exercise = e
		out.NewAchievements, err = s.award(ctx, in.LearnerID, loc)
		return err
	})
	if err != nil {
		return GenerateView{}, err
	}
	return out, nil
}

func parseGenerate(in GenerateInput) (exercise.GenerateRequest, error) {
	verr := &domain.ValidationError{}
	l, err := language.Parse(in.Language)
	if err != nil {
		verr.Add("language", "must be one of: python, javascript, go")
	}
	if !exercise.KnownTopic(in.Topic) {
		verr.Add("topic", "must be a known topic (see GET /exercises for the topics in use)")
	}
	d, err := exercise.ParseDifficulty(in.Difficulty)
	if err != nil {
		verr.Add("difficulty", "must be 1, 2 or 3")
	}
	if err := verr.OrNil(); err != nil {
		return exercise.GenerateRequest{}, err
	}
	return exercise.GenerateRequest{Language: l, Topic: in.Topic, Difficulty: d}, nil
}

// generationAllowed applies the per-learner daily limit (local days).
func (s *Service) generationAllowed(ctx context.Context, learnerID string, loc *time.Location) error {
	if s.cfg.GeneratePerDay == 0 {
		return &domain.RateLimitedError{RetryAfter: 24 * time.Hour, Reason: "exercise generation is turned off", Public: true}
	}
	now := s.Clock.Now().In(loc)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	n, err := s.Exercises.CountGenerated(ctx, learnerID, start)
	if err != nil {
		return fmt.Errorf("count generated: %w", err)
	}
	if n >= s.cfg.GeneratePerDay {
		return &domain.RateLimitedError{RetryAfter: start.AddDate(0, 0, 1).Sub(now),
			Reason: fmt.Sprintf("at most %d generated exercises a day", s.cfg.GeneratePerDay), Public: true}
	}
	return nil
}

// prove grades the reference solution and the starter in the sandbox.
func (s *Service) prove(ctx context.Context, learnerID string, e *exercise.Exercise) error {
	done, err := s.grading(ctx, learnerID)
	if err != nil {
		return err
	}
	defer done()
	sol := s.run(ctx, e, e.Solution())
	if sol.Verdict == exercise.RunnerError {
		return fmt.Errorf("prove generated exercise: %w", domain.ErrUnavailable)
	}
	var issues []domain.FieldIssue
	if sol.Verdict != exercise.Passed {
		issues = append(issues, domain.FieldIssue{Field: "solution",
			Issue: fmt.Sprintf("the reference solution does not pass its tests (%s, %d/%d): %s", sol.Verdict, sol.Passed, sol.Total, sol.Message)})
	}
	starter := s.run(ctx, e, e.StarterCode())
	switch starter.Verdict {
	case exercise.RunnerError:
		return fmt.Errorf("prove generated exercise: %w", domain.ErrUnavailable)
	case exercise.Passed:
		issues = append(issues, domain.FieldIssue{Field: "starter_code", Issue: "the starter code already passes every test"})
	case exercise.CompileError:
		issues = append(issues, domain.FieldIssue{Field: "starter_code", Issue: "the starter code does not compile: " + starter.Message})
	}
	if len(issues) > 0 {
		return &domain.UnprocessableError{Code: "generation_rejected", Msg: "the generated exercise failed its checks in the sandbox; try again", Issues: issues}
	}
	return nil
}
