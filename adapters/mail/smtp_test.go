package mail_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/mail"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/fakes/smtpserver"
)

const (
	from      = "CodeMentor <no-reply@codementor.test>"
	learner   = "learner@example.com"
	mailUser  = "mailer"
	mailPass  = "hunter2-s3cret"
	wrongPass = "not-the-password"
)

// linkRE finds links in a text body the way the identity flow's tests will.
var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// mailer builds an SMTP mailer aimed at srv, plaintext unless edit says
// otherwise.
func mailer(t *testing.T, srv *smtpserver.Server, edit func(*mail.SMTPOptions)) *mail.SMTP {
	t.Helper()
	o := mail.SMTPOptions{
		Host:     srv.Host(),
		Port:     srv.Port(),
		From:     from,
		TLS:      mail.TLSNone,
		Timeout:  5 * time.Second,
		HeloName: "codementor.test",
	}
	if edit != nil {
		edit(&o)
	}
	m, err := mail.NewSMTP(o)
	require.NoError(t, err)
	return m
}

func verification(link string) ports.MailMessage {
	return ports.MailMessage{
		To:      learner,
		Subject: "Confirm your email",
		Text:    "Welcome to CodeMentor!\n\nConfirm your address by opening this link:\n" + link + "\n\nIt expires in 24 hours.\n",
		HTML:    `<p>Welcome to CodeMentor!</p><p><a href="` + link + `">Confirm your address</a></p>`,
	}
}

func only(t *testing.T, srv *smtpserver.Server) smtpserver.Message {
	t.Helper()
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	return msgs[0]
}

// The identity flow mails a link and a test follows it: the token must come
// back byte for byte although the body travels quoted-printable ('=' becomes
// "=3D", long lines get soft breaks).
func TestSMTPVerificationLinkRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token string
		extra string
	}{
		{name: "short token", token: "abc123"},
		{name: "base64url token on a line longer than 76", token: "q2Xw-9_Zr0bN3kLm8PvTy6uHsA1cDeFgJ4hIjKl5MnO", extra: "&next=%2Fexercises%2Fgo%2Fhello-world&utm_source=email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtpserver.Start(t)
			link := "http://localhost:3000/verify-email?token=" + tt.token + tt.extra

			require.NoError(t, mailer(t, srv, nil).Send(context.Background(), verification(link)))

			got := only(t, srv)
			assert.Equal(t, "no-reply@codementor.test", got.From)
			assert.Equal(t, []string{learner}, got.To)
			assert.False(t, got.TLS)
			p, err := got.Parse()
			require.NoError(t, err)

			found := linkRE.FindString(p.Text)
			require.NotEmpty(t, found, "no link in text body:\n%s", p.Text)
			u, err := url.Parse(found)
			require.NoError(t, err)
			assert.Equal(t, "localhost:3000", u.Host)
			assert.Equal(t, "/verify-email", u.Path)
			assert.Equal(t, tt.token, u.Query().Get("token"))
			assert.Equal(t, link, found)
			assert.Contains(t, p.HTML, `href="`+link+`"`)
		})
	}
}

func TestSMTPMessageHeaders(t *testing.T) {
	t.Parallel()
	srv := smtpserver.Start(t)
	msg := verification("http://localhost:3000/verify-email?token=abc123")
	msg.Subject = "Réinitialiser votre mot de passe"

	before := time.Now().Add(-time.Second)
	require.NoError(t, mailer(t, srv, nil).Send(context.Background(), msg))

	p, err := only(t, srv).Parse()
	require.NoError(t, err)
	assert.Equal(t, msg.Subject, p.Subject, "non-ASCII subjects survive RFC 2047 encoding")
	assert.Equal(t, `"CodeMentor" <no-reply@codementor.test>`, p.Header.Get("From"))
	assert.Equal(t, "<"+learner+">", p.Header.Get("To"))
	date, err := p.Header.Date()
	require.NoError(t, err)
	assert.WithinRange(t, date, before.Truncate(time.Second), time.Now().Add(time.Second))
	assert.Regexp(t, `^<[A-Z0-9]{20,}@codementor\.test>$`, p.Header.Get("Message-ID"),
		"Message-ID uses the sender's domain, not the host's name")
	assert.True(t, strings.HasPrefix(p.Header.Get("Content-Type"), "multipart/alternative;"), p.Header.Get("Content-Type"))
	assert.Empty(t, p.Header.Get("X-Mailer"))
	assert.Empty(t, p.Header.Get("User-Agent"))
}

