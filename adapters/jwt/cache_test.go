package jwt

import (
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func TestVerifiedTokensAreCachedButNeverPastTheirExpiry(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	iss, err := New(Options{Secret: []byte(strings.Repeat("k", 32)), Issuer: "cm", Audience: "api",
		TTL: 90 * time.Second, Leeway: time.Second, Now: clock.Now})
	require.NoError(t, err)
	tok, _, err := iss.Issue("user-1", identity.RoleLearner)
	require.NoError(t, err)

	_, err = iss.Verify(tok)
	require.NoError(t, err)
	_, cached := iss.verified.get(tok, clock.Now())
	assert.True(t, cached)

	_, err = iss.Verify(tok[:len(tok)-2] + "xx")
	require.Error(t, err)
	assert.Len(t, iss.verified.entries, 1, "failures are not cached")

	clock.add(61 * time.Second)
	_, cached = iss.verified.get(tok, clock.Now())
	assert.False(t, cached, "an entry lives a minute at most")
	_, err = iss.Verify(tok)
	require.NoError(t, err, "re-verified from scratch")

	clock.add(29500 * time.Millisecond) // past exp (90s), within the 1s leeway
	_, err = iss.Verify(tok)
	require.NoError(t, err)
	_, cached = iss.verified.get(tok, clock.Now())
	assert.False(t, cached, "a token valid only thanks to the leeway is not kept")
	clock.add(2 * time.Second)
	_, err = iss.Verify(tok)
	assert.ErrorIs(t, err, ErrTokenExpired)
}

func TestVerifiedCacheStaysBounded(t *testing.T) {
	t.Parallel()
	var c verifiedCache
	now := time.Now()
	for i := range verifiedMaxLen + 100 {
		c.put(strings.Repeat("t", 10)+string(rune(i)), accessClaims(now), now)
	}
	assert.LessOrEqual(t, len(c.entries), verifiedMaxLen)
}

func accessClaims(now time.Time) (ac ports.AccessClaims) {
	ac.ExpiresAt = now.Add(time.Hour)
	return ac
}

// TestCacheKeysDoNotAliasTheCallersBytes: HTTP servers hand Verify strings
// that point into buffers they reuse for the next request. The cache must
// keep its own copy, or a later request's token would find an earlier
// token's result.
func TestCacheKeysDoNotAliasTheCallersBytes(t *testing.T) {
	t.Parallel()
	iss, err := New(Options{Secret: []byte(strings.Repeat("k", 32)), Issuer: "cm", Audience: "api", TTL: time.Minute})
	require.NoError(t, err)
	good, _, err := iss.Issue("user-1", identity.RoleLearner)
	require.NoError(t, err)
	buf := []byte(good)
	_, err = iss.Verify(unsafe.String(&buf[0], len(buf)))
	require.NoError(t, err)

	// The "next request" reuses the buffer for a forged token.
	forged := good[:len(good)-3] + "abc"
	copy(buf, forged)
	_, err = iss.Verify(forged)
	assert.ErrorIs(t, err, ErrTokenInvalid, "a forged token must not hit the genuine one's entry")
	_, err = iss.Verify(good)
	assert.NoError(t, err)
}
