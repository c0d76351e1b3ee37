// Package tutor holds the tutor chat use cases: conversations with an AI
// tutor that knows the learner and the exercise, answered whole or streamed,
// with streams that survive a reconnect to any instance.
package tutor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// AI is what the use cases need of the metered LLM gateway.
type AI interface {
	Configured() bool
	Complete(ctx context.Context, req llm.Request) (llm.Response, error)
	Stream(ctx context.Context, req llm.Request) (ports.Stream, error)
}

// Config are the use cases' settings.
type Config struct {
	Budget chat.Budget
	// MaxAnswerTokens bounds one answer.
	MaxAnswerTokens int
	// MessagesPerMinute is each learner's message rate (every instance).
	MessagesPerMinute int
	// MaxConcurrent generations per learner.
	MaxConcurrent int
	// StreamTTL keeps a generation's events for resuming.
	StreamTTL time.Duration
	// Grace is how long a generation goes on with nobody watching before
	// it is cancelled (room for a reconnect).
	Grace time.Duration
	// MaxGeneration bounds one generation (the stream limit).
	MaxGeneration time.Duration
	// HistoryTurns is how many recent turns are considered for the window.
	HistoryTurns int
}

// DefaultConfig is what production uses unless configured otherwise.
func DefaultConfig() Config {
	return Config{Budget: chat.Budget{ContextTokens: 32000, ReserveForAnswer: 1200, PerMessageOverhead: 4},
		MaxAnswerTokens: 1024, MessagesPerMinute: 20, MaxConcurrent: 2, StreamTTL: 10 * time.Minute,
		Grace: time.Second, MaxGeneration: 5 * time.Minute, HistoryTurns: 200}
}

// Deps are the ports the use cases need.
type Deps struct {
	Conversations ports.ConversationRepository
	Messages      ports.MessageRepository
	Log           ports.StreamLog
	Exercises     ports.ExerciseRepository
	Attempts      ports.AttemptRepository
	Submissions   ports.SubmissionRepository
	Profiles      ports.ProfileRepository
	AI            AI
	Tokens        ports.TokenCounter
	Limiter       ports.RateLimiter
	Slots         ports.Semaphore
	Background    ports.Background
	Clock         ports.Clock
	IDs           ports.IDGenerator
	Logger        *slog.Logger
}

// Service implements the tutor use cases.
type Service struct {
	Deps
	cfg      Config
	hub      *hub
	counts   *countCache
	watchdog watchdog
	running  sync.WaitGroup // generations in progress (Drain)
	logw     [logWriters]logWriter
	logNext  atomic.Uint32
}

