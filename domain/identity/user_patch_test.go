package identity_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
)

var patchT0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// patchedUser is a user whose every patchable field holds a value, so a
// test can tell "cleared" from "left alone".
func patchedUser(t *testing.T) *identity.User {
	t.Helper()
	email, err := identity.ParseEmail("ada@example.com")
	require.NoError(t, err)
	u, err := identity.NewUser("id-1", email, "Ada", patchT0)
	require.NoError(t, err)
	require.NoError(t, u.ApplyAccountPatch(identity.AccountPatch{
		AvatarURL: patchStr("https://example.com/ada.png"),
		Bio:       patchStr("Analyst."),
		Timezone:  patchStr("Europe/London"),
	}, patchT0))
	return u
}

func patchStr(s string) *string { return &s }

func patchIssueFields(t *testing.T, err error) []string {
	t.Helper()
	var verr *domain.ValidationError
	require.True(t, errors.As(err, &verr), "want a *domain.ValidationError, got %v", err)
	fields := make([]string, 0, len(verr.Issues))
	for _, i := range verr.Issues {
		fields = append(fields, i.Field)
	}
	return fields
}

func TestApplyAccountPatch(t *testing.T) {
	t.Parallel()
	type fields struct{ name, avatar, bio, tz string }
	unchanged := fields{"Ada", "https://example.com/ada.png", "Analyst.", "Europe/London"}
	with := func(f func(*fields)) fields {
		v := unchanged
		f(&v)
		return v
	}

	tests := []struct {
		name       string
		patch      identity.AccountPatch
		wantIssues []string // fields reported; none means the patch applies
		want       fields   // after a successful patch
	}{
		{name: "empty patch changes nothing", want: unchanged},

		{name: "display name trimmed", patch: identity.AccountPatch{DisplayName: patchStr("  Grace Hopper  ")},
			want: with(func(f *fields) { f.name = "Grace Hopper" })},
		{name: "display name of 80 runes", patch: identity.AccountPatch{DisplayName: patchStr(strings.Repeat("é", 80))},
			want: with(func(f *fields) { f.name = strings.Repeat("é", 80) })},
		{name: "display name blank", patch: identity.AccountPatch{DisplayName: patchStr("   ")}, wantIssues: []string{"display_name"}},
		{name: "display name of 81 runes", patch: identity.AccountPatch{DisplayName: patchStr(strings.Repeat("é", 81))}, wantIssues: []string{"display_name"}},
		{name: "display name on two lines", patch: identity.AccountPatch{DisplayName: patchStr("Ada\nLovelace")}, wantIssues: []string{"display_name"}},
		{name: "display name with NUL", patch: identity.AccountPatch{DisplayName: patchStr("Ada\x00")}, wantIssues: []string{"display_name"}},
		{name: "display name not UTF-8", patch: identity.AccountPatch{DisplayName: patchStr("Ada\xff")}, wantIssues: []string{"display_name"}},

		{name: "avatar https", patch: identity.AccountPatch{AvatarURL: patchStr("https://cdn.example.com/a.png?s=64")},
			want: with(func(f *fields) { f.avatar = "https://cdn.example.com/a.png?s=64" })},
		{name: "avatar http", patch: identity.AccountPatch{AvatarURL: patchStr("http://example.com/a.png")},
			want: with(func(f *fields) { f.avatar = "http://example.com/a.png" })},
		{name: "avatar scheme in capitals", patch: identity.AccountPatch{AvatarURL: patchStr("HTTPS://example.com/a.png")},
			want: with(func(f *fields) { f.avatar = "HTTPS://example.com/a.png" })},
		{name: "avatar trimmed", patch: identity.AccountPatch{AvatarURL: patchStr("  https://example.com/a.png  ")},
			want: with(func(f *fields) { f.avatar = "https://example.com/a.png" })},
		{name: "avatar of 2048 characters", patch: identity.AccountPatch{AvatarURL: patchStr(patchLongURL(2048))},
			want: with(func(f *fields) { f.avatar = patchLongURL(2048) })},
		{name: "avatar cleared", patch: identity.AccountPatch{AvatarURL: patchStr("")},
			want: with(func(f *fields) { f.avatar = "" })},
		{name: "avatar cleared by blanks", patch: identity.AccountPatch{AvatarURL: patchStr("   ")},
			want: with(func(f *fields) { f.avatar = "" })},
		{name: "avatar javascript:", patch: identity.AccountPatch{AvatarURL: patchStr("javascript:alert(document.cookie)")}, wantIssues: []string{"avatar_url"}},
		{name: "avatar JavaScript: in mixed case", patch: identity.AccountPatch{AvatarURL: patchStr("JavaScript://example.com/%0Aalert(1)")}, wantIssues: []string{"avatar_url"}},
		{name: "avatar data:", patch: identity.AccountPatch{AvatarURL: patchStr("data:image/svg+xml;base64,PHN2Zz4=")}, wantIssues: []string{"avatar_url"}},
		{name: "avatar ftp", patch: identity.AccountPatch{AvatarURL: patchStr("ftp://example.com/a.png")}, wantIssues: []string{"avatar_url"}},
		{name: "avatar without host", patch: identity.AccountPatch{AvatarURL: patchStr("https:///a.png")}, wantIssues: []string{"avatar_url"}},
		{name: "avatar relative", patch: identity.AccountPatch{AvatarURL: patchStr("/a.png")}, wantIssues: []string{"avatar_url"}},
		{name: "avatar scheme-relative", patch: identity.AccountPatch{AvatarURL: patchStr("//example.com/a.png")}, wantIssues: []string{"avatar_url"}},
		{name: "avatar unparsable", patch: identity.AccountPatch{AvatarURL: patchStr("https://exa mple.com/a.png")}, wantIssues: []string{"avatar_url"}},
		{name: "avatar of 2049 characters", patch: identity.AccountPatch{AvatarURL: patchStr(patchLongURL(2049))}, wantIssues: []string{"avatar_url"}},

		{name: "bio trimmed", patch: identity.AccountPatch{Bio: patchStr("  I like Go.  ")},
			want: with(func(f *fields) { f.bio = "I like Go." })},
		{name: "bio of 500 runes (1000 bytes)", patch: identity.AccountPatch{Bio: patchStr(strings.Repeat("é", 500))},
			want: with(func(f *fields) { f.bio = strings.Repeat("é", 500) })},
		{name: "bio of 500 runes once trimmed", patch: identity.AccountPatch{Bio: patchStr(" " + strings.Repeat("x", 500) + "\n")},
			want: with(func(f *fields) { f.bio = strings.Repeat("x", 500) })},
		{name: "bio on several lines", patch: identity.AccountPatch{Bio: patchStr("line one\nline two")},
			want: with(func(f *fields) { f.bio = "line one\nline two" })},
		{name: "bio cleared", patch: identity.AccountPatch{Bio: patchStr("")},
			want: with(func(f *fields) { f.bio = "" })},
		{name: "bio of 501 runes", patch: identity.AccountPatch{Bio: patchStr(strings.Repeat("é", 501))}, wantIssues: []string{"bio"}},
		{name: "bio not UTF-8", patch: identity.AccountPatch{Bio: patchStr("caf\xe9")}, wantIssues: []string{"bio"}},

		{name: "timezone IANA", patch: identity.AccountPatch{Timezone: patchStr("America/New_York")},
			want: with(func(f *fields) { f.tz = "America/New_York" })},
		{name: "timezone UTC", patch: identity.AccountPatch{Timezone: patchStr("UTC")},
			want: with(func(f *fields) { f.tz = "UTC" })},
		{name: "timezone trimmed", patch: identity.AccountPatch{Timezone: patchStr(" Asia/Tokyo ")},
			want: with(func(f *fields) { f.tz = "Asia/Tokyo" })},
		{name: "timezone Local", patch: identity.AccountPatch{Timezone: patchStr("Local")}, wantIssues: []string{"timezone"}},
		{name: "timezone empty", patch: identity.AccountPatch{Timezone: patchStr("")}, wantIssues: []string{"timezone"}},
		{name: "timezone unknown", patch: identity.AccountPatch{Timezone: patchStr("Mars/Olympus_Mons")}, wantIssues: []string{"timezone"}},

		{
			name: "valid and invalid fields: nothing applies",
			patch: identity.AccountPatch{
				DisplayName: patchStr("Grace"), Bio: patchStr("ok"),
				AvatarURL: patchStr("javascript:alert(1)"), Timezone: patchStr("Local"),
			},
			wantIssues: []string{"avatar_url", "timezone"},
		},
		{
			name: "every invalid field is reported",
			patch: identity.AccountPatch{
				DisplayName: patchStr(""), AvatarURL: patchStr("ftp://x.example"),
				Bio: patchStr(strings.Repeat("b", 501)), Timezone: patchStr("Nowhere/Land"),
			},
			wantIssues: []string{"display_name", "avatar_url", "bio", "timezone"},
		},
		{
			name: "every field valid: all apply",
			patch: identity.AccountPatch{
				DisplayName: patchStr("Grace"), AvatarURL: patchStr("https://example.com/g.png"),
				Bio: patchStr("Admiral."), Timezone: patchStr("America/New_York"),
			},
			want: fields{"Grace", "https://example.com/g.png", "Admiral.", "America/New_York"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := patchedUser(t)
			before := u.Snapshot()
			now := patchT0.Add(time.Hour).In(time.FixedZone("CET", 3600))

			err := u.ApplyAccountPatch(tt.patch, now)
			if len(tt.wantIssues) > 0 {
				require.Error(t, err)
				assert.ElementsMatch(t, tt.wantIssues, patchIssueFields(t, err))
				assert.Equal(t, before, u.Snapshot(), "a refused patch changes nothing, updated_at included")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, fields{u.DisplayName(), u.AvatarURL(), u.Bio(), u.Timezone()})
			assert.True(t, now.Equal(u.UpdatedAt()))
			assert.Equal(t, time.UTC, u.UpdatedAt().Location())
		})
	}
}

