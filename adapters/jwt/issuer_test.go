package jwt_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/jwt"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
)

const (
	testIssuer   = "https://codementor.test"
	testAudience = "codementor-api"
	testTTL      = 15 * time.Minute
	testLeeway   = 30 * time.Second
	userID       = "0190f3a4-7b2c-7d1e-8f00-1234567890ab"
)

// now is the verifiers' clock in these tests.
var now = time.Date(2026, 11, 25, 7, 15, 9, 0, time.UTC)

// secret returns a 32-byte key made of one repeated byte: distinct keys for
// distinct c.
func secret(c byte) []byte { return []byte(strings.Repeat(string(c), 32)) }

var (
	currentSecret = secret('c')
	oldSecret     = secret('o')
	otherSecret   = secret('x')
)

func options(at time.Time) jwt.Options {
	return jwt.Options{
		Secret:   currentSecret,
		Issuer:   testIssuer,
		Audience: testAudience,
		TTL:      testTTL,
		Leeway:   testLeeway,
		Now:      func() time.Time { return at },
	}
}

func newIssuer(t testing.TB, o jwt.Options) *jwt.Issuer {
	t.Helper()
	i, err := jwt.New(o)
	require.NoError(t, err)
	return i
}

// issueAt signs a learner's token as the current issuer would at the time at.
func issueAt(t testing.TB, at time.Time) string {
	t.Helper()
	tok, _, err := newIssuer(t, options(at)).Issue(userID, identity.RoleLearner)
	require.NoError(t, err)
	return tok
}

// claims are a well-formed payload, as Issue would write it at now.
func claims() map[string]any {
	return map[string]any{
		"iss":  testIssuer,
		"aud":  testAudience,
		"sub":  userID,
		"role": "learner",
		"jti":  "5f2b8c0e9a7d4e1fb3c6a8d0e2f4b6c8",
		"iat":  now.Unix(),
		"nbf":  now.Unix(),
		"exp":  now.Add(testTTL).Unix(),
	}
}

// with returns claims() changed by f.
func with(f func(c map[string]any)) map[string]any {
	c := claims()
	f(c)
	return c
}

