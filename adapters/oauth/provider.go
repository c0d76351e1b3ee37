// Package oauth signs people in with GitHub and Google through
// golang.org/x/oauth2: the authorization-code flow with PKCE (S256), then the
// provider's API to learn who signed in. State handling and account linking
// belong to the application; this package only talks to the providers.
//
// Errors carry one of three sentinels so callers can answer clearly:
// ErrDenied (wraps domain.ErrUnauthorized), ErrUnavailable (wraps
// domain.ErrUnavailable) and ErrProvider (our configuration or the provider's
// answer is wrong: a 500 for the user, a page for the operator). No error
// text ever contains the client secret or an access token.
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/codementor/codementor/domain"
)

var (
	// ErrDenied: the provider refused: the person denied access, or the code
	// is wrong, expired, already used or does not match the PKCE verifier,
	// or the provider rejected the token it just issued. Start again.
	ErrDenied = fmt.Errorf("oauth: sign-in refused: %w", domain.ErrUnauthorized)
	// ErrUnavailable: the provider is down, too slow or rate limiting us.
	ErrUnavailable = fmt.Errorf("oauth: provider unavailable: %w", domain.ErrUnavailable)
	// ErrProvider: the provider's answer cannot be used: wrong client
	// credentials or redirect URL, or a malformed response.
	ErrProvider = errors.New("oauth: unexpected provider answer")
)

const (
	defaultTimeout = 10 * time.Second
	maxBody        = 1 << 20
	maxDetail      = 300 // characters of detail kept in an error, after redaction
)

// client is what both providers share: the oauth2 configuration, the HTTP
// client and the deadline of one Exchange.
type client struct {
	name    string
	cfg     oauth2.Config
	http    *http.Client
	timeout time.Duration
}

func newClient(name, id, secret, redirect string, ep oauth2.Endpoint, scopes []string, hc *http.Client, timeout time.Duration) (client, error) {
	switch {
	case id == "":
		return client{}, fmt.Errorf("%s oauth: client id is required", name)
	case secret == "":
		return client{}, fmt.Errorf("%s oauth: client secret is required", name)
	case timeout < 0:
		return client{}, fmt.Errorf("%s oauth: timeout must not be negative", name)
	}
	if _, err := absoluteURL(redirect); err != nil {
		return client{}, fmt.Errorf("%s oauth: redirect url: %w", name, err)
	}
	if timeout == 0 {
		timeout = defaultTimeout
	}
	if hc == nil {
		hc = &http.Client{}
	}
	// Both providers take the client credentials in the form; naming the
	// style avoids oauth2's probe, which retries every failed exchange.
	ep.AuthStyle = oauth2.AuthStyleInParams
	return client{
		name: name,
		cfg: oauth2.Config{
			ClientID:     id,
			ClientSecret: secret,
			RedirectURL:  redirect,
			Endpoint:     ep,
			Scopes:       append([]string(nil), scopes...),
		},
		http:    hc,
		timeout: timeout,
	}, nil
}

// absoluteURL checks that raw is an absolute http(s) URL and returns it
// without a trailing slash.
func absoluteURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", raw)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

func (c *client) authCodeURL(state, verifier string, scopes []string) string {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if len(scopes) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("scope", strings.Join(scopes, " ")))
	}
	return c.cfg.AuthCodeURL(state, opts...)
}

// begin bounds one Exchange (token and API calls together) by the timeout
// and hands oauth2 our HTTP client.
func (c *client) begin(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	return context.WithValue(ctx, oauth2.HTTPClient, c.http), cancel
}

// token trades the code and verifier for a token.
func (c *client) token(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	r := c.redactor("")
	switch {
	case code == "":
		return nil, r.fail(ErrDenied, nil, "exchange code: no code")
	case verifier == "":
		return nil, r.fail(ErrProvider, nil, "exchange code: no PKCE verifier")
	}
	tok, err := c.cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err == nil {
		return tok, nil
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return nil, r.fail(tokenErrorKind(re), nil, "exchange code: %s", describeRetrieveError(re))
	}
	kind, cause := transportKind(err)
	return nil, r.fail(kind, cause, "exchange code: %v", err)
}

// tokenErrorKind maps an RFC 6749 §5.2 error (or GitHub's own codes, sent
// with status 200) to a sentinel.
func tokenErrorKind(re *oauth2.RetrieveError) error {
	switch re.ErrorCode {
	case "bad_verification_code", "invalid_grant", "access_denied", "unverified_user_email":
		return ErrDenied
	case "temporarily_unavailable", "server_error", "slow_down":
		return ErrUnavailable
	case "":
		return statusKind(re.Response, false)
	default: // incorrect_client_credentials, invalid_client, redirect_uri_mismatch, ...
		return ErrProvider
	}
}

func describeRetrieveError(re *oauth2.RetrieveError) string {
	if re.ErrorCode == "" {
		status := "no response"
		if re.Response != nil {
			status = re.Response.Status
		}
		return "token endpoint answered " + status
	}
	s := re.ErrorCode
	if re.ErrorDescription != "" {
		s += " (" + re.ErrorDescription + ")"
	}
	return s
}

