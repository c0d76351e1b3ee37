package postgres

import (
	"github.com/google/wire"

	"github.com/codementor/codementor/ports"
)

// ProviderSet provides the pool-backed adapters; the pool comes from NewPool.
var ProviderSet = wire.NewSet(
	NewPool,
	NewPinger,
	NewTxManager, wire.Bind(new(ports.TxManager), new(*TxManager)),
	NewUserRepository, wire.Bind(new(ports.UserRepository), new(*UserRepository)),
)
