// Package router is the ports.LLM the use cases call: it sends each request
// to the ordered provider+model targets configured for its purpose, retries
// transient failures with backoff, falls back to the next target, and keeps a
// circuit breaker per provider so one that keeps failing is skipped for a
// while. The provider adapters never retry; this is the only retry layer, so
// retries do not multiply.
//
// Decisions worth knowing:
//   - A caller-pinned req.Model restricts the route to its targets serving that
//     model (any provider); when none does, the route's first provider gets the
//     pinned model and there is no fallback, since model names are provider
//     specific and another model is not what was asked for.
//   - Rate limits, 5xx, timeouts and connection failures are retried on the
//     same target (up to MaxAttempts) and then fall to the next target. An auth
//     failure is not retried but falls to the next target at once: a bad key
//     on one provider should not stop service. Every other failure (invalid
//     request, context too long, content filtered, canceled) returns at once.
//   - The breakers count only infrastructure failures (rate limited,
//     unavailable, auth). Invalid requests, content refusals and cancellations
//     count neither way; answers count as successes.
//   - A stream commits once its first event arrives; failures before that fall
//     back like Complete, failures after it reach the caller as they are. Its
//     breaker outcome is recorded when it ends: done or io.EOF is a success, an
//     infrastructure error midway a failure (so a provider that keeps dropping
//     streams midway trips its breaker), and a Close before the end counts
//     neither way. Callers must Close every stream (ports.Stream says so):
//     a half-open breaker waits for its probe's outcome.
package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/sony/gobreaker/v2"

	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

var _ ports.LLM = (*Router)(nil)

// Target is one provider and the model to ask of it.
type Target struct {
	Provider string
	Model    string
}

// BreakerOptions configures the circuit breaker kept for each provider.
type BreakerOptions struct {
	// ConsecutiveFailures opens the breaker (default 5).
	ConsecutiveFailures uint32
	// OpenFor is how long an open breaker skips its provider before letting
	// probes through (default 30s).
	OpenFor time.Duration
	// HalfOpenProbes is how many probes may run at once while half-open, and
	// how many must succeed to close it again (default 1).
	HalfOpenProbes uint32
}

// Options configures a Router. Zero durations and counts take the defaults.
type Options struct {
	// Providers by name; each key must equal the provider's Name(). None
	// at all means offline mode.
	Providers map[string]ports.LLMProvider
	// Routes are the ordered targets for each purpose.
	Routes map[llm.Purpose][]Target
	// DefaultRoute serves purposes without a route. When it is empty, every
	// purpose needs a route.
	DefaultRoute []Target
	// MaxAttempts per target: the first try plus retries (default 2).
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the retry wait: a random duration in
	// [0, min(BaseBackoff*2^n, MaxBackoff)] before retry n+1 (defaults 250ms, 5s).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// MaxRetryAfter is the longest Retry-After the router waits for; a longer
	// one moves to the next target at once (default 10s).
	MaxRetryAfter time.Duration
	Breaker       BreakerOptions
	// Sleep waits d or until ctx ends (then it returns ctx.Err()). Tests
	// inject it; the default uses a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for the elapsed times in the logs (default time.Now).
	// The breakers use the wall clock: gobreaker has no clock to inject.
	Now    func() time.Time
	Logger *slog.Logger
}

const (
	defaultMaxAttempts         = 2
	defaultBaseBackoff         = 250 * time.Millisecond
	defaultMaxBackoff          = 5 * time.Second
	defaultMaxRetryAfter       = 10 * time.Second
	defaultConsecutiveFailures = 5
	defaultOpenFor             = 30 * time.Second
	defaultHalfOpenProbes      = 1
)

// Router implements ports.LLM over the configured providers. It is safe for
// concurrent use.
type Router struct {
	providers     map[string]ports.LLMProvider
	breakers      map[string]*gobreaker.TwoStepCircuitBreaker[struct{}]
	routes        map[llm.Purpose][]Target
	defaultRoute  []Target
	maxAttempts   int
	baseBackoff   time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	sleep         func(context.Context, time.Duration) error
	now           func() time.Time
	log           *slog.Logger
}

