package http

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// requireAuth verifies the access token and puts the learner in the
// request. It does not touch the database: use cases load the account
// when they need it (and refuse a disabled one).
func requireAuth(issuer ports.TokenIssuer) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token, ok := bearer(c)
		if !ok {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="codementor"`)
			return &apiError{Status: fiber.StatusUnauthorized, Code: "unauthorized", Message: "sign in: this route needs a bearer access token"}
		}
		claims, err := issuer.Verify(token)
		if err != nil {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="codementor", error="invalid_token"`)
			return &apiError{Status: fiber.StatusUnauthorized, Code: "unauthorized", Message: "the access token is invalid or has expired"}
		}
		SetUserID(c, claims.UserID)
		c.Locals(localRole, claims.Role)
		return c.Next()
	}
}

// optionalAuth is requireAuth for routes that also serve anonymous
// callers: a valid token names the caller, anything else is ignored.
func optionalAuth(issuer ports.TokenIssuer) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if token, ok := bearer(c); ok {
			if claims, err := issuer.Verify(token); err == nil {
				SetUserID(c, claims.UserID)
				c.Locals(localRole, claims.Role)
			}
		}
		return c.Next()
	}
}

// requireRole refuses callers without role (after requireAuth).
func requireRole(role identity.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if r, ok := c.Locals(localRole).(identity.Role); !ok || !r.Equal(role) {
			return domain.ErrForbidden
		}
		return c.Next()
	}
}

// userID is the authenticated learner ("" on anonymous routes).
func userID(c *fiber.Ctx) string {
	id, _ := c.Locals(localUserID).(string)
	return id
}
