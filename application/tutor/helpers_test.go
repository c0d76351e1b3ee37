package tutor_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

var ctx = context.Background()

// register creates a learner and answers their id.
func register(t *testing.T, f *accounttest.Fixture) string { return f.NewLearner(t) }

// ---- the scripted LLM ----

// answer is one scripted Complete answer.
type answer struct {
	text string
	err  error
}

// streamPlan scripts one Stream call and records what happened to it.
type streamPlan struct {
	chunks []string
	// delay before each delta (0: none); honours the context.
	delay time.Duration
	// hold, when set, is waited on (with the context) before every delta
	// after the first.
	hold chan struct{}
	// openErr is returned by Stream itself.
	openErr error
	// failAt, with failErr, makes Recv fail once failAt deltas were sent
	// (0: the very first Recv fails).
	failAt  int
	failErr error
	usage   llm.Usage

	canceled   chan struct{} // closed when the call's context is done
	canceledAt atomic.Int64  // unix nanos
	closed     atomic.Bool
	sent       atomic.Int64 // deltas sent
	finished   atomic.Bool  // the script ran to its end (EOF)
}

func newPlan(chunks ...string) *streamPlan {
	return &streamPlan{chunks: chunks, usage: llm.Usage{PromptTokens: 12, CompletionTokens: len(chunks)},
		canceled: make(chan struct{})}
}

func (p *streamPlan) text() string { return strings.Join(p.chunks, "") }

// scriptedLLM is a ports.LLM: Complete answers chat calls from a queue and
// summary calls with summaryText; Stream plays the queued plans. Every
// request is recorded.
type scriptedLLM struct {
	mu          sync.Mutex
	answers     []answer
	plans       []*streamPlan
	requests    []llm.Request
	summaryText string
}

var _ ports.LLM = (*scriptedLLM)(nil)

func (s *scriptedLLM) Configured() bool { return true }

func (s *scriptedLLM) Answer(texts ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range texts {
		s.answers = append(s.answers, answer{text: t})
	}
}

func (s *scriptedLLM) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, answer{err: err})
}

func (s *scriptedLLM) Plan(p *streamPlan) *streamPlan {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plans = append(s.plans, p)
	return p
}

func (s *scriptedLLM) record(req llm.Request) {
	req.Messages = append([]llm.Message(nil), req.Messages...)
	s.requests = append(s.requests, req)
}

func (s *scriptedLLM) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(req)
	if req.Purpose == llm.PurposeSummary {
		text := s.summaryText
		if text == "" {
			text = "The learner talked about loops."
		}
		return llm.Response{Text: text, Provider: "scripted", Model: "scripted-mini", FinishReason: llm.FinishStop,
			Usage: llm.Usage{PromptTokens: 30, CompletionTokens: 7}}, nil
	}
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

func (s *scriptedLLM) Stream(ctx context.Context, req llm.Request) (ports.Stream, error) {
	s.mu.Lock()
	s.record(req)
	if len(s.plans) == 0 {
		s.mu.Unlock()
		return nil, &llm.Error{Kind: llm.ErrUnavailable, Provider: "scripted", Msg: "no stream scripted"}
	}
	p := s.plans[0]
	s.plans = s.plans[1:]
	s.mu.Unlock()
	if p.openErr != nil {
		return nil, p.openErr
	}
	context.AfterFunc(ctx, func() {
		p.canceledAt.Store(time.Now().UnixNano())
		close(p.canceled)
	})
	return &fakeStream{ctx: ctx, p: p}, nil
}

// Requests answers a copy of the recorded requests.
func (s *scriptedLLM) Requests() []llm.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]llm.Request(nil), s.requests...)
}

// ChatRequests answers the recorded requests of one purpose.
func (s *scriptedLLM) RequestsFor(p llm.Purpose) []llm.Request {
	var out []llm.Request
	for _, r := range s.Requests() {
		if r.Purpose == p {
			out = append(out, r)
		}
	}
	return out
}

// fakeStream plays a plan: deltas, usage, done, then io.EOF.
type fakeStream struct {
	ctx  context.Context
	p    *streamPlan
	next int // deltas sent
	tail int // 0: deltas; 1: usage sent; 2: done sent
}

func (f *fakeStream) Provider() string { return "scripted" }
func (f *fakeStream) Model() string    { return "scripted-stream" }

func (f *fakeStream) canceledErr() error {
	return &llm.Error{Kind: llm.ErrCanceled, Provider: "scripted", Msg: "canceled", Err: f.ctx.Err()}
}

func (f *fakeStream) Recv() (llm.Event, error) {
	p := f.p
	if f.ctx.Err() != nil {
		return llm.Event{}, f.canceledErr()
	}
	if p.failErr != nil && f.next == p.failAt {
		return llm.Event{}, p.failErr
	}
	if f.next < len(p.chunks) {
		if p.hold != nil && f.next > 0 {
			select {
			case <-p.hold:
			case <-f.ctx.Done():
				return llm.Event{}, f.canceledErr()
			}
		}
		if p.delay > 0 {
			select {
			case <-time.After(p.delay):
			case <-f.ctx.Done():
				return llm.Event{}, f.canceledErr()
			}
		}
		ev := llm.Event{Kind: llm.EventDelta, Text: p.chunks[f.next]}
		f.next++
		p.sent.Add(1)
		return ev, nil
	}
	switch f.tail {
	case 0:
		f.tail++
		return llm.Event{Kind: llm.EventUsage, Usage: p.usage}, nil
	case 1:
		f.tail++
		return llm.Event{Kind: llm.EventDone, FinishReason: llm.FinishStop}, nil
	}
	p.finished.Store(true)
	return llm.Event{}, io.EOF
}

func (f *fakeStream) Close() error {
	f.p.closed.Store(true)
	return nil
}

