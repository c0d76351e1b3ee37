package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	httpadapter "github.com/codementor/codementor/adapters/http"
	"github.com/codementor/codementor/application/health"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

// --- fakes and helpers -------------------------------------------------------

type fakeClock struct{ now time.Time }

func (c fakeClock) Now() time.Time { return c.now }

type fakePinger struct {
	name string
	err  error
	// block makes Ping wait for its context, like a hung dependency.
	block bool
}

func (p fakePinger) Name() string { return p.name }
func (p fakePinger) Ping(ctx context.Context) error {
	if p.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return p.err
}

// syncBuffer is a log sink safe for the concurrent writes of a server.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records decodes every JSON log line written so far.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

// testApp serves the app on a real loopback socket, as in production:
// fasthttp refuses some requests (oversized bodies) before Fiber sees them.
type testApp struct {
	app  *fiber.App
	logs *syncBuffer
	base string
	fx   *accounttest.Fixture
}

type appConfig struct {
	opts    httpadapter.Options
	pingers []fakePinger
	extra   func(fiber.Router)
}

func defaultOptions() httpadapter.Options {
	return httpadapter.Options{
		BodyLimit: 1024, RequestTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second,
		WriteTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second,
		CORSOrigins: []string{"https://app.codementor.test"}, CORSCredentials: true,
	}
}

func newTestApp(t *testing.T, mutate ...func(*appConfig)) testApp {
	t.Helper()
	cfg := appConfig{opts: defaultOptions(), pingers: []fakePinger{{name: "postgres"}, {name: "redis"}}}
	for _, m := range mutate {
		m(&cfg)
	}
	pingers := make([]ports.Pinger, 0, len(cfg.pingers))
	for _, p := range cfg.pingers {
		pingers = append(pingers, p)
	}
	svc, err := health.NewService(pingers, []health.Component{{Name: "llm", Status: "not configured"}},
		100*time.Millisecond, fakeClock{now: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}, "test")
	require.NoError(t, err)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var extra []func(fiber.Router)
	if cfg.extra != nil {
		extra = append(extra, cfg.extra)
	}
	fx := accounttest.New(t)
	app, err := httpadapter.NewApp(cfg.opts, httpadapter.Deps{Health: svc, Accounts: fx.Service, AI: fx.AI, Exercises: fx.Exercises(t), Tutor: fx.Tutor(t), Reviews: fx.Reviews(t), Tokens: fx.Issuer, Logger: log}, extra...)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return testApp{app: app, logs: logs, base: "http://" + ln.Addr().String(), fx: fx}
}

type response struct {
	status int
	header nethttp.Header
	body   []byte
}

func (r response) envelope(t *testing.T) map[string]any {
	t.Helper()
	var env struct {
		Error map[string]any `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.body, &env), string(r.body))
	require.NotNil(t, env.Error, string(r.body))
	return env.Error
}

var client = &nethttp.Client{Timeout: 10 * time.Second}

func (a testApp) do(t *testing.T, req *nethttp.Request) response {
	t.Helper()
	u, err := url.Parse(a.base + req.URL.RequestURI())
	require.NoError(t, err)
	req.URL = u
	req.Host = u.Host
	req.RequestURI = ""
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func request(method, path, contentType, body string) *nethttp.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// --- test routes mounted behind the real middleware chain ---------------------

type echoInput struct {
	Name  string `json:"name" validate:"required,max=20"`
	Count int    `json:"count" validate:"min=0,max=10"`
}

var errSecret = errors.New("pq: password authentication failed for user \"admin\" at 10.0.0.5")

func testRoutes(r fiber.Router) {
	r.Post("/test/echo", func(c *fiber.Ctx) error {
		var in echoInput
		if err := httpadapter.BindJSON(c, &in); err != nil {
			return err
		}
		return c.JSON(in)
	})
	r.Get("/test/panic", func(c *fiber.Ctx) error { panic("secret panic value 0xdeadbeef") })
	r.Get("/test/err/:kind", func(c *fiber.Ctx) error {
		switch c.Params("kind") {
		case "notfound":
			return fmt.Errorf("load exercise: %w", domain.ErrNotFound)
		case "conflict":
			return domain.ErrConflict
		case "forbidden":
			return domain.ErrForbidden
		case "unauthorized":
			return domain.ErrUnauthorized
		case "ratelimited":
			return &domain.RateLimitedError{RetryAfter: 1500 * time.Millisecond, Reason: "login"}
		case "quota":
			return &domain.QuotaExceededError{ResetAt: time.Now().Add(90 * time.Second), Quota: "tokens"}
		case "validation":
			return domain.NewValidationError("email", "must be a valid email address")
		case "unavailable":
			return fmt.Errorf("llm: %w", domain.ErrUnavailable)
		case "llm-offline":
			return fmt.Errorf("hint: %w", llm.NotConfigured)
		case "llm-busy":
			return &llm.Error{Kind: llm.ErrRateLimited, Provider: "openai", RetryAfter: 4 * time.Second}
		case "llm-too-long":
			return &llm.Error{Kind: llm.ErrContextTooLong, Provider: "anthropic"}
		case "llm-invalid":
			return &llm.Error{Kind: llm.ErrInvalidRequest, Provider: "openai", Msg: "secret prompt text"}
		}
		return errSecret
	})
	r.Get("/test/slow", func(c *fiber.Ctx) error {
		select {
		case <-c.UserContext().Done():
			return c.UserContext().Err()
		case <-time.After(3 * time.Second):
			return c.SendString("late")
		}
	})
}

func withTestRoutes(c *appConfig) { c.extra = testRoutes }
