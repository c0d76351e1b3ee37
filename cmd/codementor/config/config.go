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
}

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
	)
}
