package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/codementor/codementor/adapters/argon2"
	"github.com/codementor/codementor/adapters/cache"
	"github.com/codementor/codementor/adapters/jwt"
	"github.com/codementor/codementor/adapters/mail"
	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/oauth"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/adapters/secretbox"
	"github.com/codementor/codementor/adapters/system"
	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/cmd/codementor/config"
	"github.com/codementor/codementor/ports"
)

func tokenIssuer(cfg *config.Config) (*jwt.Issuer, error) {
	previous := make([][]byte, 0, len(cfg.JWTPreviousSecrets))
	for _, s := range cfg.JWTPreviousSecrets {
		previous = append(previous, []byte(s.Reveal()))
	}
	iss, err := jwt.New(jwt.Options{Secret: []byte(cfg.JWTSecret.Reveal()), PreviousSecrets: previous,
		Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, TTL: cfg.AccessTokenTTL})
	if err != nil {
		return nil, fmt.Errorf("JWT_SECRET: %w", err)
	}
	return iss, nil
}

// userRepository puts the short-lived account cache in front of Postgres.
func userRepository(pg *postgres.UserRepository, cfg *config.Config) ports.UserRepository {
	return cache.NewUsers(pg, postgres.InTx, cfg.UserCacheTTL, 100_000)
}

func passwordHasher() (*argon2.Hasher, error) { return argon2.New(argon2.DefaultParams()) }

// mailer is SMTP when configured, else the log mailer (development).
func mailer(cfg *config.Config, log *slog.Logger) (ports.Mailer, error) {
	var o mail.SMTPOptions
	switch {
	case cfg.SMTPURL != "":
		var err error
		if o, err = mail.ParseSMTPURL(cfg.SMTPURL.Reveal()); err != nil {
			return nil, fmt.Errorf("SMTP_URL: %w", err)
		}
	case cfg.SMTPHost != "":
		o = mail.SMTPOptions{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword.Reveal(), TLS: cfg.SMTPTLS}
	default:
		log.Warn("no SMTP server configured: emails are written to the log, not sent")
		return mail.NewLogMailer(log), nil
	}
	o.From = cfg.MailFrom
	m, err := mail.NewSMTP(o)
	if err != nil {
		return nil, fmt.Errorf("SMTP: %w", err)
	}
	return m, nil
}

// rateLimiter is shared through Redis and falls back to this instance's
// own counts while Redis is unreachable.
func rateLimiter(c *redis.Client, cfg *config.Config, log *slog.Logger) ports.RateLimiter {
	return redis.NewFallbackLimiter(redis.NewRateLimiter(c), memory.NewRateLimiter(), log, cfg.RateLimitRedisTimeout)
}

// secretBox seals provider tokens. With no provider configured nothing is
// ever sealed, and a random per-process key stands in.
func secretBox(cfg *config.Config) (*secretbox.Box, error) {
	if cfg.TokenEncryptionKey == "" {
		key := make([]byte, secretbox.KeySize)
		_, _ = rand.Read(key)
		return secretbox.New(key)
	}
	key, err := secretbox.ParseKey(cfg.TokenEncryptionKey.Reveal())
	if err != nil {
		return nil, fmt.Errorf("TOKEN_ENCRYPTION_KEY: %w", err)
	}
	var old [][]byte
	for _, s := range cfg.TokenEncryptionOldKey {
		k, err := secretbox.ParseKey(s.Reveal())
		if err != nil {
			return nil, fmt.Errorf("TOKEN_ENCRYPTION_OLD_KEYS: %w", err)
		}
		old = append(old, k)
	}
	return secretbox.NewWithOldKeys(key, old...)
}

// oauthProviders builds the configured sign-in providers.
func oauthProviders(cfg *config.Config) (map[string]ports.OAuthProvider, error) {
	out := map[string]ports.OAuthProvider{}
	callback := func(p string) string { return cfg.BaseURL() + "/api/v1/auth/oauth/" + p + "/callback" }
	if cfg.GitHubClientID != "" {
		gh, err := oauth.NewGitHub(oauth.GitHubOptions{ClientID: cfg.GitHubClientID, ClientSecret: cfg.GitHubClientSecret.Reveal(),
			RedirectURL: callback("github"), AuthURL: cfg.GitHubOAuthURL, APIURL: cfg.GitHubAPIURL})
		if err != nil {
			return nil, fmt.Errorf("GitHub sign-in: %w", err)
		}
		out["github"] = gh
	}
	if cfg.GoogleClientID != "" {
		g, err := oauth.NewGoogle(oauth.GoogleOptions{ClientID: cfg.GoogleClientID, ClientSecret: cfg.GoogleClientSecret.Reveal(),
			RedirectURL: callback("google"), BaseURL: cfg.GoogleOAuthURL})
		if err != nil {
			return nil, fmt.Errorf("Google sign-in: %w", err)
		}
		out["google"] = g
	}
	return out, nil
}

func background(log *slog.Logger) (*system.Background, func()) {
	b := system.NewBackground(log, 30*time.Second)
	return b, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := b.Wait(ctx); err != nil {
			log.Warn("background tasks still running at shutdown", slog.String("error", err.Error()))
		}
	}
}

func accountConfig(cfg *config.Config) account.Config {
	lim := func(r config.RateSpec) account.Limit { return account.Limit{N: r.N, Window: r.Window} }
	return account.Config{RefreshTTL: cfg.RefreshTokenTTL, FrontendURL: cfg.FrontendURL, OAuthStateTTL: 10 * time.Minute,
		Limits: account.Limits{LoginPerIP: lim(cfg.RateLoginIP), LoginPerAccount: lim(cfg.RateLoginAccount),
			RegisterPerIP: lim(cfg.RateRegisterIP), RegisterPerAccount: lim(cfg.RateRegisterAccount),
			RefreshPerIP: lim(cfg.RateRefreshIP), RefreshPerAccount: lim(cfg.RateRefreshAccount),
			ResetPerIP: lim(cfg.RateResetIP), ResetPerAccount: lim(cfg.RateResetAccount)}}
}