// New validates o and builds a Router. With no providers it builds an
// offline router whose calls all fail with llm.NotConfigured.
func New(o Options) (*Router, error) {
	r := &Router{
		providers:     make(map[string]ports.LLMProvider, len(o.Providers)),
		breakers:      make(map[string]*gobreaker.TwoStepCircuitBreaker[struct{}], len(o.Providers)),
		routes:        make(map[llm.Purpose][]Target, len(o.Routes)),
		defaultRoute:  append([]Target(nil), o.DefaultRoute...),
		maxAttempts:   orDefault(o.MaxAttempts, defaultMaxAttempts),
		baseBackoff:   orDefault(o.BaseBackoff, defaultBaseBackoff),
		maxBackoff:    orDefault(o.MaxBackoff, defaultMaxBackoff),
		maxRetryAfter: orDefault(o.MaxRetryAfter, defaultMaxRetryAfter),
		sleep:         o.Sleep,
		now:           o.Now,
		log:           o.Logger,
	}
	if r.sleep == nil {
		r.sleep = sleepCtx
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.maxBackoff < r.baseBackoff {
		return nil, fmt.Errorf("llm router: max backoff %s is below base backoff %s", r.maxBackoff, r.baseBackoff)
	}

	for name, p := range o.Providers {
		if p == nil {
			return nil, fmt.Errorf("llm router: provider %q is nil", name)
		}
		if p.Name() != name {
			return nil, fmt.Errorf("llm router: provider keyed %q is named %q", name, p.Name())
		}
		r.providers[name] = p
		r.breakers[name] = r.newBreaker(name, o.Breaker)
	}

	if err := r.checkRoute("default route", r.defaultRoute); err != nil {
		return nil, err
	}
	for purpose, route := range o.Routes {
		if _, err := llm.ParsePurpose(string(purpose)); err != nil {
			return nil, fmt.Errorf("llm router: route for unknown purpose %q", purpose)
		}
		if len(route) == 0 {
			return nil, fmt.Errorf("llm router: route for %s has no target", purpose)
		}
		if err := r.checkRoute("route for "+string(purpose), route); err != nil {
			return nil, err
		}
		r.routes[purpose] = append([]Target(nil), route...)
	}
	if r.Configured() && len(r.defaultRoute) == 0 {
		for _, p := range []llm.Purpose{llm.PurposeChat, llm.PurposeHint, llm.PurposeGenerate, llm.PurposeReview, llm.PurposeSummary} {
			if len(r.routes[p]) == 0 {
				return nil, fmt.Errorf("llm router: no route for %s and no default route", p)
			}
		}
	}
	return r, nil
}

func (r *Router) checkRoute(what string, route []Target) error {
	for i, t := range route {
		if _, ok := r.providers[t.Provider]; !ok {
			return fmt.Errorf("llm router: %s, target %d: provider %q is not configured", what, i+1, t.Provider)
		}
		if t.Model == "" {
			return fmt.Errorf("llm router: %s, target %d: no model", what, i+1)
		}
	}
	return nil
}

func (r *Router) newBreaker(name string, o BreakerOptions) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	trip := orDefault(o.ConsecutiveFailures, defaultConsecutiveFailures)
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: orDefault(o.HalfOpenProbes, defaultHalfOpenProbes),
		Timeout:     orDefault(o.OpenFor, defaultOpenFor),
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= trip },
		IsExcluded:  func(err error) bool { return err != nil && !isInfraFailure(err) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			r.log.Warn("llm circuit breaker", "provider", name, "from", from.String(), "to", to.String())
		},
	})
}

// Configured reports whether any provider is; false is offline mode.
func (r *Router) Configured() bool { return len(r.providers) > 0 }

// Status reports each provider's breaker: "closed", "open" or "half-open".
func (r *Router) Status() map[string]string {
	out := make(map[string]string, len(r.breakers))
	for name, b := range r.breakers {
		out[name] = b.State().String()
	}
	return out
}

