package ports

import (
	"context"
	"time"
)

// Clock tells the time; use cases take it so tests can fix "now".
type Clock interface {
	Now() time.Time
}

// IDGenerator makes new entity identifiers (UUIDv7 in production: time-ordered).
type IDGenerator interface {
	NewID() string
}

// Background runs work after the request that asked for it has answered
// (sending an email, say), so slow or failing side work neither delays the
// answer nor shows in its timing. Shutdown waits for work under way.
type Background interface {
	Go(name string, fn func(ctx context.Context))
}