// patchLongURL is an https URL exactly n bytes long.
func patchLongURL(n int) string {
	const head = "https://example.com/"
	return head + strings.Repeat("a", n-len(head))
}

func TestParseTimezone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Europe/Paris", "Europe/Paris", true},
		{"UTC", "UTC", true},
		{"America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires", true},
		{"  Europe/Paris\t", "Europe/Paris", true},
		{"Etc/GMT+5", "Etc/GMT+5", true},
		{"", "", false},
		{"   ", "", false},
		{"Local", "", false},
		{" Local ", "", false},
		{"Europe/Atlantis", "", false},
		{"../../etc/passwd", "", false},
		{"/etc/localtime", "", false},
		{"Europe/Paris\x00", "", false},
		{strings.Repeat("A", 65), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := identity.ParseTimezone(tt.in)
			if !tt.ok {
				require.Error(t, err)
				assert.Equal(t, []string{"timezone"}, patchIssueFields(t, err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestUserLocation(t *testing.T) {
	t.Parallel()
	u := patchedUser(t)
	assert.Equal(t, "Europe/London", u.Location().String())

	// A stored zone that no longer loads falls back to UTC.
	snap := u.Snapshot()
	snap.Timezone = "Gone/Away"
	assert.Equal(t, time.UTC, identity.RehydrateUser(snap).Location())
}

func TestVerifyEmailIsIdempotentAndKeepsTheFirstTime(t *testing.T) {
	t.Parallel()
	u := patchedUser(t)
	require.False(t, u.EmailVerified())
	require.Nil(t, u.EmailVerifiedAt())

	first := patchT0.Add(time.Hour).In(time.FixedZone("CET", 3600))
	u.VerifyEmail(first)
	require.True(t, u.EmailVerified())
	require.NotNil(t, u.EmailVerifiedAt())
	assert.True(t, first.Equal(*u.EmailVerifiedAt()))
	assert.Equal(t, time.UTC, u.EmailVerifiedAt().Location())
	assert.True(t, first.Equal(u.UpdatedAt()))

	u.VerifyEmail(first.Add(time.Hour))
	assert.True(t, first.Equal(*u.EmailVerifiedAt()), "the first verification time is kept")
	assert.True(t, first.Equal(u.UpdatedAt()), "a repeated verification is not a change")
}

func TestCanSignIn(t *testing.T) {
	t.Parallel()
	u := patchedUser(t)
	assert.NoError(t, u.CanSignIn())

	u.Disable(patchT0.Add(time.Hour))
	err := u.CanSignIn()
	assert.ErrorIs(t, err, identity.ErrAccountDisabled)
	assert.ErrorIs(t, err, domain.ErrForbidden, "a disabled account is refused, not unknown")

	// Other changes do not re-enable the account.
	require.NoError(t, u.Rename("Ada", patchT0.Add(2*time.Hour)))
	u.VerifyEmail(patchT0.Add(2 * time.Hour))
	assert.ErrorIs(t, u.CanSignIn(), identity.ErrAccountDisabled)
}

func TestSnapshotRehydrateRoundTrip(t *testing.T) {
	t.Parallel()
	u := patchedUser(t)
	t1 := patchT0.Add(time.Hour)
	u.SetPasswordHash("$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", t1)
	u.VerifyEmail(t1)
	require.NoError(t, u.Promote(identity.RoleAdmin, t1))
	u.Disable(t1.Add(time.Minute))

	snap := u.Snapshot()
	r := identity.RehydrateUser(snap)
	assert.Equal(t, snap, r.Snapshot())
	assert.Equal(t, u.ID(), r.ID())
	assert.True(t, u.Email().Equal(r.Email()))
	assert.True(t, r.HasPassword())
	assert.True(t, r.EmailVerified())
	assert.True(t, r.Role().Equal(identity.RoleAdmin))
	assert.ErrorIs(t, r.CanSignIn(), identity.ErrAccountDisabled)
}

func TestRehydrateUserNormalisesStoredValues(t *testing.T) {
	t.Parallel()
	email, err := identity.ParseEmail("ada@example.com")
	require.NoError(t, err)
	cet := time.FixedZone("CET", 3600)
	created := time.Date(2026, 1, 2, 4, 4, 5, 0, cet)
	verified := created.Add(time.Minute)

	r := identity.RehydrateUser(identity.UserSnapshot{
		ID: "id-1", Email: email, DisplayName: "Ada", Role: identity.RoleLearner,
		EmailVerifiedAt: &verified, CreatedAt: created, UpdatedAt: created,
	})
	assert.Equal(t, "UTC", r.Timezone(), "an empty stored zone is UTC")
	assert.False(t, r.HasPassword(), "a provider-only account")
	for name, got := range map[string]time.Time{
		"created_at": r.CreatedAt(), "updated_at": r.UpdatedAt(), "email_verified_at": *r.EmailVerifiedAt(),
	} {
		assert.Equal(t, time.UTC, got.Location(), name)
	}
	assert.True(t, created.Equal(r.CreatedAt()))
	assert.True(t, verified.Equal(*r.EmailVerifiedAt()))
}
