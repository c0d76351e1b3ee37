// Package config reads the service's configuration from the environment,
// typed and validated once at start. Adapters never read the environment:
// cmd maps this struct into each adapter's own options.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Secret is a string that never prints: logs, %v and JSON show "[redacted]".
type Secret string

func (s Secret) String() string                { return redacted(string(s)) }
func (s Secret) GoString() string              { return redacted(string(s)) }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(redacted(string(s))) }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(redacted(string(s))), nil }
func (s Secret) Reveal() string                { return string(s) }
func (s *Secret) UnmarshalText(b []byte) error { *s = Secret(b); return nil }

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// DSN is a connection URL whose password never prints.
type DSN string

func (d DSN) String() string                { return redactURL(string(d)) }
func (d DSN) GoString() string              { return redactURL(string(d)) }
func (d DSN) LogValue() slog.Value          { return slog.StringValue(redactURL(string(d))) }
func (d DSN) MarshalText() ([]byte, error)  { return []byte(redactURL(string(d))), nil }
func (d DSN) Reveal() string                { return string(d) }
func (d *DSN) UnmarshalText(b []byte) error { *d = DSN(b); return nil }

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "[unparsable, redacted]"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "password") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Config is every setting the binary reads. .env.example documents each
// variable with its default; keep the two in step (a test checks it).
type Config struct {
	// HTTP server.
	HTTPAddr           string        `env:"HTTP_ADDR" envDefault:":8080"`
	PublicURL          string        `env:"PUBLIC_URL" envDefault:""`
	HTTPBodyLimit      int           `env:"HTTP_BODY_LIMIT_BYTES" envDefault:"1048576"`
	HTTPRequestTimeout time.Duration `env:"HTTP_REQUEST_TIMEOUT" envDefault:"30s"`
	HTTPReadTimeout    time.Duration `env:"HTTP_READ_TIMEOUT" envDefault:"15s"`
	HTTPWriteTimeout   time.Duration `env:"HTTP_WRITE_TIMEOUT" envDefault:"30s"`
	HTTPIdleTimeout    time.Duration `env:"HTTP_IDLE_TIMEOUT" envDefault:"120s"`
	ShutdownTimeout    time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`
	CORSOrigins        []string      `env:"CORS_ORIGINS" envSeparator:"," envDefault:"http://localhost:3000"`
	CORSCredentials    bool          `env:"CORS_ALLOW_CREDENTIALS" envDefault:"true"`
	FrontendURL        string        `env:"FRONTEND_URL" envDefault:"http://localhost:3000"`

	// Logging.
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"json"`
	// LogFlushInterval batches log writes; 0 writes each line at once.
	LogFlushInterval time.Duration `env:"LOG_FLUSH_INTERVAL" envDefault:"100ms"`

	// PostgreSQL.
	DatabaseURL       DSN           `env:"DATABASE_URL,required,notEmpty"`
	DBMaxConns        int32         `env:"DB_MAX_CONNS" envDefault:"10"`
	DBMinConns        int32         `env:"DB_MIN_CONNS" envDefault:"0"`
	DBConnectTimeout  time.Duration `env:"DB_CONNECT_TIMEOUT" envDefault:"5s"`
	DBMaxConnLifetime time.Duration `env:"DB_MAX_CONN_LIFETIME" envDefault:"1h"`
	DBMaxConnIdleTime time.Duration `env:"DB_MAX_CONN_IDLE_TIME" envDefault:"10m"`
	MigrateOnStart    bool          `env:"MIGRATE_ON_START" envDefault:"true"`

	// Redis.
	RedisURL         DSN           `env:"REDIS_URL,required,notEmpty"`
	RedisKeyPrefix   string        `env:"REDIS_KEY_PREFIX" envDefault:"cm:"`
	RedisPoolSize    int           `env:"REDIS_POOL_SIZE" envDefault:"0"`
	RedisDialTimeout time.Duration `env:"REDIS_DIAL_TIMEOUT" envDefault:"2s"`

	// Health.
	ReadinessTimeout time.Duration `env:"READINESS_TIMEOUT" envDefault:"1s"`
	// PprofAddr serves Go's profiler (net/http/pprof) on a separate,
	// private address; empty = off.
	PprofAddr string `env:"PPROF_ADDR"`

	// UserCacheTTL keeps accounts read by authenticated requests in memory
	// this long (writes on this instance are seen at once); 0 turns it off.
	UserCacheTTL time.Duration `env:"USER_CACHE_TTL" envDefault:"2s"`

	// Access and refresh tokens.
	JWTSecret          Secret        `env:"JWT_SECRET,required,notEmpty"`
	JWTPreviousSecrets []Secret      `env:"JWT_PREVIOUS_SECRETS" envSeparator:","`
	JWTIssuer          string        `env:"JWT_ISSUER" envDefault:"codementor"`
	JWTAudience        string        `env:"JWT_AUDIENCE" envDefault:"codementor-api"`
	AccessTokenTTL     time.Duration `env:"ACCESS_TOKEN_TTL" envDefault:"15m"`
	RefreshTokenTTL    time.Duration `env:"REFRESH_TOKEN_TTL" envDefault:"720h"`
	CookieSecure       bool          `env:"COOKIE_SECURE" envDefault:"true"`
	TrustedProxies     []string      `env:"TRUSTED_PROXIES" envSeparator:","`
	// TokenEncryptionKey seals provider tokens at rest (32 bytes, base64 or hex).
	TokenEncryptionKey    Secret   `env:"TOKEN_ENCRYPTION_KEY"`
	TokenEncryptionOldKey []Secret `env:"TOKEN_ENCRYPTION_OLD_KEYS" envSeparator:","`

	// RateLimitRedisTimeout bounds each shared rate-limit check; past it the
	// per-instance limiter decides (a busy Redis is treated as down).
	RateLimitRedisTimeout time.Duration `env:"RATE_LIMIT_REDIS_TIMEOUT" envDefault:"500ms"`

	// Auth throttling, "N/duration" per client IP or per account.
	RateLoginIP         RateSpec `env:"AUTH_RATE_LOGIN_IP" envDefault:"20/1m"`
	RateLoginAccount    RateSpec `env:"AUTH_RATE_LOGIN_ACCOUNT" envDefault:"10/15m"`
	RateRegisterIP      RateSpec `env:"AUTH_RATE_REGISTER_IP" envDefault:"10/1h"`
	RateRegisterAccount RateSpec `env:"AUTH_RATE_REGISTER_ACCOUNT" envDefault:"5/1h"`
	RateRefreshIP       RateSpec `env:"AUTH_RATE_REFRESH_IP" envDefault:"60/1m"`
	RateRefreshAccount  RateSpec `env:"AUTH_RATE_REFRESH_ACCOUNT" envDefault:"30/1m"`
	RateResetIP         RateSpec `env:"AUTH_RATE_RESET_IP" envDefault:"10/1h"`
	RateResetAccount    RateSpec `env:"AUTH_RATE_RESET_ACCOUNT" envDefault:"3/1h"`

	// Mail: SMTP_URL, or the separate SMTP_* values; neither = log mailer.
	SMTPURL      DSN    `env:"SMTP_URL"`
	SMTPHost     string `env:"SMTP_HOST"`
	SMTPPort     int    `env:"SMTP_PORT" envDefault:"587"`
	SMTPUsername string `env:"SMTP_USERNAME"`
	SMTPPassword Secret `env:"SMTP_PASSWORD"`
	SMTPTLS      string `env:"SMTP_TLS" envDefault:"starttls"`
	MailFrom     string `env:"MAIL_FROM" envDefault:"CodeMentor <no-reply@localhost>"`

	// OAuth sign-in. A provider is on when its client ID and secret are set.
	GitHubClientID     string `env:"GITHUB_CLIENT_ID"`
	GitHubClientSecret Secret `env:"GITHUB_CLIENT_SECRET"`
	GitHubOAuthURL     string `env:"GITHUB_OAUTH_URL" envDefault:"https://github.com"`
	GitHubAPIURL       string `env:"GITHUB_API_URL" envDefault:"https://api.github.com"`
	GoogleClientID     string `env:"GOOGLE_CLIENT_ID"`
	GoogleClientSecret Secret `env:"GOOGLE_CLIENT_SECRET"`
	// GoogleOAuthURL replaces Google's endpoints (for tests); empty = Google's own.
	GoogleOAuthURL string `env:"GOOGLE_OAUTH_URL"`

	// LLM providers. OpenAI-compatible is on when OPENAI_API_KEY or
	// OPENAI_BASE_URL is set (Ollama and vLLM need no key); Anthropic when
	// ANTHROPIC_API_KEY is set. Neither: offline mode.
	OpenAIAPIKey     Secret `env:"OPENAI_API_KEY"`
	OpenAIBaseURL    string `env:"OPENAI_BASE_URL"`
	OpenAIModel      string `env:"OPENAI_MODEL" envDefault:"gpt-4.1-mini"`
	AnthropicAPIKey  Secret `env:"ANTHROPIC_API_KEY"`
	AnthropicBaseURL string `env:"ANTHROPIC_BASE_URL"`
	AnthropicModel   string `env:"ANTHROPIC_MODEL" envDefault:"claude-sonnet-4-5"`
	// Routes per purpose: "provider[:model],provider[:model]", tried in
	// order; empty = every configured provider with its default model.
	LLMRouteChat     string        `env:"LLM_ROUTE_CHAT"`
	LLMRouteHint     string        `env:"LLM_ROUTE_HINT"`
	LLMRouteGenerate string        `env:"LLM_ROUTE_GENERATE"`
	LLMRouteReview   string        `env:"LLM_ROUTE_REVIEW"`
	LLMRouteSummary  string        `env:"LLM_ROUTE_SUMMARY"`
	LLMTimeout       time.Duration `env:"LLM_TIMEOUT" envDefault:"60s"`
	LLMStreamIdle    time.Duration `env:"LLM_STREAM_IDLE_TIMEOUT" envDefault:"30s"`
	LLMDailyTokens   int64         `env:"LLM_DAILY_TOKENS" envDefault:"200000"`
	LLMDailyAdmin    int64         `env:"LLM_DAILY_TOKENS_ADMIN" envDefault:"2000000"`

	// Code runner: "local" (bubblewrap on this machine) or "piston" (a
	// Piston engine's HTTP API, PISTON_URL).
	CodeRunner    string        `env:"CODE_RUNNER" envDefault:"local"`
	PistonURL     string        `env:"PISTON_URL"`
	PistonToken   Secret        `env:"PISTON_TOKEN"`
	PistonTimeout time.Duration `env:"PISTON_TIMEOUT" envDefault:"30s"`
	// The local sandbox's tools; empty picks the usual Debian paths.
	SandboxBwrap    string `env:"SANDBOX_BWRAP"`
	SandboxPython   string `env:"SANDBOX_PYTHON"`
	SandboxNode     string `env:"SANDBOX_NODE"`
	SandboxGoRoot   string `env:"SANDBOX_GOROOT"`
	SandboxCacheDir string `env:"SANDBOX_CACHE_DIR"`
	SandboxUIDBase  int    `env:"SANDBOX_UID_BASE" envDefault:"500000"`
	// Limits of every run (defaults near Judge0's).
	SandboxCPUTime     time.Duration `env:"SANDBOX_CPU_TIME" envDefault:"5s"`
	SandboxWallTime    time.Duration `env:"SANDBOX_WALL_TIME" envDefault:"10s"`
	SandboxMemoryMB    int           `env:"SANDBOX_MEMORY_MB" envDefault:"256"`
	SandboxProcesses   int           `env:"SANDBOX_PROCESSES" envDefault:"64"`
	SandboxFileBytes   int64         `env:"SANDBOX_FILE_BYTES" envDefault:"1048576"`
	SandboxOutputBytes int64         `env:"SANDBOX_OUTPUT_BYTES" envDefault:"65536"`
	// Grading: runs at once on this instance, and how many more may wait.
	GradingWorkers int `env:"GRADING_WORKERS" envDefault:"2"`
	GradingQueue   int `env:"GRADING_QUEUE" envDefault:"16"`
	// Model-written hints after the three authored ones; generated
	// exercises per learner per day.
	LLMHintsMax    int `env:"LLM_HINTS_MAX" envDefault:"3"`
	GeneratePerDay int `env:"GENERATE_PER_DAY" envDefault:"5"`
	// DailyCacheTTL keeps each learner's exercise of the day in memory this
	// long (this instance's writes drop it at once); 0 turns it off.
	DailyCacheTTL time.Duration `env:"DAILY_CACHE_TTL" envDefault:"2s"`
	// Tutor chat.
	ChatMessagesPerMinute int           `env:"CHAT_MESSAGES_PER_MINUTE" envDefault:"20"`
	ChatMaxConcurrent     int           `env:"CHAT_MAX_CONCURRENT" envDefault:"2"`
	ChatContextTokens     int           `env:"CHAT_CONTEXT_TOKENS" envDefault:"32000"`
	ChatMaxAnswerTokens   int           `env:"CHAT_MAX_ANSWER_TOKENS" envDefault:"1024"`
	ChatStreamTTL         time.Duration `env:"CHAT_STREAM_TTL" envDefault:"10m"`
	ChatStreamGrace       time.Duration `env:"CHAT_STREAM_GRACE" envDefault:"1s"`
	ChatMaxGeneration     time.Duration `env:"CHAT_MAX_GENERATION" envDefault:"5m"`
	SSEHeartbeat          time.Duration `env:"SSE_HEARTBEAT" envDefault:"15s"`
	// GitHub code reviews: background jobs on River (Postgres).
	GitHubTimeout       time.Duration `env:"GITHUB_TIMEOUT" envDefault:"20s"`
	ReviewsPerDay       int           `env:"REVIEWS_PER_DAY" envDefault:"10"`
	ReviewWorkers       int           `env:"REVIEW_WORKERS" envDefault:"2"`
	ReviewJobTimeout    time.Duration `env:"REVIEW_JOB_TIMEOUT" envDefault:"10m"`
	ReviewRescueAfter   time.Duration `env:"REVIEW_RESCUE_AFTER" envDefault:"15m"`
	ReviewMaxAttempts   int           `env:"REVIEW_MAX_ATTEMPTS" envDefault:"5"`
	ReviewShutdownGrace time.Duration `env:"REVIEW_SHUTDOWN_GRACE" envDefault:"5s"`
	ReviewMaxFileBytes  int64         `env:"REVIEW_MAX_FILE_BYTES" envDefault:"204800"`
	ReviewChunkTokens   int           `env:"REVIEW_CHUNK_TOKENS" envDefault:"24000"`
	ReviewMaxChunks     int           `env:"REVIEW_MAX_CHUNKS" envDefault:"4"`
	ReviewAnswerTokens  int           `env:"REVIEW_ANSWER_TOKENS" envDefault:"4096"`
	// CatalogSyncOnStart syncs the embedded catalogue at `serve` start.
	CatalogSyncOnStart bool `env:"CATALOG_SYNC_ON_START" envDefault:"true"`

	// Prices, USD per million tokens: "model=input/output/cached-input,...".
	LLMPrices string `env:"LLM_PRICES" envDefault:"gpt-4.1-mini=0.40/1.60/0.10,gpt-4.1=2.00/8.00/0.50,claude-sonnet-4-5=3.00/15.00/0.30,claude-haiku-4-5=1.00/5.00/0.10"`
}

