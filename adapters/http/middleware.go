package http

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"
)

// Keys of values kept in Fiber's per-request locals.
type localKey int

const (
	localRequestID localKey = iota
	localUserID
	localLogged
)

const headerRequestID = "X-Request-ID"

// requestID returns the current request's ID ("" before the middleware ran).
func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// SetUserID records the authenticated learner so the access log can name
// them. The auth middleware calls it.
func SetUserID(c *fiber.Ctx, id string) { c.Locals(localUserID, id) }

// saneRequestID accepts a client's ID only if it is short and plain, so it
// cannot be used to forge log lines or bloat headers.
func saneRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		ok := (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '_' || b == '.' || b == ':'
		if !ok {
			return false
		}
	}
	return true
}

func assignRequestID(c *fiber.Ctx) string {
	id := c.Get(headerRequestID)
	if saneRequestID(id) {
		// The header value lives in fasthttp's reused buffer: copy it.
		id = utils.CopyString(id)
	} else {
		id = newRequestID()
	}
	c.Locals(localRequestID, id)
	c.Set(headerRequestID, id)
	return id
}

func newRequestID() string {
	if u, err := uuid.NewV7(); err == nil {
		return u.String()
	}
	return uuid.NewString()
}

// requestIDAndLog is the outermost middleware: it gives the request an ID,
// renders any error the chain returns through the one error envelope, and
// writes exactly one access log line.
func requestIDAndLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		assignRequestID(c)
		err := c.Next()
		if err != nil {
			if rerr := renderError(c, err); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
		logAccess(c, log, start, err, true)
		c.Locals(localLogged, true)
		return nil
	}
}

// logAccess writes the access log line: method, route, status, duration,
// request id and the learner when known. 5xx are errors, 4xx warnings.
// routed says whether the router ran (it did not when fasthttp refused the
// request first, e.g. an oversized body).
func logAccess(c *fiber.Ctx, log *slog.Logger, start time.Time, err error, routed bool) {
	status := c.Response().StatusCode()
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	}
	ctx := context.Background()
	if !log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.String("route", matchedRoute(c, status, routed)),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
		slog.String("request_id", requestID(c)),
	)
	if uid, ok := c.Locals(localUserID).(string); ok && uid != "" {
		attrs = append(attrs, slog.String("user_id", uid))
	}
	if err != nil {
		var pe *panicError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.String("error", pe.Error()), slog.String("stack", string(pe.Stack)))
		} else {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	}
	log.LogAttrs(ctx, level, "http request", attrs...)
}

// matchedRoute is the route pattern ("/api/v1/exercises/:exercise_id"), or
// "" when no route matched, so unmatched paths do not explode cardinality.
func matchedRoute(c *fiber.Ctx, status int, routed bool) string {
	if !routed || status == fiber.StatusNotFound || status == fiber.StatusMethodNotAllowed {
		return ""
	}
	if r := c.Route(); r != nil {
		return r.Path
	}
	return ""
}

// recoverPanics turns a panic in a handler into a 500 through the envelope;
// the stack reaches the access log line and nowhere else.
func recoverPanics() fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = newPanicError(v)
			}
		}()
		return c.Next()
	}
}

// requestTimeout bounds each request's context: database, Redis and
// upstream calls made with c.UserContext() give up at the deadline. A route
// Go cannot stop a handler that ignores its context; every adapter here
// passes the context on, so work stops at the deadline.
func requestTimeout(d time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), d)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}

func corsMiddleware(origins []string, credentials bool) fiber.Handler {
	return cors.New(cors.Config{
		AllowOrigins:     strings.Join(origins, ","),
		AllowCredentials: credentials,
		AllowMethods:     "GET,POST,PUT,PATCH,DELETE,OPTIONS",
		AllowHeaders:     "Authorization,Content-Type,X-Request-ID,Last-Event-ID",
		ExposeHeaders:    "X-Request-ID,Retry-After",
		MaxAge:           600,
	})
}
