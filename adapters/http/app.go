// Package http is the driving adapter: a Fiber v2 app that decodes requests,
// calls one use case each, and renders responses and the error envelope.
package http

import (
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/ports"
)

// idleWorkerDuration is how long an idle connection worker is kept.
const idleWorkerDuration = 2 * time.Second

// BasePath prefixes every API route.
const BasePath = "/api/v1"

// Options are the HTTP settings, mapped from config by cmd.
type Options struct {
	BodyLimit       int
	RequestTimeout  time.Duration
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	IdleTimeout     time.Duration
	CORSOrigins     []string
	CORSCredentials bool
	// CookieSecure marks auth cookies Secure (leave on outside local HTTP).
	CookieSecure bool
	// FrontendURL is where OAuth sign-in sends the browser back to.
	FrontendURL string
	// TrustedProxies (IPs or CIDRs) may set X-Forwarded-For; the client IP
	// used for rate limits comes from it only when the peer is one of them.
	TrustedProxies []string
	// SSEHeartbeat is the idle interval of streams' heartbeat comments
	// (default 15s).
	SSEHeartbeat time.Duration
}

// Deps are the use cases the handlers call.
type Deps struct {
	Health    HealthService
	Accounts  Accounts
	AI        AIUsage
	Exercises Exercises
	Tutor     Tutor
	Reviews   Reviews
	Tokens    ports.TokenIssuer
	Logger    *slog.Logger
}

