// Package jwt issues and verifies access tokens as JWTs signed with HS256.
//
// The verifier pins the algorithm, the issuer and the audience, requires
// exp, iat, sub, jti and a known role, and picks the key by the token's kid
// header among the current secret and the previous ones, so the signing key
// can be rotated without signing everybody out: deploy the new secret with
// the old one in PreviousSecrets, and drop the old one once every token it
// signed has expired (one TTL later).
package jwt

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

var _ ports.TokenIssuer = (*Issuer)(nil)

const (
	// MinSecretLength is the shortest secret accepted: HS256 wants a key at
	// least as long as its hash (RFC 7518, section 3.2).
	MinSecretLength = 32
	// DefaultTTL is the access token lifetime the configuration should use
	// unless told otherwise.
	DefaultTTL = 15 * time.Minute
	// MaxTTL bounds the lifetime: access tokens cannot be revoked, so a long
	// one outlives a sign-out, a ban or a role change.
	MaxTTL = 24 * time.Hour
	// DefaultLeeway is the clock skew allowed when Options.Leeway is zero.
	DefaultLeeway = 30 * time.Second
	// MaxLeeway keeps a typo from turning skew into a longer lifetime.
	MaxLeeway = 5 * time.Minute
	// maxTokenLength refuses absurd inputs before decoding anything: our
	// tokens are about 350 bytes.
	maxTokenLength = 4096
	kidLength      = 16 // hex characters of SHA-256(secret)
	algorithm      = "HS256"
)

// Errors returned by Verify. Both wrap domain.ErrUnauthorized; ErrTokenExpired
// lets a client be told to refresh rather than to sign in again.
var (
	ErrTokenExpired = fmt.Errorf("%w: access token expired", domain.ErrUnauthorized)
	ErrTokenInvalid = fmt.Errorf("%w: access token invalid", domain.ErrUnauthorized)
)

// Reasons the key lookup fails; translate turns them into ErrTokenInvalid.
var (
	errMissingKid = errors.New("missing kid")
	errUnknownKid = errors.New("unknown kid")
	errCritical   = errors.New("crit header")
	errWrongAlg   = errors.New("algorithm not allowed")
)

// Options configure an Issuer.
type Options struct {
	// Secret signs new tokens and verifies them; at least 32 bytes.
	Secret []byte
	// PreviousSecrets only verify, for tokens signed before a rotation.
	PreviousSecrets [][]byte
	Issuer          string
	Audience        string
	// TTL is the tokens' lifetime: more than zero, at most MaxTTL (see
	// DefaultTTL).
	TTL time.Duration
	// Leeway is the clock skew allowed on exp, nbf and iat; zero means
	// DefaultLeeway.
	Leeway time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Issuer implements ports.TokenIssuer with HS256 JWTs. It is safe for
// concurrent use.
type Issuer struct {
	kid      string
	secret   []byte
	keys     map[string][]byte // kid -> verification key, current and previous
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *gojwt.Parser
	verified verifiedCache
}

// New validates o and returns an Issuer.
func New(o Options) (*Issuer, error) {
	if len(o.Secret) < MinSecretLength {
		return nil, fmt.Errorf("jwt: secret must be at least %d bytes", MinSecretLength)
	}
	if o.Issuer == "" {
		return nil, errors.New("jwt: issuer is empty")
	}
	if o.Audience == "" {
		return nil, errors.New("jwt: audience is empty")
	}
	if o.TTL <= 0 || o.TTL > MaxTTL {
		return nil, fmt.Errorf("jwt: TTL %s outside (0, %s]", o.TTL, MaxTTL)
	}
	leeway := o.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	if leeway < 0 || leeway > MaxLeeway {
		return nil, fmt.Errorf("jwt: leeway %s outside [0, %s]", o.Leeway, MaxLeeway)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}

	secret := clone(o.Secret)
	kid := KeyID(secret)
	keys := map[string][]byte{kid: secret}
	for i, prev := range o.PreviousSecrets {
		if len(prev) < MinSecretLength {
			return nil, fmt.Errorf("jwt: previous secret %d must be at least %d bytes", i, MinSecretLength)
		}
		pk := KeyID(prev)
		if have, ok := keys[pk]; ok {
			if string(have) == string(prev) {
				continue // the same secret listed twice
			}
			return nil, fmt.Errorf("jwt: previous secret %d has the key id of another secret", i)
		}
		keys[pk] = clone(prev)
	}

	return &Issuer{
		kid:      kid,
		secret:   secret,
		keys:     keys,
		issuer:   o.Issuer,
		audience: o.Audience,
		ttl:      o.TTL,
		now:      now,
		parser: gojwt.NewParser(
			gojwt.WithValidMethods([]string{algorithm}),
			gojwt.WithIssuer(o.Issuer),
			gojwt.WithAudience(o.Audience),
			gojwt.WithExpirationRequired(),
			gojwt.WithIssuedAt(),
			gojwt.WithLeeway(leeway),
			gojwt.WithTimeFunc(now),
		),
	}, nil
}

// KeyID is the kid header of tokens signed with secret: the first 16 hex
// characters of its SHA-256. It names the key without revealing it.
func KeyID(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:])[:kidLength]
}

