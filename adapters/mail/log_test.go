package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/mail"
)

func jsonLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// In development the link is followed from the log, so the text body must be
// there whole, and nobody may mistake the line for a delivery.
func TestLogMailerLogsTheLinkAndSaysNothingWasSent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	m := mail.NewLogMailer(jsonLogger(&buf))
	msg := verification("http://localhost:3000/verify-email?token=abc123")

	require.NoError(t, m.Send(context.Background(), msg))

	var entry map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &entry), buf.String())
	assert.Equal(t, "INFO", entry["level"])
	assert.Contains(t, entry["msg"], "NOT sent")
	assert.Equal(t, false, entry["sent"])
	assert.Equal(t, "log", entry["mailer"])
	assert.Equal(t, "<"+learner+">", entry["to"])
	assert.Equal(t, msg.Subject, entry["subject"])
	assert.Equal(t, msg.Text, entry["text"])
	assert.Equal(t, true, entry["has_html"])

	text, _ := entry["text"].(string)
	u, err := url.Parse(linkRE.FindString(text))
	require.NoError(t, err)
	assert.Equal(t, "abc123", u.Query().Get("token"))
}

func TestLogMailerRefusesWhatSMTPWould(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	m := mail.NewLogMailer(jsonLogger(&buf))

	bad := verification("http://localhost:3000/verify-email?token=abc123")
	bad.To = "not-an-address"
	require.ErrorContains(t, m.Send(context.Background(), bad), "invalid recipient")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, m.Send(ctx, verification("http://localhost:3000/verify-email?token=abc123")), context.Canceled)

	assert.Empty(t, buf.String(), "nothing is logged for a message that was refused")
}

func TestNewLogMailerDefaultsToSlogDefault(t *testing.T) {
	t.Parallel()
	assert.NoError(t, mail.NewLogMailer(nil).Send(context.Background(), verification("http://localhost:3000/verify-email?token=abc123")))
}
