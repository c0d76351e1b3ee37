package account

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

func (s *Service) link(path, token string) string {
	return strings.TrimSuffix(s.cfg.FrontendURL, "/") + path + "?token=" + url.QueryEscape(token)
}

// sendVerification mails the verification link in the background: the
// answer to the request does not wait for (or reveal) the mail server.
func (s *Service) sendVerification(u *identity.User, raw string) {
	msg := ports.MailMessage{
		To:      u.Email().String(),
		Subject: "Confirm your email address for CodeMentor",
		Text: fmt.Sprintf("Hi %s,\n\nconfirm your email address by opening this link (valid for 24 hours):\n\n%s\n\n"+
			"If you did not sign up for CodeMentor, ignore this message.\n", u.DisplayName(), s.link("/verify-email", raw)),
	}
	s.send("verification email", u.ID(), msg)
}

func (s *Service) sendPasswordReset(u *identity.User, raw string) {
	msg := ports.MailMessage{
		To:      u.Email().String(),
		Subject: "Reset your CodeMentor password",
		Text: fmt.Sprintf("Hi %s,\n\nsomeone asked to reset the password of your CodeMentor account. "+
			"To choose a new one, open this link (valid for 30 minutes):\n\n%s\n\n"+
			"If it was not you, ignore this message: your password stays as it is.\n",
			u.DisplayName(), s.link("/reset-password", raw)),
	}
	s.send("password reset email", u.ID(), msg)
}

func (s *Service) send(what, userID string, msg ports.MailMessage) {
	s.Background.Go(what, func(ctx context.Context) {
		if err := s.Mailer.Send(ctx, msg); err != nil {
			s.Security.Record(ctx, ports.SecurityEvent{Kind: "mail_failed", UserID: userID, Detail: what + ": " + err.Error()})
		}
	})
}