// NewService checks its dependencies and settings.
func NewService(d Deps, cfg Config) (*Service, error) {
	required := map[string]any{"Conversations": d.Conversations, "Messages": d.Messages, "Log": d.Log,
		"Exercises": d.Exercises, "Attempts": d.Attempts, "Submissions": d.Submissions,
		"Profiles": d.Profiles, "AI": d.AI, "Tokens": d.Tokens, "Limiter": d.Limiter, "Slots": d.Slots,
		"Background": d.Background, "Clock": d.Clock, "IDs": d.IDs}
	for name, v := range required {
		if v == nil {
			return nil, fmt.Errorf("tutor: %s is required", name)
		}
	}
	if cfg.MaxConcurrent < 1 || cfg.MessagesPerMinute < 1 || cfg.StreamTTL <= 0 || cfg.Grace <= 0 ||
		cfg.MaxGeneration <= 0 || cfg.HistoryTurns < 1 || cfg.MaxAnswerTokens < 1 || cfg.Budget.ContextTokens <= cfg.Budget.ReserveForAnswer {
		return nil, errors.New("tutor: every limit must be positive and the context larger than the answer's reserve")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{Deps: d, cfg: cfg, hub: newHub(), counts: newCountCache(d.Tokens, 20_000)}, nil
}

// SendInput is one learner message.
type SendInput struct {
	LearnerID      string
	ConversationID string // "" starts a new conversation
	ExerciseID     string // optional: ties a new conversation to an exercise
	Message        string
}

// turn is a prepared call: the conversation (new ones not stored yet), the
// learner's message to store and the request to send.
type turn struct {
	conv    chat.Conversation
	isNew   bool
	user    chat.Message
	req     llm.Request
	ex      *chat.ExerciseContext
	fold    []chat.Message
	release func()
}

// prepare checks limits and builds the request; storeUser then stores the
// learner's message, before any answer is shown, so it is never lost.
func (s *Service) prepare(ctx context.Context, in SendInput) (*turn, error) {
	if err := chat.ValidateMessage(in.Message); err != nil {
		return nil, err
	}
	if !s.AI.Configured() {
		return nil, llm.NotConfigured
	}
	// The rate limit, the generation place and the reads the prompt needs
	// (the learner's; the conversation's, then its exercise's and history)
	// are independent round trips: run them at once, on the path to the
	// first token.
	var (
		wg                sync.WaitGroup
		allowed           ports.RateDecision
		limitErr, slotErr error
		slot              func()
		conv              chat.Conversation
		isNew             bool
		ex                *chat.ExerciseContext
		system            string
		history           []chat.Message
		readErr           error
		who               chat.Learner
		whoErr            error
	)
	wg.Add(4)
	go func() {
		defer wg.Done()
		who, whoErr = s.learnerOf(ctx, in.LearnerID)
	}()
	go func() {
		defer wg.Done()
		allowed, limitErr = s.Limiter.Allow(ctx, "chat:"+in.LearnerID, s.cfg.MessagesPerMinute, time.Minute)
	}()
	go func() {
		defer wg.Done()
		slot, slotErr = s.slot(ctx, in.LearnerID)
	}()
	go func() {
		defer wg.Done()
		if conv, isNew, readErr = s.conversation(ctx, in); readErr != nil {
			return
		}
		if ex, readErr = s.exerciseContext(ctx, in.LearnerID, conv.ExerciseID); readErr != nil {
			return
		}
		if !isNew {
			if history, readErr = s.Messages.Recent(ctx, conv.ID, s.cfg.HistoryTurns); readErr != nil {
				readErr = fmt.Errorf("load history: %w", readErr)
			}
		}
	}()
	wg.Wait()
	if readErr == nil {
		readErr = whoErr
	}
	if readErr == nil {
		system = chat.SystemPrompt(who, ex)
	}
	if slotErr == nil {
		slot = sync.OnceFunc(slot)
	} else {
		slot = func() {}
	}
	switch {
	case limitErr != nil:
		slot()
		return nil, fmt.Errorf("chat rate limit: %w", limitErr)
	case !allowed.Allowed:
		slot()
		return nil, &domain.RateLimitedError{RetryAfter: allowed.RetryAfter, Reason: "too many messages, slow down", Public: true}
	case readErr != nil:
		slot()
		return nil, readErr
	case slotErr != nil:
		return nil, slotErr
	}
	release := slot
	t := &turn{conv: conv, isNew: isNew, release: release, ex: ex}
	fail := func(err error) (*turn, error) { release(); return nil, err }
	msgs, fold, err := chat.Fit(s.cfg.Budget, s.counts.count, system,
		conv.Summary, conv.SummarizedThrough, history, in.Message)
	if err != nil {
		return fail(err)
	}
	t.fold = fold
	t.user = chat.Message{ID: s.IDs.NewID(), ConversationID: conv.ID, Role: chat.RoleUser,
		Content: in.Message, Status: chat.StatusComplete, CreatedAt: s.Clock.Now().UTC()}
	t.req = llm.Request{Purpose: llm.PurposeChat, LearnerID: in.LearnerID, System: system, Messages: msgs,
		MaxTokens: s.cfg.MaxAnswerTokens}
	return t, nil
}

// conversation loads the learner's conversation, or prepares a new one
// (stored by the caller once the message is accepted).
func (s *Service) conversation(ctx context.Context, in SendInput) (chat.Conversation, bool, error) {
	if in.ConversationID != "" {
		c, err := s.Conversations.Get(ctx, in.LearnerID, in.ConversationID)
		if err != nil {
			return chat.Conversation{}, false, fmt.Errorf("load conversation: %w", err)
		}
		return c, false, nil
	}
	if in.ExerciseID != "" {
		e, err := s.Exercises.Get(ctx, in.ExerciseID)
		if err != nil || !e.VisibleTo(in.LearnerID) {
			return chat.Conversation{}, false, fmt.Errorf("load exercise: %w", domain.ErrNotFound)
		}
	}
	now := s.Clock.Now().UTC()
	return chat.Conversation{ID: s.IDs.NewID(), OwnerID: in.LearnerID, Title: chat.TitleFrom(in.Message),
		ExerciseID: in.ExerciseID, CreatedAt: now, UpdatedAt: now}, true, nil
}

// slot takes one of the learner's concurrent generation places (shared by
// every instance; a crashed holder's place expires).
func (s *Service) slot(ctx context.Context, learnerID string) (func(), error) {
	lease, ok, err := s.Slots.TryAcquire(ctx, "chatgen:"+learnerID, s.cfg.MaxConcurrent, s.cfg.MaxGeneration+time.Minute)
	if err != nil {
		return nil, fmt.Errorf("generation slot: %w", err)
	}
	if !ok {
		return nil, &domain.RateLimitedError{RetryAfter: 5 * time.Second,
			Reason: fmt.Sprintf("at most %d answers are generated for you at once", s.cfg.MaxConcurrent)}
	}
	return func() { _ = lease.Release(context.Background()) }, nil
}

// storeUser stores a new conversation (only once its first message is
// accepted) and the learner's message; then, for a stream, the assistant's
// turn in progress.
func (s *Service) storeUser(ctx context.Context, t *turn, pending *chat.Message) error {
	if t.isNew {
		if err := s.Conversations.Create(ctx, t.conv); err != nil {
			return fmt.Errorf("create conversation: %w", err)
		}
	}
	u, err := s.Messages.Append(ctx, t.user)
	if err != nil {
		return fmt.Errorf("store message: %w", err)
	}
	t.user = u
	if pending != nil {
		if *pending, err = s.Messages.Append(ctx, *pending); err != nil {
			return fmt.Errorf("store answer: %w", err)
		}
	}
	return nil
}

// learnerOf reads what the system prompt says of the learner (one read
// on the path to the first token).
func (s *Service) learnerOf(ctx context.Context, learnerID string) (chat.Learner, error) {
	c, err := s.Profiles.Card(ctx, learnerID)
	if err != nil {
		return chat.Learner{}, fmt.Errorf("load learner: %w", err)
	}
	prefs := c.Preferences
	return chat.Learner{SkillLevel: prefs.SkillLevel, Languages: prefs.Languages, Style: prefs.TutorStyle,
		DisplayName: c.DisplayName}, nil
}

// exerciseContext gathers what the tutor may know of the exercise: never
// the reference solution's text in a prompt (it is kept for the check) nor
// hidden tests.
func (s *Service) exerciseContext(ctx context.Context, learnerID, exerciseID string) (*chat.ExerciseContext, error) {
	if exerciseID == "" {
		return nil, nil
	}
	e, err := s.Exercises.Get(ctx, exerciseID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil // deleted since: the conversation goes on without it
	}
	if err != nil {
		return nil, fmt.Errorf("load exercise: %w", err)
	}
	ec := &chat.ExerciseContext{Title: e.Title(), Prompt: e.Prompt(), Language: e.Language(), LatestCode: e.StarterCode(),
		Reference: e.Solution()}
	if a, err := s.Attempts.Get(ctx, learnerID, e.ID()); err == nil {
		ec.Solved = a.Status() == exercise.Completed
	}
	if sub, err := s.Submissions.Latest(ctx, learnerID, e.ID()); err == nil {
		ec.LatestCode, ec.LatestGrading = sub.Code, gradingSummary(sub.Grading)
	}
	return ec, nil
}

func gradingSummary(g exercise.Grading) string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict %s, %d of %d tests passed", g.Verdict, g.Passed, g.Total)
	for _, t := range g.Tests {
		if !t.Hidden && !t.Passed {
			fmt.Fprintf(&b, "\n- %s: %s", t.Name, t.Message)
		}
	}
	return b.String()
}