// NewApp builds the Fiber app with its middleware chain and every route.
// extra lets tests mount routes of their own behind the same chain.
func NewApp(opts Options, deps Deps, extra ...func(fiber.Router)) (*fiber.App, error) {
	if deps.Health == nil || deps.Logger == nil || deps.Accounts == nil || deps.Tokens == nil || deps.AI == nil ||
		deps.Exercises == nil || deps.Tutor == nil || deps.Reviews == nil {
		return nil, errors.New("http: Health, Accounts, AI, Exercises, Tutor, Reviews, Tokens and Logger are required")
	}
	if opts.BodyLimit <= 0 || opts.RequestTimeout <= 0 {
		return nil, errors.New("http: BodyLimit and RequestTimeout must be positive")
	}
	docs, err := newDocsHandlers()
	if err != nil {
		return nil, err
	}
	cfg := fiber.Config{
		AppName:               "codementor",
		DisableStartupMessage: true,
		BodyLimit:             opts.BodyLimit,
		ReadTimeout:           opts.ReadTimeout,
		WriteTimeout:          opts.WriteTimeout,
		IdleTimeout:           opts.IdleTimeout,
		// A connection's write buffer lives as long as it does, a chat
		// stream's length at least, and events are a few hundred bytes:
		// 1 KiB instead of 4 KiB (a larger write passes through as is).
		WriteBufferSize: 1 << 10,
		ErrorHandler:    errorHandler(deps.Logger),
	}
	if len(opts.TrustedProxies) > 0 {
		cfg.EnableTrustedProxyCheck = true
		cfg.TrustedProxies = opts.TrustedProxies
		cfg.ProxyHeader = fiber.HeaderXForwardedFor
	}
	app := fiber.New(cfg)
	// fasthttp keeps an idle worker goroutine per past connection for
	// MaxIdleWorkerDuration (10 s by default): after a burst of streams that
	// held thousands of connections, give them back within a few seconds.
	app.Server().MaxIdleWorkerDuration = idleWorkerDuration
	// A chat stream's connection is handed over to the stream (hijackSSE),
	// which closes it at the end.
	app.Server().KeepHijackedConns = true
	// Order matters: the outermost middleware sees every error, including
	// panics recovered inside and the router's own 404/405.
	app.Use(requestScope(deps.Logger, opts.RequestTimeout))
	app.Use(corsMiddleware(opts.CORSOrigins, opts.CORSCredentials))

	app.Get("/openapi.json", docs.spec)
	app.Get("/docs", docs.index)
	app.Get("/docs/:asset", docs.asset)

	api := app.Group(BasePath)
	hh := healthHandlers{svc: deps.Health, log: deps.Logger}
	api.Get("/health/", hh.summary)
	api.Get("/health/live", hh.live)
	api.Get("/health/ready", hh.ready)

	auth := requireAuth(deps.Tokens)
	ah := authHandlers{accounts: deps.Accounts, cookieSecure: opts.CookieSecure, frontendURL: opts.FrontendURL, now: time.Now}
	api.Post("/auth/register", ah.register)
	api.Post("/auth/login", ah.login)
	api.Post("/auth/refresh", ah.refresh)
	api.Post("/auth/logout", auth, ah.logout)
	api.Post("/auth/verify-email", optionalAuth(deps.Tokens), ah.verifyEmail)
	api.Post("/auth/verify-email/resend", auth, ah.resendVerification)
	api.Post("/auth/password-reset", ah.requestPasswordReset)
	api.Post("/auth/password-reset/confirm", ah.confirmPasswordReset)
	for _, provider := range []string{"github", "google"} {
		api.Get("/auth/oauth/"+provider, ah.oauthStart(provider))
		api.Get("/auth/oauth/"+provider+"/callback", ah.oauthCallback(provider))
	}

	uh := usersHandlers{accounts: deps.Accounts}
	users := api.Group("/users", auth)
	users.Get("/me", uh.me)
	users.Put("/me", uh.updateMe)
	users.Put("/me/password", uh.changePassword)
	users.Get("/me/profile", uh.profile)
	users.Get("/me/preferences", uh.preferences)
	users.Put("/me/preferences", uh.updatePreferences)
	eh := exerciseHandlers{svc: deps.Exercises}
	users.Get("/me/progress", eh.progress)
	users.Get("/me/achievements", eh.achievements)
	users.Get("/me/usage", usageHandlers{ai: deps.AI}.usage)
	users.Post("/onboarding", uh.onboard)

	api.Get("/exercises", auth, eh.list)
	ex := api.Group("/exercises", auth)
	ex.Get("/daily", eh.daily)
	ex.Get("/history", eh.history)
	ex.Post("/generate", eh.generate)
	ex.Get("/:exercise_id", eh.get)
	ex.Post("/:exercise_id/submit", eh.submit)
	ex.Post("/:exercise_id/hint", eh.hint)
	ex.Post("/:exercise_id/complete", eh.complete)
	ex.Post("/:exercise_id/skip", eh.skip)

	// Once the server has shut down (chat answers still draining), a
	// stream that ends closes its connection instead of serving more.
	stopped := new(atomic.Bool)
	app.Hooks().OnShutdown(func() error { stopped.Store(true); return nil })
	ch := chatHandlers{svc: deps.Tutor, heartbeat: opts.SSEHeartbeat, stopped: stopped}
	chatGroup := api.Group("/chat", auth)
	chatGroup.Post("/message", ch.message)
	chatGroup.Post("/stream", ch.stream)
	chatGroup.Get("/conversations", ch.list)
	chatGroup.Get("/conversations/:id", ch.get)
	chatGroup.Delete("/conversations/:id", ch.delete)
	chatGroup.Get("/conversations/:id/stream", ch.resume)

	gh := githubHandlers{svc: deps.Reviews}
	githubGroup := api.Group("/github", auth)
	githubGroup.Get("/connect", gh.connect)
	githubGroup.Post("/repositories", gh.link)
	githubGroup.Get("/repositories", gh.list)
	githubGroup.Delete("/repositories/:id", gh.unlink)
	githubGroup.Post("/repositories/:id/review", gh.requestReview)
	githubGroup.Get("/repositories/:id/reviews", gh.listReviews)
	githubGroup.Get("/repositories/:id/reviews/:review_id", gh.getReview)

	for _, mount := range extra {
		mount(app)
	}
	return app, nil
}

// allowedMethods lists the methods the request's path does answer to, for
// the Allow header a 405 must carry. 405s are rare: scanning the routes
// each time is cheaper than keeping an index in step with them.
func allowedMethods(c *fiber.Ctx) string {
	path := splitPath(c.Path())
	set := map[string]bool{}
	for _, r := range c.App().GetRoutes(true) {
		if matchSegments(splitPath(r.Path), path) {
			set[r.Method] = true
		}
	}
	methods := make([]string, 0, len(set))
	for m := range set {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	return strings.Join(methods, ", ")
}

func splitPath(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
}

func matchSegments(pattern, path []string) bool {
	for i, seg := range pattern {
		if seg == "*" {
			return true
		}
		if i >= len(path) {
			return strings.HasSuffix(seg, "?")
		}
		if !strings.HasPrefix(seg, ":") && seg != path[i] {
			return false
		}
	}
	return len(pattern) == len(path)
}