// LLMTarget is one provider and model of a route.
type LLMTarget struct {
	Provider string
	Model    string
}

// ParseRoute parses "provider[:model],..." against the configured
// providers' default models.
func ParseRoute(raw string, defaults map[string]string) ([]LLMTarget, error) {
	var out []LLMTarget
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		provider, model, _ := strings.Cut(part, ":")
		def, ok := defaults[provider]
		if !ok {
			return nil, fmt.Errorf("provider %q is not configured", provider)
		}
		if model == "" {
			model = def
		}
		out = append(out, LLMTarget{Provider: provider, Model: model})
	}
	return out, nil
}

// LLMPrice is a model's price in USD per million tokens.
type LLMPrice struct{ Input, Output, CachedInput float64 }

// ParsePrices parses LLM_PRICES.
func ParsePrices(raw string) (map[string]LLMPrice, error) {
	out := map[string]LLMPrice{}
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		model, nums, ok := strings.Cut(part, "=")
		fields := strings.Split(nums, "/")
		if !ok || model == "" || len(fields) != 3 {
			return nil, fmt.Errorf("%q is not model=input/output/cached", part)
		}
		var v [3]float64
		for i, f := range fields {
			x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || x < 0 {
				return nil, fmt.Errorf("%q: prices must be non-negative numbers", part)
			}
			v[i] = x
		}
		out[strings.TrimSpace(model)] = LLMPrice{Input: v[0], Output: v[1], CachedInput: v[2]}
	}
	return out, nil
}

