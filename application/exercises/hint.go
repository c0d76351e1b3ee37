package exercises

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/llm"
)

// HintView is one hint of the ladder.
type HintView struct {
	Level          int
	Text           string
	HintsUsed      int
	HintsRemaining int
	Source         string // authored | llm
}

var errHintRace = domain.NewPublicError(domain.ErrConflict, "conflict",
	"another hint request for this exercise was answered at the same time; ask again for the next hint")

var errNoMoreHints = domain.NewPublicError(domain.ErrConflict, "conflict", "there are no more hints for this exercise")

// Hint climbs the learner's hint ladder: the three authored hints first,
// then model-written ones built from the exercise, the learner's latest
// code and grading (never the reference solution or hidden tests), each
// checked not to give the solution away. Hints used are counted and cost
// XP; on a completed exercise they are free.
func (s *Service) Hint(ctx context.Context, learnerID, exerciseID string) (HintView, error) {
	e, err := s.visible(ctx, learnerID, exerciseID)
	if err != nil {
		return HintView{}, err
	}
	a, err := s.attempt(ctx, learnerID, e.ID())
	if err != nil {
		return HintView{}, err
	}
	level := a.HintsUsed() + 1
	if a.Status() == exercise.Completed {
		level = min(a.HintsUsed()+1, exercise.HintLevels) // reading again after the solve
	}
	maxLevel := exercise.HintLevels
	if s.AI.Configured() {
		maxLevel += s.cfg.MaxLLMHints
	}
	var text, source string
	switch {
	case level <= exercise.HintLevels:
		text, source = e.Hints()[level-1], "authored"
	case level > exercise.HintLevels+s.cfg.MaxLLMHints:
		return HintView{}, errNoMoreHints
	default:
		if text, err = s.llmHint(ctx, learnerID, e, level); err != nil {
			return HintView{}, err
		}
		source = "llm"
	}
	defer s.views.forget(learnerID)
	// Count the hint, unless a concurrent request already took this level:
	// then this one is refused, so a level is shown and paid for once and
	// the ladder's cap holds.
	a, err = s.Attempts.Update(ctx, learnerID, e.ID(), func(a *exercise.Attempt) error {
		if a.Status() == exercise.Completed {
			return nil
		}
		if a.HintsUsed() >= level {
			return errHintRace
		}
		a.UseHint(s.Clock.Now())
		return nil
	})
	if err != nil {
		return HintView{}, fmt.Errorf("count hint: %w", err)
	}
	return HintView{Level: level, Text: text, HintsUsed: a.HintsUsed(), HintsRemaining: max(0, maxLevel-a.HintsUsed()),
		Source: source}, nil
}

func (s *Service) llmHint(ctx context.Context, learnerID string, e *exercise.Exercise, level int) (string, error) {
	if !s.AI.Configured() {
		return "", llm.NotConfigured
	}
	hc := exercise.HintContext{Exercise: e, Level: level, Code: e.StarterCode(), EarlierHints: e.Hints()}
	latest, err := s.Submissions.Latest(ctx, learnerID, e.ID())
	switch {
	case err == nil:
		hc.Code, hc.Latest = latest.Code, &latest.Grading
	case !errors.Is(err, domain.ErrNotFound):
		return "", fmt.Errorf("load latest submission: %w", err)
	}
	req := llm.Request{Purpose: llm.PurposeHint, LearnerID: learnerID, System: exercise.HintSystemPrompt, MaxTokens: 400,
		Messages: []llm.Message{{Role: llm.RoleUser, Content: exercise.HintPrompt(hc)}}}
	resp, err := s.AI.Complete(ctx, req)
	if err != nil {
		return "", err
	}
	text := strings.TrimSpace(resp.Text)
	if exercise.CheckNoSolution(text, e.Solution()).OK && text != "" {
		return text, nil
	}
	// Too much of the solution: ask once more, more strictly.
	req.Messages = append(req.Messages, llm.Message{Role: llm.RoleAssistant, Content: text},
		llm.Message{Role: llm.RoleUser, Content: exercise.StricterHintNote})
	resp, err = s.AI.Complete(ctx, req)
	if err != nil {
		return "", err
	}
	text = strings.TrimSpace(resp.Text)
	if exercise.CheckNoSolution(text, e.Solution()).OK && text != "" {
		return text, nil
	}
	// Still too much: cut the code, and if what remains still mirrors the
	// solution, fall back to the last authored hint's advice.
	cut := strings.TrimSpace(exercise.CutCode(text))
	if cut != "" && exercise.CheckNoSolution(cut, e.Solution()).OK {
		return cut, nil
	}
	s.Log.WarnContext(ctx, "model hint failed the no-solution check twice", "exercise", e.ID())
	return "Re-read the last hint and try the smallest failing test by hand, step by step, before changing your code.", nil
}