// ---- fixtures ----

// withLLM builds a fixture whose AI gateway fronts a scripted LLM and its
// tutor service.
func withLLM(t *testing.T, opts ...accounttest.TutorOption) (*accounttest.Fixture, *scriptedLLM, *tutor.Service, *memory.StreamLog) {
	t.Helper()
	l := &scriptedLLM{}
	f := accounttest.New(t, accounttest.WithLLM(l))
	svc, log := f.NewTutor(t, opts...)
	return f, l, svc, log
}

func send(t *testing.T, svc *tutor.Service, learnerID, convID, msg string) tutor.Reply {
	t.Helper()
	r, err := svc.Send(ctx, tutor.SendInput{LearnerID: learnerID, ConversationID: convID, Message: msg})
	require.NoError(t, err)
	return r
}

// thread answers every message of the learner's conversation.
func thread(t *testing.T, svc *tutor.Service, learnerID, convID string) []chat.Message {
	t.Helper()
	th, err := svc.Get(ctx, learnerID, convID, ports.Page{Limit: 500})
	require.NoError(t, err)
	require.Empty(t, th.Next)
	return th.Messages
}

func conversation(t *testing.T, svc *tutor.Service, learnerID, convID string) chat.Conversation {
	t.Helper()
	th, err := svc.Get(ctx, learnerID, convID, ports.Page{Limit: 1})
	require.NoError(t, err)
	return th.Conversation
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

// ---- streams ----

// drain reads a subscription until its stream ends (or fails the test
// after d).
func drain(t *testing.T, sub *tutor.Subscription, d time.Duration) []ports.StreamEvent {
	t.Helper()
	var out []ports.StreamEvent
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		evs, ended, err := sub.Next(ctx, 100*time.Millisecond)
		require.NoError(t, err)
		out = append(out, evs...)
		if ended {
			return out
		}
	}
	t.Fatalf("the stream did not end within %s; got %v", d, types(out))
	return nil
}

// readAtLeast reads until n events arrived.
func readAtLeast(t *testing.T, sub *tutor.Subscription, n int, d time.Duration) []ports.StreamEvent {
	t.Helper()
	var out []ports.StreamEvent
	deadline := time.Now().Add(d)
	for len(out) < n && time.Now().Before(deadline) {
		evs, ended, err := sub.Next(ctx, 50*time.Millisecond)
		require.NoError(t, err)
		out = append(out, evs...)
		require.False(t, ended && len(out) < n, "the stream ended early: %v", types(out))
	}
	require.GreaterOrEqual(t, len(out), n, "events: %v", types(out))
	return out
}

// waitCanceled waits up to d for p's call to be cancelled.
func waitCanceled(t *testing.T, p *streamPlan, d time.Duration, msg string) {
	t.Helper()
	select {
	case <-p.canceled:
	case <-time.After(d):
		t.Fatal(msg)
	}
}

func types(evs []ports.StreamEvent) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func ids(evs []ports.StreamEvent) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func payload(t *testing.T, ev ports.StreamEvent) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(ev.Data, &m), string(ev.Data))
	return m
}

// deltaText joins the text of the delta events.
func deltaText(t *testing.T, evs []ports.StreamEvent) string {
	t.Helper()
	var b strings.Builder
	for _, e := range evs {
		if e.Type == "delta" {
			b.WriteString(payload(t, e)["text"].(string))
		}
	}
	return b.String()
}

// message waits until the stored message id is no longer streaming and
// answers it.
func finalMessage(t *testing.T, svc *tutor.Service, learnerID, convID, id string) chat.Message {
	t.Helper()
	var got chat.Message
	require.Eventually(t, func() bool {
		for _, m := range thread(t, svc, learnerID, convID) {
			if m.ID == id && m.Status != chat.StatusStreaming {
				got = m
				return true
			}
		}
		return false
	}, 3*time.Second, 5*time.Millisecond, "message %s never finished", id)
	return got
}

// ---- exercises ----

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

// ---- a second instance ----

type wordCounter struct{}

func (wordCounter) Count(_, text string) int { return len(strings.Fields(text)) }
func (w wordCounter) CountMessages(model, system string, msgs []llm.Message) int {
	n := w.Count(model, system)
	for _, m := range msgs {
		n += w.Count(model, m.Content) + 1
	}
	return n
}

type uuids struct{}

func (uuids) NewID() string { return uuid.Must(uuid.NewV7()).String() }

// otherInstance builds a second tutor service on the fixture's database
// and AI gateway, sharing log: another API instance.
func otherInstance(t *testing.T, f *accounttest.Fixture, log *memory.StreamLog) *tutor.Service {
	t.Helper()
	cfg := tutor.DefaultConfig()
	cfg.Grace = 300 * time.Millisecond
	limiter := memory.NewRateLimiter()
	limiter.Now = f.Clock.Now
	svc, err := tutor.NewService(tutor.Deps{
		Conversations: memory.NewConversationRepository(f.DB), Messages: memory.NewMessageRepository(f.DB), Log: log,
		Exercises: memory.NewExerciseRepository(f.DB), Attempts: memory.NewAttemptRepository(f.DB),
		Submissions: memory.NewSubmissionRepository(f.DB), Profiles: f.Deps.Profiles, AI: f.AI,
		Tokens: wordCounter{}, Limiter: limiter, Slots: memory.NewSemaphore(), Background: accounttest.Inline{},
		Clock: f.Clock, IDs: uuids{}, Logger: accounttest.Logger(),
	}, cfg)
	require.NoError(t, err)
	return svc
}

func tutorInput(learnerID, convID, msg string) tutor.SendInput {
	return tutor.SendInput{LearnerID: learnerID, ConversationID: convID, Message: msg}
}