// LLMDefaults maps each configured provider to its default model.
func (c *Config) LLMDefaults() map[string]string {
	out := map[string]string{}
	if c.OpenAIAPIKey != "" || c.OpenAIBaseURL != "" {
		out["openai"] = c.OpenAIModel
	}
	if c.AnthropicAPIKey != "" {
		out["anthropic"] = c.AnthropicModel
	}
	return out
}

// RateSpec is "N/duration": N hits per duration.
type RateSpec struct {
	N      int
	Window time.Duration
}

// UnmarshalText parses "20/1m".
func (r *RateSpec) UnmarshalText(b []byte) error {
	n, w, ok := strings.Cut(string(b), "/")
	if !ok {
		return errors.New("want N/duration, such as 20/1m")
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 1 {
		return errors.New("want a positive count before the slash")
	}
	d, err := time.ParseDuration(strings.TrimSpace(w))
	if err != nil || d <= 0 {
		return errors.New("want a positive duration after the slash")
	}
	r.N, r.Window = count, d
	return nil
}

func (r RateSpec) String() string { return fmt.Sprintf("%d/%s", r.N, r.Window) }

// Load reads the configuration from the given environment (os.Environ in
// production) and validates it. The error is one line naming the variable.
func Load(environ map[string]string) (*Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		return nil, describe(err)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// describe turns the library's errors into "config: VAR: problem" without
// echoing the offending value, which may be a secret.
func describe(err error) error {
	var agg env.AggregateError
	errs := []error{err}
	if errors.As(err, &agg) {
		errs = agg.Errors
	}
	keys := envKeys()
	var parts []string
	for _, e := range errs {
		var notSet env.VarIsNotSetError
		var empty env.EmptyVarError
		var parse env.ParseError
		switch {
		case errors.As(e, &notSet):
			parts = append(parts, notSet.Key+": required but not set")
		case errors.As(e, &empty):
			parts = append(parts, empty.Key+": required but empty")
		case errors.As(e, &parse):
			parts = append(parts, fmt.Sprintf("%s: malformed value (want %s)", keys[parse.Name], typeWord(parse.Type)))
		default:
			parts = append(parts, e.Error())
		}
	}
	return errors.New("config: " + strings.Join(parts, "; "))
}

func typeWord(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return "a duration such as 30s or 5m"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "a whole number"
	case t == reflect.TypeOf(RateSpec{}):
		return "N/duration, such as 20/1m"
	}
	return t.String()
}

func envKeys() map[string]string {
	out := map[string]string{}
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		out[f.Name] = strings.Split(f.Tag.Get("env"), ",")[0]
	}
	return out
}

