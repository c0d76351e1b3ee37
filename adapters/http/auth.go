package http

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/learner"
)

// Accounts is what the auth and users handlers need from the application.
type Accounts interface {
	Register(ctx context.Context, in account.RegisterInput) (*identity.User, error)
	Login(ctx context.Context, in account.LoginInput) (account.AuthResult, error)
	Refresh(ctx context.Context, token string, c account.Client) (account.AuthResult, error)
	Logout(ctx context.Context, in account.LogoutInput) error
	VerifyEmail(ctx context.Context, token, callerID string) (*identity.User, error)
	ResendVerification(ctx context.Context, userID string) error
	RequestPasswordReset(ctx context.Context, email string, c account.Client) error
	ConfirmPasswordReset(ctx context.Context, token, password string, c account.Client) error
	StartOAuth(ctx context.Context, provider string, scopes []string) (account.OAuthStart, error)
	StartOAuthConnect(ctx context.Context, provider, ticket string) (account.OAuthStart, error)
	FinishOAuth(ctx context.Context, in account.OAuthCallbackInput) (account.AuthResult, error)
	Me(ctx context.Context, userID string) (*identity.User, error)
	UpdateMe(ctx context.Context, userID string, p identity.AccountPatch) (*identity.User, error)
	ChangePassword(ctx context.Context, in account.ChangePasswordInput) error
	GetProfile(ctx context.Context, userID string) (account.Profile, error)
	Preferences(ctx context.Context, userID string) (learner.Preferences, error)
	UpdatePreferences(ctx context.Context, userID string, p learner.PreferencesPatch) (learner.Preferences, error)
	Onboard(ctx context.Context, userID string, in learner.Onboarding) (*learner.Profile, error)
}

const (
	refreshCookie = "cm_refresh"
	nonceCookie   = "cm_oauth_nonce"
	authPath      = BasePath + "/auth"
	oauthPath     = BasePath + "/auth/oauth"
)

type authHandlers struct {
	accounts     Accounts
	cookieSecure bool
	frontendURL  string
	now          func() time.Time
}

func client(c *fiber.Ctx) account.Client {
	return account.Client{IP: c.IP(), UserAgent: string(c.Request().Header.UserAgent())}
}

func (h authHandlers) setRefreshCookie(c *fiber.Ctx, token string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: refreshCookie, Value: token, Path: authPath, Expires: expires,
		HTTPOnly: true, Secure: h.cookieSecure, SameSite: fiber.CookieSameSiteLaxMode})
}

func (h authHandlers) clearCookie(c *fiber.Ctx, name, path string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: path, Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, Secure: h.cookieSecure, SameSite: fiber.CookieSameSiteLaxMode})
}

func (h authHandlers) signedIn(c *fiber.Ctx, r account.AuthResult) error {
	h.setRefreshCookie(c, r.RefreshToken, r.RefreshExpiresAt)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return writeJSON(c, toAuthResponse(r, h.now()))
}

type registerRequest struct {
	Email       string `json:"email" validate:"required,max=254"`
	Password    string `json:"password" validate:"required,max=128"`
	DisplayName string `json:"display_name" validate:"required,max=80"`
}

func (h authHandlers) register(c *fiber.Ctx) error {
	var in registerRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := h.accounts.Register(c.UserContext(), account.RegisterInput{Email: in.Email, Password: in.Password,
		DisplayName: in.DisplayName, Client: client(c)})
	if err != nil {
		return err
	}
	return writeJSON(c.Status(fiber.StatusCreated), userEnvelope{User: toUserResponse(u)})
}

type loginRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=1024"`
}

func (h authHandlers) login(c *fiber.Ctx) error {
	var in loginRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	r, err := h.accounts.Login(c.UserContext(), account.LoginInput{Email: in.Email, Password: in.Password, Client: client(c)})
	if err != nil {
		return err
	}
	return h.signedIn(c, r)
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token" validate:"max=256"`
}

// refreshToken takes the token from the body, else from the cookie.
func (h authHandlers) refreshToken(c *fiber.Ctx) (string, error) {
	var in refreshRequest
	if err := bindJSON(c, &in); err != nil {
		return "", err
	}
	if in.RefreshToken != "" {
		return in.RefreshToken, nil
	}
	return strings.Clone(c.Cookies(refreshCookie)), nil
}

func (h authHandlers) refresh(c *fiber.Ctx) error {
	token, err := h.refreshToken(c)
	if err != nil {
		return err
	}
	r, err := h.accounts.Refresh(c.UserContext(), token, client(c))
	if err != nil {
		h.clearCookie(c, refreshCookie, authPath)
		return err
	}
	return h.signedIn(c, r)
}

