package contract_test

import (
	"testing"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

func memoryReviewStore(*testing.T) contract.ReviewStore {
	db := memory.NewDB()
	return contract.ReviewStore{Links: memory.NewRepoLinks(db), Reviews: memory.NewReviews(db),
		Tx: memory.NewTxManager(db), Owner: learnerMaker(memory.NewUserRepository(db))}
}

func postgresReviewStore(t *testing.T) contract.ReviewStore {
	pool := testenv.Postgres(t)
	return contract.ReviewStore{Links: postgres.NewRepoLinks(pool), Reviews: postgres.NewReviews(pool),
		Tx: postgres.NewTxManager(pool), Owner: learnerMaker(postgres.NewUserRepository(pool))}
}

func TestRepoLinksMemory(t *testing.T) {
	t.Parallel()
	contract.RepoLinks(t, memoryReviewStore)
}

func TestRepoLinksPostgres(t *testing.T) {
	t.Parallel()
	contract.RepoLinks(t, postgresReviewStore)
}

func TestReviewsMemory(t *testing.T) {
	t.Parallel()
	contract.Reviews(t, memoryReviewStore)
}

func TestReviewsPostgres(t *testing.T) {
	t.Parallel()
	contract.Reviews(t, postgresReviewStore)
}
