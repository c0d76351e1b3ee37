// Package llm describes conversations with a language model in CodeMentor's
// own terms: what is asked (Request), what comes back (Response, stream
// events, Usage), and how calls fail (Error). Provider SDKs stay in the
// adapters; nothing here knows one.
package llm

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/codementor/codementor/domain"
)

// Role is who says a message.
type Role string

const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role
	Content string
}

// Purpose says what a call is for: routing, quotas and accounting use it.
type Purpose string

const (
	PurposeChat     Purpose = "chat"
	PurposeHint     Purpose = "hint"
	PurposeGenerate Purpose = "generate"
	PurposeReview   Purpose = "review"
	// PurposeSummary folds old chat turns into a summary (a cheap model).
	PurposeSummary Purpose = "summary"
)

// ParsePurpose accepts the known purposes.
func ParsePurpose(s string) (Purpose, error) {
	switch p := Purpose(s); p {
	case PurposeChat, PurposeHint, PurposeGenerate, PurposeReview, PurposeSummary:
		return p, nil
	}
	return "", domain.NewValidationError("purpose", "must be chat, hint, generate, review or summary")
}

// Schema asks for structured output: the answer must be one JSON value
// matching the JSON Schema.
type Schema struct {
	Name        string // a short identifier, [a-zA-Z0-9_-]
	Description string
	JSON        json.RawMessage
}

// Request is one call. Model is filled by the router from the purpose's
// route unless the caller pins one.
type Request struct {
	Purpose      Purpose
	LearnerID    string // for quotas and accounting; "" for system work
	System       string // the long, stable instructions (cacheable)
	Messages     []Message
	Model        string
	MaxTokens    int
	Temperature  *float64
	StopSequence []string
	Schema       *Schema
}

// Validate checks what every provider needs.
func (r Request) Validate() error {
	verr := &domain.ValidationError{}
	if _, err := ParsePurpose(string(r.Purpose)); err != nil {
		verr.Add("purpose", "must be chat, hint, generate, review or summary")
	}
	if len(r.Messages) == 0 {
		verr.Add("messages", "must hold at least one message")
	}
	for _, m := range r.Messages {
		if m.Role != RoleUser && m.Role != RoleAssistant && m.Role != RoleSystem {
			verr.Add("messages", "roles must be system, user or assistant")
			break
		}
	}
	if r.MaxTokens < 0 {
		verr.Add("max_tokens", "must not be negative")
	}
	if r.Temperature != nil && (*r.Temperature < 0 || *r.Temperature > 2) {
		verr.Add("temperature", "must be between 0 and 2")
	}
	if r.Schema != nil && (r.Schema.Name == "" || !json.Valid(r.Schema.JSON)) {
		verr.Add("schema", "needs a name and a valid JSON Schema")
	}
	return verr.OrNil()
}

// Usage is what a call consumed.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	// CachedTokens are prompt tokens served from the provider's prompt
	// cache (cheaper); they are included in PromptTokens.
	CachedTokens int
}

// Total is prompt plus completion tokens.
func (u Usage) Total() int { return u.PromptTokens + u.CompletionTokens }

// Add sums two usages.
func (u Usage) Add(o Usage) Usage {
	return Usage{PromptTokens: u.PromptTokens + o.PromptTokens, CompletionTokens: u.CompletionTokens + o.CompletionTokens,
		CachedTokens: u.CachedTokens + o.CachedTokens}
}

// FinishReason says why generation stopped.
type FinishReason string

const (
	FinishStop          FinishReason = "stop"           // natural end or a stop sequence
	FinishLength        FinishReason = "length"         // max tokens reached
	FinishContentFilter FinishReason = "content_filter" // the provider refused or cut it
	FinishToolUse       FinishReason = "tool_use"       // structured output via a tool call
	FinishCanceled      FinishReason = "canceled"       // the caller went away
)

// Response is a complete answer.
type Response struct {
	Text         string
	Usage        Usage
	FinishReason FinishReason
	Provider     string
	Model        string
	Latency      time.Duration
}

// EventKind tells stream events apart.
type EventKind int

const (
	// EventDelta carries the next piece of text.
	EventDelta EventKind = iota + 1
	// EventUsage carries the call's usage (after the last delta).
	EventUsage
	// EventDone carries the finish reason; it is the last event.
	EventDone
)

// Event is one step of a streamed answer: deltas, then usage, then done.
type Event struct {
	Kind         EventKind
	Text         string
	Usage        Usage
	FinishReason FinishReason
}

// ErrorKind classifies failures so callers can act on them.
type ErrorKind string

const (
	ErrRateLimited     ErrorKind = "rate_limited"     // try later (RetryAfter)
	ErrUnavailable     ErrorKind = "unavailable"      // 5xx, timeout, connection
	ErrInvalidRequest  ErrorKind = "invalid_request"  // our request is wrong
	ErrContextTooLong  ErrorKind = "context_too_long" // prompt over the window
	ErrContentFiltered ErrorKind = "content_filtered" // the provider refused
	ErrCanceled        ErrorKind = "canceled"         // the caller went away
	ErrAuth            ErrorKind = "auth"             // bad API key
	ErrNotConfigured   ErrorKind = "not_configured"   // no provider at all
)

// Error is a classified provider failure.
type Error struct {
	Kind       ErrorKind
	Provider   string
	RetryAfter time.Duration // for ErrRateLimited, when the provider said
	Status     int           // HTTP status, when there was one
	Msg        string        // short, never the API key or the prompt
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("llm")
	if e.Provider != "" {
		b.WriteString(" " + e.Provider)
	}
	fmt.Fprintf(&b, ": %s", e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Msg != "" {
		b.WriteString(": " + e.Msg)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, domain.ErrUnavailable) work for the kinds a
// client should see as "try again later".
func (e *Error) Is(target error) bool {
	switch target {
	case domain.ErrUnavailable:
		return e.Kind == ErrUnavailable || e.Kind == ErrNotConfigured || e.Kind == ErrAuth
	}
	return false
}

// Retryable says whether another attempt (on this or another provider)
// may succeed: rate limits, outages and timeouts.
func (e *Error) Retryable() bool { return e.Kind == ErrRateLimited || e.Kind == ErrUnavailable }

// KindOf returns err's kind, or "" when it is not an *Error.
func KindOf(err error) ErrorKind {
	var e *Error
	if ok := asError(err, &e); ok {
		return e.Kind
	}
	return ""
}
