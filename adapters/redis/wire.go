package redis

import "github.com/google/wire"

// ProviderSet provides the Redis client and what is built on it.
var ProviderSet = wire.NewSet(NewClient, NewPinger)
