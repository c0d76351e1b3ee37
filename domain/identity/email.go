// Package identity holds learner accounts: who they are and what they may do.
package identity

import (
	"net/mail"
	"strings"

	"github.com/codementor/codementor/domain"
)

// maxEmailLength is the practical limit of RFC 5321 (a 254-octet path).
const maxEmailLength = 254

// Email is a normalized address: trimmed, with a lower-cased domain. The
// local part keeps its case, as RFC 5321 says it may be significant.
type Email struct{ value string }

// ParseEmail validates and normalizes an address.
func ParseEmail(raw string) (Email, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Email{}, domain.NewValidationError("email", "is required")
	}
	if len(s) > maxEmailLength {
		return Email{}, domain.NewValidationError("email", "must be at most 254 characters")
	}
	addr, err := mail.ParseAddress(s)
	// ParseAddress accepts "Name <a@b>"; only a bare address is an email here.
	if err != nil || addr.Address != s || addr.Name != "" {
		return Email{}, domain.NewValidationError("email", "must be a valid email address")
	}
	at := strings.LastIndexByte(s, '@')
	local, host := s[:at], s[at+1:]
	if local == "" || host == "" || !strings.Contains(host, ".") || strings.HasSuffix(host, ".") {
		return Email{}, domain.NewValidationError("email", "must be a valid email address")
	}
	return Email{value: local + "@" + strings.ToLower(host)}, nil
}

// String returns the normalized address.
func (e Email) String() string { return e.value }

// Equal reports whether two addresses are the same normalized address.
func (e Email) Equal(o Email) bool { return e.value == o.value }

// Key is the address's identity for uniqueness: addresses that differ only
// in case belong to one account, whatever RFC 5321 allows, because mail
// providers treat them as one mailbox and people type them either way.
func (e Email) Key() string { return strings.ToLower(e.value) }

// IsZero reports whether the email was never set.
func (e Email) IsZero() bool { return e.value == "" }
