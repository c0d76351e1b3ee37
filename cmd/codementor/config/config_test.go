package config_test

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/cmd/codementor/config"
)

func minimal() map[string]string {
	return map[string]string{
		"DATABASE_URL": "postgres://app:s3cret-pw@db.internal:5432/codementor?sslmode=disable",
		"REDIS_URL":    "redis://:r3dis-pw@cache.internal:6379/0",
		"JWT_SECRET":   "jwt-secret-value-that-is-long-enough-0123456789",
	}
}

func with(kv ...string) map[string]string {
	env := minimal()
	for i := 0; i < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(minimal())
	require.NoError(t, err)
	assert.Equal(t, ":8080", c.HTTPAddr)
	assert.Equal(t, 30*time.Second, c.HTTPRequestTimeout)
	assert.Equal(t, int32(10), c.DBMaxConns)
	assert.Equal(t, []string{"http://localhost:3000"}, c.CORSOrigins)
	assert.True(t, c.MigrateOnStart)
	assert.Equal(t, "http://localhost:8080", c.BaseURL())
}

func TestMissingOrMalformedValueNamesTheVariableInOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing database", map[string]string{"REDIS_URL": "redis://x:6379", "JWT_SECRET": strings.Repeat("s", 32)}, "DATABASE_URL: required but not set"},
		{"missing jwt secret", map[string]string{"REDIS_URL": "redis://x:6379", "DATABASE_URL": "postgres://x/y"}, "JWT_SECRET: required but not set"},
		{"short jwt secret", with("JWT_SECRET", "short"), "JWT_SECRET: must be at least 32 bytes"},
		{"malformed rate", with("AUTH_RATE_LOGIN_IP", "lots"), "AUTH_RATE_LOGIN_IP: malformed value (want N/duration, such as 20/1m)"},
		{"half a provider", with("GITHUB_CLIENT_ID", "abc"), "GITHUB_CLIENT_ID: set both"},
		{"provider without encryption key", with("GITHUB_CLIENT_ID", "abc", "GITHUB_CLIENT_SECRET", "def"), "TOKEN_ENCRYPTION_KEY: is required"},
		{"bad smtp tls", with("SMTP_TLS", "maybe"), "SMTP_TLS: must be"},
		{"empty redis", with("REDIS_URL", ""), "REDIS_URL: required but empty"},
		{"malformed duration", with("HTTP_REQUEST_TIMEOUT", "soon"), "HTTP_REQUEST_TIMEOUT: malformed value (want a duration such as 30s or 5m)"},
		{"malformed int", with("DB_MAX_CONNS", "lots"), "DB_MAX_CONNS: malformed value (want a whole number)"},
		{"malformed bool", with("MIGRATE_ON_START", "maybe"), "MIGRATE_ON_START: malformed value (want true or false)"},
		{"bad level", with("LOG_LEVEL", "chatty"), "LOG_LEVEL: must be debug, info, warn or error"},
		{"bad format", with("LOG_FORMAT", "xml"), "LOG_FORMAT: must be json or text"},
		{"wrong scheme", with("DATABASE_URL", "mysql://x/y"), "DATABASE_URL: must be a postgres:// URL"},
		{"negative timeout", with("SHUTDOWN_TIMEOUT", "-1s"), "SHUTDOWN_TIMEOUT: must be a positive duration"},
		{"wildcard with credentials", with("CORS_ORIGINS", "*"), "CORS_ORIGINS: cannot be * while CORS_ALLOW_CREDENTIALS is true"},
		{"origin with a path", with("CORS_ORIGINS", "https://app.example.com/app"), "CORS_ORIGINS:"},
		{"min over max", with("DB_MIN_CONNS", "20"), "DB_MIN_CONNS: must be between 0 and DB_MAX_CONNS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(tt.env)
			require.Error(t, err)
			msg := err.Error()
			assert.Contains(t, msg, tt.want)
			assert.True(t, strings.HasPrefix(msg, "config: "))
			assert.NotContains(t, msg, "\n", "one line")
		})
	}
}

func TestMalformedSecretIsNotEchoed(t *testing.T) {
	t.Parallel()
	_, err := config.Load(with("DB_MAX_CONNS", "hunter2-secret"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestSecretsNeverReachLogs(t *testing.T) {
	t.Parallel()
	c, err := config.Load(minimal())
	require.NoError(t, err)
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("starting", slog.Any("config", c), slog.Any("url", c.DatabaseURL))
	}
	buf.WriteString(fmt.Sprintf("%v %+v %#v %s %v", c, c, c.RedisURL, c.DatabaseURL, c.JWTSecret))
	out := buf.String()
	assert.NotContains(t, out, "jwt-secret-value")
	assert.NotContains(t, out, "s3cret-pw")
	assert.NotContains(t, out, "r3dis-pw")
	assert.Contains(t, out, "db.internal", "the host is still shown, for debugging")
	assert.Equal(t, "postgres://app:s3cret-pw@db.internal:5432/codementor?sslmode=disable", c.DatabaseURL.Reveal())
}

func TestRatesAndPreviousSecrets(t *testing.T) {
	t.Parallel()
	c, err := config.Load(with("AUTH_RATE_LOGIN_IP", "100/30s", "JWT_PREVIOUS_SECRETS", strings.Repeat("a", 32)+","+strings.Repeat("b", 40)))
	require.NoError(t, err)
	assert.Equal(t, config.RateSpec{N: 100, Window: 30 * time.Second}, c.RateLoginIP)
	assert.Equal(t, config.RateSpec{N: 10, Window: 15 * time.Minute}, c.RateLoginAccount)
	require.Len(t, c.JWTPreviousSecrets, 2)
	assert.Equal(t, strings.Repeat("b", 40), c.JWTPreviousSecrets[1].Reveal())
}

func TestCORSOriginsAreTrimmed(t *testing.T) {
	t.Parallel()
	c, err := config.Load(with("CORS_ORIGINS", " https://a.example.com/ , http://localhost:5173,"))
	require.NoError(t, err)
	assert.Equal(t, []string{"https://a.example.com", "http://localhost:5173"}, c.CORSOrigins)
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		":9000": "http://localhost:9000", "127.0.0.1:8080": "http://127.0.0.1:8080",
		"[::]:8080": "http://localhost:8080", "0.0.0.0:80": "http://localhost:80",
	} {
		c, err := config.Load(with("HTTP_ADDR", addr))
		require.NoError(t, err)
		assert.Equal(t, want, c.BaseURL(), addr)
	}
	c, err := config.Load(with("PUBLIC_URL", "https://api.codementor.dev/"))
	require.NoError(t, err)
	assert.Equal(t, "https://api.codementor.dev", c.BaseURL())
}

// TestEnvExampleDocumentsEveryVariable keeps .env.example and the struct in
// step: every variable is listed, with the default the code uses.
func TestEnvExampleDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../../../.env.example")
	require.NoError(t, err)
	defer f.Close()
	documented := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, line)
		documented[k] = v
	}
	typ := reflect.TypeOf(config.Config{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		key := strings.Split(f.Tag.Get("env"), ",")[0]
		def, has := documented[key]
		if assert.True(t, has, "%s is missing from .env.example", key) {
			assert.Equal(t, f.Tag.Get("envDefault"), def, "default of %s", key)
		}
		delete(documented, key)
	}
	assert.Empty(t, documented, ".env.example lists variables the server does not read")
}