// sign signs claims with any method and key, under the given kid ("" for no
// kid header).
func sign(t testing.TB, m gojwt.SigningMethod, key any, kid string, c map[string]any) string {
	t.Helper()
	tok := gojwt.NewWithClaims(m, gojwt.MapClaims(maps.Clone(c)))
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func b64(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

// craft builds a compact token by hand, with whatever header and signature.
func craft(t testing.TB, header, payload map[string]any, sig string) string {
	t.Helper()
	return b64(t, header) + "." + b64(t, payload) + "." + sig
}

// replacePart swaps one of a compact token's three parts.
func replacePart(tok string, i int, part string) string {
	parts := strings.Split(tok, ".")
	parts[i] = part
	return strings.Join(parts, ".")
}

// flipFirst changes the first character of a base64url part: the last
// character may only carry padding bits that a lenient decoder ignores.
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	change := func(f func(*jwt.Options)) jwt.Options {
		o := options(now)
		f(&o)
		return o
	}
	tests := []struct {
		name string
		o    jwt.Options
		ok   bool
	}{
		{"valid", options(now), true},
		{"nil clock and zero leeway use defaults", change(func(o *jwt.Options) { o.Now, o.Leeway = nil, 0 }), true},
		{"longest TTL", change(func(o *jwt.Options) { o.TTL = 24 * time.Hour }), true},
		{"previous secrets", change(func(o *jwt.Options) { o.PreviousSecrets = [][]byte{oldSecret, otherSecret} }), true},
		{"current secret repeated in previous", change(func(o *jwt.Options) { o.PreviousSecrets = [][]byte{currentSecret} }), true},
		{"zero value", jwt.Options{}, false},
		{"no secret", change(func(o *jwt.Options) { o.Secret = nil }), false},
		{"31-byte secret", change(func(o *jwt.Options) { o.Secret = currentSecret[:31] }), false},
		{"short previous secret", change(func(o *jwt.Options) { o.PreviousSecrets = [][]byte{oldSecret, []byte("short")} }), false},
		{"no issuer", change(func(o *jwt.Options) { o.Issuer = "" }), false},
		{"no audience", change(func(o *jwt.Options) { o.Audience = "" }), false},
		{"zero TTL", change(func(o *jwt.Options) { o.TTL = 0 }), false},
		{"negative TTL", change(func(o *jwt.Options) { o.TTL = -time.Minute }), false},
		{"TTL over a day", change(func(o *jwt.Options) { o.TTL = 24*time.Hour + time.Second }), false},
		{"negative leeway", change(func(o *jwt.Options) { o.Leeway = -time.Second }), false},
		{"leeway over 5 minutes", change(func(o *jwt.Options) { o.Leeway = 6 * time.Minute }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			i, err := jwt.New(tt.o)
			if tt.ok {
				require.NoError(t, err)
				assert.NotNil(t, i)
				return
			}
			require.Error(t, err)
			assert.Nil(t, i)
			assert.NotContains(t, err.Error(), string(currentSecret))
		})
	}
}

func TestIssueAndVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, role := range []identity.Role{identity.RoleLearner, identity.RoleAdmin} {
		t.Run(role.String(), func(t *testing.T) {
			t.Parallel()
			// A clock with nanoseconds and a zone: the claims come back in
			// whole seconds, in UTC, equal to what Issue answered.
			at := now.Add(123456789 * time.Nanosecond).In(time.FixedZone("X", 3600))
			iss := newIssuer(t, options(at))
			tok, issued, err := iss.Issue(userID, role)
			require.NoError(t, err)

			assert.Equal(t, userID, issued.UserID)
			assert.True(t, issued.Role.Equal(role))
			assert.Equal(t, now, issued.IssuedAt)
			assert.Equal(t, issued.IssuedAt.Add(testTTL), issued.ExpiresAt)
			assert.Regexp(t, `^[0-9a-f]{32}$`, issued.TokenID)

			verified, err := iss.Verify(tok)
			require.NoError(t, err)
			assert.Equal(t, issued, verified)

			header, payload := decodeParts(t, tok)
			assert.Equal(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": jwt.KeyID(currentSecret)}, header)
			assert.Equal(t, map[string]any{
				"iss": testIssuer, "aud": testAudience, "sub": userID, "role": role.String(),
				"jti": issued.TokenID, "iat": float64(now.Unix()), "nbf": float64(now.Unix()),
				"exp": float64(now.Add(testTTL).Unix()),
			}, payload)
		})
	}
}

func decodeParts(t *testing.T, tok string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, dst))
	}
	return header, payload
}

func TestIssueGivesEachTokenItsOwnID(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t, options(now))
	seen := map[string]bool{}
	for range 100 {
		_, c, err := iss.Issue(userID, identity.RoleLearner)
		require.NoError(t, err)
		require.False(t, seen[c.TokenID], "duplicate jti %s", c.TokenID)
		seen[c.TokenID] = true
	}
}

func TestIssueRefusesEmptyInput(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t, options(now))
	_, _, err := iss.Issue("", identity.RoleLearner)
	assert.Error(t, err)
	_, _, err = iss.Issue(userID, identity.Role{})
	assert.Error(t, err)
}

func TestKeyIDDoesNotRevealTheSecret(t *testing.T) {
	t.Parallel()
	kid := jwt.KeyID(currentSecret)
	assert.Regexp(t, `^[0-9a-f]{16}$`, kid)
	assert.NotContains(t, string(currentSecret), kid)
	assert.NotEqual(t, kid, jwt.KeyID(oldSecret))
	assert.Equal(t, kid, jwt.KeyID(secret('c')), "stable across processes")
}

func TestVerifyAcceptsClockSkewWithinLeeway(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t, options(now))
	tests := map[string]time.Time{
		"expired less than the leeway ago": now.Add(-testTTL - testLeeway + time.Second),
		"issued up to the leeway ahead":    now.Add(testLeeway),
	}
	for name, at := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := iss.Verify(issueAt(t, at))
			assert.NoError(t, err)
		})
	}
}

