// Package smtpserver is a real SMTP server for tests, built on emersion/go-smtp.
// Adapters talk to it over TCP on 127.0.0.1 exactly as they would to a mail
// provider (STARTTLS or implicit TLS with a throwaway self-signed certificate,
// AUTH PLAIN/LOGIN, rejections), and tests read what it received.
package smtpserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one delivered message, as the server saw it.
type Message struct {
	From string   // MAIL FROM
	To   []string // RCPT TO, in order
	Data []byte   // the raw message after DATA, headers and body
	// TLS reports whether the message came over an encrypted connection.
	TLS bool
	// AuthUser is the user that authenticated, "" if none did.
	AuthUser string
}

// Server is a running fake SMTP server.
type Server struct {
	cfg  config
	addr *net.TCPAddr

	mu   sync.Mutex
	msgs []Message
}

type config struct {
	startTLS    bool
	implicitTLS bool
	username    string
	password    string
	mechanisms  []string
	rcptErr     *smtp.SMTPError
	dataErr     *smtp.SMTPError
}

// Option configures Start.
type Option func(*config)

// WithSTARTTLS offers STARTTLS with a self-signed certificate for 127.0.0.1
// and localhost. Clients must skip verification to accept it, which lets
// tests check that they do verify by default.
func WithSTARTTLS() Option { return func(c *config) { c.startTLS = true } }

// WithImplicitTLS speaks TLS from the first byte, as on port 465, with the
// same kind of self-signed certificate.
func WithImplicitTLS() Option { return func(c *config) { c.implicitTLS = true } }

// WithAuth requires AUTH with these credentials before MAIL FROM. The server
// offers the given mechanisms ("PLAIN", "LOGIN"; both when none are given).
// Like real servers, it offers AUTH only over TLS when STARTTLS is on; without
// any TLS it offers it in clear, since the client is on localhost.
func WithAuth(username, password string, mechanisms ...string) Option {
	return func(c *config) {
		c.username, c.password = username, password
		c.mechanisms = mechanisms
		if len(c.mechanisms) == 0 {
			c.mechanisms = []string{sasl.Plain, sasl.Login}
		}
	}
}

// WithRcptError answers every RCPT TO with this reply, e.g. 550 (no such
// mailbox) or 451 (try again later).
func WithRcptError(code int, message string) Option {
	return func(c *config) { c.rcptErr = &smtp.SMTPError{Code: code, Message: message} }
}

// WithDataError reads each message and then answers the end of DATA with
// this reply instead of accepting it; nothing is stored.
func WithDataError(code int, message string) Option {
	return func(c *config) { c.dataErr = &smtp.SMTPError{Code: code, Message: message} }
}

// Start runs a server on 127.0.0.1 on a free port until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{}
	for _, o := range opts {
		o(&s.cfg)
	}

	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	// Bounds so a client that stalls fails the test instead of hanging it.
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	logger := &testLogger{t: t}
	srv.ErrorLog = logger

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtpserver: listen: %v", err)
	}
	s.addr = ln.Addr().(*net.TCPAddr)

	if s.cfg.startTLS || s.cfg.implicitTLS {
		cert, err := selfSignedCert()
		if err != nil {
			_ = ln.Close()
			t.Fatalf("smtpserver: certificate: %v", err)
		}
		tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if s.cfg.implicitTLS {
			ln = tls.NewListener(ln, tlsConfig)
		} else {
			srv.TLSConfig = tlsConfig
		}
	}
	// go-smtp offers AUTH before TLS only when allowed; with STARTTLS on,
	// clients must upgrade first, as with a real provider.
	srv.AllowInsecureAuth = !s.cfg.startTLS

	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		// Close only closes listeners Serve has registered, which it may
		// not have done yet if the test was quick; closing ours ends Serve.
		_ = ln.Close()
		<-served
		logger.stop()
	})
	return s
}

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr.String() }

// Host is "127.0.0.1".
func (s *Server) Host() string { return s.addr.IP.String() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.addr.Port }

// Messages returns a copy of the messages delivered so far. The server
// stores a message before it acknowledges DATA, so once a client's send has
// returned, its message is here.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		m.To = slices.Clone(m.To)
		m.Data = bytes.Clone(m.Data)
		out[i] = m
	}
	return out
}

func (s *Server) store(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
}

