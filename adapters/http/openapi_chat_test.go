package http_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/catalog"
	httpadapter "github.com/codementor/codementor/adapters/http"
	"github.com/codementor/codementor/application/health"
	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

func init() {
	// The chat stream's body is a string to the validator.
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
}

// docLLM answers from a queue: a reply's text (streamed a word at a time)
// or its error; "Fine." when nothing is queued.
type docLLM struct {
	mu      sync.Mutex
	replies []docReply
}

type docReply struct {
	text string
	err  error
}

var _ ports.LLM = (*docLLM)(nil)

func (l *docLLM) queue(r ...docReply) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.replies = append(l.replies, r...)
}

func (l *docLLM) next() docReply {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.replies) == 0 {
		return docReply{text: "Fine."}
	}
	r := l.replies[0]
	l.replies = l.replies[1:]
	return r
}

func (l *docLLM) Configured() bool { return true }

func (l *docLLM) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	r := l.next()
	if r.err != nil {
		return llm.Response{}, r.err
	}
	return llm.Response{Text: r.text, Provider: "doc", Model: "doc-1", FinishReason: llm.FinishStop,
		Usage: llm.Usage{PromptTokens: 10, CompletionTokens: len(strings.Fields(r.text))}}, nil
}

func (l *docLLM) Stream(_ context.Context, _ llm.Request) (ports.Stream, error) {
	r := l.next()
	if r.err != nil {
		return nil, r.err
	}
	return &docStream{words: strings.SplitAfter(r.text, " ")}, nil
}

type docStream struct {
	words []string
	tail  int
}

func (s *docStream) Recv() (llm.Event, error) {
	if len(s.words) > 0 {
		w := s.words[0]
		s.words = s.words[1:]
		return llm.Event{Kind: llm.EventDelta, Text: w}, nil
	}
	s.tail++
	switch s.tail {
	case 1:
		return llm.Event{Kind: llm.EventUsage, Usage: llm.Usage{PromptTokens: 10, CompletionTokens: 3}}, nil
	case 2:
		return llm.Event{Kind: llm.EventDone, FinishReason: llm.FinishStop}, nil
	}
	return llm.Event{}, io.EOF
}

func (s *docStream) Close() error { return nil }

// chatApp starts the real app with the tutor in front of l.
func chatApp(t *testing.T, l ports.LLM, opts ...accounttest.TutorOption) (string, *accounttest.Fixture) {
	t.Helper()
	fx := accounttest.New(t, accounttest.WithLLM(l))
	svc, err := health.NewService([]ports.Pinger{fakePinger{name: "postgres"}}, nil, 100*time.Millisecond,
		fakeClock{now: time.Now()}, "test")
	require.NoError(t, err)
	tut, _ := fx.NewTutor(t, opts...)
	ho := defaultOptions()
	ho.BodyLimit = 64 << 10 // room for a message over the tutor's own limit
	app, err := httpadapter.NewApp(ho, httpadapter.Deps{Health: svc, Accounts: fx.Service, AI: fx.AI,
		Exercises: fx.Exercises(t), Tutor: tut, Reviews: fx.Reviews(t), Tokens: fx.Issuer, Logger: accounttest.Logger()})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String(), fx
}

// signUp registers and signs in a learner: their bearer token and id.
func signUp(t *testing.T, f docFlow, email string) (string, string) {
	t.Helper()
	f.do(exchange{method: "POST", path: "/api/v1/auth/register", status: 201,
		body: jsonBody(t, map[string]string{"email": email, "password": "Tangerine-Quartz-Velvet-2049", "display_name": "Grace"})})
	res := f.do(exchange{method: "POST", path: "/api/v1/auth/login", status: 200,
		body: jsonBody(t, map[string]string{"email": email, "password": "Tangerine-Quartz-Velvet-2049"})})
	tok := decodeAs[authTokens](t, res)
	return tok.AccessToken, tok.User.ID
}