func TestZeroLeewayMeansDefault(t *testing.T) {
	t.Parallel()
	o := options(now)
	o.Leeway = 0
	iss := newIssuer(t, o)
	_, err := iss.Verify(issueAt(t, now.Add(-testTTL-jwt.DefaultLeeway+time.Second)))
	assert.NoError(t, err, "within the default leeway")
	_, err = iss.Verify(issueAt(t, now.Add(-testTTL-jwt.DefaultLeeway-time.Second)))
	assert.ErrorIs(t, err, jwt.ErrTokenExpired)
}

// TestVerifyRejects is the bad-input table: every case must fail with
// domain.ErrUnauthorized for the reason given, and only a genuine token past
// its time is called expired.
func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	kid := jwt.KeyID(currentSecret)
	good := issueAt(t, now)
	goodSig := strings.Split(good, ".")[2]
	hs256 := func(c map[string]any) string { return sign(t, gojwt.SigningMethodHS256, currentSecret, kid, c) }
	header := func(alg string) map[string]any { return map[string]any{"alg": alg, "typ": "JWT", "kid": kid} }

	tests := []struct {
		name   string
		token  string
		reason string // "expired" for ErrTokenExpired, else ErrTokenInvalid's reason
	}{
		// Time.
		{"expired", issueAt(t, now.Add(-testTTL-testLeeway-time.Second)), "expired"},
		{"expired long ago", issueAt(t, now.Add(-30*24*time.Hour)), "expired"},
		{"not valid yet", hs256(with(func(c map[string]any) { c["nbf"] = now.Add(2 * time.Minute).Unix() })), "not valid yet"},
		{"issued in the future", issueAt(t, now.Add(testLeeway+time.Second)), "issued in the future"},
		// Who it is for and from.
		{"wrong audience", hs256(with(func(c map[string]any) { c["aud"] = "another-api" })), "wrong audience"},
		{"audience as a list", hs256(with(func(c map[string]any) { c["aud"] = []string{testAudience} })), "malformed token"},
		{"no audience", hs256(with(func(c map[string]any) { delete(c, "aud") })), "missing claim"},
		{"wrong issuer", hs256(with(func(c map[string]any) { c["iss"] = "https://evil.test" })), "wrong issuer"},
		{"no issuer", hs256(with(func(c map[string]any) { delete(c, "iss") })), "missing claim"},
		// Required claims.
		{"missing sub", hs256(with(func(c map[string]any) { delete(c, "sub") })), "missing claim"},
		{"empty sub", hs256(with(func(c map[string]any) { c["sub"] = "" })), "missing claim"},
		{"missing jti", hs256(with(func(c map[string]any) { delete(c, "jti") })), "missing claim"},
		{"missing exp", hs256(with(func(c map[string]any) { delete(c, "exp") })), "missing claim"},
		{"missing iat", hs256(with(func(c map[string]any) { delete(c, "iat") })), "missing claim"},
		{"exp not a number", hs256(with(func(c map[string]any) { c["exp"] = "tomorrow" })), "malformed token"},
		{"unknown role", hs256(with(func(c map[string]any) { c["role"] = "superuser" })), "unknown role"},
		{"role in another case", hs256(with(func(c map[string]any) { c["role"] = "Admin" })), "unknown role"},
		{"missing role", hs256(with(func(c map[string]any) { delete(c, "role") })), "unknown role"},
		// Algorithms.
		{"alg none, empty signature", craft(t, header("none"), claims(), ""), "algorithm not allowed"},
		{"alg none, real signature kept", craft(t, header("none"), claims(), goodSig), "algorithm not allowed"},
		{"alg NONE", craft(t, header("NONE"), claims(), ""), "unverifiable token"},
		{"no alg", craft(t, map[string]any{"typ": "JWT", "kid": kid}, claims(), goodSig), "unverifiable token"},
		{"HS384 with the right key", sign(t, gojwt.SigningMethodHS384, currentSecret, kid, claims()), "algorithm not allowed"},
		{"HS512 with the right key", sign(t, gojwt.SigningMethodHS512, currentSecret, kid, claims()), "algorithm not allowed"},
		{"RS256", sign(t, gojwt.SigningMethodRS256, rsaKey, kid, claims()), "algorithm not allowed"},
		{"RS256 public key as HMAC secret, our kid", sign(t, gojwt.SigningMethodHS256, pubPEM, kid, claims()), "bad signature"},
		{"RS256 public key as HMAC secret, its kid", sign(t, gojwt.SigningMethodHS256, pubPEM, jwt.KeyID(pubPEM), claims()), "unknown key id"},
		{"RS256 public key DER as HMAC secret", sign(t, gojwt.SigningMethodHS256, pubDER, kid, claims()), "bad signature"},
		// Keys.
		{"another key under our kid", sign(t, gojwt.SigningMethodHS256, otherSecret, kid, claims()), "bad signature"},
		{"another key under its own kid", sign(t, gojwt.SigningMethodHS256, otherSecret, jwt.KeyID(otherSecret), claims()), "unknown key id"},
		{"another key, expired", sign(t, gojwt.SigningMethodHS256, otherSecret, kid, with(func(c map[string]any) {
			c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Hour+testTTL).Unix()
		})), "bad signature"},
		{"no kid", sign(t, gojwt.SigningMethodHS256, currentSecret, "", claims()), "missing key id"},
		{"kid not a string", craftSigned(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": 42}, claims()), "missing key id"},
		{"the secret itself as kid", sign(t, gojwt.SigningMethodHS256, currentSecret, string(currentSecret), claims()), "unknown key id"},
		{"crit header", craftSigned(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid, "crit": []string{"exp"}}, claims()), "unsupported critical header"},
		// Tampering.
		{"payload changed to admin, signature kept", replacePart(good, 1, b64(t, with(func(c map[string]any) { c["role"] = "admin" }))), "bad signature"},
		{"payload changed to another user, signature kept", replacePart(good, 1, b64(t, with(func(c map[string]any) { c["sub"] = "someone-else" }))), "bad signature"},
		{"signature changed", replacePart(good, 2, flipFirst(goodSig)), "bad signature"},
		{"signature removed", replacePart(good, 2, ""), "bad signature"},
		{"signature truncated", replacePart(good, 2, goodSig[:len(goodSig)-4]), "bad signature"},
		{"header changed", replacePart(good, 0, b64(t, map[string]any{"alg": "HS256", "kid": kid})), "bad signature"},
		{"extra part", good + ".x", "malformed token"},
		{"padded parts", strings.Replace(good, ".", "=.", 1), "malformed token"},
		{"surrounding space", " " + good + " ", "malformed token"},
		{"bearer prefix left on", "Bearer " + good, "malformed token"},
		// Garbage.
		{"empty", "", "empty token"},
		{"one dot", "a.b", "malformed token"},
		{"dots", "...", "malformed token"},
		{"two dots", "..", "malformed token"},
		{"not base64", "!!!.@@@.###", "malformed token"},
		{"base64 of not JSON", "bm90IGpzb24.bm90IGpzb24.bm90IGpzb24", "malformed token"},
		{"JSON array header", b64(t, []int{1}) + "." + b64(t, claims()) + "." + goodSig, "malformed token"},
		{"very long", strings.Repeat("a", 1<<20), "token too long"},
		{"very long, well formed", hs256(with(func(c map[string]any) { c["pad"] = strings.Repeat("x", 8192) })), "token too long"},
	}
	iss := newIssuer(t, options(now))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := iss.Verify(tt.token)
			require.Error(t, err)
			assert.Zero(t, got)
			assert.ErrorIs(t, err, domain.ErrUnauthorized)
			if tt.reason == "expired" {
				assert.ErrorIs(t, err, jwt.ErrTokenExpired)
				assert.NotErrorIs(t, err, jwt.ErrTokenInvalid)
			} else {
				assert.ErrorIs(t, err, jwt.ErrTokenInvalid)
				assert.NotErrorIs(t, err, jwt.ErrTokenExpired)
				// The reason proves the case fails for what it changes.
				assert.Equal(t, jwt.ErrTokenInvalid.Error()+": "+tt.reason, err.Error())
			}
			assertNoLeak(t, err, tt.token)
		})
	}
}