func (c *Config) validate() error {
	var problems []string
	bad := func(key, issue string) { problems = append(problems, key+": "+issue) }

	if c.HTTPBodyLimit <= 0 {
		bad("HTTP_BODY_LIMIT_BYTES", "must be positive")
	}
	for key, d := range map[string]time.Duration{
		"HTTP_REQUEST_TIMEOUT": c.HTTPRequestTimeout, "HTTP_READ_TIMEOUT": c.HTTPReadTimeout,
		"HTTP_WRITE_TIMEOUT": c.HTTPWriteTimeout, "HTTP_IDLE_TIMEOUT": c.HTTPIdleTimeout,
		"SHUTDOWN_TIMEOUT": c.ShutdownTimeout, "DB_CONNECT_TIMEOUT": c.DBConnectTimeout,
		"REDIS_DIAL_TIMEOUT": c.RedisDialTimeout, "READINESS_TIMEOUT": c.ReadinessTimeout,
	} {
		if d <= 0 {
			bad(key, "must be a positive duration")
		}
	}
	if c.LogFlushInterval < 0 {
		bad("LOG_FLUSH_INTERVAL", "must be 0 (unbuffered) or a positive duration")
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
		c.LogLevel = strings.ToLower(c.LogLevel)
	default:
		bad("LOG_LEVEL", "must be debug, info, warn or error")
	}
	switch strings.ToLower(c.LogFormat) {
	case "json", "text":
		c.LogFormat = strings.ToLower(c.LogFormat)
	default:
		bad("LOG_FORMAT", "must be json or text")
	}
	if u, err := url.Parse(c.DatabaseURL.Reveal()); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		bad("DATABASE_URL", "must be a postgres:// URL")
	}
	if u, err := url.Parse(c.RedisURL.Reveal()); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
		bad("REDIS_URL", "must be a redis://, rediss:// or unix:// URL")
	}
	if c.DBMaxConns < 1 {
		bad("DB_MAX_CONNS", "must be at least 1")
	}
	if c.DBMinConns < 0 || c.DBMinConns > c.DBMaxConns {
		bad("DB_MIN_CONNS", "must be between 0 and DB_MAX_CONNS")
	}
	if c.RedisPoolSize < 0 {
		bad("REDIS_POOL_SIZE", "must not be negative (0 picks the library default)")
	}
	origins := c.CORSOrigins[:0]
	for _, o := range c.CORSOrigins {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o == "*" {
			if c.CORSCredentials {
				bad("CORS_ORIGINS", "cannot be * while CORS_ALLOW_CREDENTIALS is true")
			}
		} else if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("CORS_ORIGINS", fmt.Sprintf("%q is not an origin like https://app.example.com", o))
		}
		origins = append(origins, strings.TrimSuffix(o, "/"))
	}
	c.CORSOrigins = origins
	if u, err := url.Parse(c.FrontendURL); err != nil || u.Scheme == "" || u.Host == "" {
		bad("FRONTEND_URL", "must be an absolute URL")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			bad("PUBLIC_URL", "must be an absolute URL")
		}
	}
	if len(c.JWTSecret.Reveal()) < 32 {
		bad("JWT_SECRET", "must be at least 32 bytes (e.g. `openssl rand -base64 48`)")
	}
	for _, old := range c.JWTPreviousSecrets {
		if len(old.Reveal()) < 32 {
			bad("JWT_PREVIOUS_SECRETS", "each must be at least 32 bytes")
		}
	}
	if c.UserCacheTTL < 0 || c.UserCacheTTL > time.Minute {
		bad("USER_CACHE_TTL", "must be between 0 (off) and 1m")
	}
	if c.AccessTokenTTL <= 0 || c.AccessTokenTTL > 24*time.Hour {
		bad("ACCESS_TOKEN_TTL", "must be between 1s and 24h")
	}
	if c.RefreshTokenTTL < time.Minute {
		bad("REFRESH_TOKEN_TTL", "must be at least 1m")
	}
	if c.JWTIssuer == "" || c.JWTAudience == "" {
		bad("JWT_ISSUER", "JWT_ISSUER and JWT_AUDIENCE must not be empty")
	}
	if (c.GitHubClientID == "") != (c.GitHubClientSecret == "") {
		bad("GITHUB_CLIENT_ID", "set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET, or neither")
	}
	if (c.GoogleClientID == "") != (c.GoogleClientSecret == "") {
		bad("GOOGLE_CLIENT_ID", "set both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, or neither")
	}
	if (c.GitHubClientID != "" || c.GoogleClientID != "") && c.TokenEncryptionKey == "" {
		bad("TOKEN_ENCRYPTION_KEY", "is required when a sign-in provider is configured (32 bytes, base64 or hex)")
	}
	for key, raw := range map[string]string{"GITHUB_OAUTH_URL": c.GitHubOAuthURL, "GITHUB_API_URL": c.GitHubAPIURL, "GOOGLE_OAUTH_URL": c.GoogleOAuthURL} {
		if raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(key, "must be an http(s) URL")
		}
	}
	switch c.SMTPTLS {
	case "starttls", "opportunistic", "tls", "none":
	default:
		bad("SMTP_TLS", "must be starttls, opportunistic, tls or none")
	}
	if c.SMTPURL != "" && c.SMTPHost != "" {
		bad("SMTP_URL", "set SMTP_URL or SMTP_HOST, not both")
	}
	switch c.CodeRunner {
	case "local":
	case "piston":
		if u, err := url.Parse(c.PistonURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("PISTON_URL", "must be the Piston engine's http(s) URL when CODE_RUNNER is piston")
		}
	default:
		bad("CODE_RUNNER", "must be local or piston")
	}
	for key, d := range map[string]time.Duration{"SANDBOX_CPU_TIME": c.SandboxCPUTime, "SANDBOX_WALL_TIME": c.SandboxWallTime,
		"PISTON_TIMEOUT": c.PistonTimeout} {
		if d <= 0 || d > 10*time.Minute {
			bad(key, "must be between 1ms and 10m")
		}
	}
	for key, n := range map[string]int64{"SANDBOX_MEMORY_MB": int64(c.SandboxMemoryMB), "SANDBOX_PROCESSES": int64(c.SandboxProcesses),
		"SANDBOX_FILE_BYTES": c.SandboxFileBytes, "SANDBOX_OUTPUT_BYTES": c.SandboxOutputBytes, "GRADING_WORKERS": int64(c.GradingWorkers)} {
		if n <= 0 {
			bad(key, "must be positive")
		}
	}
	for key, n := range map[string]int{"CHAT_MESSAGES_PER_MINUTE": c.ChatMessagesPerMinute, "CHAT_MAX_CONCURRENT": c.ChatMaxConcurrent,
		"CHAT_MAX_ANSWER_TOKENS": c.ChatMaxAnswerTokens} {
		if n < 1 {
			bad(key, "must be at least 1")
		}
	}
	if c.ChatContextTokens <= c.ChatMaxAnswerTokens {
		bad("CHAT_CONTEXT_TOKENS", "must be larger than CHAT_MAX_ANSWER_TOKENS")
	}
	for key, d := range map[string]time.Duration{"CHAT_STREAM_TTL": c.ChatStreamTTL, "CHAT_STREAM_GRACE": c.ChatStreamGrace,
		"CHAT_MAX_GENERATION": c.ChatMaxGeneration, "SSE_HEARTBEAT": c.SSEHeartbeat} {
		if d <= 0 || d > 24*time.Hour {
			bad(key, "must be a positive duration")
		}
	}
	for key, n := range map[string]int{"REVIEWS_PER_DAY": c.ReviewsPerDay, "REVIEW_WORKERS": c.ReviewWorkers} {
		if n < 0 {
			bad(key, "must not be negative")
		}
	}
	for key, n := range map[string]int64{"REVIEW_MAX_ATTEMPTS": int64(c.ReviewMaxAttempts), "REVIEW_MAX_FILE_BYTES": c.ReviewMaxFileBytes,
		"REVIEW_MAX_CHUNKS": int64(c.ReviewMaxChunks), "REVIEW_ANSWER_TOKENS": int64(c.ReviewAnswerTokens)} {
		if n < 1 {
			bad(key, "must be at least 1")
		}
	}
	if c.ReviewChunkTokens < 2000 {
		bad("REVIEW_CHUNK_TOKENS", "must be at least 2000")
	}
	for key, d := range map[string]time.Duration{"GITHUB_TIMEOUT": c.GitHubTimeout, "REVIEW_JOB_TIMEOUT": c.ReviewJobTimeout,
		"REVIEW_RESCUE_AFTER": c.ReviewRescueAfter, "REVIEW_SHUTDOWN_GRACE": c.ReviewShutdownGrace} {
		if d <= 0 || d > 24*time.Hour {
			bad(key, "must be a positive duration")
		}
	}
	if c.ReviewRescueAfter <= c.ReviewJobTimeout {
		bad("REVIEW_RESCUE_AFTER", "must be longer than REVIEW_JOB_TIMEOUT")
	}
	if c.RateLimitRedisTimeout <= 0 || c.RateLimitRedisTimeout > 10*time.Second {
		bad("RATE_LIMIT_REDIS_TIMEOUT", "must be between 1ms and 10s")
	}
	if c.DailyCacheTTL < 0 || c.DailyCacheTTL > time.Minute {
		bad("DAILY_CACHE_TTL", "must be between 0 (off) and 1m")
	}
	for key, n := range map[string]int{"GRADING_QUEUE": c.GradingQueue, "LLM_HINTS_MAX": c.LLMHintsMax, "GENERATE_PER_DAY": c.GeneratePerDay, "SANDBOX_UID_BASE": c.SandboxUIDBase} {
		if n < 0 {
			bad(key, "must not be negative")
		}
	}
	defaults := c.LLMDefaults()
	for key, raw := range map[string]string{"LLM_ROUTE_CHAT": c.LLMRouteChat, "LLM_ROUTE_HINT": c.LLMRouteHint,
		"LLM_ROUTE_GENERATE": c.LLMRouteGenerate, "LLM_ROUTE_REVIEW": c.LLMRouteReview, "LLM_ROUTE_SUMMARY": c.LLMRouteSummary} {
		if _, err := ParseRoute(raw, defaults); err != nil {
			bad(key, err.Error())
		}
	}
	if _, err := ParsePrices(c.LLMPrices); err != nil {
		bad("LLM_PRICES", err.Error())
	}
	if c.LLMDailyTokens <= 0 || c.LLMDailyAdmin <= 0 {
		bad("LLM_DAILY_TOKENS", "LLM_DAILY_TOKENS and LLM_DAILY_TOKENS_ADMIN must be positive")
	}
	if c.LLMTimeout <= 0 || c.LLMStreamIdle <= 0 {
		bad("LLM_TIMEOUT", "LLM_TIMEOUT and LLM_STREAM_IDLE_TIMEOUT must be positive")
	}
	for key, raw := range map[string]string{"OPENAI_BASE_URL": c.OpenAIBaseURL, "ANTHROPIC_BASE_URL": c.AnthropicBaseURL} {
		if raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(key, "must be an http(s) URL")
		}
	}
	if len(problems) > 0 {
		return errors.New("config: " + strings.Join(problems, "; "))
	}
	return nil
}

