package ports

import "time"

// Clock tells the time; use cases take it so tests can fix "now".
type Clock interface {
	Now() time.Time
}

// IDGenerator makes new entity identifiers (UUIDv7 in production: time-ordered).
type IDGenerator interface {
	NewID() string
}
