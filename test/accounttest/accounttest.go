// Package accounttest builds the account use cases on in-memory adapters,
// with a settable clock, a mailbox instead of a mail server, and background
// work run inline, for unit and handler tests.
package accounttest

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/codementor/codementor/adapters/argon2"
	"github.com/codementor/codementor/adapters/jwt"
	"github.com/codementor/codementor/adapters/llm/router"
	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/secretbox"
	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/application/ai"
	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/fakes/githubserver"
)

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Mailbox records sent mail.
type Mailbox struct {
	mu   sync.Mutex
	msgs []ports.MailMessage
	Fail error
}

// Send records msg (or fails with Fail).
func (m *Mailbox) Send(_ context.Context, msg ports.MailMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	m.msgs = append(m.msgs, msg)
	return nil
}

// Messages returns what was sent to.
func (m *Mailbox) Messages(to string) []ports.MailMessage {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ports.MailMessage
	for _, msg := range m.msgs {
		if msg.To == to {
			out = append(out, msg)
		}
	}
	return out
}

var tokenInLink = regexp.MustCompile(`[?&]token=([A-Za-z0-9_\-%]+)`)

// LastToken is the token of the newest link mailed to to whose path
// contains path ("/verify-email", "/reset-password"), or "".
func (m *Mailbox) LastToken(to, path string) string {
	msgs := m.Messages(to)
	for i := len(msgs) - 1; i >= 0; i-- {
		if !regexp.MustCompile(regexp.QuoteMeta(path) + `\?token=`).MatchString(msgs[i].Text) {
			continue
		}
		if mm := tokenInLink.FindStringSubmatch(msgs[i].Text); mm != nil {
			return mm[1]
		}
	}
	return ""
}

// Inline runs background work at once, so tests see its effects.
type Inline struct{}

// Go runs fn now.
func (Inline) Go(_ string, fn func(ctx context.Context)) { fn(context.Background()) }

// SecurityEvents records security events.
type SecurityEvents struct {
	mu     sync.Mutex
	Events []ports.SecurityEvent
}

// Record keeps e.
func (s *SecurityEvents) Record(_ context.Context, e ports.SecurityEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Events = append(s.Events, e)
}

// Kinds lists the recorded kinds in order.
func (s *SecurityEvents) Kinds() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.Events))
	for _, e := range s.Events {
		out = append(out, e.Kind)
	}
	return out
}

type ids struct{}

func (ids) NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Fixture is a service and the fakes around it.
type Fixture struct {
	Service  *account.Service
	Deps     account.Deps
	Clock    *Clock
	Mailbox  *Mailbox
	Security *SecurityEvents
	Issuer   *jwt.Issuer
	DB       *memory.DB
	Limiter  *memory.RateLimiter
	States   *memory.OAuthStateStore
	Config   account.Config
	// AI is the metered LLM gateway over LLM (offline unless WithLLM sets
	// one), with in-memory accounting.
	AI  *ai.Service
	LLM ports.LLM
	// Runner is the fake sandbox of the service Exercises builds.
	Runner    *FakeRunner
	exercises *exercises.Service
	tutor     *tutor.Service
	reviews   *reviews.Service
	// GitHubFake and Jobs exist once Reviews was called.
	GitHubFake *githubserver.Server
	Jobs       *memory.JobQueue
}