// assertNoLeak checks that err quotes neither the token nor any of its parts.
func assertNoLeak(t *testing.T, err error, token string) {
	t.Helper()
	msg := err.Error()
	assert.Less(t, len(msg), 100, "a short reason: %q", msg)
	assert.NotContains(t, msg, string(currentSecret))
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 {
			assert.NotContains(t, msg, part)
		}
	}
}

// craftSigned signs a hand-made header and payload with the current secret,
// for headers gojwt would not write.
func craftSigned(t testing.TB, header, payload map[string]any) string {
	t.Helper()
	signing := b64(t, header) + "." + b64(t, payload)
	sig, err := gojwt.SigningMethodHS256.Sign(signing, currentSecret)
	require.NoError(t, err)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerifyAcceptsHandCraftedTokenOfTheRightShape(t *testing.T) {
	t.Parallel()
	// The control for the tables above: the helpers build valid tokens, so
	// each rejection is down to the one thing its case changes.
	iss := newIssuer(t, options(now))
	kid := jwt.KeyID(currentSecret)
	for name, tok := range map[string]string{
		"gojwt":     sign(t, gojwt.SigningMethodHS256, currentSecret, kid, claims()),
		"by hand":   craftSigned(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid}, claims()),
		"no typ":    craftSigned(t, map[string]any{"alg": "HS256", "kid": kid}, claims()),
		"no nbf":    sign(t, gojwt.SigningMethodHS256, currentSecret, kid, with(func(c map[string]any) { delete(c, "nbf") })),
		"admin":     sign(t, gojwt.SigningMethodHS256, currentSecret, kid, with(func(c map[string]any) { c["role"] = "admin" })),
		"extra key": sign(t, gojwt.SigningMethodHS256, currentSecret, kid, with(func(c map[string]any) { c["scope"] = "x" })),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := iss.Verify(tok)
			require.NoError(t, err)
			assert.Equal(t, userID, c.UserID)
			assert.Equal(t, now, c.IssuedAt)
			assert.Equal(t, now.Add(testTTL), c.ExpiresAt)
		})
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	oldOpts := options(now)
	oldOpts.Secret = oldSecret
	oldIssuer := newIssuer(t, oldOpts)
	oldToken, oldClaims, err := oldIssuer.Issue(userID, identity.RoleAdmin)
	require.NoError(t, err)

	rotated := options(now)
	rotated.PreviousSecrets = [][]byte{otherSecret, oldSecret}
	afterRotation := newIssuer(t, rotated)
	// Once the old secret is dropped.
	retired := newIssuer(t, options(now))

	t.Run("old token verifies while its secret is a previous one", func(t *testing.T) {
		t.Parallel()
		c, err := afterRotation.Verify(oldToken)
		require.NoError(t, err)
		assert.Equal(t, oldClaims, c)
	})
	t.Run("new tokens are signed with the current secret", func(t *testing.T) {
		t.Parallel()
		tok, issued, err := afterRotation.Issue(userID, identity.RoleLearner)
		require.NoError(t, err)
		header, _ := decodeParts(t, tok)
		assert.Equal(t, jwt.KeyID(currentSecret), header["kid"])
		for _, v := range []*jwt.Issuer{afterRotation, retired} {
			c, err := v.Verify(tok)
			require.NoError(t, err)
			assert.Equal(t, issued, c)
		}
		_, err = oldIssuer.Verify(tok)
		assert.ErrorIs(t, err, jwt.ErrTokenInvalid, "the old deployment does not know the new key")
	})
	t.Run("old token fails once its secret is dropped", func(t *testing.T) {
		t.Parallel()
		_, err := retired.Verify(oldToken)
		assert.ErrorIs(t, err, domain.ErrUnauthorized)
		assert.ErrorIs(t, err, jwt.ErrTokenInvalid)
		assertNoLeak(t, err, oldToken)
	})
	t.Run("previous secrets still check the signature", func(t *testing.T) {
		t.Parallel()
		// A forger who knows the old kid but not the old secret.
		forged := sign(t, gojwt.SigningMethodHS256, secret('f'), jwt.KeyID(oldSecret), claims())
		_, err := afterRotation.Verify(forged)
		assert.ErrorIs(t, err, jwt.ErrTokenInvalid)
	})
	t.Run("an expired old token is expired, not invalid", func(t *testing.T) {
		t.Parallel()
		o := oldOpts
		o.Now = func() time.Time { return now.Add(-time.Hour) }
		tok, _, err := newIssuer(t, o).Issue(userID, identity.RoleLearner)
		require.NoError(t, err)
		_, err = afterRotation.Verify(tok)
		assert.ErrorIs(t, err, jwt.ErrTokenExpired)
	})
}

