// Package mail holds the ports.Mailer adapters: SMTP for real delivery and a
// log mailer for development.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/codementor/codementor/ports"
)

// TLS modes for SMTPOptions.TLS.
const (
	TLSStartTLS      = "starttls"      // STARTTLS is required; fail if the server does not offer it
	TLSOpportunistic = "opportunistic" // STARTTLS if offered, else plaintext
	TLSImplicit      = "tls"           // TLS from the first byte (port 465)
	TLSNone          = "none"          // plaintext, for local relays and dev catchers only
)

// DefaultSMTPTimeout bounds a whole send (dial, TLS, AUTH, DATA) when
// SMTPOptions.Timeout is zero.
const DefaultSMTPTimeout = 15 * time.Second

// SMTPOptions configure the SMTP mailer; cmd maps them from config, either
// from SMTP_URL through ParseSMTPURL or from the separate SMTP_* values.
type SMTPOptions struct {
	Host string
	// Port defaults by TLS mode: 465 for "tls", 25 for "none", 587 otherwise.
	Port               int
	Username, Password string
	// From is the sender, "no-reply@example.com" or "CodeMentor <no-reply@example.com>".
	From string
	// TLS is one of "starttls" (the default), "opportunistic", "tls" or "none".
	TLS string
	// InsecureSkipVerify accepts any server certificate: tests and dev only.
	InsecureSkipVerify bool
	// Timeout bounds each send; a context deadline that comes sooner wins.
	Timeout time.Duration
	// HeloName is the EHLO name; empty uses the machine's hostname.
	HeloName string
}

// SMTP sends mail through an SMTP server with wneessen/go-mail.
//
// Credentials are sent only when Username is set, with PLAIN (else LOGIN if
// that is all the server offers; if it offers neither, go-mail picks the
// strongest challenge-response mechanism it has). go-mail refuses to send
// PLAIN or LOGIN over an unencrypted connection unless the server is
// localhost, and NewSMTP refuses credentials with TLS "none" to any other
// host, so a password never crosses the network in clear.
type SMTP struct {
	host    string
	addr    string // host:port, for error messages
	from    string
	domain  string // of From, for Message-IDs
	timeout time.Duration
	secret  string
	options []gomail.Option
}

var _ ports.Mailer = (*SMTP)(nil)

// NewSMTP validates the options and builds the mailer. It does not connect:
// a mail server that is down at start must not stop the service.
func NewSMTP(o SMTPOptions) (*SMTP, error) {
	host := strings.TrimSpace(o.Host)
	if host == "" {
		return nil, errors.New("smtp: host is required")
	}
	mode, err := parseTLSMode(o.TLS)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	port := o.Port
	if port == 0 {
		port = defaultPort(mode)
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("smtp: port %d out of range", port)
	}
	from, err := netmail.ParseAddress(o.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: invalid from address: %w", err)
	}
	if o.Password != "" && o.Username == "" {
		return nil, errors.New("smtp: password set without a username")
	}
	if o.Username != "" && mode == TLSNone && !isLoopback(host) {
		return nil, errors.New(`smtp: credentials need TLS: set TLS to "starttls" or "tls"`)
	}
	if o.Timeout < 0 {
		return nil, fmt.Errorf("smtp: negative timeout %s", o.Timeout)
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = DefaultSMTPTimeout
	}

	// go-mail's default TLS config has no knob for InsecureSkipVerify, so
	// build ours; one config is safe to share between sends.
	tlsConfig := &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: o.InsecureSkipVerify, //nolint:gosec // opt-in for tests and dev servers with self-signed certs
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTLSConfig(tlsConfig)}
	switch mode {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if o.HeloName != "" {
		opts = append(opts, gomail.WithHELO(o.HeloName))
	}
	if o.Username != "" {
		opts = append(opts,
			gomail.WithUsername(o.Username), gomail.WithPassword(o.Password),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	// Build one client now so option errors surface at start, not on the
	// first sign-up.
	if _, err := gomail.NewClient(host, opts...); err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}

	_, domain, _ := strings.Cut(from.Address, "@")
	return &SMTP{
		host:    host,
		addr:    net.JoinHostPort(host, strconv.Itoa(port)),
		from:    from.String(),
		domain:  domain,
		timeout: timeout,
		secret:  o.Password,
		options: opts,
	}, nil
}

// Send delivers one message over a fresh connection. Each send gets its own
// go-mail client: go-mail applies ctx only to the dial and then one timeout
// to the whole session, so the client's timeout is cut to ctx's deadline;
// a fresh client also keeps sends independent (its opportunistic AUTH
// choice is stored on the client).
func (s *SMTP) Send(ctx context.Context, msg ports.MailMessage) error {
	m, err := s.message(msg)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send mail via %s: %w", s.addr, err)
	}
	timeout := s.timeout
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		timeout = min(timeout, time.Until(deadline))
	}
	if timeout <= 0 {
		return fmt.Errorf("send mail via %s: %w", s.addr, context.DeadlineExceeded)
	}
	// The full slice expression makes append copy, so concurrent sends never
	// share a backing array.
	opts := append(s.options[:len(s.options):len(s.options)], gomail.WithTimeout(timeout))
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		err = s.redact(err)
		// A timeout cut to ctx's deadline shows up as an i/o timeout, which
		// can fire a moment before ctx notices: say it was ctx either way.
		ctxErr := ctx.Err()
		if ctxErr == nil && hasDeadline && !time.Now().Before(deadline) {
			ctxErr = context.DeadlineExceeded
		}
		if ctxErr != nil {
			return fmt.Errorf("send mail via %s: %w: %w", s.addr, ctxErr, err)
		}
		return fmt.Errorf("send mail via %s: %w", s.addr, err)
	}
	return nil
}

