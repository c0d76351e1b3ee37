package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/llm"
)

// Error envelope, as fixed by the API contract:
// {"error": {"code", "message", "details": [{"field", "issue"}], "request_id"}}.
type errorEnvelope struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code      string        `json:"code"`
	Message   string        `json:"message"`
	Details   []errorDetail `json:"details"`
	RequestID string        `json:"request_id"`
}

type errorDetail struct {
	Field string `json:"field"`
	Issue string `json:"issue"`
}

// apiError is an error the HTTP layer itself raises (bad JSON, wrong
// content type...) with its status and code already decided.
type apiError struct {
	Status  int
	Code    string
	Message string
	Details []errorDetail
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// panicError wraps a recovered panic; its stack goes to the access log only.
type panicError struct {
	Value any
	Stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// statusCodes names the codes of statuses that Fiber or fasthttp raise.
var statusCodes = map[int]string{
	http.StatusBadRequest:                  "bad_request",
	http.StatusUnauthorized:                "unauthorized",
	http.StatusForbidden:                   "forbidden",
	http.StatusNotFound:                    "not_found",
	http.StatusMethodNotAllowed:            "method_not_allowed",
	http.StatusRequestTimeout:              "request_timeout",
	http.StatusConflict:                    "conflict",
	http.StatusRequestEntityTooLarge:       "payload_too_large",
	http.StatusUnsupportedMediaType:        "unsupported_media_type",
	http.StatusUnprocessableEntity:         "unprocessable",
	http.StatusTooManyRequests:             "rate_limited",
	http.StatusRequestHeaderFieldsTooLarge: "headers_too_large",
	http.StatusServiceUnavailable:          "upstream_unavailable",
	http.StatusGatewayTimeout:              "timeout",
}

// classified is what the one mapping table decides for an error.
type classified struct {
	status     int
	code       string
	message    string
	details    []errorDetail
	retryAfter time.Duration
}

// classify is the single table from errors to statuses and stable codes.
// Anything it does not know is a plain 500 with nothing internal in it.
func classify(err error) classified {
	var (
		api   *apiError
		llmE  *llm.Error
		pub   *domain.PublicError
		fe    *fiber.Error
		verr  *domain.ValidationError
		rl    *domain.RateLimitedError
		quota *domain.QuotaExceededError
		unpr  *domain.UnprocessableError
	)
	switch {
	case errors.As(err, &api):
		return classified{status: api.Status, code: api.Code, message: api.Message, details: api.Details}
	case errors.As(err, &llmE):
		return classifyLLM(llmE)
	case errors.As(err, &pub):
		cl := classify(pub.Kind)
		cl.message = pub.Msg
		if pub.Code != "" {
			cl.code = pub.Code
		}
		return cl
	case errors.As(err, &verr):
		details := make([]errorDetail, 0, len(verr.Issues))
		for _, i := range verr.Issues {
			details = append(details, errorDetail{Field: i.Field, Issue: i.Issue})
		}
		return classified{status: http.StatusBadRequest, code: "validation_failed", message: "the request is not valid", details: details}
	case errors.As(err, &unpr):
		details := make([]errorDetail, 0, len(unpr.Issues))
		for _, i := range unpr.Issues {
			details = append(details, errorDetail{Field: i.Field, Issue: i.Issue})
		}
		return classified{status: http.StatusUnprocessableEntity, code: unpr.Code, message: unpr.Msg, details: details}
	case errors.As(err, &rl):
		msg := "too many requests, slow down"
		if rl.Public && rl.Reason != "" {
			msg = rl.Reason
		}
		return classified{status: http.StatusTooManyRequests, code: "rate_limited", message: msg, retryAfter: rl.RetryAfter}
	case errors.As(err, &quota):
		return classified{status: http.StatusTooManyRequests, code: "quota_exceeded", message: "your quota is used up until it resets", retryAfter: time.Until(quota.ResetAt)}
	case errors.Is(err, domain.ErrNotFound):
		return classified{status: http.StatusNotFound, code: "not_found", message: "not found"}
	case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrInvalidTransition):
		return classified{status: http.StatusConflict, code: "conflict", message: conflictMessage(err)}
	case errors.Is(err, domain.ErrTooLarge):
		return classified{status: http.StatusRequestEntityTooLarge, code: "payload_too_large", message: "the request is too large"}
	case errors.Is(err, domain.ErrUnauthorized):
		return classified{status: http.StatusUnauthorized, code: "unauthorized", message: "authentication required"}
	case errors.Is(err, domain.ErrForbidden):
		return classified{status: http.StatusForbidden, code: "forbidden", message: "not allowed"}
	case errors.Is(err, domain.ErrInvalidInput):
		return classified{status: http.StatusBadRequest, code: "bad_request", message: "the request cannot be acted on"}
	case errors.Is(err, domain.ErrUnavailable):
		return classified{status: http.StatusServiceUnavailable, code: "upstream_unavailable", message: "a service we depend on is unavailable, try again later"}
	case errors.Is(err, context.DeadlineExceeded):
		return classified{status: http.StatusGatewayTimeout, code: "timeout", message: "the request took too long"}
	case errors.As(err, &fe):
		code, ok := statusCodes[fe.Code]
		if !ok {
			if fe.Code >= 500 {
				return internalError()
			}
			code = "bad_request"
		}
		return classified{status: fe.Code, code: code, message: fe.Message}
	}
	return internalError()
}

// classifyLLM maps a model call's failure. What the learner can act on is
// said plainly; our own mistakes (an invalid request) are a 500.
func classifyLLM(e *llm.Error) classified {
	switch e.Kind {
	case llm.ErrNotConfigured:
		return classified{status: http.StatusServiceUnavailable, code: "upstream_unavailable",
			message: "no LLM provider is configured on this server, so AI features are off"}
	case llm.ErrRateLimited:
		return classified{status: http.StatusServiceUnavailable, code: "upstream_unavailable",
			message: "the AI provider is busy, try again shortly", retryAfter: e.RetryAfter}
	case llm.ErrUnavailable, llm.ErrAuth:
		return classified{status: http.StatusServiceUnavailable, code: "upstream_unavailable",
			message: "the AI provider is unavailable, try again later"}
	case llm.ErrContextTooLong:
		// 413 like the window's own refusal (domain/chat.Fit): the same
		// code, whichever side counted first.
		return classified{status: http.StatusRequestEntityTooLarge, code: "context_too_long",
			message: "this is too long for the AI model; shorten it and try again"}
	case llm.ErrContentFiltered:
		return classified{status: http.StatusUnprocessableEntity, code: "content_filtered",
			message: "the AI provider declined to answer this"}
	case llm.ErrCanceled:
		return classified{status: http.StatusServiceUnavailable, code: "upstream_unavailable", message: "the request was cancelled"}
	}
	return internalError()
}

func internalError() classified {
	return classified{status: http.StatusInternalServerError, code: "internal", message: "something went wrong on our side; the request id helps us find it"}
}

func conflictMessage(err error) string {
	if errors.Is(err, domain.ErrInvalidTransition) {
		return "that action is not possible in the resource's current state"
	}
	return "this conflicts with the current state of the resource"
}

// renderError writes the envelope for err. It never fails the request
// further: a write error is returned for fasthttp to drop the connection.
func renderError(c *fiber.Ctx, err error) error {
	cl := classify(err)
	if cl.status == http.StatusMethodNotAllowed {
		if allow := allowedMethods(c); allow != "" {
			c.Set(fiber.HeaderAllow, allow)
		}
	}
	if cl.status == http.StatusNotFound && cl.message == "" {
		cl.message = "not found"
	}
	if cl.retryAfter > 0 || cl.status == http.StatusTooManyRequests {
		secs := int((cl.retryAfter + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	}
	details := cl.details
	if details == nil {
		details = []errorDetail{}
	}
	// Drop whatever a failing handler may have half-written.
	c.Response().ResetBody()
	return writeJSON(c.Status(cl.status), errorEnvelope{Error: errorBody{
		Code: cl.code, Message: cl.message, Details: details, RequestID: requestID(c),
	}})
}

// errorHandler is Fiber's ErrorHandler. The middleware chain renders and logs
// handler errors itself; this runs for failures fasthttp raises before any
// middleware (oversized body, header overflow, read timeouts), so it makes
// sure such a request also gets an ID, the envelope and one log line.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		now := time.Now()
		if _, ok := c.Locals(localRequestID).(string); !ok {
			assignRequestID(c, now)
		}
		rerr := renderError(c, err)
		if c.Locals(localLogged) == nil {
			logAccess(c, log, now, err, false)
		}
		return rerr
	}
}

// writeJSON answers v as JSON with the contract's content type.
func writeJSON(c *fiber.Ctx, v any) error {
	return c.JSON(v, fiber.MIMEApplicationJSONCharsetUTF8)
}

func newPanicError(v any) *panicError {
	return &panicError{Value: v, Stack: debug.Stack()}
}