// Complete asks the route's targets in turn until one answers.
func (r *Router) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	var resp llm.Response
	err := r.run(ctx, req, "complete", func(p ports.LLMProvider, t Target, req llm.Request, done func(error)) error {
		res, err := p.Complete(ctx, req)
		err = normalize(ctx, t.Provider, err)
		done(err)
		if err != nil {
			return err
		}
		if res.Provider == "" {
			res.Provider = t.Provider
		}
		if res.Model == "" {
			res.Model = t.Model
		}
		resp = res
		return nil
	})
	return resp, err
}

// Stream asks the route's targets in turn until one produces its first
// event; from then on the stream belongs to the caller, errors included.
// The returned stream implements ports.StreamInfo.
func (r *Router) Stream(ctx context.Context, req llm.Request) (ports.Stream, error) {
	var out ports.Stream
	err := r.run(ctx, req, "stream", func(p ports.LLMProvider, t Target, req llm.Request, done func(error)) error {
		s, err := p.Stream(ctx, req)
		if err == nil && s == nil {
			err = &llm.Error{Kind: llm.ErrUnavailable, Provider: t.Provider, Msg: "provider returned no stream"}
		}
		if err != nil {
			err = normalize(ctx, t.Provider, err)
			done(err)
			return err
		}
		first, err := s.Recv()
		if err != nil {
			_ = s.Close()
			if errors.Is(err, io.EOF) {
				err = &llm.Error{Kind: llm.ErrUnavailable, Provider: t.Provider, Msg: "stream ended before its first event"}
			}
			err = normalize(ctx, t.Provider, err)
			done(err)
			return err
		}
		out = &stream{ctxErr: ctx.Err, inner: s, first: &first, provider: t.Provider, model: t.Model, done: done}
		return nil
	})
	return out, err
}

// attemptFunc makes one call to p with req (whose Model is t's). It must
// call done exactly once with the breaker outcome, unless it hands done on
// to a stream that will.
type attemptFunc func(p ports.LLMProvider, t Target, req llm.Request, done func(error)) error

// run is the target loop shared by Complete and Stream.
func (r *Router) run(ctx context.Context, req llm.Request, op string, attempt attemptFunc) error {
	if !r.Configured() {
		return llm.NotConfigured
	}
	if err := req.Validate(); err != nil {
		return &llm.Error{Kind: llm.ErrInvalidRequest, Msg: "invalid request", Err: err}
	}
	start := r.now()
	targets := r.targetsFor(req)
	var lastErr error
	var skipped []string

targets:
	for ti, t := range targets {
		p, b := r.providers[t.Provider], r.breakers[t.Provider]
		req.Model = t.Model
		// The retry waits grow from BaseBackoff, doubling, capped at MaxBackoff;
		// each wait is drawn at random below its ceiling (full jitter).
		ceilings := &backoff.ExponentialBackOff{
			InitialInterval: r.baseBackoff, Multiplier: 2, MaxInterval: r.maxBackoff,
		}
		for n := 1; n <= r.maxAttempts; n++ {
			if err := ctx.Err(); err != nil {
				return canceled(err)
			}
			done, berr := b.Allow()
			if berr != nil {
				r.log.Debug("llm target skipped", "op", op, "provider", t.Provider, "model", t.Model, "breaker", b.State().String())
				skipped = append(skipped, t.Provider)
				continue targets
			}
			err := attempt(p, t, req, done)
			if err == nil {
				if ti > 0 || n > 1 {
					r.log.Info("llm answered after fallback", "op", op, "provider", t.Provider, "model", t.Model,
						"target", ti+1, "attempt", n, "elapsed", r.now().Sub(start))
				}
				return nil
			}
			lastErr = err
			kind := llm.KindOf(err)
			if kind == llm.ErrCanceled {
				return err
			}
			var le *llm.Error
			errors.As(err, &le) // attempts return *llm.Error only (normalize)
			if !le.Retryable() && kind != llm.ErrAuth {
				return err
			}
			if kind == llm.ErrAuth || n == r.maxAttempts || le.RetryAfter > r.maxRetryAfter {
				r.log.Warn("llm fallback", "op", op, "provider", t.Provider, "model", t.Model, "kind", string(kind),
					"status", le.Status, "attempt", n, "target", ti+1, "targets", len(targets), "retry_after", le.RetryAfter,
					"elapsed", r.now().Sub(start))
				continue targets
			}
			ceiling := ceilings.NextBackOff() // advances with every retry, so n sets the exponent
			wait := le.RetryAfter
			if wait <= 0 {
				wait = rand.N(ceiling + 1)
			}
			r.log.Debug("llm retry", "op", op, "provider", t.Provider, "model", t.Model, "kind", string(kind),
				"status", le.Status, "attempt", n, "wait", wait)
			if err := r.sleep(ctx, wait); err != nil {
				return canceled(err)
			}
		}
	}
	if lastErr != nil {
		return lastErr
	}
	// Every target was skipped by its breaker.
	e := &llm.Error{Kind: llm.ErrUnavailable, Msg: "every provider for this purpose is failing (circuit breaker open)"}
	if len(skipped) == 1 {
		e.Provider = skipped[0]
	}
	return e
}

