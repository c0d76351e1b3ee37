package contract_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

func TestUsageMemory(t *testing.T) {
	t.Parallel()
	contract.Usage(t, func(t *testing.T) contract.UsageStore {
		return contract.UsageStore{Usage: memory.NewUsageRepository(), Ledger: memory.NewQuotaLedger(),
			Learner: func(*testing.T) string { return uuid.Must(uuid.NewV7()).String() }}
	})
}

func TestUsagePostgres(t *testing.T) {
	t.Parallel()
	contract.Usage(t, func(t *testing.T) contract.UsageStore {
		pool := testenv.Postgres(t)
		users := postgres.NewUserRepository(pool)
		return contract.UsageStore{Usage: postgres.NewUsageRepository(pool), Ledger: postgres.NewQuotaLedger(pool),
			Learner: func(t *testing.T) string {
				id := uuid.Must(uuid.NewV7()).String()
				e, _ := identity.ParseEmail(id[24:] + "@example.com")
				u, err := identity.NewUser(id, e, "Learner", time.Now())
				require.NoError(t, err)
				require.NoError(t, users.Create(context.Background(), u))
				return id
			}}
	})
}
