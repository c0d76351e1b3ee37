package identity

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codementor/codementor/domain"
)

const maxDisplayNameLength = 80

// User is a learner's account. Fields are unexported: NewUser validates a new
// account and RehydrateUser rebuilds a stored one.
type User struct {
	id          string
	email       Email
	displayName string
	role        Role
	disabled    bool
	createdAt   time.Time
	updatedAt   time.Time
}

// NewUser validates and creates an account with the learner role.
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
	return &User{id: id, email: email, displayName: name, role: RoleLearner, createdAt: now, updatedAt: now}, nil
}

// RehydrateUser rebuilds a stored account without re-running creation rules.
func RehydrateUser(id string, email Email, displayName string, role Role, disabled bool, createdAt, updatedAt time.Time) *User {
	return &User{id: id, email: email, displayName: displayName, role: role, disabled: disabled,
		createdAt: createdAt.UTC(), updatedAt: updatedAt.UTC()}
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

func (u *User) ID() string           { return u.id }
func (u *User) Email() Email         { return u.email }
func (u *User) DisplayName() string  { return u.displayName }
func (u *User) Role() Role           { return u.role }
func (u *User) Disabled() bool       { return u.disabled }
func (u *User) CreatedAt() time.Time { return u.createdAt }
func (u *User) UpdatedAt() time.Time { return u.updatedAt }
