package http

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/utils"
)

// Keys of values kept in Fiber's per-request locals.
type localKey int

const (
	localRequestID localKey = iota
	localUserID
	localLogged
	localNotedError
	localRole
)

// noteError records an error a handler handled itself (an OAuth callback
// answers with a redirect, not the envelope) so the access log shows it.
func noteError(c *fiber.Ctx, err error) { c.Locals(localNotedError, err) }

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

func assignRequestID(c *fiber.Ctx, now time.Time) string {
	id := c.Get(headerRequestID)
	if saneRequestID(id) {
		// The header value lives in fasthttp's reused buffer: copy it.
		id = utils.CopyString(id)
	} else {
		id = newRequestID(now)
	}
	c.Locals(localRequestID, id)
	c.Set(headerRequestID, id)
	return id
}

// newRequestID makes a UUIDv7 (time-ordered, so logs sort by it) from a
// fast non-cryptographic source: request IDs are labels, not secrets, and
// this runs on every request.
func newRequestID(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(now.UnixMilli())<<16|uint64(rand.Uint32()&0x0fff|0x7000))
	binary.BigEndian.PutUint64(b[8:16], rand.Uint64()&0x3fffffffffffffff|0x8000000000000000)
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// requestScope is the outermost middleware. It gives the request an ID and
// a deadline (database, Redis and upstream calls made with c.UserContext()
// give up at it; Go cannot stop a handler that ignores its context, and
// every adapter here passes it on), recovers panics, renders any error the
// chain returns through the one error envelope, and writes exactly one
// access log line.
// One middleware does all three so the clock is read twice per request,
// not once for each.
func requestScope(log *slog.Logger, timeout time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		assignRequestID(c, start)
		ctx := newLazyDeadline(c.UserContext(), start, timeout)
		defer ctx.release()
		c.SetUserContext(ctx)

		err := nextRecovering(c)
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
	h := log.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	end := time.Now()
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.String("route", matchedRoute(c, status, routed)),
		slog.Int("status", status),
		slog.Duration("duration", end.Sub(start)),
		slog.String("request_id", requestID(c)),
	)
	if uid, ok := c.Locals(localUserID).(string); ok && uid != "" {
		attrs = append(attrs, slog.String("user_id", uid))
	}
	if err == nil {
		err, _ = c.Locals(localNotedError).(error)
	}
	if err != nil {
		var pe *panicError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.String("error", pe.Error()), slog.String("stack", string(pe.Stack)))
		} else {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	}
	// Straight to the handler: Logger.LogAttrs would also walk the stack
	// for a source location the access log does not use.
	r := slog.NewRecord(end, level, "http request", 0)
	r.AddAttrs(attrs...)
	_ = h.Handle(ctx, r)
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

// nextRecovering runs the rest of the chain and turns a panic into an error
// (a 500 through the envelope); the stack reaches the access log line and
// nowhere else.
func nextRecovering(c *fiber.Ctx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	return c.Next()
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
