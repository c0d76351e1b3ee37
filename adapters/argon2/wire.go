package argon2

import (
	"github.com/google/wire"

	"github.com/codementor/codementor/ports"
)

// ProviderSet builds a Hasher with DefaultParams and offers it as the
// ports.PasswordHasher.
var ProviderSet = wire.NewSet(DefaultParams, New, wire.Bind(new(ports.PasswordHasher), new(*Hasher)))