// session is one SMTP connection's state; go-smtp drives it from a single
// goroutine.
type session struct {
	srv  *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.srv.cfg.username == "" {
		return nil
	}
	return ss.srv.cfg.mechanisms
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	cfg := ss.srv.cfg
	if cfg.username == "" || !slices.Contains(cfg.mechanisms, mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	check := func(username, password string) error {
		if username != cfg.username || password != cfg.password {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, username, password string) error { return check(username, password) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	default:
		return nil, smtp.ErrAuthUnknownMechanism
	}
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.cfg.username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.srv.cfg.rcptErr; err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.srv.cfg.dataErr; err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.srv.store(Message{From: ss.from, To: slices.Clone(ss.to), Data: data, TLS: isTLS, AuthUser: ss.user})
	return nil
}

func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl implements
// only for clients. LOGIN has no RFC; this follows the common form: prompt
// "Username:", then "Password:", each answer base64 (decoded by go-smtp).
type loginServer struct {
	step     int
	username string
	check    func(username, password string) error
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		// Some clients send the username as the initial response.
		if len(response) > 0 {
			l.username, l.step = string(response), 2
			return []byte("Password:"), false, nil
		}
		l.step = 1
		return []byte("Username:"), false, nil
	case 1:
		l.username, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.check(l.username, string(response))
	default:
		return nil, true, sasl.ErrUnexpectedClientResponse
	}
}

// selfSignedCert makes a short-lived ECDSA certificate for 127.0.0.1, ::1
// and localhost, generated per server so no key sits in the repository.
func selfSignedCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "smtpserver test"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// testLogger sends go-smtp's connection errors to the test log, and drops
// them once the test has ended (logging then would panic).
type testLogger struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *testLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("smtpserver: "+format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Log(append([]any{"smtpserver:"}, v...)...)
	}
}

func (l *testLogger) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}

// Parsed is a delivered message read the way a mail client would: headers,
// decoded subject, and the decoded text and HTML bodies.
type Parsed struct {
	Header  mail.Header
	Subject string // RFC 2047 decoded
	Text    string // the first text/plain part, transfer encoding undone
	HTML    string // the first text/html part, transfer encoding undone
}

// Parse reads m.Data as RFC 5322 + MIME, walking nested multiparts and
// undoing quoted-printable and base64, so tests see what a reader sees
// (a link in a quoted-printable body is not the raw bytes on the wire).
func (m Message) Parse() (Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return Parsed{}, fmt.Errorf("read message: %w", err)
	}
	p := Parsed{Header: msg.Header}
	p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Parsed{}, fmt.Errorf("decode subject: %w", err)
	}
	if err := p.walk(textproto.MIMEHeader(msg.Header), msg.Body); err != nil {
		return Parsed{}, err
	}
	return p, nil
}

// TextBody is the decoded text/plain body, or an error if there is none.
func (m Message) TextBody() (string, error) {
	p, err := m.Parse()
	if err != nil {
		return "", err
	}
	if p.Text == "" {
		return "", errors.New("message has no text/plain part")
	}
	return p.Text, nil
}

func (p *Parsed) walk(h textproto.MIMEHeader, body io.Reader) error {
	contentType := h.Get("Content-Type")
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii" // RFC 2045 default
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// Raw parts: NextPart would undo quoted-printable but not base64.
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := p.walk(part.Header, part); err != nil {
				return err
			}
		}
	}
	if charset := strings.ToLower(params["charset"]); charset != "" && charset != "utf-8" && charset != "us-ascii" {
		return fmt.Errorf("charset %q not supported", charset)
	}
	decoded, err := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	switch mediaType {
	case "text/plain":
		if p.Text == "" {
			p.Text = decoded
		}
	case "text/html":
		if p.HTML == "" {
			p.HTML = decoded
		}
	}
	return nil
}

func decodeTransfer(encoding string, body io.Reader) (string, error) {
	var r io.Reader
	switch e := strings.ToLower(strings.TrimSpace(encoding)); e {
	case "", "7bit", "8bit", "binary":
		r = body
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // skips the CRLFs between lines
	default:
		return "", fmt.Errorf("transfer encoding %s not supported", strconv.Quote(e))
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("decode %s body: %w", encoding, err)
	}
	return string(b), nil
}
