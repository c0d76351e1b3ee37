package identity

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codementor/codementor/domain"
)

const (
	maxDisplayNameLength = 80
	maxBioLength         = 500
	maxAvatarURLLength   = 2048
)

// User is a learner's account. Fields are unexported: NewUser validates a
// new account, RehydrateUser rebuilds a stored one from its snapshot.
type User struct {
	id              string
	email           Email
	emailVerifiedAt *time.Time
	passwordHash    string // "" for accounts that only sign in with a provider
	displayName     string
	avatarURL       string
	bio             string
	timezone        string
	role            Role
	disabled        bool
	createdAt       time.Time
	updatedAt       time.Time
}

// UserSnapshot is every stored field of a User, for adapters.
type UserSnapshot struct {
	ID              string
	Email           Email
	EmailVerifiedAt *time.Time
	PasswordHash    string
	DisplayName     string
	AvatarURL       string
	Bio             string
	Timezone        string
	Role            Role
	Disabled        bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// NewUser validates and creates an account with the learner role, in UTC
// until the learner says otherwise.
func NewUser(id string, email Email, displayName string, now time.Time) (*User, error) {
	verr := &domain.ValidationError{}
	if strings.TrimSpace(id) == "" {
		verr.Add("id", "is required")
	}
	if email.IsZero() {
		verr.Add("email", "is required")
	}
	name, issue := normalizeDisplayName(displayName)
	if issue != "" {
		verr.Add("display_name", issue)
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	now = now.UTC()
	return &User{id: id, email: email, displayName: name, timezone: "UTC", role: RoleLearner, createdAt: now, updatedAt: now}, nil
}

// RehydrateUser rebuilds a stored account without re-running creation rules.
func RehydrateUser(s UserSnapshot) *User {
	u := &User{id: s.ID, email: s.Email, passwordHash: s.PasswordHash, displayName: s.DisplayName,
		avatarURL: s.AvatarURL, bio: s.Bio, timezone: s.Timezone, role: s.Role, disabled: s.Disabled,
		createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC()}
	if s.EmailVerifiedAt != nil {
		t := s.EmailVerifiedAt.UTC()
		u.emailVerifiedAt = &t
	}
	if u.timezone == "" {
		u.timezone = "UTC"
	}
	return u
}

// Snapshot returns every field, for storage.
func (u *User) Snapshot() UserSnapshot {
	return UserSnapshot{ID: u.id, Email: u.email, EmailVerifiedAt: copyTime(u.emailVerifiedAt), PasswordHash: u.passwordHash,
		DisplayName: u.displayName, AvatarURL: u.avatarURL, Bio: u.bio, Timezone: u.timezone, Role: u.role,
		Disabled: u.disabled, CreatedAt: u.createdAt, UpdatedAt: u.updatedAt}
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}

func normalizeDisplayName(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "is required"
	case !utf8.ValidString(s):
		return "", "must be valid UTF-8"
	case utf8.RuneCountInString(s) > maxDisplayNameLength:
		return "", "must be at most 80 characters"
	case strings.ContainsAny(s, "\x00\r\n\t"):
		return "", "must be a single line of text"
	}
	return s, ""
}

// Rename changes the display name.
func (u *User) Rename(displayName string, now time.Time) error {
	name, issue := normalizeDisplayName(displayName)
	if issue != "" {
		return domain.NewValidationError("display_name", issue)
	}
	u.displayName = name
	u.updatedAt = now.UTC()
	return nil
}

// AccountPatch is a partial update of the account's own fields.
type AccountPatch struct {
	DisplayName *string
	AvatarURL   *string
	Bio         *string
	Timezone    *string
}

// ApplyAccountPatch validates every field first and changes nothing unless
// all are valid.
func (u *User) ApplyAccountPatch(p AccountPatch, now time.Time) error {
	next := *u
	verr := &domain.ValidationError{}
	if p.DisplayName != nil {
		name, issue := normalizeDisplayName(*p.DisplayName)
		if issue != "" {
			verr.Add("display_name", issue)
		}
		next.displayName = name
	}
	if p.AvatarURL != nil {
		a := strings.TrimSpace(*p.AvatarURL)
		if a != "" {
			pu, err := url.Parse(a)
			if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || len(a) > maxAvatarURLLength {
				verr.Add("avatar_url", "must be an http(s) URL of at most 2048 characters")
			}
		}
		next.avatarURL = a
	}
	if p.Bio != nil {
		b := strings.TrimSpace(*p.Bio)
		if !utf8.ValidString(b) || utf8.RuneCountInString(b) > maxBioLength {
			verr.Add("bio", "must be at most 500 characters of text")
		}
		next.bio = b
	}
	if p.Timezone != nil {
		tz, err := ParseTimezone(*p.Timezone)
		if err != nil {
			verr.Add("timezone", "must be an IANA time zone such as Europe/Paris")
		}
		next.timezone = tz
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	next.updatedAt = now.UTC()
	*u = next
	return nil
}

// ParseTimezone accepts an IANA zone name ("Europe/Paris", "UTC").
func ParseTimezone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "Local" || len(s) > 64 {
		return "", domain.NewValidationError("timezone", "must be an IANA time zone such as Europe/Paris")
	}
	if _, err := time.LoadLocation(s); err != nil {
		return "", domain.NewValidationError("timezone", "must be an IANA time zone such as Europe/Paris")
	}
	return s, nil
}

// Location is the learner's time zone (UTC if it cannot be loaded).
func (u *User) Location() *time.Location {
	if loc, err := time.LoadLocation(u.timezone); err == nil {
		return loc
	}
	return time.UTC
}

// SetPasswordHash stores a new password hash (the caller checked the
// password against the policy and hashed it).
func (u *User) SetPasswordHash(hash string, now time.Time) {
	u.passwordHash = hash
	u.updatedAt = now.UTC()
}

// VerifyEmail marks the current address as verified; idempotent.
func (u *User) VerifyEmail(now time.Time) {
	if u.emailVerifiedAt == nil {
		t := now.UTC()
		u.emailVerifiedAt = &t
		u.updatedAt = t
	}
}

// Disable stops the account from signing in; it is idempotent.
func (u *User) Disable(now time.Time) {
	u.disabled = true
	u.updatedAt = now.UTC()
}

// Promote gives the account a role.
func (u *User) Promote(role Role, now time.Time) error {
	if role.IsZero() {
		return domain.NewValidationError("role", "is required")
	}
	u.role = role
	u.updatedAt = now.UTC()
	return nil
}

// CanSignIn says whether the account may sign in or refresh a session.
func (u *User) CanSignIn() error {
	if u.disabled {
		return ErrAccountDisabled
	}
	return nil
}

func (u *User) ID() string                  { return u.id }
func (u *User) Email() Email                { return u.email }
func (u *User) EmailVerified() bool         { return u.emailVerifiedAt != nil }
func (u *User) EmailVerifiedAt() *time.Time { return copyTime(u.emailVerifiedAt) }
func (u *User) PasswordHash() string        { return u.passwordHash }
func (u *User) HasPassword() bool           { return u.passwordHash != "" }
func (u *User) DisplayName() string         { return u.displayName }
func (u *User) AvatarURL() string           { return u.avatarURL }
func (u *User) Bio() string                 { return u.bio }
func (u *User) Timezone() string            { return u.timezone }
func (u *User) Role() Role                  { return u.role }
func (u *User) Disabled() bool              { return u.disabled }
func (u *User) CreatedAt() time.Time        { return u.createdAt }
func (u *User) UpdatedAt() time.Time        { return u.updatedAt }