// BaseURL is where people reach the server: PUBLIC_URL, or one made from
// HTTP_ADDR for local runs.
func (c *Config) BaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimSuffix(c.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(c.HTTPAddr)
	if err != nil {
		return "http://" + c.HTTPAddr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// LogValue lets the whole config be logged at start: secrets stay redacted.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("http_addr", c.HTTPAddr),
		slog.Any("database_url", c.DatabaseURL),
		slog.Any("redis_url", c.RedisURL),
		slog.String("redis_key_prefix", c.RedisKeyPrefix),
		slog.Bool("migrate_on_start", c.MigrateOnStart),
		slog.Any("cors_origins", c.CORSOrigins),
		slog.String("log_level", c.LogLevel),
		slog.String("log_format", c.LogFormat),
		slog.Int("body_limit_bytes", c.HTTPBodyLimit),
		slog.Duration("request_timeout", c.HTTPRequestTimeout),
		slog.Any("jwt_secret", c.JWTSecret),
		slog.Bool("github_sign_in", c.GitHubClientID != ""),
		slog.Bool("google_sign_in", c.GoogleClientID != ""),
		slog.Bool("smtp", c.SMTPURL != "" || c.SMTPHost != ""),
		slog.Any("llm_providers", c.LLMDefaults()),
	)
}