func TestSMTPTextOnlyIsOnePlainPart(t *testing.T) {
	t.Parallel()
	srv := smtpserver.Start(t)
	msg := verification("http://localhost:3000/reset-password?token=abc123")
	msg.HTML = ""

	require.NoError(t, mailer(t, srv, nil).Send(context.Background(), msg))

	p, err := only(t, srv).Parse()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"), p.Header.Get("Content-Type"))
	assert.Equal(t, msg.Text, strings.ReplaceAll(p.Text, "\r\n", "\n"))
	assert.Empty(t, p.HTML)
}

func TestSMTPSubjectCannotInjectHeaders(t *testing.T) {
	t.Parallel()
	srv := smtpserver.Start(t)
	msg := verification("http://localhost:3000/verify-email?token=abc123")
	msg.Subject = "Hello\r\nBcc: attacker@evil.test"

	require.NoError(t, mailer(t, srv, nil).Send(context.Background(), msg))

	got := only(t, srv)
	assert.Equal(t, []string{learner}, got.To)
	p, err := got.Parse()
	require.NoError(t, err)
	assert.Empty(t, p.Header.Get("Bcc"))
}

func TestSMTPRejectsBadRecipientBeforeConnecting(t *testing.T) {
	t.Parallel()
	srv := smtpserver.Start(t)
	m := mailer(t, srv, nil)
	for _, to := range []string{"", "   ", "not-an-address", "learner@example.com\r\nBcc: attacker@evil.test", "a@b.test, c@d.test"} {
		msg := verification("http://localhost:3000/verify-email?token=abc123")
		msg.To = to
		err := m.Send(context.Background(), msg)
		require.Error(t, err, "%q", to)
		assert.Contains(t, err.Error(), "invalid recipient")
	}
	assert.Empty(t, srv.Messages())
}

func TestSMTPStartTLS(t *testing.T) {
	t.Parallel()

	t.Run("self-signed accepted when verification is skipped", func(t *testing.T) {
		t.Parallel()
		srv := smtpserver.Start(t, smtpserver.WithSTARTTLS())
		m := mailer(t, srv, func(o *mail.SMTPOptions) { o.TLS = mail.TLSStartTLS; o.InsecureSkipVerify = true })

		require.NoError(t, m.Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123")))

		got := only(t, srv)
		assert.True(t, got.TLS)
		assert.Contains(t, string(got.Data), "token=3Dabc123", "the body travels quoted-printable")
	})
	t.Run("self-signed refused by default", func(t *testing.T) {
		t.Parallel()
		srv := smtpserver.Start(t, smtpserver.WithSTARTTLS())
		m := mailer(t, srv, func(o *mail.SMTPOptions) { o.TLS = mail.TLSStartTLS })

		err := m.Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123"))

		require.Error(t, err)
		var unknownCA x509.UnknownAuthorityError
		assert.ErrorAs(t, err, &unknownCA, err.Error())
		assert.Empty(t, srv.Messages())
	})
}

func TestSMTPStartTLSRequiredButNotOffered(t *testing.T) {
	t.Parallel()
	srv := smtpserver.Start(t)
	m := mailer(t, srv, func(o *mail.SMTPOptions) { o.TLS = mail.TLSStartTLS; o.InsecureSkipVerify = true })

	err := m.Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "STARTTLS")
	assert.Empty(t, srv.Messages(), "nothing goes out in clear when TLS is required")
}