func (h authHandlers) logout(c *fiber.Ctx) error {
	token, err := h.refreshToken(c)
	if err != nil {
		return err
	}
	all := c.QueryBool("all", false)
	if err := h.accounts.Logout(c.UserContext(), account.LogoutInput{UserID: userID(c), RefreshToken: token, All: all}); err != nil {
		return err
	}
	h.clearCookie(c, refreshCookie, authPath)
	return c.SendStatus(fiber.StatusNoContent)
}

type tokenRequest struct {
	Token string `json:"token" validate:"required,max=256"`
}

func (h authHandlers) verifyEmail(c *fiber.Ctx) error {
	var in tokenRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := h.accounts.VerifyEmail(c.UserContext(), in.Token, userID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, userEnvelope{User: toUserResponse(u)})
}

func (h authHandlers) resendVerification(c *fiber.Ctx) error {
	if err := h.accounts.ResendVerification(c.UserContext(), userID(c)); err != nil {
		return err
	}
	return writeJSON(c.Status(fiber.StatusAccepted), acceptedResponse{Status: "accepted",
		Message: "if your address is not verified yet, a new link is on its way"})
}

type emailRequest struct {
	Email string `json:"email" validate:"required,max=254"`
}

type acceptedResponse struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func (h authHandlers) requestPasswordReset(c *fiber.Ctx) error {
	var in emailRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := h.accounts.RequestPasswordReset(c.UserContext(), in.Email, client(c)); err != nil {
		return err
	}
	return writeJSON(c.Status(fiber.StatusAccepted), acceptedResponse{Status: "accepted",
		Message: "if an account uses this address, a reset link is on its way"})
}

type resetConfirmRequest struct {
	Token    string `json:"token" validate:"required,max=256"`
	Password string `json:"password" validate:"required,max=128"`
}

func (h authHandlers) confirmPasswordReset(c *fiber.Ctx) error {
	var in resetConfirmRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := h.accounts.ConfirmPasswordReset(c.UserContext(), in.Token, in.Password, client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// oauthStart redirects to the provider. The nonce cookie binds the state
// to this browser: the callback must come back with it.
func (h authHandlers) oauthStart(provider string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var scopes []string
		if provider == "github" && c.Query("scope") == "private" {
			// Private repositories for the GitHub integration, only on request.
			scopes = account.GitHubScopes(true)
		}
		var start account.OAuthStart
		var err error
		if ticket := c.Query("connect"); ticket != "" {
			// A signed-in learner connecting the provider (GET
			// /github/connect gave them this single-use ticket).
			start, err = h.accounts.StartOAuthConnect(c.UserContext(), provider, strings.Clone(ticket))
		} else {
			start, err = h.accounts.StartOAuth(c.UserContext(), provider, scopes)
		}
		if err != nil {
			return err
		}
		c.Cookie(&fiber.Cookie{Name: nonceCookie, Value: start.BrowserNonce, Path: oauthPath, MaxAge: 600,
			HTTPOnly: true, Secure: h.cookieSecure, SameSite: fiber.CookieSameSiteLaxMode})
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Redirect(start.RedirectURL, fiber.StatusFound)
	}
}

// oauthCallback finishes sign-in and sends the browser back to the
// frontend: with the refresh cookie set on success (the frontend then
// calls /auth/refresh for an access token), or with ?error=<code>.
func (h authHandlers) oauthCallback(provider string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		in := account.OAuthCallbackInput{Provider: provider, Code: query(c, "code"), State: query(c, "state"),
			BrowserNonce: strings.Clone(c.Cookies(nonceCookie)), Client: client(c)}
		if e := c.Query("error"); e != "" {
			in.ProviderError = fmt.Errorf("%w: the provider refused the sign-in (%s)", domain.ErrUnauthorized, sanitizeCode(e))
		}
		h.clearCookie(c, nonceCookie, oauthPath)
		c.Set(fiber.HeaderCacheControl, "no-store")
		r, err := h.accounts.FinishOAuth(c.UserContext(), in)
		if err != nil {
			noteError(c, err)
			return c.Redirect(h.frontend("error", classify(err).code), fiber.StatusFound)
		}
		h.setRefreshCookie(c, r.RefreshToken, r.RefreshExpiresAt)
		return c.Redirect(h.frontend("success", ""), fiber.StatusFound)
	}
}

func (h authHandlers) frontend(status, code string) string {
	q := url.Values{"status": {status}}
	if code != "" {
		q.Set("error", code)
	}
	return strings.TrimSuffix(h.frontendURL, "/") + "/auth/callback?" + q.Encode()
}

// sanitizeCode keeps a provider's error code to a plain word for logs.
func sanitizeCode(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, s)
}
