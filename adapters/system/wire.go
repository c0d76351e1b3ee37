package system

import (
	"github.com/google/wire"

	"github.com/codementor/codementor/ports"
)

// ProviderSet provides the wall clock and UUIDv7 identifiers.
var ProviderSet = wire.NewSet(
	wire.Value(Clock{}), wire.Bind(new(ports.Clock), new(Clock)),
	wire.Value(IDs{}), wire.Bind(new(ports.IDGenerator), new(IDs)),
	NewSecurityLog, wire.Bind(new(ports.SecurityLog), new(*SecurityLog)),
)
