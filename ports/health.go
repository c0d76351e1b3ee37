package ports

import "context"

// Pinger is a dependency that readiness checks: Postgres, Redis...
type Pinger interface {
	// Name is the dependency's name in the readiness report ("postgres").
	Name() string
	Ping(ctx context.Context) error
}
