// Package ai is the one door to language models for every use case
// (hints, exercise generation, the tutor, reviews): it checks the
// learner's daily token quota before a call, goes through the router, and
// writes the accounting line of every call, answered or failed.
package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// Quotas are daily token allowances (UTC days).
type Quotas struct {
	LearnerDailyTokens int64
	AdminDailyTokens   int64
}

// Config are the service's settings.
type Config struct {
	Quotas Quotas
	// Prices by model name; a model without a price costs 0 (and is logged).
	Prices map[string]llm.Price
}

// Deps are the ports the service needs.
type Deps struct {
	LLM    ports.LLM
	Tokens ports.TokenCounter
	Lines  ports.UsageRepository
	Ledger ports.QuotaLedger
	Users  ports.UserRepository
	Clock  ports.Clock
	IDs    ports.IDGenerator
	Log    *slog.Logger
}

// Service is the metered LLM gateway.
type Service struct {
	Deps
	cfg Config
}

// NewService checks its dependencies.
func NewService(d Deps, cfg Config) (*Service, error) {
	if d.LLM == nil || d.Tokens == nil || d.Lines == nil || d.Ledger == nil || d.Users == nil || d.Clock == nil || d.IDs == nil || d.Log == nil {
		return nil, errors.New("ai: every dependency is required")
	}
	if cfg.Quotas.LearnerDailyTokens <= 0 || cfg.Quotas.AdminDailyTokens <= 0 {
		return nil, errors.New("ai: daily token quotas must be positive")
	}
	return &Service{Deps: d, cfg: cfg}, nil
}

// Configured says whether any provider is (false: offline mode).
func (s *Service) Configured() bool { return s.LLM.Configured() }

// quotaFor is the learner's daily allowance by role.
func (s *Service) quotaFor(ctx context.Context, learnerID string) (int64, error) {
	u, err := s.Users.GetByID(ctx, learnerID)
	if err != nil {
		return 0, fmt.Errorf("quota: load learner: %w", err)
	}
	if u.Role().Equal(identity.RoleAdmin) {
		return s.cfg.Quotas.AdminDailyTokens, nil
	}
	return s.cfg.Quotas.LearnerDailyTokens, nil
}

// reservation is the tokens held against a learner's day for one call.
type reservation struct {
	learnerID string
	day       time.Time
	amount    int64
	prompt    int // the prompt's tokens, counted (-1: not counted)
}

// reserve holds the call's worst case (prompt estimate plus max output)
// against the quota, atomically across instances, or refuses with
// QuotaExceededError whose ResetAt is the next UTC midnight.
func (s *Service) reserve(ctx context.Context, req llm.Request) (reservation, error) {
	if req.LearnerID == "" {
		return reservation{prompt: -1}, nil
	}
	limit, err := s.quotaFor(ctx, req.LearnerID)
	if err != nil {
		return reservation{}, err
	}
	day, resetAt := llm.QuotaDay(s.Clock.Now())
	prompt := s.Tokens.CountMessages(req.Model, req.System, req.Messages)
	amount := llm.ReserveFor(prompt, req.MaxTokens)
	_, ok, err := s.Ledger.Reserve(ctx, req.LearnerID, day, amount, limit)
	if err != nil {
		return reservation{}, err
	}
	if !ok {
		return reservation{}, &domain.QuotaExceededError{ResetAt: resetAt, Quota: "daily LLM tokens"}
	}
	return reservation{learnerID: req.LearnerID, day: day, amount: amount, prompt: prompt}, nil
}

