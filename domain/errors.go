package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors shared by every area. Adapters translate their own
// failures into these (pgx.ErrNoRows -> ErrNotFound, unique violation ->
// ErrConflict) and the HTTP adapter maps them to status codes in one table.
var (
	ErrNotFound          = errors.New("not found")
	ErrConflict          = errors.New("conflict")
	ErrInvalidTransition = errors.New("invalid transition")
	ErrForbidden         = errors.New("forbidden")
	ErrUnauthorized      = errors.New("unauthorized")
	ErrUnavailable       = errors.New("unavailable")
	// ErrInvalidInput is a request that cannot be acted on for a reason
	// that is not a field's format (an unknown or used token, say).
	ErrInvalidInput = errors.New("invalid input")
	// ErrTooLarge is an input over a size limit (a submission's code).
	ErrTooLarge = errors.New("too large")
)

// UnprocessableError is a well-formed request whose content could not be
// accepted (a generated exercise that failed its checks): it carries every
// reason, each as a field issue.
type UnprocessableError struct {
	Code   string
	Msg    string
	Issues []FieldIssue
}

func (e *UnprocessableError) Error() string {
	parts := make([]string, 0, len(e.Issues))
	for _, i := range e.Issues {
		parts = append(parts, i.Field+": "+i.Issue)
	}
	return e.Msg + ": " + strings.Join(parts, "; ")
}

// PublicError is an error whose message is written for the learner and
// may be shown as is. Kind is the sentinel that decides its class (and so
// its HTTP status); Code is a stable word a client can switch on.
type PublicError struct {
	Kind error
	Code string
	Msg  string
}

// NewPublicError builds a PublicError.
func NewPublicError(kind error, code, msg string) *PublicError {
	return &PublicError{Kind: kind, Code: code, Msg: msg}
}

func (e *PublicError) Error() string { return e.Msg }
func (e *PublicError) Unwrap() error { return e.Kind }

// FieldIssue names one invalid input field and what is wrong with it.
type FieldIssue struct {
	Field string
	Issue string
}

// ValidationError carries every field problem found at once, so a client can
// show them all instead of fixing one per round trip.
type ValidationError struct {
	Issues []FieldIssue
}

// NewValidationError builds a ValidationError for a single field.
func NewValidationError(field, issue string) *ValidationError {
	return &ValidationError{Issues: []FieldIssue{{Field: field, Issue: issue}}}
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Issues))
	for _, i := range e.Issues {
		parts = append(parts, i.Field+": "+i.Issue)
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Add appends a field issue; it returns the receiver for chaining.
func (e *ValidationError) Add(field, issue string) *ValidationError {
	e.Issues = append(e.Issues, FieldIssue{Field: field, Issue: issue})
	return e
}

// OrNil returns nil when no issue was recorded, so callers can collect issues
// and return the result unconditionally.
func (e *ValidationError) OrNil() error {
	if e == nil || len(e.Issues) == 0 {
		return nil
	}
	return e
}

// RateLimitedError says a caller must wait before trying again.
type RateLimitedError struct {
	RetryAfter time.Duration
	Reason     string
	// Public marks Reason as written for the learner (shown as the error's
	// message); otherwise it is for logs only.
	Public bool
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited: %s (retry after %s)", e.Reason, e.RetryAfter)
}

// QuotaExceededError says a learner's quota is spent until ResetAt.
type QuotaExceededError struct {
	ResetAt time.Time
	Quota   string
}

func (e *QuotaExceededError) Error() string {
	return fmt.Sprintf("quota %s exceeded until %s", e.Quota, e.ResetAt.UTC().Format(time.RFC3339))
}