// TestChatResponsesMatchTheDocument drives the chat routes through the real
// app (the tutor on in-memory adapters and a scripted model) and validates
// every request and answer against the document: whole answers, streams,
// the conversation list and threads, deletion, and each route's error
// envelopes (the stream's errors before its first event are JSON too).
func TestChatResponsesMatchTheDocument(t *testing.T) {
	t.Parallel()
	l := &docLLM{}
	base, fx := chatApp(t, l, func(c *tutor.Config) {
		c.MessagesPerMinute = 30
		// Small enough for a long message not to fit (422), large enough
		// for the system prompt and ordinary turns.
		c.Budget = chat.Budget{ContextTokens: 2200, ReserveForAnswer: 200, PerMessageOverhead: 4}
	})
	f := newDocFlow(t, base)
	bearer, _ := signUp(t, f, "grace@example.com")
	const unknown = "0193a0a0-0000-7000-8000-000000000000"

	// Whole answers: a new conversation, a follow-up, one about an exercise.
	l.queue(docReply{text: "What do you think a slice holds?"})
	res := f.do(exchange{method: "POST", path: "/api/v1/chat/message", bearer: bearer, status: 200,
		body: `{"conversation_id":null,"message":"What is a slice?","exercise_id":null}`})
	reply := decodeAs[struct {
		ConversationID string `json:"conversation_id"`
		Message        struct {
			Content string `json:"content"`
			Status  string `json:"status"`
		} `json:"message"`
	}](t, res)
	require.NotEmpty(t, reply.ConversationID)
	assert.Equal(t, "complete", reply.Message.Status)
	conv := reply.ConversationID
	f.do(exchange{method: "POST", path: "/api/v1/chat/message", bearer: bearer, status: 200,
		body: jsonBody(t, map[string]any{"conversation_id": conv, "message": "And an array?"})})
	exerciseID := catalog.ID(language.Python, "second-largest")
	l.queue(docReply{text: "Here:\n```python\na = 1\nb = 2\nc = 3\nd = 4\ne = 5\n```\nTry it."})
	res = f.do(exchange{method: "POST", path: "/api/v1/chat/message", bearer: bearer, status: 200,
		body: jsonBody(t, map[string]any{"message": "Show me some code.", "exercise_id": exerciseID})})
	assert.Contains(t, string(res.body), "code removed", "a long block about an unsolved exercise is cut")
	whole := decodeAs[map[string]any](t, res)["conversation_id"].(string)

	// A stream.
	res = f.do(exchange{method: "POST", path: "/api/v1/chat/stream", bearer: bearer, status: 200,
		body: jsonBody(t, map[string]any{"conversation_id": conv, "message": "Tell me more."})})
	assert.True(t, strings.HasPrefix(res.header.Get("Content-Type"), "text/event-stream"))
	assert.Contains(t, string(res.body), "event: done")

	// The list and the thread, with paging.
	res = f.do(exchange{method: "GET", path: "/api/v1/chat/conversations", bearer: bearer, status: 200})
	assert.Len(t, decodeAs[map[string]any](t, res)["items"], 2)
	res = f.do(exchange{method: "GET", path: "/api/v1/chat/conversations?limit=1", bearer: bearer, status: 200})
	next, _ := decodeAs[map[string]any](t, res)["next_cursor"].(string)
	require.NotEmpty(t, next)
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations?limit=1&cursor=" + next, bearer: bearer, status: 200})
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations?cursor=garbage", bearer: bearer, status: 400, code: "validation_failed"})
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations?limit=500", bearer: bearer, status: 400, code: "validation_failed", docRefuses: true})
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations", status: 401, code: "unauthorized", docRefuses: true})
	res = f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + conv, bearer: bearer, status: 200})
	assert.Len(t, decodeAs[map[string]any](t, res)["messages"], 6)
	res = f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + conv + "?limit=2", bearer: bearer, status: 200})
	next, _ = decodeAs[map[string]any](t, res)["next_cursor"].(string)
	require.NotEmpty(t, next)
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + conv + "?limit=2&cursor=" + next, bearer: bearer, status: 200})
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + unknown, bearer: bearer, status: 404, code: "not_found"})

	// Resuming: the last answer replayed; nothing streamed, nothing to
	// resume; a malformed event id.
	res = f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + conv + "/stream", bearer: bearer, status: 200})
	assert.Contains(t, string(res.body), "event: done")
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + whole + "/stream", bearer: bearer, status: 404, code: "not_found"})
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + unknown + "/stream", bearer: bearer, status: 404, code: "not_found"})
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + conv + "/stream?last_event_id=garbage", bearer: bearer,
		status: 400, code: "validation_failed"})

	// Failures of both answering routes, before any event: JSON envelopes.
	for _, route := range []string{"/api/v1/chat/message", "/api/v1/chat/stream"} {
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 400, code: "validation_failed", docRefuses: true, body: `{}`})
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 400, code: "validation_failed", docRefuses: true,
			body: `{"message":"hi","model":"gpt-5"}`})
		// (the validator does not check string formats: the document's
		// format: uuid says it, the server enforces it)
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 400, code: "validation_failed",
			body: `{"message":"hi","conversation_id":"not-a-uuid"}`})
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 400, code: "validation_failed", body: `{"message":"   "}`})
		f.do(exchange{method: "POST", path: route, status: 401, code: "unauthorized", docRefuses: true, body: `{"message":"hi"}`})
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 404, code: "not_found",
			body: jsonBody(t, map[string]any{"conversation_id": unknown, "message": "hi"})})
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 404, code: "not_found",
			body: jsonBody(t, map[string]any{"exercise_id": unknown, "message": "hi"})})
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 413, code: "payload_too_large",
			body: jsonBody(t, map[string]any{"message": strings.Repeat("x", chat.MaxMessageRunes+1)})})
		// A message the context window cannot hold is refused before the
		// model is called, and the model's own refusal answers the same.
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 413, code: "context_too_long",
			body: jsonBody(t, map[string]any{"message": strings.Repeat("w ", 3000)})})
		l.queue(docReply{err: &llm.Error{Kind: llm.ErrContextTooLong, Provider: "doc", Msg: "too long"}})
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 413, code: "context_too_long",
			body: jsonBody(t, map[string]any{"conversation_id": conv, "message": "A long story."})})
		l.queue(docReply{err: &llm.Error{Kind: llm.ErrContentFiltered, Provider: "doc", Msg: "filtered"}})
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 422, code: "content_filtered",
			body: jsonBody(t, map[string]any{"conversation_id": conv, "message": "Something odd."})})
		l.queue(docReply{err: &llm.Error{Kind: llm.ErrUnavailable, Provider: "doc", Status: 502, Msg: "bad gateway"}})
		f.do(exchange{method: "POST", path: route, bearer: bearer, status: 503, code: "upstream_unavailable",
			body: jsonBody(t, map[string]any{"conversation_id": conv, "message": "Are you there?"})})
	}

	// 429: the message rate, then the daily token quota.
	busy, _ := signUp(t, f, "busy@example.com")
	for i := range 30 {
		req, err := http.NewRequest("POST", base+"/api/v1/chat/message", strings.NewReader(`{"message":"ping"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+busy)
		r, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = r.Body.Close()
		require.Equal(t, http.StatusOK, r.StatusCode, "message %d", i)
	}
	for _, route := range []string{"/api/v1/chat/message", "/api/v1/chat/stream"} {
		f.do(exchange{method: "POST", path: route, bearer: busy, status: 429, code: "rate_limited", body: `{"message":"ping"}`})
	}
	spent, spentID := signUp(t, f, "spent@example.com")
	day, _ := llm.QuotaDay(fx.Clock.Now())
	_, ok, err := fx.AI.Ledger.Reserve(context.Background(), spentID, day, 100_000, 100_000)
	require.NoError(t, err)
	require.True(t, ok)
	for _, route := range []string{"/api/v1/chat/message", "/api/v1/chat/stream"} {
		f.do(exchange{method: "POST", path: route, bearer: spent, status: 429, code: "quota_exceeded", body: `{"message":"hi"}`})
	}

	// Another learner's conversation is not found; deletion.
	other, _ := signUp(t, f, "nosy@example.com")
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + conv, bearer: other, status: 404, code: "not_found"})
	f.do(exchange{method: "DELETE", path: "/api/v1/chat/conversations/" + conv, bearer: other, status: 404, code: "not_found"})
	f.do(exchange{method: "DELETE", path: "/api/v1/chat/conversations/" + conv, status: 401, code: "unauthorized", docRefuses: true})
	f.do(exchange{method: "DELETE", path: "/api/v1/chat/conversations/" + conv, bearer: bearer, status: 204})
	f.do(exchange{method: "DELETE", path: "/api/v1/chat/conversations/" + conv, bearer: bearer, status: 404, code: "not_found"})
	f.do(exchange{method: "GET", path: "/api/v1/chat/conversations/" + conv, bearer: bearer, status: 404, code: "not_found"})
}
