package contract_test

import (
	"testing"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

func TestUserRepositoryMemory(t *testing.T) {
	t.Parallel()
	contract.UserRepository(t, func(t *testing.T) contract.UserStore {
		db := memory.NewDB()
		return contract.UserStore{Users: memory.NewUserRepository(db), Tx: memory.NewTxManager(db)}
	})
}

func TestUserRepositoryPostgres(t *testing.T) {
	t.Parallel()
	contract.UserRepository(t, func(t *testing.T) contract.UserStore {
		pool := testenv.Postgres(t)
		return contract.UserStore{Users: postgres.NewUserRepository(pool), Tx: postgres.NewTxManager(pool)}
	})
}
