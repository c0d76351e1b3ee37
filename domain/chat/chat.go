// Package chat holds tutor conversations and their messages, the tutor's
// policy (its system prompt), the context-window fitting and the title
// rule.
package chat

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/llm"
)

// MaxMessageRunes bounds a learner's message (422 above).
const MaxMessageRunes = 8000

// Role is who wrote a message.
type Role string

const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Status is how an assistant message ended.
type Status string

const (
	// StatusStreaming: the answer is being generated.
	StatusStreaming Status = "streaming"
	StatusComplete  Status = "complete"
	// StatusInterrupted: the learner left (or the stream was cut) before
	// the end; Content holds what was generated so far.
	StatusInterrupted Status = "interrupted"
	// StatusFailed: the provider failed; Content holds what came before.
	StatusFailed Status = "failed"
)

// Conversation is a learner's thread with the tutor.
type Conversation struct {
	ID         string
	OwnerID    string
	Title      string
	ExerciseID string // "" when not tied to an exercise
	// Summary folds the turns that no longer fit the context window;
	// SummarizedThrough is the Seq of the last message it covers.
	Summary           string
	SummarizedThrough int
	CreatedAt         time.Time
	UpdatedAt         time.Time // last activity
}

// Message is one turn.
type Message struct {
	ID             string
	ConversationID string
	Seq            int // 1, 2, ... in the conversation
	Role           Role
	Content        string
	Status         Status
	Provider       string
	Model          string
	Usage          llm.Usage
	Latency        time.Duration
	FinishReason   string
	CreatedAt      time.Time
}

// ValidateMessage checks a learner's message: not blank, not too long.
func ValidateMessage(text string) error {
	if strings.TrimSpace(text) == "" {
		return domain.NewValidationError("message", "is required")
	}
	if utf8.RuneCountInString(text) > MaxMessageRunes {
		return domain.NewPublicError(domain.ErrTooLarge, "payload_too_large", "the message is longer than 8000 characters")
	}
	if !utf8.ValidString(text) {
		return domain.NewValidationError("message", "must be valid UTF-8")
	}
	return nil
}

// TitleFrom makes a conversation's title from its first message: its first
// line, collapsed, cut at a word boundary to at most 60 characters. A rule,
// not a model call, so it never delays the reply.
func TitleFrom(first string) string {
	line := strings.TrimSpace(first)
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	line = strings.Join(strings.FieldsFunc(line, unicode.IsSpace), " ")
	line = strings.TrimLeft(line, "#>*-` ")
	if line == "" {
		return "New conversation"
	}
	const max = 60
	if utf8.RuneCountInString(line) <= max {
		return line
	}
	runes := []rune(line)[:max]
	cut := string(runes)
	if i := strings.LastIndex(cut, " "); i > 20 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:-") + "…"
}
