package smtpserver_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/test/fakes/smtpserver"
)

// go-mail sends quoted-printable, so the adapter tests cover that path; this
// covers what other senders use: base64 inside nested multiparts, RFC 2047
// subjects, and a bare body with no MIME headers.
func TestParseDecodesNestedBase64AndSubject(t *testing.T) {
	t.Parallel()
	raw := strings.Join([]string{
		"From: a@example.com",
		"To: b@example.com",
		"Subject: =?UTF-8?B?UsOpaW5pdGlhbGlzZXI=?=",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="outer"`,
		"",
		"--outer",
		`Content-Type: multipart/alternative; boundary="inner"`,
		"",
		"--inner",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: base64",
		"",
		"aHR0cDovL2xvY2FsaG9zdDozMDAwL3Jlc2V0LXBhc3N3b3JkP3Rva2VuPWFiYz0xMjMm",
		"eD15",
		"--inner",
		"Content-Type: text/html; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		`<a href=3D"x">caf=C3=A9</a>`,
		"--inner--",
		"--outer",
		"Content-Type: text/plain",
		"",
		"an attachment-like second text part, ignored",
		"--outer--",
		"",
	}, "\r\n")

	p, err := smtpserver.Message{Data: []byte(raw)}.Parse()

	require.NoError(t, err)
	assert.Equal(t, "Réinitialiser", p.Subject)
	assert.Equal(t, "http://localhost:3000/reset-password?token=abc=123&x=y", p.Text)
	assert.Equal(t, `<a href="x">café</a>`, strings.TrimSpace(p.HTML))
}

func TestTextBodyOfABareMessage(t *testing.T) {
	t.Parallel()
	text, err := smtpserver.Message{Data: []byte("Subject: hi\r\n\r\nplain body\r\n")}.TextBody()
	require.NoError(t, err)
	assert.Equal(t, "plain body\r\n", text)

	_, err = smtpserver.Message{Data: []byte("Content-Type: text/html\r\n\r\n<p>only html</p>")}.TextBody()
	assert.ErrorContains(t, err, "no text/plain part")
}