// settle replaces the reservation with what the call really used and
// writes the accounting line. It runs detached from the request's context:
// a client that hung up still used the tokens.
func (s *Service) settle(ctx context.Context, req llm.Request, r reservation, provider, model string, u llm.Usage, latency time.Duration, callErr error) {
	ctx = context.WithoutCancel(ctx)
	if r.learnerID != "" {
		if err := s.Ledger.Adjust(ctx, r.learnerID, r.day, int64(u.Total())-r.amount); err != nil {
			s.Log.Error("llm quota: settle failed", slog.String("learner_id", r.learnerID), slog.String("error", err.Error()))
		}
	}
	outcome := llm.OutcomeOK
	if callErr != nil {
		outcome = string(llm.KindOf(callErr))
		if outcome == "" {
			outcome = "error"
		}
	}
	price, priced := s.cfg.Prices[model]
	if !priced && model != "" && u.Total() > 0 {
		s.Log.Warn("llm accounting: no price for model; cost recorded as 0", slog.String("model", model))
	}
	if provider == "" {
		provider = "none"
	}
	if model == "" {
		model = req.Model
	}
	rec := llm.UsageRecord{ID: s.IDs.NewID(), LearnerID: req.LearnerID, Purpose: req.Purpose, Provider: provider,
		Model: model, Usage: u, CostMicroUSD: price.CostMicroUSD(u), Latency: latency, Outcome: outcome, CreatedAt: s.Clock.Now()}
	if err := s.Lines.Record(ctx, rec); err != nil {
		s.Log.Error("llm accounting: record failed", slog.String("error", err.Error()))
	}
}

// Complete makes a metered one-shot call.
func (s *Service) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	if !s.LLM.Configured() {
		return llm.Response{}, llm.NotConfigured
	}
	if err := req.Validate(); err != nil {
		return llm.Response{}, err
	}
	r, err := s.reserve(ctx, req)
	if err != nil {
		return llm.Response{}, err
	}
	start := time.Now()
	resp, err := s.LLM.Complete(ctx, req)
	latency := time.Since(start)
	if resp.Latency > 0 {
		latency = resp.Latency
	}
	s.settle(ctx, req, r, resp.Provider, resp.Model, resp.Usage, latency, err)
	return resp, err
}