// message builds the MIME message: text/plain alone, or
// multipart/alternative when there is an HTML version too.
func (s *SMTP) message(msg ports.MailMessage) (*gomail.Msg, error) {
	to, err := parseRecipient(msg.To)
	if err != nil {
		return nil, err
	}
	if msg.Text == "" && msg.HTML == "" {
		return nil, errors.New("mail has no body")
	}
	// No User-Agent/X-Mailer: a library version banner in every mail helps
	// nobody but someone looking for a known bug.
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.From(s.from); err != nil {
		return nil, fmt.Errorf("mail from: %w", err)
	}
	if err := m.To(to); err != nil {
		return nil, fmt.Errorf("mail to: %w", err)
	}
	m.Subject(msg.Subject)
	m.SetDate()
	// go-mail's SetMessageID uses the machine's hostname (a container ID in
	// production); the sender's domain is what RFC 5322 suggests.
	m.SetMessageIDWithValue(rand.Text() + "@" + s.domain)
	switch {
	case msg.Text != "" && msg.HTML != "":
		m.SetBodyString(gomail.TypeTextPlain, msg.Text)
		m.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	case msg.Text != "":
		m.SetBodyString(gomail.TypeTextPlain, msg.Text)
	default:
		m.SetBodyString(gomail.TypeTextHTML, msg.HTML)
	}
	return m, nil
}

// parseRecipient checks that to is one RFC 5322 address (a bare address or
// "Name <address>") and returns it in canonical form. Both mailers use it,
// so a bad address fails in development as it would in production.
func parseRecipient(to string) (string, error) {
	if strings.TrimSpace(to) == "" {
		return "", errors.New("invalid recipient address: empty")
	}
	// The parser's error never repeats the address, which keeps it out of logs.
	a, err := netmail.ParseAddress(to)
	if err != nil {
		return "", fmt.Errorf("invalid recipient address: %w", err)
	}
	return a.String(), nil
}

// redact hides the password should a library or server ever echo it into an
// error (go-mail does not today); errors.Is and errors.As still see the cause.
func (s *SMTP) redact(err error) error {
	if s.secret == "" || !strings.Contains(err.Error(), s.secret) {
		return err
	}
	return redactedError{err: err, secret: s.secret}
}

type redactedError struct {
	err    error
	secret string
}

func (e redactedError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.secret, "[REDACTED]")
}

func (e redactedError) Unwrap() error { return e.err }

// ParseSMTPURL reads the SMTP_URL form of the options:
//
//	smtp://user:pass@host:587?tls=starttls   (tls: starttls, the default, opportunistic or none)
//	smtps://user:pass@host:465               (implicit TLS)
//
// Other query parameters: insecure_skip_verify=true, timeout=10s, helo=name.
// Userinfo must be percent-encoded. From is not part of the URL. Errors never
// contain the password.
func ParseSMTPURL(raw string) (SMTPOptions, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// *url.Error repeats the whole URL, password included: keep the reason only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return SMTPOptions{}, fmt.Errorf("parse SMTP URL: %w", err)
	}
	var o SMTPOptions
	switch u.Scheme {
	case "smtp":
		o.TLS = TLSStartTLS
	case "smtps":
		o.TLS = TLSImplicit
	default:
		return SMTPOptions{}, fmt.Errorf("parse SMTP URL: scheme %q is not smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" {
		return SMTPOptions{}, errors.New("parse SMTP URL: want scheme://host")
	}
	o.Host = u.Hostname()
	if o.Host == "" {
		return SMTPOptions{}, errors.New("parse SMTP URL: missing host")
	}
	if u.Path != "" && u.Path != "/" {
		return SMTPOptions{}, fmt.Errorf("parse SMTP URL: unexpected path %q", u.Path)
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return SMTPOptions{}, fmt.Errorf("parse SMTP URL: query: %w", err)
	}
	for key, values := range query {
		v := values[len(values)-1]
		switch key {
		case "tls":
			mode, err := parseTLSMode(v)
			if err != nil {
				return SMTPOptions{}, fmt.Errorf("parse SMTP URL: %w", err)
			}
			if u.Scheme == "smtps" && mode != TLSImplicit {
				return SMTPOptions{}, fmt.Errorf("parse SMTP URL: smtps is implicit TLS, not tls=%s", mode)
			}
			o.TLS = mode
		case "insecure_skip_verify":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return SMTPOptions{}, fmt.Errorf("parse SMTP URL: insecure_skip_verify=%q is not a boolean", v)
			}
			o.InsecureSkipVerify = b
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return SMTPOptions{}, fmt.Errorf("parse SMTP URL: timeout=%q is not a positive duration", v)
			}
			o.Timeout = d
		case "helo":
			o.HeloName = v
		default:
			// A typo ("tsl=none") must not silently fall back to defaults.
			return SMTPOptions{}, fmt.Errorf("parse SMTP URL: unknown parameter %q", key)
		}
	}
	o.Port = defaultPort(o.TLS)
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPOptions{}, fmt.Errorf("parse SMTP URL: port %q out of range", p)
		}
		o.Port = n
	}
	return o, nil
}

func parseTLSMode(s string) (string, error) {
	switch mode := strings.ToLower(strings.TrimSpace(s)); mode {
	case "":
		return TLSStartTLS, nil
	case TLSStartTLS, TLSOpportunistic, TLSImplicit, TLSNone:
		return mode, nil
	default:
		return "", fmt.Errorf("TLS mode %q is not starttls, opportunistic, tls or none", s)
	}
}

func defaultPort(mode string) int {
	switch mode {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	default:
		return 587
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
