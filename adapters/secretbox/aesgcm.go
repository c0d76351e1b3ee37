// Package secretbox encrypts small secrets at rest (OAuth access tokens)
// with AES-256-GCM.
//
// A sealed value reads "v1:<keyid>:<base64url(nonce||ciphertext)>": keyid is
// the first 8 hex characters of SHA-256(key), so after a key rotation Open
// picks the key a value was sealed with; "v1:<keyid>" is also the GCM
// additional data, binding the header to the ciphertext. Nonces are 12
// random bytes: fine for the few million values one key will ever seal.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/codementor/codementor/ports"
)

const (
	// KeySize is the key length in bytes (AES-256).
	KeySize   = 32
	version   = "v1"
	nonceSize = 12
	keyIDLen  = 8
)

var (
	// ErrInvalidKey: a key is not 32 bytes, or not valid base64 or hex.
	ErrInvalidKey = errors.New("secretbox: invalid key")
	// ErrMalformed: the sealed value is not "v1:<keyid>:<base64url>" of a
	// plausible length (wrong version, truncated, bad encoding).
	ErrMalformed = errors.New("secretbox: malformed sealed value")
	// ErrUnknownKey: the value was sealed with a key this box does not hold.
	ErrUnknownKey = errors.New("secretbox: sealed with an unknown key")
	// ErrTampered: authentication failed; the value was altered or the key
	// id collides with another key.
	ErrTampered = errors.New("secretbox: message authentication failed")
)

// Box seals with the current key and opens with the current or an old one.
// It is safe for concurrent use.
type Box struct {
	current string // key id
	keys    map[string]cipher.AEAD
}

var _ ports.SecretBox = (*Box)(nil)

// New builds a Box with one 32-byte key.
func New(key []byte) (*Box, error) { return NewWithOldKeys(key) }

// NewWithOldKeys builds a Box that seals with current and still opens values
// sealed with any of old: rotate by making the new key current and moving
// the previous one to old until every value has been re-sealed.
func NewWithOldKeys(current []byte, old ...[]byte) (*Box, error) {
	b := &Box{keys: make(map[string]cipher.AEAD, 1+len(old))}
	for i, k := range append([][]byte{current}, old...) {
		name := "current key"
		if i > 0 {
			name = fmt.Sprintf("old key %d", i)
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("%w: %s is %d bytes, want %d", ErrInvalidKey, name, len(k), KeySize)
		}
		id := KeyID(k)
		if _, dup := b.keys[id]; dup {
			return nil, fmt.Errorf("%w: %s repeats key %s", ErrInvalidKey, name, id)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalidKey, name, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalidKey, name, err)
		}
		b.keys[id] = aead
		if i == 0 {
			b.current = id
		}
	}
	return b, nil
}

// KeyID names a key without revealing it: the first 8 hex characters of
// its SHA-256. Safe to log.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:])[:keyIDLen]
}

// CurrentKeyID is the id of the key Seal uses.
func (b *Box) CurrentKeyID() string { return b.current }

// Seal encrypts plaintext with the current key and a random nonce.
func (b *Box) Seal(plaintext []byte) (string, error) {
	aead := b.keys[b.current]
	nonce := make([]byte, nonceSize, nonceSize+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secretbox: nonce: %w", err)
	}
	header := version + ":" + b.current
	out := aead.Seal(nonce, nonce, plaintext, []byte(header))
	return header + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with any key the box holds.
func (b *Box) Open(sealed string) ([]byte, error) {
	ver, rest, ok := strings.Cut(sealed, ":")
	if !ok {
		return nil, fmt.Errorf("%w: no version", ErrMalformed)
	}
	if ver != version {
		return nil, fmt.Errorf("%w: version %.8q, want %q", ErrMalformed, ver, version)
	}
	id, payload, ok := strings.Cut(rest, ":")
	if !ok || len(id) != keyIDLen {
		return nil, fmt.Errorf("%w: no key id", ErrMalformed)
	}
	aead, ok := b.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w %.8q", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: bad base64url", ErrMalformed)
	}
	if len(raw) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrMalformed, len(raw))
	}
	plain, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], []byte(ver+":"+id))
	if err != nil {
		return nil, ErrTampered
	}
	return plain, nil
}

// ParseKey reads a 32-byte key from configuration: 64 hex characters, or
// base64 in the standard or URL alphabet, padded or not. Surrounding space is
// ignored. Errors never quote the key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(s) == 2*KeySize { // base64 of 32 bytes is 43 or 44 characters
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	decoded := -1
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) == KeySize {
				return k, nil
			}
			decoded = len(k)
		}
	}
	const hint = " (make one with: openssl rand -base64 32)"
	switch {
	case strings.Trim(s, "0123456789abcdefABCDEF") == "":
		return nil, fmt.Errorf("%w: %d hex characters, want %d"+hint, ErrInvalidKey, len(s), 2*KeySize)
	case decoded >= 0:
		return nil, fmt.Errorf("%w: base64 decodes to %d bytes, want %d"+hint, ErrInvalidKey, decoded, KeySize)
	default:
		return nil, fmt.Errorf("%w: neither base64 nor 64 hex characters"+hint, ErrInvalidKey)
	}
}
