package contract

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/learner"
	"github.com/codementor/codementor/ports"
)

// IdentityStore is every identity repository of one adapter, sharing one
// database.
type IdentityStore struct {
	Users      ports.UserRepository
	Sessions   ports.SessionRepository
	Tokens     ports.OneTimeTokenRepository
	Identities ports.LinkedIdentityRepository
	Profiles   ports.ProfileRepository
	Tx         ports.TxManager
}

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 123456000, time.UTC)

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func seedUser(t *testing.T, s IdentityStore) *identity.User {
	t.Helper()
	u := newUser(t, newID()[24:]+"@example.com")
	require.NoError(t, s.Users.Create(context.Background(), u))
	return u
}

// IdentityRepositories runs the sessions, tokens, linked identities and
// profiles contracts.
func IdentityRepositories(t *testing.T, newStore func(t *testing.T) IdentityStore) {
	ctx := context.Background()

	t.Run("user snapshot round trips every field", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := newUser(t, "full@example.com")
		u.SetPasswordHash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", t0)
		u.VerifyEmail(t0)
		bio, tz, avatar := "Learning Go", "Europe/Paris", "https://example.com/a.png"
		require.NoError(t, u.ApplyAccountPatch(identity.AccountPatch{Bio: &bio, Timezone: &tz, AvatarURL: &avatar}, t0))
		require.NoError(t, s.Users.Create(ctx, u))
		got, err := s.Users.GetByID(ctx, u.ID())
		require.NoError(t, err)
		want, have := u.Snapshot(), got.Snapshot()
		require.NotNil(t, have.EmailVerifiedAt)
		assert.True(t, want.EmailVerifiedAt.Equal(*have.EmailVerifiedAt))
		want.EmailVerifiedAt, have.EmailVerifiedAt = nil, nil
		want.CreatedAt, want.UpdatedAt = want.CreatedAt.Truncate(time.Microsecond), want.UpdatedAt.Truncate(time.Microsecond)
		assert.Equal(t, want, have)
	})

	t.Run("sessions: create, find, claim once, rotate, revoke", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := seedUser(t, s)
		sess := identity.Session{ID: newID(), UserID: u.ID(), CreatedAt: t0, UserAgent: "curl/8", IP: "203.0.113.9"}
		first := identity.RefreshToken{ID: newID(), SessionID: sess.ID, Hash: "hash-1", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		require.NoError(t, s.Sessions.Create(ctx, sess, first))

		tok, gotSess, err := s.Sessions.FindToken(ctx, "hash-1")
		require.NoError(t, err)
		assert.Equal(t, first.ID, tok.ID)
		assert.Nil(t, tok.UsedAt)
		assert.Equal(t, u.ID(), gotSess.UserID)
		assert.Equal(t, "203.0.113.9", gotSess.IP)
		assert.Nil(t, gotSess.RevokedAt)
		_, _, err = s.Sessions.FindToken(ctx, "no-such-hash")
		assert.ErrorIs(t, err, domain.ErrNotFound)

		// Exactly one of many concurrent claims wins.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.Sessions.ClaimToken(ctx, first.ID, t0.Add(time.Minute))
				assert.NoError(t, err)
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		tok, _, err = s.Sessions.FindToken(ctx, "hash-1")
		require.NoError(t, err)
		require.NotNil(t, tok.UsedAt)
		assert.Equal(t, identity.RefreshReuse, identity.DecideRefresh(tok, gotSess, t0.Add(2*time.Minute)))

		next := identity.RefreshToken{ID: newID(), SessionID: sess.ID, Hash: "hash-2", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		require.NoError(t, s.Sessions.AddToken(ctx, next))
		assert.ErrorIs(t, s.Sessions.AddToken(ctx, identity.RefreshToken{ID: newID(), SessionID: sess.ID, Hash: "hash-2",
			IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}), domain.ErrConflict, "hashes are unique")
		assert.ErrorIs(t, s.Sessions.AddToken(ctx, identity.RefreshToken{ID: newID(), SessionID: newID(), Hash: "hash-x",
			IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}), domain.ErrNotFound, "the session must exist")

		require.NoError(t, s.Sessions.Revoke(ctx, sess.ID, identity.RevokeReuse, t0.Add(3*time.Minute)))
		require.NoError(t, s.Sessions.Revoke(ctx, sess.ID, identity.RevokeLogout, t0.Add(4*time.Minute)))
		_, gotSess, err = s.Sessions.FindToken(ctx, "hash-2")
		require.NoError(t, err)
		require.NotNil(t, gotSess.RevokedAt)
		assert.Equal(t, identity.RevokeReuse, gotSess.RevokeReason, "the first reason sticks")
	})

	t.Run("sessions: revoke all of one user only", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		a, b := seedUser(t, s), seedUser(t, s)
		for i, u := range []*identity.User{a, a, a, b} {
			sess := identity.Session{ID: newID(), UserID: u.ID(), CreatedAt: t0}
			require.NoError(t, s.Sessions.Create(ctx, sess, identity.RefreshToken{ID: newID(), SessionID: sess.ID,
				Hash: "h-" + string(rune('a'+i)), IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		}
		n, err := s.Sessions.RevokeAllForUser(ctx, a.ID(), identity.RevokeLogoutAll, t0)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		n, err = s.Sessions.RevokeAllForUser(ctx, a.ID(), identity.RevokeLogoutAll, t0)
		require.NoError(t, err)
		assert.Zero(t, n, "already revoked")
		_, sb, err := s.Sessions.FindToken(ctx, "h-d")
		require.NoError(t, err)
		assert.Nil(t, sb.RevokedAt, "the other user's session lives")
		assert.ErrorIs(t, s.Sessions.Create(ctx, identity.Session{ID: newID(), UserID: newID(), CreatedAt: t0},
			identity.RefreshToken{ID: newID(), Hash: "h-orphan", IssuedAt: t0, ExpiresAt: t0}), domain.ErrNotFound)
	})

	t.Run("one-time tokens: single use, expiry, purpose, invalidation", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := seedUser(t, s)
		mk := func(hash string, p identity.TokenPurpose, ttl time.Duration) identity.OneTimeToken {
			tok := identity.OneTimeToken{ID: newID(), UserID: u.ID(), Purpose: p, Email: u.Email().String(),
				Hash: hash, CreatedAt: t0, ExpiresAt: t0.Add(ttl)}
			require.NoError(t, s.Tokens.Create(ctx, tok))
			return tok
		}
		mk("v1", identity.PurposeVerifyEmail, time.Hour)
		mk("r1", identity.PurposePasswordReset, 30*time.Minute)
		mk("r2", identity.PurposePasswordReset, 30*time.Minute)

		_, err := s.Tokens.Consume(ctx, identity.PurposePasswordReset, "v1", t0)
		assert.ErrorIs(t, err, domain.ErrNotFound, "wrong purpose")
		got, err := s.Tokens.Consume(ctx, identity.PurposeVerifyEmail, "v1", t0.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, u.ID(), got.UserID)
		assert.Equal(t, u.Email().String(), got.Email)
		_, err = s.Tokens.Consume(ctx, identity.PurposeVerifyEmail, "v1", t0.Add(time.Minute))
		assert.ErrorIs(t, err, domain.ErrNotFound, "single use")

		_, err = s.Tokens.Consume(ctx, identity.PurposePasswordReset, "r1", t0.Add(31*time.Minute))
		assert.ErrorIs(t, err, domain.ErrNotFound, "expired")

		require.NoError(t, s.Tokens.InvalidateAll(ctx, u.ID(), identity.PurposePasswordReset, t0))
		_, err = s.Tokens.Consume(ctx, identity.PurposePasswordReset, "r2", t0.Add(time.Minute))
		assert.ErrorIs(t, err, domain.ErrNotFound, "invalidated")

		// Concurrent consumption: one winner.
		mk("v2", identity.PurposeVerifyEmail, time.Hour)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Tokens.Consume(ctx, identity.PurposeVerifyEmail, "v2", t0); err == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
	})

	t.Run("linked identities: upsert, refuse another user's subject, list", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		a, b := seedUser(t, s), seedUser(t, s)
		li := identity.LinkedIdentity{UserID: a.ID(), Provider: "github", Subject: "42", Email: "a@example.com",
			Login: "ada", AccessTokenSealed: "v1:k:abc", Scopes: []string{"read:user"}, CreatedAt: t0, UpdatedAt: t0}
		require.NoError(t, s.Identities.Upsert(ctx, li))
		li.Login, li.UpdatedAt, li.Scopes = "ada2", t0.Add(time.Hour), []string{"read:user", "repo"}
		require.NoError(t, s.Identities.Upsert(ctx, li))
		got, err := s.Identities.Find(ctx, "github", "42")
		require.NoError(t, err)
		assert.Equal(t, "ada2", got.Login)
		assert.Equal(t, []string{"read:user", "repo"}, got.Scopes)
		assert.True(t, t0.Equal(got.CreatedAt), "created_at is kept")

		stolen := li
		stolen.UserID = b.ID()
		assert.ErrorIs(t, s.Identities.Upsert(ctx, stolen), domain.ErrConflict)

		require.NoError(t, s.Identities.Upsert(ctx, identity.LinkedIdentity{UserID: a.ID(), Provider: "google",
			Subject: "g-1", CreatedAt: t0.Add(time.Minute), UpdatedAt: t0}))
		list, err := s.Identities.ListForUser(ctx, a.ID())
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, "github", list[0].Provider)
		assert.Equal(t, []string{}, list[1].Scopes)
		list, err = s.Identities.ListForUser(ctx, b.ID())
		require.NoError(t, err)
		assert.Empty(t, list)
		_, err = s.Identities.Find(ctx, "github", "43")
		assert.ErrorIs(t, err, domain.ErrNotFound)
	})

	t.Run("profiles: create, get, update, one per user", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := seedUser(t, s)
		p := learner.NewProfile(u.ID(), t0)
		require.NoError(t, s.Profiles.Create(ctx, p))
		assert.ErrorIs(t, s.Profiles.Create(ctx, learner.NewProfile(u.ID(), t0)), domain.ErrConflict)
		assert.ErrorIs(t, s.Profiles.Create(ctx, learner.NewProfile(newID(), t0)), domain.ErrNotFound)

		minutes := 45
		updated, err := s.Profiles.Update(ctx, u.ID(), func(p *learner.Profile) error {
			return p.Onboard(learner.Onboarding{Languages: []string{"go", "python"}, SkillLevel: "intermediate",
				Goals: []string{"get a job", "  "}, DailyGoalMinutes: &minutes}, t0.Add(time.Hour))
		})
		require.NoError(t, err)
		assert.True(t, updated.Onboarded())
		got, err := s.Profiles.Get(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, []language.Language{language.Go, language.Python}, got.Preferences().Languages)
		assert.Equal(t, learner.Intermediate, got.Preferences().SkillLevel)
		assert.Equal(t, 45, got.Preferences().DailyGoalMinutes)
		assert.Equal(t, []string{"get a job"}, got.Goals())
		require.NotNil(t, got.OnboardedAt())
		assert.True(t, t0.Add(time.Hour).Equal(*got.OnboardedAt()))

		boom := errors.New("boom")
		_, err = s.Profiles.Update(ctx, u.ID(), func(p *learner.Profile) error {
			style := "direct"
			_ = p.ApplyPreferences(learner.PreferencesPatch{TutorStyle: &style}, t0)
			return boom
		})
		assert.ErrorIs(t, err, boom)
		got, err = s.Profiles.Get(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, learner.Socratic, got.Preferences().TutorStyle, "a failed update changes nothing")
		_, err = s.Profiles.Get(ctx, newID())
		assert.ErrorIs(t, err, domain.ErrNotFound)
	})

	t.Run("profiles: a learner's card (name and preferences) in one read", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := seedUser(t, s)
		c, err := s.Profiles.Card(ctx, u.ID())
		require.NoError(t, err, "a user without a profile yet")
		assert.Equal(t, u.Snapshot().DisplayName, c.DisplayName)
		assert.Equal(t, learner.DefaultPreferences(), c.Preferences)

		require.NoError(t, s.Profiles.Create(ctx, learner.NewProfile(u.ID(), t0)))
		_, err = s.Profiles.Update(ctx, u.ID(), func(p *learner.Profile) error {
			style, level := "direct", "advanced"
			return p.ApplyPreferences(learner.PreferencesPatch{TutorStyle: &style, SkillLevel: &level,
				Languages: []string{"python", "go"}}, t0)
		})
		require.NoError(t, err)
		c, err = s.Profiles.Card(ctx, u.ID())
		require.NoError(t, err)
		want, err := s.Profiles.Get(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, want.Preferences(), c.Preferences)
		assert.Equal(t, learner.Direct, c.Preferences.TutorStyle)
		assert.Equal(t, []language.Language{language.Python, language.Go}, c.Preferences.Languages)
		assert.Equal(t, u.Snapshot().DisplayName, c.DisplayName)

		_, err = s.Profiles.Card(ctx, newID())
		assert.ErrorIs(t, err, domain.ErrNotFound)
		_, err = s.Profiles.Card(ctx, "not-an-id")
		assert.ErrorIs(t, err, domain.ErrNotFound)
	})

	t.Run("a transaction spans every repository", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := newUser(t, "tx@example.com")
		boom := errors.New("boom")
		err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			require.NoError(t, s.Users.Create(ctx, u))
			require.NoError(t, s.Profiles.Create(ctx, learner.NewProfile(u.ID(), t0)))
			sess := identity.Session{ID: newID(), UserID: u.ID(), CreatedAt: t0}
			require.NoError(t, s.Sessions.Create(ctx, sess, identity.RefreshToken{ID: newID(), SessionID: sess.ID,
				Hash: "tx-hash", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
			return boom
		})
		require.ErrorIs(t, err, boom)
		_, err = s.Users.GetByID(ctx, u.ID())
		assert.ErrorIs(t, err, domain.ErrNotFound)
		_, err = s.Profiles.Get(ctx, u.ID())
		assert.ErrorIs(t, err, domain.ErrNotFound)
		_, _, err = s.Sessions.FindToken(ctx, "tx-hash")
		assert.ErrorIs(t, err, domain.ErrNotFound)
	})
}
