package http

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/codementor/codementor/application/health"
	"github.com/codementor/codementor/test/accounttest"
)

// benchHealth is a HealthService that touches nothing: the live route does
// not call it, NewApp only requires one.
type benchHealth struct{}

func (benchHealth) CheckReadiness(context.Context) health.Readiness {
	return health.Readiness{Ready: true}
}

func (benchHealth) Summarize() health.Summary {
	return health.Summary{Version: "bench", Now: time.Now()}
}

const benchLivePath = BasePath + "/health/live"

// benchServe drives h with one reused RequestCtx for GET /api/v1/health/live
// and fails the benchmark if the answer is not 200. Between requests it
// resets what fasthttp's server resets on a keep-alive connection: the
// response and the user values. The latter matters: Fiber keeps the user
// context there, and without the reset each request would wrap the previous
// one's timeout context, a chain that grows with b.N.
func benchServe(b *testing.B, h fasthttp.RequestHandler) {
	b.Helper()
	var rc fasthttp.RequestCtx
	rc.Request.Header.SetMethod(fasthttp.MethodGet)
	rc.Request.SetRequestURI(benchLivePath)

	// One request outside the timer checks the route answers as expected.
	h(&rc)
	rc.ResetUserValues()
	if got := rc.Response.StatusCode(); got != fiber.StatusOK {
		b.Fatalf("GET %s: status %d, want 200 (body %q)", benchLivePath, got, rc.Response.Body())
	}
	rc.Response.Reset()

	b.ReportAllocs()
	for b.Loop() {
		h(&rc)
		rc.ResetUserValues()
		rc.Response.Reset()
	}
}

// BenchmarkLiveFullChain measures the real app: request ID, access log
// (JSON, to io.Discard), recover, CORS and request timeout, then the handler.
func BenchmarkLiveFullChain(b *testing.B) {
	fx := accounttest.New(b)
	app, err := NewApp(Options{
		BodyLimit:       1 << 20,
		RequestTimeout:  30 * time.Second,
		ReadTimeout:     15 * time.Second,
		WriteTimeout:    30 * time.Second,
		IdleTimeout:     120 * time.Second,
		CORSOrigins:     []string{"http://localhost:3000"},
		CORSCredentials: true,
	}, Deps{
		Health:   benchHealth{},
		Accounts: fx.Service, AI: fx.AI, Exercises: fx.Exercises(b), Tutor: fx.Tutor(b), Reviews: fx.Reviews(b),
		Tokens: fx.Issuer,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		b.Fatal(err)
	}
	benchServe(b, app.Handler())
}

// BenchmarkLiveBare is the baseline: the same answer from a Fiber app with
// no middleware, encoded the same way.
func BenchmarkLiveBare(b *testing.B) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get(benchLivePath, func(c *fiber.Ctx) error {
		return writeJSON(c, liveOK)
	})
	benchServe(b, app.Handler())
}
