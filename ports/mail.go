package ports

import "context"

// MailMessage is one email to one recipient.
type MailMessage struct {
	To      string
	Subject string
	Text    string
	HTML    string // optional
}

// Mailer delivers email (SMTP in production, the log in development).
type Mailer interface {
	Send(ctx context.Context, msg MailMessage) error
}
