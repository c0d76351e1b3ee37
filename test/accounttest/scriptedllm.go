package accounttest

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// ScriptedLLM is a ports.LLM whose Complete answers from a queue, then
// from the function given to Func when the queue is empty (an unavailable
// error without one). Every request is recorded, whatever its answer.
// Streams are not scripted here (the tutor's tests script them).
type ScriptedLLM struct {
	mu       sync.Mutex
	answers  []scriptedAnswer
	requests []llm.Request
	fn       func(n int, req llm.Request) (string, error)
	// Before, when set, runs (outside the lock) before call n (0-based)
	// takes its answer: tests hold calls with it. Set it before any call.
	Before func(n int)
}

type scriptedAnswer struct {
	text string
	err  error
}

var _ ports.LLM = (*ScriptedLLM)(nil)

// Configured is true: the gateway is online.
func (s *ScriptedLLM) Configured() bool { return true }

// Answer queues answers, in order.
func (s *ScriptedLLM) Answer(texts ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range texts {
		s.answers = append(s.answers, scriptedAnswer{text: t})
	}
}

// Fail queues a failure.
func (s *ScriptedLLM) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, scriptedAnswer{err: err})
}

// Func answers every call the queue does not (n counts calls from 0); it
// runs outside the lock, so it may call the service under test.
func (s *ScriptedLLM) Func(fn func(n int, req llm.Request) (string, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fn = fn
}

// Complete records the request and answers the next scripted answer.
func (s *ScriptedLLM) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	s.mu.Lock()
	req.Messages = append([]llm.Message(nil), req.Messages...)
	s.requests = append(s.requests, req)
	n := len(s.requests) - 1
	s.mu.Unlock()
	if s.Before != nil {
		s.Before(n)
	}
	s.mu.Lock()
	var a *scriptedAnswer
	if len(s.answers) > 0 {
		a = &s.answers[0]
		s.answers = s.answers[1:]
	}
	fn := s.fn
	s.mu.Unlock()
	var text string
	var err error
	switch {
	case a != nil:
		text, err = a.text, a.err
	case fn != nil:
		text, err = fn(n, req)
	default:
		err = &llm.Error{Kind: llm.ErrUnavailable, Provider: "scripted", Msg: "no answer scripted"}
	}
	if err != nil {
		return llm.Response{}, err
	}
	return llm.Response{Text: text, Provider: "scripted", Model: "scripted-1", FinishReason: llm.FinishStop,
		Usage: llm.Usage{PromptTokens: 10, CompletionTokens: len(strings.Fields(text))}}, nil
}

// Stream is refused: streams are not scripted here.
func (s *ScriptedLLM) Stream(context.Context, llm.Request) (ports.Stream, error) {
	return nil, &llm.Error{Kind: llm.ErrInvalidRequest, Provider: "scripted", Msg: "streams are not scripted"}
}

// Requests answers a copy of the recorded requests.
func (s *ScriptedLLM) Requests() []llm.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]llm.Request(nil), s.requests...)
}

// Pending is how many scripted answers are left.
func (s *ScriptedLLM) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.answers)
}

// WaitRequests waits up to d for n requests to have arrived and says
// whether they did.
func (s *ScriptedLLM) WaitRequests(n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if len(s.Requests()) >= n {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return len(s.Requests()) >= n
}

// RequestText is everything a request tells the model.
func RequestText(r llm.Request) string {
	var b strings.Builder
	b.WriteString(r.System)
	for _, m := range r.Messages {
		b.WriteString("\n")
		b.WriteString(m.Content)
	}
	return b.String()
}
