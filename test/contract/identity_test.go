package contract_test

import (
	"testing"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

func TestIdentityRepositoriesMemory(t *testing.T) {
	t.Parallel()
	contract.IdentityRepositories(t, func(t *testing.T) contract.IdentityStore {
		db := memory.NewDB()
		return contract.IdentityStore{Users: memory.NewUserRepository(db), Sessions: memory.NewSessionRepository(db),
			Tokens: memory.NewOneTimeTokenRepository(db), Identities: memory.NewLinkedIdentityRepository(db),
			Profiles: memory.NewProfileRepository(db), Tx: memory.NewTxManager(db)}
	})
}

func TestIdentityRepositoriesPostgres(t *testing.T) {
	t.Parallel()
	contract.IdentityRepositories(t, func(t *testing.T) contract.IdentityStore {
		pool := testenv.Postgres(t)
		return contract.IdentityStore{Users: postgres.NewUserRepository(pool), Sessions: postgres.NewSessionRepository(pool),
			Tokens: postgres.NewOneTimeTokenRepository(pool), Identities: postgres.NewLinkedIdentityRepository(pool),
			Profiles: postgres.NewProfileRepository(pool), Tx: postgres.NewTxManager(pool)}
	})
}