// record stores the assistant's turn and the conversation's activity, and
// folds old turns into the summary in the background.
func (s *Service) record(ctx context.Context, t *turn, m chat.Message) (chat.Message, error) {
	var err error
	if m.Seq == 0 {
		m, err = s.Messages.Append(ctx, m)
	} else {
		err = s.Messages.Finish(ctx, m)
	}
	if err != nil {
		return m, fmt.Errorf("store answer: %w", err)
	}
	if err := s.Conversations.Touch(ctx, t.conv.ID, s.Clock.Now().UTC()); err != nil {
		return m, fmt.Errorf("touch conversation: %w", err)
	}
	if len(t.fold) > 0 {
		s.foldLater(t)
	}
	return m, nil
}

// foldLater folds the turns that left the window into the rolling summary
// with a cheap call, off the reply's path.
func (s *Service) foldLater(t *turn) {
	conv, fold := t.conv, t.fold
	s.Background.Go("chat summary", func(ctx context.Context) {
		system, user := chat.SummaryRequest(conv.Summary, fold)
		resp, err := s.AI.Complete(ctx, llm.Request{Purpose: llm.PurposeSummary, LearnerID: conv.OwnerID, System: system,
			Messages: []llm.Message{{Role: llm.RoleUser, Content: user}}, MaxTokens: 600})
		if err != nil {
			s.Logger.Warn("chat summary failed", "conversation", conv.ID, "err", err)
			return
		}
		through := fold[len(fold)-1].Seq
		if err := s.Conversations.SetSummary(ctx, conv.ID, strings.TrimSpace(resp.Text), through, s.Clock.Now().UTC()); err != nil {
			s.Logger.Warn("store chat summary", "conversation", conv.ID, "err", err)
		}
	})
}
