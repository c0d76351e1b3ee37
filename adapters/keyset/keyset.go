// Package keyset holds what every store adapter shares about paging: the
// page size rule and the opaque cursor format (base64url of a JSON array of
// the key's values), so the Postgres adapters and their in-memory twins
// page exactly alike.
package keyset

import (
	"encoding/base64"
	"encoding/json"

	"github.com/codementor/codementor/domain"
)

// Page sizes: a missing limit is the default, a large one is clamped.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Limit applies the page size rule.
func Limit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// ErrBadCursor is a cursor that no page handed out.
var ErrBadCursor = domain.NewValidationError("cursor", "is not a cursor from a previous page")

// Encode makes a keyset opaque.
func Encode(key ...any) string {
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a cursor into exactly the key's values.
func Decode(s string, into ...any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return ErrBadCursor
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != len(into) {
		return ErrBadCursor
	}
	for i, p := range parts {
		if err := json.Unmarshal(p, into[i]); err != nil {
			return ErrBadCursor
		}
	}
	return nil
}