// ParseSecret turns the configured JWT_SECRET into a key. The string is used
// as raw bytes, exactly as given (no trimming, no base64 or hex decoding), and
// must be at least 32 bytes long; generate one with, for example,
// `openssl rand -base64 48`. The error never contains the secret.
func ParseSecret(s string) ([]byte, error) {
	if len(s) < MinSecretLength {
		return nil, fmt.Errorf("jwt: secret is %d bytes, want at least %d", len(s), MinSecretLength)
	}
	return []byte(s), nil
}

// ParseSecrets applies ParseSecret to each entry of a configured list of
// previous secrets. Empty entries are skipped, so an unset variable or a
// trailing comma means no secret rather than an error.
func ParseSecrets(list []string) ([][]byte, error) {
	out := make([][]byte, 0, len(list))
	for i, s := range list {
		if s == "" {
			continue
		}
		b, err := ParseSecret(s)
		if err != nil {
			return nil, fmt.Errorf("secret %d: %w", i, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// claims is the token's payload. The audience is a plain string, not
// gojwt.ClaimStrings, so the token says it as one string whatever
// gojwt.MarshalSingleStringAsString is set to, and a token with a list of
// audiences fails to decode: we accept only what we issue.
type claims struct {
	Issuer    string             `json:"iss,omitempty"`
	Subject   string             `json:"sub,omitempty"`
	Audience  string             `json:"aud,omitempty"`
	ExpiresAt *gojwt.NumericDate `json:"exp,omitempty"`
	NotBefore *gojwt.NumericDate `json:"nbf,omitempty"`
	IssuedAt  *gojwt.NumericDate `json:"iat,omitempty"`
	ID        string             `json:"jti,omitempty"`
	Role      string             `json:"role,omitempty"`
}

func (c *claims) GetExpirationTime() (*gojwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c *claims) GetIssuedAt() (*gojwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c *claims) GetNotBefore() (*gojwt.NumericDate, error)      { return c.NotBefore, nil }
func (c *claims) GetIssuer() (string, error)                     { return c.Issuer, nil }
func (c *claims) GetSubject() (string, error)                    { return c.Subject, nil }
func (c *claims) GetAudience() (gojwt.ClaimStrings, error) {
	if c.Audience == "" {
		return nil, nil
	}
	return gojwt.ClaimStrings{c.Audience}, nil
}

// Issue signs an access token for the user, valid for the TTL from now.
func (i *Issuer) Issue(userID string, role identity.Role) (string, ports.AccessClaims, error) {
	if userID == "" {
		return "", ports.AccessClaims{}, errors.New("jwt: issue: empty user id")
	}
	if role.IsZero() {
		return "", ports.AccessClaims{}, errors.New("jwt: issue: no role")
	}
	jti, err := newTokenID()
	if err != nil {
		return "", ports.AccessClaims{}, err
	}
	// Whole seconds, in UTC: what the token can say is what we answer.
	iat := i.now().Truncate(time.Second).UTC()
	exp := iat.Add(i.ttl)
	c := &claims{
		Issuer:    i.issuer,
		Subject:   userID,
		Audience:  i.audience,
		ExpiresAt: gojwt.NewNumericDate(exp),
		NotBefore: gojwt.NewNumericDate(iat),
		IssuedAt:  gojwt.NewNumericDate(iat),
		ID:        jti,
		Role:      role.String(),
	}
	t := gojwt.NewWithClaims(gojwt.SigningMethodHS256, c)
	t.Header["kid"] = i.kid
	signed, err := t.SignedString(i.secret)
	if err != nil {
		return "", ports.AccessClaims{}, fmt.Errorf("jwt: sign: %w", err)
	}
	return signed, ports.AccessClaims{UserID: userID, Role: role, TokenID: jti, IssuedAt: iat, ExpiresAt: exp}, nil
}

// Verify checks the token's algorithm, key, signature, issuer, audience and
// times, and that it names a user, a known role and an id. Every failure is
// ErrTokenExpired or ErrTokenInvalid with a short reason, both
// domain.ErrUnauthorized; no error repeats the token.
func (i *Issuer) Verify(token string) (ports.AccessClaims, error) {
	if token == "" {
		return ports.AccessClaims{}, invalid("empty token")
	}
	if len(token) > maxTokenLength {
		return ports.AccessClaims{}, invalid("token too long")
	}
	if ac, ok := i.verified.get(token, i.now()); ok {
		return ac, nil
	}
	c := &claims{}
	if t, err := i.parser.ParseWithClaims(token, c, i.key); err != nil {
		return ports.AccessClaims{}, translate(t, err)
	}
	if c.Subject == "" || c.ID == "" || c.IssuedAt == nil {
		return ports.AccessClaims{}, invalid("missing claim")
	}
	role, err := identity.ParseRole(c.Role)
	if err != nil {
		return ports.AccessClaims{}, invalid("unknown role")
	}
	ac := ports.AccessClaims{
		UserID:    c.Subject,
		Role:      role,
		TokenID:   c.ID,
		IssuedAt:  c.IssuedAt.UTC(),
		ExpiresAt: c.ExpiresAt.UTC(),
	}
	i.verified.put(token, ac, i.now())
	return ac, nil
}

// key picks the verification key by kid. The parser has already refused
// every algorithm but HS256; checking again here keeps a change of options
// from letting an RS256 or "none" token reach an HMAC key.
func (i *Issuer) key(t *gojwt.Token) (any, error) {
	if t.Method != gojwt.SigningMethodHS256 {
		return nil, errWrongAlg
	}
	// RFC 7515, 4.1.11: extensions we do not understand must be refused.
	if _, ok := t.Header["crit"]; ok {
		return nil, errCritical
	}
	kid, ok := t.Header["kid"].(string)
	if !ok || kid == "" {
		return nil, errMissingKid
	}
	k, ok := i.keys[kid]
	if !ok {
		return nil, errUnknownKid
	}
	return k, nil
}

// translate turns a parser error into one of ours with a fixed reason: the
// parser's messages can quote parts of the token. A token with another
// algorithm is reported as such whatever else the parser said about it (it
// files them under a bad signature). A token is called expired
// only when that is its sole fault (the signature is checked before the
// claims), so "refresh and retry" is never the advice for a forged one.
func translate(t *gojwt.Token, err error) error {
	switch {
	case t != nil && t.Method != nil && t.Method != gojwt.SigningMethodHS256:
		return invalid("algorithm not allowed")
	case errors.Is(err, errMissingKid):
		return invalid("missing key id")
	case errors.Is(err, errUnknownKid):
		return invalid("unknown key id")
	case errors.Is(err, errCritical):
		return invalid("unsupported critical header")
	case errors.Is(err, gojwt.ErrTokenMalformed):
		return invalid("malformed token")
	case errors.Is(err, gojwt.ErrTokenUnverifiable):
		return invalid("unverifiable token")
	case errors.Is(err, gojwt.ErrTokenSignatureInvalid):
		return invalid("bad signature")
	case errors.Is(err, gojwt.ErrTokenInvalidAudience):
		return invalid("wrong audience")
	case errors.Is(err, gojwt.ErrTokenInvalidIssuer):
		return invalid("wrong issuer")
	case errors.Is(err, gojwt.ErrTokenRequiredClaimMissing):
		return invalid("missing claim")
	case errors.Is(err, gojwt.ErrTokenUsedBeforeIssued):
		return invalid("issued in the future")
	case errors.Is(err, gojwt.ErrTokenNotValidYet):
		return invalid("not valid yet")
	case errors.Is(err, gojwt.ErrTokenExpired):
		return ErrTokenExpired
	}
	return invalid("rejected")
}

func invalid(reason string) error { return fmt.Errorf("%w: %s", ErrTokenInvalid, reason) }

// newTokenID returns 128 random bits in hex.
func newTokenID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("jwt: token id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