// FastHasherParams keep argon2id's shape at a test-friendly cost.
func FastHasherParams() argon2.Params {
	return argon2.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// Option adjusts a fixture before the service is built.
type Option func(*Fixture)

// WithProviders configures OAuth providers.
func WithProviders(p map[string]ports.OAuthProvider) Option {
	return func(f *Fixture) { f.Deps.Providers = p }
}

// WithLimits replaces the default (generous) limits.
func WithLimits(l account.Limits) Option { return func(f *Fixture) { f.Config.Limits = l } }

// New builds the fixture.
func New(t testing.TB, opts ...Option) *Fixture {
	t.Helper()
	clock := &Clock{now: time.Now().UTC().Truncate(time.Second)}
	db := memory.NewDB()
	hasher, err := argon2.New(FastHasherParams())
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	issuer, err := jwt.New(jwt.Options{Secret: secret, Issuer: "codementor", Audience: "codementor-api",
		TTL: 15 * time.Minute, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		t.Fatal(err)
	}
	limiter := memory.NewRateLimiter()
	limiter.Now = clock.Now
	states := memory.NewOAuthStateStore()
	states.Now = clock.Now
	f := &Fixture{Clock: clock, Mailbox: &Mailbox{}, Security: &SecurityEvents{}, Issuer: issuer, DB: db,
		Limiter: limiter, States: states}
	f.Deps = account.Deps{
		Users: memory.NewUserRepository(db), Sessions: memory.NewSessionRepository(db),
		Tokens: memory.NewOneTimeTokenRepository(db), Identities: memory.NewLinkedIdentityRepository(db),
		Profiles: memory.NewProfileRepository(db), Tx: memory.NewTxManager(db), Hasher: hasher, Issuer: issuer,
		Mailer: f.Mailbox, Limiter: limiter, States: states, Box: box, Security: f.Security,
		Background: Inline{}, Clock: clock, IDs: ids{},
	}
	generous := account.Limit{N: 1000, Window: time.Minute}
	f.Config = account.Config{RefreshTTL: 30 * 24 * time.Hour, FrontendURL: "http://localhost:3000",
		OAuthStateTTL: 10 * time.Minute, Limits: account.Limits{LoginPerIP: generous, LoginPerAccount: generous,
			RegisterPerIP: generous, RegisterPerAccount: generous, RefreshPerIP: generous, RefreshPerAccount: generous, ResetPerIP: generous, ResetPerAccount: generous}}
	for _, o := range opts {
		o(f)
	}
	f.Service, err = account.NewService(f.Deps, f.Config)
	if err != nil {
		t.Fatal(err)
	}
	if f.LLM == nil {
		if f.LLM, err = router.New(router.Options{}); err != nil { // offline mode
			t.Fatal(err)
		}
	}
	f.AI, err = ai.NewService(ai.Deps{LLM: f.LLM, Tokens: wordCounter{}, Lines: memory.NewUsageRepository(),
		Ledger: memory.NewQuotaLedger(), Users: f.Deps.Users, Clock: clock, IDs: ids{}, Log: Logger()},
		ai.Config{Quotas: ai.Quotas{LearnerDailyTokens: 100_000, AdminDailyTokens: 1_000_000}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// WithLLM puts the AI gateway in front of l instead of offline mode.
func WithLLM(l ports.LLM) Option { return func(f *Fixture) { f.LLM = l } }

// wordCounter counts a token per word, plus one per message: enough for
// quota arithmetic in tests without loading real encodings.
type wordCounter struct{}

func (wordCounter) Count(_, text string) int { return len(strings.Fields(text)) }
func (w wordCounter) CountMessages(model, system string, msgs []llm.Message) int {
	n := w.Count(model, system)
	for _, m := range msgs {
		n += w.Count(model, m.Content) + 1
	}
	return n
}

// Logger discards.
func Logger() *slog.Logger { return slog.New(slog.DiscardHandler) }

var learnerSeq atomic.Int64

// NewLearner registers a learner with a fresh address and a good password
// and answers their id.
func (f *Fixture) NewLearner(t testing.TB) string {
	t.Helper()
	email := fmt.Sprintf("learner%d@example.com", learnerSeq.Add(1))
	u, err := f.Service.Register(context.Background(), account.RegisterInput{Email: email,
		Password: "correct horse battery staple", DisplayName: "Ada",
		Client: account.Client{IP: "198.51.100.7", UserAgent: "test"}})
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	return u.ID()
}
