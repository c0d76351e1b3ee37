package identity_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/codementor/codementor/domain/identity"
)

func TestDecideRefresh(t *testing.T) {
	t.Parallel()
	issued := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	expires := issued.Add(30 * 24 * time.Hour)
	before, after := expires.Add(-time.Nanosecond), expires.Add(time.Hour)
	used := issued.Add(time.Hour)
	revoked := issued.Add(2 * time.Hour)

	tests := []struct {
		name      string
		usedAt    *time.Time
		revokedAt *time.Time
		now       time.Time
		want      identity.RefreshOutcome
	}{
		{"live token rotates", nil, nil, issued.Add(time.Minute), identity.RefreshRotate},
		{"live token at issue time rotates", nil, nil, issued, identity.RefreshRotate},
		{"a nanosecond before expiry rotates", nil, nil, before, identity.RefreshRotate},
		{"now == ExpiresAt is expired", nil, nil, expires, identity.RefreshExpired},
		{"after expiry is expired", nil, nil, after, identity.RefreshExpired},
		{"used token is reuse", &used, nil, issued.Add(3 * time.Hour), identity.RefreshReuse},
		{"used beats expired", &used, nil, after, identity.RefreshReuse},
		{"used beats expired at the boundary", &used, nil, expires, identity.RefreshReuse},
		{"revoked session", nil, &revoked, issued.Add(3 * time.Hour), identity.RefreshRevoked},
		{"revoked beats used", &used, &revoked, issued.Add(3 * time.Hour), identity.RefreshRevoked},
		{"revoked beats expired", nil, &revoked, after, identity.RefreshRevoked},
		{"revoked beats used and expired", &used, &revoked, after, identity.RefreshRevoked},
		{"a revocation in the future still counts", nil, sessionTimePtr(after.Add(time.Hour)), issued.Add(time.Minute), identity.RefreshRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok := identity.RefreshToken{ID: "t1", SessionID: "s1", Hash: "h", IssuedAt: issued, ExpiresAt: expires, UsedAt: tt.usedAt}
			s := identity.Session{ID: "s1", UserID: "u1", CreatedAt: issued, RevokedAt: tt.revokedAt}
			assert.Equal(t, tt.want, identity.DecideRefresh(tok, s, tt.now))
		})
	}
}

func TestDecideRefreshComparesInstantsAcrossZones(t *testing.T) {
	t.Parallel()
	expires := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	tok := identity.RefreshToken{ExpiresAt: expires}
	paris := expires.In(time.FixedZone("CET", 3600))
	assert.Equal(t, identity.RefreshExpired, identity.DecideRefresh(tok, identity.Session{}, paris))
	assert.Equal(t, identity.RefreshRotate, identity.DecideRefresh(tok, identity.Session{}, paris.Add(-time.Second)))
}

func sessionTimePtr(t time.Time) *time.Time { return &t }
