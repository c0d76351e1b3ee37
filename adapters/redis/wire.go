package redis

import (
	"github.com/google/wire"

	"github.com/codementor/codementor/ports"
)

// ProviderSet provides the Redis client and what is built on it. The rate
// limiter is assembled in cmd (it falls back to a memory limiter).
var ProviderSet = wire.NewSet(NewClient, NewPinger,
	NewOAuthStateStore, wire.Bind(new(ports.OAuthStateStore), new(*OAuthStateStore)),
	NewLocker, wire.Bind(new(ports.Locker), new(*Locker)),
	NewSemaphore, wire.Bind(new(ports.Semaphore), new(*Semaphore)),
	NewStreamLog, wire.Bind(new(ports.StreamLog), new(*StreamLog)))