// targetsFor picks the route for req's purpose, narrowed to a pinned model.
func (r *Router) targetsFor(req llm.Request) []Target {
	route := r.routes[req.Purpose]
	if len(route) == 0 {
		route = r.defaultRoute
	}
	if req.Model == "" {
		return route
	}
	var pinned []Target
	for _, t := range route {
		if t.Model == req.Model {
			pinned = append(pinned, t)
		}
	}
	if len(pinned) > 0 {
		return pinned
	}
	return []Target{{Provider: route[0].Provider, Model: req.Model}}
}

// normalize turns a provider's error into an *llm.Error naming the provider.
// A failure after ctx ended is a cancellation whatever the provider said,
// and an unclassified error (a broken adapter contract) counts as an outage.
func normalize(ctx context.Context, provider string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return &llm.Error{Kind: llm.ErrCanceled, Provider: provider, Msg: "request canceled", Err: errors.Join(cerr, err)}
	}
	var le *llm.Error
	if !errors.As(err, &le) {
		return &llm.Error{Kind: llm.ErrUnavailable, Provider: provider, Msg: "unclassified provider error", Err: err}
	}
	if le.Provider == "" {
		c := *le
		c.Provider = provider
		return &c
	}
	return le
}

func canceled(err error) *llm.Error {
	return &llm.Error{Kind: llm.ErrCanceled, Msg: "request canceled", Err: err}
}

// isInfraFailure says whether err counts against a provider's breaker.
func isInfraFailure(err error) bool {
	switch llm.KindOf(err) {
	case llm.ErrRateLimited, llm.ErrUnavailable, llm.ErrAuth:
		return true
	}
	return false
}

// errClosedEarly is the breaker outcome of a stream closed before its end:
// neither a success nor a failure.
var errClosedEarly = &llm.Error{Kind: llm.ErrCanceled, Msg: "stream closed before its end"}

// stream is a committed provider stream: it replays the first event, then
// passes everything through, and reports the breaker outcome at its end.
type stream struct {
	ctxErr   func() error // the call's ctx.Err, to tell a cancellation from an outage
	inner    ports.Stream
	first    *llm.Event // not yet returned; only Recv touches it
	provider string
	model    string

	done      func(error)
	report    sync.Once
	closeOnce sync.Once
	closeErr  error
}

var (
	_ ports.Stream     = (*stream)(nil)
	_ ports.StreamInfo = (*stream)(nil)
)

func (s *stream) Recv() (llm.Event, error) {
	var ev llm.Event
	var err error
	if s.first != nil {
		ev, s.first = *s.first, nil
	} else {
		ev, err = s.inner.Recv()
	}
	switch {
	case errors.Is(err, io.EOF):
		s.finish(nil)
	case err != nil && s.ctxErr() != nil:
		s.finish(errClosedEarly) // the caller went away: says nothing of the provider
	case err != nil:
		s.finish(err)
	case ev.Kind == llm.EventDone:
		s.finish(nil)
	}
	return ev, err
}

func (s *stream) Close() error {
	s.finish(errClosedEarly)
	s.closeOnce.Do(func() { s.closeErr = s.inner.Close() })
	return s.closeErr
}

func (s *stream) finish(err error) { s.report.Do(func() { s.done(err) }) }

func (s *stream) Provider() string { return s.provider }
func (s *stream) Model() string    { return s.model }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func orDefault[T int | uint32 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