// statusKind maps an unsuccessful HTTP status to a sentinel. rejected says
// the request carried a token, so a 401/403 means the token was refused.
func statusKind(resp *http.Response, rejected bool) error {
	if resp == nil {
		return ErrProvider
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests || s >= 500:
		return ErrUnavailable
	case s == http.StatusForbidden && resp.Header.Get("X-RateLimit-Remaining") == "0":
		return ErrUnavailable
	case rejected && (s == http.StatusUnauthorized || s == http.StatusForbidden):
		return ErrDenied
	default:
		return ErrProvider
	}
}

// transportKind classifies an error that came with no HTTP answer. The cause
// returned is a context sentinel (kept for errors.Is), never the raw error.
func transportKind(err error) (kind, cause error) {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return nil, context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return ErrUnavailable, context.DeadlineExceeded
	case errors.As(err, &ne) && ne.Timeout():
		return ErrUnavailable, nil
	case errors.As(err, new(*url.Error)):
		return ErrUnavailable, nil // refused, reset, DNS, TLS: the provider cannot be reached
	default:
		return ErrProvider, nil
	}
}

// response is a read API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get calls an API endpoint with the token; only transport failures are
// errors, statuses are for the caller to judge.
func (c *client) get(ctx context.Context, endpoint string, tok *oauth2.Token, header http.Header) (*response, error) {
	r := c.redactor(tok.AccessToken)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, r.fail(ErrProvider, nil, "build request: %v", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	tok.SetAuthHeader(req)
	resp, err := c.http.Do(req)
	if err != nil {
		kind, cause := transportKind(err)
		return nil, r.fail(kind, cause, "GET %s: %v", req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		kind, cause := transportKind(err)
		return nil, r.fail(kind, cause, "GET %s: read body: %v", req.URL.Path, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// failed turns an unsuccessful API answer into an error.
func (c *client) failed(tok *oauth2.Token, path string, resp *response) error {
	kind := statusKind(&http.Response{StatusCode: resp.status, Header: resp.header}, true)
	detail := http.StatusText(resp.status)
	if msg := apiMessage(resp.body); msg != "" {
		detail = msg
	}
	return c.redactor(tok.AccessToken).fail(kind, nil, "GET %s: %d %s", path, resp.status, detail)
}

// decode reads a successful API answer's JSON.
func (c *client) decode(tok *oauth2.Token, path string, resp *response, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return c.redactor(tok.AccessToken).fail(ErrProvider, nil, "GET %s: decode: %v", path, err)
	}
	return nil
}

// apiMessage pulls the human message out of GitHub's {"message": ...} or
// Google's {"error": ..., "error_description": ...} error bodies.
func apiMessage(body []byte) string {
	var b struct {
		Message          string `json:"message"`
		Error            any    `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	switch {
	case b.Message != "":
		return b.Message
	case b.ErrorDescription != "":
		return b.ErrorDescription
	}
	if s, ok := b.Error.(string); ok {
		return s
	}
	return ""
}

// redactor removes secrets from error text. Our messages never put them in
// on purpose; this guards against a provider echoing them back.
type redactor struct {
	name    string
	secrets []string
}

func (c *client) redactor(accessToken string) redactor {
	r := redactor{name: c.name}
	for _, s := range []string{c.cfg.ClientSecret, accessToken} {
		if s != "" {
			r.secrets = append(r.secrets, s, url.QueryEscape(s))
		}
	}
	return r
}

func (r redactor) fail(kind, cause error, format string, args ...any) error {
	msg := r.name + ": " + fmt.Sprintf(format, args...)
	for _, s := range r.secrets {
		msg = strings.ReplaceAll(msg, s, "[redacted]")
	}
	// Cut only after redacting, so no secret is split past the reach of
	// ReplaceAll; cut on a rune boundary.
	if len(msg) > maxDetail {
		msg = strings.ToValidUTF8(msg[:maxDetail], "") + "..."
	}
	var errs []error
	if kind != nil {
		msg += ": " + kind.Error()
		errs = append(errs, kind)
	}
	if cause != nil {
		if kind == nil {
			msg += ": " + cause.Error()
		}
		errs = append(errs, cause)
	}
	return &providerError{msg: msg, errs: errs}
}

// providerError is a redacted message plus the sentinels it stands for.
type providerError struct {
	msg  string
	errs []error
}

func (e *providerError) Error() string   { return e.msg }
func (e *providerError) Unwrap() []error { return e.errs }

var errorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// CallbackError reads the error a provider put on the redirect back to us
// (RFC 6749 §4.1.2.1), e.g. error=access_denied when the person clicked
// Cancel. It returns nil when the query carries no error. The query comes
// from the browser, so only a well-formed error code is quoted.
func CallbackError(provider string, query url.Values) error {
	code := query.Get("error")
	if code == "" {
		return nil
	}
	if !errorCode.MatchString(code) {
		code = "invalid error code"
	}
	var kind error
	switch code {
	case "access_denied":
		kind = ErrDenied
	case "temporarily_unavailable", "server_error":
		kind = ErrUnavailable
	default:
		kind = ErrProvider
	}
	return redactor{name: provider}.fail(kind, nil, "authorize: %s", code)
}
