package mail

import (
	"context"
	"log/slog"

	"github.com/codementor/codementor/ports"
)

// LogMailer is the development Mailer: it sends nothing and logs each message,
// text body included, so a developer can follow the verification or reset
// link from the server's output. Never use it in production: the log then
// holds live tokens.
type LogMailer struct {
	log *slog.Logger
}

var _ ports.Mailer = (*LogMailer)(nil)

// NewLogMailer logs to l, or to slog.Default() when l is nil.
func NewLogMailer(l *slog.Logger) *LogMailer {
	if l == nil {
		l = slog.Default()
	}
	return &LogMailer{log: l}
}

// Send logs the message at INFO. It checks the recipient as the SMTP mailer
// does, so a bad address fails in development too.
func (m *LogMailer) Send(ctx context.Context, msg ports.MailMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	to, err := parseRecipient(msg.To)
	if err != nil {
		return err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "mail NOT sent: development log mailer, message follows",
		slog.String("mailer", "log"),
		slog.Bool("sent", false),
		slog.String("to", to),
		slog.String("subject", msg.Subject),
		slog.String("text", msg.Text),
		slog.Bool("has_html", msg.HTML != ""),
	)
	return nil
}