func TestOptionsAreCopied(t *testing.T) {
	t.Parallel()
	s := secret('m')
	o := options(now)
	o.Secret = s
	iss := newIssuer(t, o)
	tok, _, err := iss.Issue(userID, identity.RoleLearner)
	require.NoError(t, err)
	s[0] = 'z' // the caller reuses its buffer
	_, err = iss.Verify(tok)
	assert.NoError(t, err)
}

func TestVerifyIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t, options(now))
	good, _, err := iss.Issue(userID, identity.RoleLearner)
	require.NoError(t, err)
	bad := replacePart(good, 2, flipFirst(strings.Split(good, ".")[2]))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 32 {
		wg.Go(func() {
			if _, err := iss.Verify(good); err != nil {
				errs <- err
			}
			if _, err := iss.Verify(bad); err == nil {
				errs <- errors.New("forged token accepted")
			}
			if _, _, err := iss.Issue(userID, identity.RoleLearner); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"32 bytes", strings.Repeat("k", 32), true},
		{"64 bytes of base64 text, used as is", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", true},
		{"multibyte characters count in bytes", strings.Repeat("é", 16), true},
		{"31 bytes", strings.Repeat("k", 31), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := jwt.ParseSecret(tt.in)
			if !tt.ok {
				require.Error(t, err)
				if tt.in != "" {
					assert.NotContains(t, err.Error(), tt.in)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []byte(tt.in), b)
		})
	}
}

func TestParseSecrets(t *testing.T) {
	t.Parallel()
	a, b := strings.Repeat("a", 32), strings.Repeat("b", 40)

	got, err := jwt.ParseSecrets([]string{a, "", b})
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte(a), []byte(b)}, got)

	got, err = jwt.ParseSecrets(nil)
	require.NoError(t, err)
	assert.Empty(t, got)

	_, err = jwt.ParseSecrets([]string{a, "too-short-secret"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "secret 1")
	assert.NotContains(t, err.Error(), "too-short-secret")
}

// BenchmarkVerify is a token seen before (the common case: a client sends
// its token with every request), answered from the verified-token cache.
func BenchmarkVerify(b *testing.B) {
	iss := newIssuer(b, options(now))
	tok, _, err := iss.Issue(userID, identity.RoleLearner)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iss.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyFirstSight is a token never seen before: the full parse
// and signature check.
func BenchmarkVerifyFirstSight(b *testing.B) {
	iss := newIssuer(b, options(now))
	toks := make([]string, 4096)
	for i := range toks {
		tok, _, err := iss.Issue(userID, identity.RoleLearner)
		require.NoError(b, err)
		toks[i] = tok
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%len(toks) == 0 {
			b.StopTimer()
			iss = newIssuer(b, options(now)) // an empty cache
			b.StartTimer()
		}
		if _, err := iss.Verify(toks[i%len(toks)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkIssue(b *testing.B) {
	iss := newIssuer(b, options(now))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := iss.Issue(userID, identity.RoleLearner); err != nil {
			b.Fatal(err)
		}
	}
}
