// Package system adapts the operating system's clock and randomness.
package system

import (
	"time"

	"github.com/google/uuid"

	"github.com/codementor/codementor/ports"
)

// Clock is the wall clock.
type Clock struct{}

var _ ports.Clock = Clock{}

// Now returns the current time in UTC.
func (Clock) Now() time.Time { return time.Now().UTC() }

// IDs makes UUIDv7 identifiers: time-ordered, so B-tree inserts stay local.
type IDs struct{}

var _ ports.IDGenerator = IDs{}

// NewID returns a new UUIDv7.
func (IDs) NewID() string { return uuid.Must(uuid.NewV7()).String() }