func TestSMTPOpportunisticTLS(t *testing.T) {
	t.Parallel()
	for _, offered := range []bool{true, false} {
		t.Run(fmt.Sprintf("STARTTLS offered %v", offered), func(t *testing.T) {
			t.Parallel()
			var opts []smtpserver.Option
			if offered {
				opts = append(opts, smtpserver.WithSTARTTLS())
			}
			srv := smtpserver.Start(t, opts...)
			m := mailer(t, srv, func(o *mail.SMTPOptions) { o.TLS = mail.TLSOpportunistic; o.InsecureSkipVerify = true })

			require.NoError(t, m.Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123")))
			assert.Equal(t, offered, only(t, srv).TLS)
		})
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	srv := smtpserver.Start(t, smtpserver.WithImplicitTLS())
	m := mailer(t, srv, func(o *mail.SMTPOptions) { o.TLS = mail.TLSImplicit; o.InsecureSkipVerify = true })

	require.NoError(t, m.Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123")))
	assert.True(t, only(t, srv).TLS)
}

func TestSMTPAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		server    []smtpserver.Option
		tls       string
		user      string
		pass      string
		wantUser  string
		wantError string
	}{
		{name: "PLAIN over STARTTLS", server: []smtpserver.Option{smtpserver.WithSTARTTLS(), smtpserver.WithAuth(mailUser, mailPass)},
			tls: mail.TLSStartTLS, user: mailUser, pass: mailPass, wantUser: mailUser},
		{name: "LOGIN when it is all the server offers", server: []smtpserver.Option{smtpserver.WithSTARTTLS(), smtpserver.WithAuth(mailUser, mailPass, "LOGIN")},
			tls: mail.TLSStartTLS, user: mailUser, pass: mailPass, wantUser: mailUser},
		{name: "PLAIN over implicit TLS", server: []smtpserver.Option{smtpserver.WithImplicitTLS(), smtpserver.WithAuth(mailUser, mailPass)},
			tls: mail.TLSImplicit, user: mailUser, pass: mailPass, wantUser: mailUser},
		{name: "in clear to a relay on localhost", server: []smtpserver.Option{smtpserver.WithAuth(mailUser, mailPass)},
			tls: mail.TLSNone, user: mailUser, pass: mailPass, wantUser: mailUser},
		{name: "wrong password", server: []smtpserver.Option{smtpserver.WithSTARTTLS(), smtpserver.WithAuth(mailUser, mailPass)},
			tls: mail.TLSStartTLS, user: mailUser, pass: wrongPass, wantError: "535"},
		{name: "wrong user", server: []smtpserver.Option{smtpserver.WithSTARTTLS(), smtpserver.WithAuth(mailUser, mailPass, "LOGIN")},
			tls: mail.TLSStartTLS, user: "someone", pass: mailPass, wantError: "535"},
		{name: "no credentials for a server that wants them", server: []smtpserver.Option{smtpserver.WithSTARTTLS(), smtpserver.WithAuth(mailUser, mailPass)},
			tls: mail.TLSStartTLS, wantError: "authenticate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtpserver.Start(t, tt.server...)
			m := mailer(t, srv, func(o *mail.SMTPOptions) {
				o.TLS, o.InsecureSkipVerify, o.Username, o.Password = tt.tls, true, tt.user, tt.pass
			})

			err := m.Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123"))

			if tt.wantError != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantError)
				if tt.pass != "" {
					assert.NotContains(t, err.Error(), tt.pass)
				}
				assert.Empty(t, srv.Messages())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantUser, only(t, srv).AuthUser)
		})
	}
}

func TestSMTPServerRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		server smtpserver.Option
		want   string
	}{
		{name: "recipient rejected", server: smtpserver.WithRcptError(550, "No such user here"), want: "550"},
		{name: "recipient deferred", server: smtpserver.WithRcptError(451, "Try again later"), want: "451"},
		{name: "message deferred at DATA", server: smtpserver.WithDataError(451, "Temporary local problem"), want: "451"},
		{name: "message rejected at DATA", server: smtpserver.WithDataError(554, "Looks like spam"), want: "554"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtpserver.Start(t, tt.server)

			err := mailer(t, srv, nil).Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123"))

			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), srv.Addr(), "the error says which server refused")
			assert.Empty(t, srv.Messages())
		})
	}
}

func TestSMTPErrorsNeverShowThePassword(t *testing.T) {
	t.Parallel()
	// A server that echoes the secret back is contrived, but it is the one
	// way it could reach an error and from there a log.
	srv := smtpserver.Start(t, smtpserver.WithAuth(mailUser, mailPass), smtpserver.WithRcptError(550, "mailbox "+mailPass+" unknown"))
	m := mailer(t, srv, func(o *mail.SMTPOptions) { o.Username, o.Password = mailUser, mailPass })

	err := m.Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123"))

	require.Error(t, err)
	assert.NotContains(t, err.Error(), mailPass)
	assert.Contains(t, err.Error(), "[REDACTED]")
}