// Stream makes a metered streamed call. The quota reservation (a database
// round trip) runs while the upstream request is on its way, not before
// it: both are on the path to the first token. No event is passed on
// before the reservation holds: a refused one cancels the upstream request
// and Stream answers the QuotaExceededError. The quota is settled and the
// accounting line written when the stream ends, fails or is closed.
func (s *Service) Stream(ctx context.Context, req llm.Request) (ports.Stream, error) {
	if !s.LLM.Configured() {
		return nil, llm.NotConfigured
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	uctx, cancel := context.WithCancel(ctx)
	type reserved struct {
		r   reservation
		err error
	}
	rc := make(chan reserved, 1)
	go func() {
		r, err := s.reserve(ctx, req)
		if err != nil {
			cancel() // the upstream request, wherever it is
		}
		rc <- reserved{r, err}
	}()
	start := time.Now()
	st, err := s.LLM.Stream(uctx, req)
	res := <-rc
	if res.err != nil {
		cancel()
		if err == nil {
			_ = st.Close() // unread: not one token reaches an over-quota learner
		}
		return nil, res.err
	}
	r := res.r
	if err != nil {
		cancel()
		s.settle(ctx, req, r, "", req.Model, llm.Usage{}, time.Since(start), err)
		return nil, err
	}
	if r.prompt < 0 {
		r.prompt = s.Tokens.CountMessages(req.Model, req.System, req.Messages)
	}
	// The stream keeps what accounting needs, not the prompt's text: it
	// lives as long as the answer does.
	kept := llm.Request{Purpose: req.Purpose, LearnerID: req.LearnerID, Model: req.Model}
	return &meteredStream{s: s, ctx: ctx, cancel: cancel, req: kept, r: r, start: start, inner: st}, nil
}

// meteredStream passes events through and settles once at the end.
type meteredStream struct {
	s      *Service
	ctx    context.Context
	cancel context.CancelFunc // the upstream request's context
	req    llm.Request
	r      reservation
	start  time.Time
	inner  ports.Stream

	once  sync.Once
	usage llm.Usage
	// The answer's tokens so far, for an estimate if no usage came:
	// counted a few hundred bytes at a time (unsent holds the rest), so
	// the answer's text is not kept for the stream's life, nor the
	// tokenizer run on every token.
	completion int
	unsent     []byte
	text       bool // some text came
}

func (m *meteredStream) Recv() (llm.Event, error) {
	ev, err := m.inner.Recv()
	switch {
	case err == nil && ev.Kind == llm.EventDelta && ev.Text != "":
		m.text = true
		m.unsent = append(m.unsent, ev.Text...)
		if len(m.unsent) >= countBatch {
			m.countUnsent()
		}
	case err == nil && ev.Kind == llm.EventUsage:
		m.usage = ev.Usage
	case errors.Is(err, io.EOF):
		m.finish(nil)
	case err != nil:
		m.finish(err)
	}
	return ev, err
}

// Close ends the stream early (the learner left): what was generated
// until then is still accounted, estimated when the provider sent no usage.
func (m *meteredStream) Close() error {
	err := m.inner.Close()
	m.finish(&llm.Error{Kind: llm.ErrCanceled, Msg: "closed by the caller"})
	return err
}

func (m *meteredStream) finish(callErr error) {
	m.once.Do(func() {
		defer m.cancel()
		u := m.usage
		if u.Total() == 0 && m.text {
			// The stream ended before the provider's usage event: estimate,
			// on the high side, rather than account nothing.
			m.countUnsent()
			u = llm.Usage{PromptTokens: m.r.prompt, CompletionTokens: m.completion}
		}
		m.unsent = nil
		provider, model := "", m.req.Model
		if info, ok := m.inner.(ports.StreamInfo); ok {
			provider, model = info.Provider(), info.Model()
		}
		if callErr != nil && u.Total() > 0 && llm.KindOf(callErr) == llm.ErrCanceled {
			callErr = &llm.Error{Kind: llm.ErrCanceled, Msg: "interrupted"}
		}
		m.s.settle(m.ctx, m.req, m.r, provider, model, u, time.Since(m.start), callErr)
	})
}

// countBatch is how much answer text is counted at once.
const countBatch = 256

func (m *meteredStream) countUnsent() {
	if len(m.unsent) > 0 {
		m.completion += m.s.Tokens.Count(m.req.Model, string(m.unsent))
		m.unsent = m.unsent[:0]
	}
}

// Provider and Model tell who answers, when the router knows.
func (m *meteredStream) Provider() string {
	if info, ok := m.inner.(ports.StreamInfo); ok {
		return info.Provider()
	}
	return ""
}

func (m *meteredStream) Model() string {
	if info, ok := m.inner.(ports.StreamInfo); ok {
		return info.Model()
	}
	return m.req.Model
}

// UsageReport is a learner's consumption and what is left today.
type UsageReport struct {
	Today          llm.UsageTotals
	Month          llm.UsageTotals
	DailyQuota     int64
	UsedToday      int64
	RemainingToday int64
	ResetsAt       time.Time
}

// Usage reports the caller's LLM usage.
func (s *Service) Usage(ctx context.Context, learnerID string) (UsageReport, error) {
	limit, err := s.quotaFor(ctx, learnerID)
	if err != nil {
		return UsageReport{}, err
	}
	now := s.Clock.Now()
	day, reset := llm.QuotaDay(now)
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	today, err := s.Lines.Totals(ctx, learnerID, day, reset)
	if err != nil {
		return UsageReport{}, err
	}
	monthly, err := s.Lines.Totals(ctx, learnerID, month, month.AddDate(0, 1, 0))
	if err != nil {
		return UsageReport{}, err
	}
	used, err := s.Ledger.Used(ctx, learnerID, day)
	if err != nil {
		return UsageReport{}, err
	}
	return UsageReport{Today: today, Month: monthly, DailyQuota: limit, UsedToday: used,
		RemainingToday: max(limit-used, 0), ResetsAt: reset}, nil
}
