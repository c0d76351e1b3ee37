package oauth

import (
	"crypto/rand"
	"encoding/base64"

	"golang.org/x/oauth2"
)

// NewVerifier returns a fresh PKCE code verifier (RFC 7636: 32 random
// octets, base64url): one per sign-in, kept server side with the state.
func NewVerifier() string { return oauth2.GenerateVerifier() }

// NewState returns 32 random bytes, base64url without padding (43 chars),
// for the state parameter that ties the callback to the browser.
func NewState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails: crypto/rand aborts the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}