func TestSMTPHonoursContext(t *testing.T) {
	t.Parallel()

	t.Run("already cancelled", func(t *testing.T) {
		t.Parallel()
		srv := smtpserver.Start(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()

		err := mailer(t, srv, nil).Send(ctx, verification("http://localhost:3000/verify-email?token=abc123"))

		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, srv.Messages())
	})

	t.Run("deadline cuts a server that never answers", func(t *testing.T) {
		t.Parallel()
		// Accepts connections and says nothing: the client waits for a
		// greeting that never comes.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		var conns sync.WaitGroup
		t.Cleanup(func() { _ = ln.Close(); conns.Wait() })
		conns.Add(1)
		go func() {
			defer conns.Done()
			c, err := ln.Accept()
			if err == nil {
				_, _ = c.Read(make([]byte, 1)) // returns when the client hangs up
				_ = c.Close()
			}
		}()
		addr := ln.Addr().(*net.TCPAddr)
		m, err := mail.NewSMTP(mail.SMTPOptions{Host: "127.0.0.1", Port: addr.Port, From: from, TLS: mail.TLSNone, Timeout: time.Minute})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()

		start := time.Now()
		err = m.Send(ctx, verification("http://localhost:3000/verify-email?token=abc123"))

		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 5*time.Second, "the context deadline, not the one-minute timeout, ends the send")
	})
}

func TestSMTPConcurrentSends(t *testing.T) {
	t.Parallel()
	srv := smtpserver.Start(t)
	m := mailer(t, srv, nil)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			msg := verification(fmt.Sprintf("http://localhost:3000/verify-email?token=t%d", i))
			msg.To = fmt.Sprintf("learner%d@example.com", i)
			errs[i] = m.Send(context.Background(), msg)
		})
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.Len(t, srv.Messages(), n)
}

