package openai

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/codementor/codementor/domain/llm"
)

// classify turns what the SDK returned into an *llm.Error. ctx is the
// caller's context (not the one with our timeout), so a cancellation by the
// caller tells apart from a timeout of ours. what names the stage for the
// message ("" for a whole call).
func (p *Provider) classify(ctx context.Context, err error, what string) *llm.Error {
	prefix := ""
	if what != "" {
		prefix = what + ": "
	}
	if isCanceled(ctx) {
		return p.errorf(llm.ErrCanceled, context.Canceled, "%scanceled by the caller", prefix)
	}
	var apiErr *oai.Error
	if errors.As(err, &apiErr) {
		return p.fromAPIError(apiErr)
	}
	var streamErr *ssestream.StreamError
	if errors.As(err, &streamErr) {
		return p.fromStreamError(streamErr)
	}
	cause := transportCause(err)
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return p.errorf(llm.ErrUnavailable, cause, "%stimed out", prefix)
	case errors.Is(err, syscall.ECONNREFUSED):
		return p.errorf(llm.ErrUnavailable, cause, "%sconnection refused", prefix)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		return p.errorf(llm.ErrUnavailable, cause, "%sconnection closed by the server", prefix)
	case errors.As(err, new(*json.SyntaxError)) || errors.As(err, new(*json.UnmarshalTypeError)):
		return p.errorf(llm.ErrUnavailable, cause, "%sthe server's answer is not valid JSON", prefix)
	}
	return p.errorf(llm.ErrUnavailable, cause, "%srequest failed", prefix)
}

// transportCause keeps an error worth unwrapping to, minus the URL a
// *url.Error would print (a base URL may carry credentials).
func transportCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// fromAPIError classifies an HTTP error answer.
func (p *Provider) fromAPIError(e *oai.Error) *llm.Error {
	// Keep the SDK's error for errors.As (status, code, type, raw body) but
	// drop the request it holds: its headers carry the API key.
	kept := *e
	kept.Request, kept.Response = nil, nil
	out := p.errorf(kindOf(e), &kept, "%s", describe("the server answered with an error", e))
	out.Status = e.StatusCode
	if out.Kind == llm.ErrRateLimited && e.Response != nil {
		out.RetryAfter = retryAfter(e.Response.Header, time.Now())
	}
	return out
}

func kindOf(e *oai.Error) llm.ErrorKind {
	code, typ := strings.ToLower(e.Code), strings.ToLower(e.Type)
	switch {
	case code == "insufficient_quota" || e.StatusCode == http.StatusPaymentRequired:
		// Out of credit (OpenAI sends it as a 429, OpenRouter as a 402):
		// retrying later will not help, the account needs fixing, as with a
		// bad key.
		return llm.ErrAuth
	case e.StatusCode == http.StatusTooManyRequests:
		return llm.ErrRateLimited
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return llm.ErrAuth
	case e.StatusCode == http.StatusRequestTimeout || e.StatusCode == http.StatusConflict || e.StatusCode >= 500:
		return llm.ErrUnavailable
	case code == "content_filter" || code == "content_policy_violation":
		return llm.ErrContentFiltered
	case contextTooLong(e.StatusCode, code, typ, e.Message):
		return llm.ErrContextTooLong
	}
	return llm.ErrInvalidRequest
}

// contextTooLong recognizes an over-long prompt: OpenAI's code, llama.cpp's
// type, vLLM's and others' wording, or a 413.
func contextTooLong(status int, code, typ, msg string) bool {
	if status == http.StatusRequestEntityTooLarge || code == "context_length_exceeded" || typ == "exceed_context_size_error" {
		return true
	}
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "maximum context length") || strings.Contains(msg, "context length exceeded") ||
		strings.Contains(msg, "exceeds the available context size")
}

var token = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,64}$`)

// describe names the failure by the server's type and code, which are short
// identifiers, never by its message: a server may quote the request (the
// prompt) or the key in it.
func describe(what string, e *oai.Error) string {
	var ids []string
	for _, s := range []string{e.Type, e.Code} {
		if token.MatchString(s) {
			ids = append(ids, s)
		}
	}
	if len(ids) == 0 {
		return what
	}
	return what + " (" + strings.Join(ids, ", ") + ")"
}

// fromStreamError classifies an error event inside a stream that began
// well (OpenRouter and others report upstream failures this way).
func (p *Provider) fromStreamError(se *ssestream.StreamError) *llm.Error {
	var body struct {
		Error struct {
			Code    json.RawMessage `json:"code"`
			Type    string          `json:"type"`
			Message string          `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(se.Event.Data, &body)
	code := strings.Trim(string(body.Error.Code), `"`)
	status, _ := strconv.Atoi(code) // some servers put an HTTP status there
	e := &oai.Error{StatusCode: status, Code: code, Type: body.Error.Type, Message: body.Error.Message}
	kind := kindOf(e)
	if status == 0 && kind == llm.ErrInvalidRequest {
		// A failure after the server accepted the request is its own.
		kind = llm.ErrUnavailable
	}
	return p.errorf(kind, nil, "%s", describe("error event mid-stream", e))
}

// retryAfter reads how long the server asks to wait: retry-after-ms
// (OpenAI's, milliseconds), else retry-after in seconds or as an HTTP date.
// Zero when it said nothing usable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e10 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 && s < 1e7 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
