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

func TestParseEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ada@example.com", "ada@example.com", true},
		{"  Ada.Lovelace@EXAMPLE.Com \n", "Ada.Lovelace@example.com", true},
		{"a+tag@sub.example.org", "a+tag@sub.example.org", true},
		{"", "", false},
		{"   ", "", false},
		{"no-at-sign", "", false},
		{"@example.com", "", false},
		{"ada@", "", false},
		{"ada@localhost", "", false},
		{"ada@example.", "", false},
		{"Ada <ada@example.com>", "", false},
		{"ada@exa mple.com", "", false},
		{strings.Repeat("a", 250) + "@example.com", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := identity.ParseEmail(tt.in)
			if !tt.ok {
				var verr *domain.ValidationError
				require.ErrorAs(t, err, &verr)
				assert.Equal(t, "email", verr.Issues[0].Field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestEmailKeyIgnoresCase(t *testing.T) {
	t.Parallel()
	a, _ := identity.ParseEmail("Ada@Example.com")
	b, _ := identity.ParseEmail("ada@example.COM")
	assert.False(t, a.Equal(b), "the address keeps its local part's case")
	assert.Equal(t, a.Key(), b.Key(), "but both are one account")
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	r, err := identity.ParseRole("admin")
	require.NoError(t, err)
	assert.True(t, r.Equal(identity.RoleAdmin))
	for _, bad := range []string{"", "Admin", "root"} {
		_, err := identity.ParseRole(bad)
		assert.Error(t, err, bad)
	}
}

func TestNewUser(t *testing.T) {
	t.Parallel()
	email, _ := identity.ParseEmail("ada@example.com")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))

	u, err := identity.NewUser("id-1", email, "  Ada  ", now)
	require.NoError(t, err)
	assert.Equal(t, "Ada", u.DisplayName())
	assert.True(t, u.Role().Equal(identity.RoleLearner))
	assert.Equal(t, time.UTC, u.CreatedAt().Location())
	assert.False(t, u.Disabled())

	_, err = identity.NewUser("", identity.Email{}, strings.Repeat("x", 81), now)
	var verr *domain.ValidationError
	require.True(t, errors.As(err, &verr))
	fields := []string{}
	for _, i := range verr.Issues {
		fields = append(fields, i.Field)
	}
	assert.ElementsMatch(t, []string{"id", "email", "display_name"}, fields, "every problem is reported at once")
}

func TestUserChanges(t *testing.T) {
	t.Parallel()
	email, _ := identity.ParseEmail("ada@example.com")
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u, err := identity.NewUser("id-1", email, "Ada", t0)
	require.NoError(t, err)

	t1 := t0.Add(time.Minute)
	require.NoError(t, u.Rename("Countess", t1))
	assert.Equal(t, "Countess", u.DisplayName())
	assert.Equal(t, t1, u.UpdatedAt())
	assert.Error(t, u.Rename(" ", t1))
	assert.Equal(t, "Countess", u.DisplayName(), "a refused rename changes nothing")

	u.Disable(t1)
	u.Disable(t1)
	assert.True(t, u.Disabled())
	require.NoError(t, u.Promote(identity.RoleAdmin, t1))
	assert.True(t, u.Role().Equal(identity.RoleAdmin))
	assert.Error(t, u.Promote(identity.Role{}, t1))
}