func TestNewSMTPValidatesOptions(t *testing.T) {
	t.Parallel()
	valid := mail.SMTPOptions{Host: "smtp.example.com", From: "no-reply@codementor.test"}
	tests := []struct {
		name string
		edit func(*mail.SMTPOptions)
		want string // "" means valid
	}{
		{name: "defaults", edit: func(*mail.SMTPOptions) {}},
		{name: "credentials over STARTTLS", edit: func(o *mail.SMTPOptions) { o.Username, o.Password = mailUser, mailPass }},
		{name: "credentials in clear to localhost", edit: func(o *mail.SMTPOptions) {
			o.Host, o.TLS, o.Username, o.Password = "localhost", mail.TLSNone, mailUser, mailPass
		}},
		{name: "mode is case-insensitive", edit: func(o *mail.SMTPOptions) { o.TLS = "STARTTLS" }},
		{name: "missing host", edit: func(o *mail.SMTPOptions) { o.Host = " " }, want: "host is required"},
		{name: "unknown TLS mode", edit: func(o *mail.SMTPOptions) { o.TLS = "ssl" }, want: "TLS mode"},
		{name: "port out of range", edit: func(o *mail.SMTPOptions) { o.Port = 70000 }, want: "port"},
		{name: "missing from", edit: func(o *mail.SMTPOptions) { o.From = "" }, want: "from address"},
		{name: "bad from", edit: func(o *mail.SMTPOptions) { o.From = "CodeMentor" }, want: "from address"},
		{name: "password without user", edit: func(o *mail.SMTPOptions) { o.Password = mailPass }, want: "without a username"},
		{name: "credentials in clear to a remote host", edit: func(o *mail.SMTPOptions) {
			o.TLS, o.Username, o.Password = mail.TLSNone, mailUser, mailPass
		}, want: "credentials need TLS"},
		{name: "negative timeout", edit: func(o *mail.SMTPOptions) { o.Timeout = -time.Second }, want: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := valid
			tt.edit(&o)
			m, err := mail.NewSMTP(o)
			if tt.want == "" {
				require.NoError(t, err)
				assert.NotNil(t, m)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), mailPass)
		})
	}
}

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw     string
		want    mail.SMTPOptions
		wantErr string
	}{
		{raw: "smtp://user:pass@smtp.example.com:587?tls=starttls",
			want: mail.SMTPOptions{Host: "smtp.example.com", Port: 587, Username: "user", Password: "pass", TLS: mail.TLSStartTLS}},
		{raw: "smtps://user:pass@smtp.example.com:465",
			want: mail.SMTPOptions{Host: "smtp.example.com", Port: 465, Username: "user", Password: "pass", TLS: mail.TLSImplicit}},
		{raw: "smtp://smtp.example.com",
			want: mail.SMTPOptions{Host: "smtp.example.com", Port: 587, TLS: mail.TLSStartTLS}},
		{raw: "smtps://smtp.example.com/",
			want: mail.SMTPOptions{Host: "smtp.example.com", Port: 465, TLS: mail.TLSImplicit}},
		{raw: "smtp://localhost:1025?tls=none",
			want: mail.SMTPOptions{Host: "localhost", Port: 1025, TLS: mail.TLSNone}},
		{raw: "smtp://localhost?tls=none",
			want: mail.SMTPOptions{Host: "localhost", Port: 25, TLS: mail.TLSNone}},
		{raw: "smtp://mail.internal:25?tls=opportunistic&insecure_skip_verify=true&timeout=3s&helo=app.example.com",
			want: mail.SMTPOptions{Host: "mail.internal", Port: 25, TLS: mail.TLSOpportunistic, InsecureSkipVerify: true, Timeout: 3 * time.Second, HeloName: "app.example.com"}},
		{raw: "smtp://apikey:p%40ss%3Aw0rd%2F@[::1]:2525",
			want: mail.SMTPOptions{Host: "::1", Port: 2525, Username: "apikey", Password: "p@ss:w0rd/", TLS: mail.TLSStartTLS}},
		{raw: "smtps://user:pass@smtp.example.com:465?tls=tls",
			want: mail.SMTPOptions{Host: "smtp.example.com", Port: 465, Username: "user", Password: "pass", TLS: mail.TLSImplicit}},

		{raw: "", wantErr: "scheme"},
		{raw: "smtp.example.com:587", wantErr: "scheme"},
		{raw: "http://user:hunter2@smtp.example.com", wantErr: "scheme"},
		{raw: "smtp://user:hunter2@", wantErr: "missing host"},
		{raw: "smtp://:587", wantErr: "missing host"},
		{raw: "smtp:smtp.example.com", wantErr: "scheme://host"},
		{raw: "smtp://user:hunter2@smtp.example.com:abc", wantErr: "invalid port"},
		{raw: "smtp://user:hunter2@smtp.example.com:70000", wantErr: "out of range"},
		{raw: "smtp://user:hunter2@smtp.example.com:0", wantErr: "out of range"},
		{raw: "smtp://user:hunter2@smtp.example.com/path", wantErr: "path"},
		{raw: "smtp://user:hunter2@smtp.example.com?tls=ssl", wantErr: "TLS mode"},
		{raw: "smtp://user:hunter2@smtp.example.com?tsl=none", wantErr: "unknown parameter"},
		{raw: "smtps://user:hunter2@smtp.example.com?tls=starttls", wantErr: "implicit TLS"},
		{raw: "smtp://user:hunter2@smtp.example.com?insecure_skip_verify=maybe", wantErr: "boolean"},
		{raw: "smtp://user:hunter2@smtp.example.com?timeout=soon", wantErr: "duration"},
		{raw: "smtp://user:hunter2@smtp.example.com?tls=%zz", wantErr: "query"},
		{raw: "smtp://user:hunter2@smtp.exa mple.com", wantErr: "parse SMTP URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := mail.ParseSMTPURL(tt.raw)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), "hunter2", "errors end up in logs")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// What ParseSMTPURL returns is what NewSMTP takes: a URL plus a From is a
// working mailer.
func TestParseSMTPURLFeedsNewSMTP(t *testing.T) {
	t.Parallel()
	srv := smtpserver.Start(t, smtpserver.WithSTARTTLS(), smtpserver.WithAuth(mailUser, mailPass))
	o, err := mail.ParseSMTPURL(fmt.Sprintf("smtp://%s:%s@%s?tls=starttls&insecure_skip_verify=true&timeout=5s", mailUser, url.QueryEscape(mailPass), srv.Addr()))
	require.NoError(t, err)
	o.From = from
	m, err := mail.NewSMTP(o)
	require.NoError(t, err)

	require.NoError(t, m.Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123")))
	got := only(t, srv)
	assert.True(t, got.TLS)
	assert.Equal(t, mailUser, got.AuthUser)
}
