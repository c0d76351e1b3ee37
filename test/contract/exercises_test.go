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
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

// learnerMaker creates users through the adapter's own repository: the
// exercise tables reference users in both stores.
func learnerMaker(users ports.UserRepository) func(t *testing.T) string {
	return func(t *testing.T) string {
		t.Helper()
		id := uuid.Must(uuid.NewV7()).String()
		e, err := identity.ParseEmail(id[24:] + "@example.com")
		require.NoError(t, err)
		u, err := identity.NewUser(id, e, "Learner", time.Now())
		require.NoError(t, err)
		require.NoError(t, users.Create(context.Background(), u))
		return id
	}
}

func memoryExerciseStore(*testing.T) contract.ExerciseStore {
	db := memory.NewDB()
	return contract.ExerciseStore{Exercises: memory.NewExerciseRepository(db), Attempts: memory.NewAttemptRepository(db),
		Daily: memory.NewDailyRepository(db), Submissions: memory.NewSubmissionRepository(db),
		Achievements: memory.NewAchievementRepository(db), Tx: memory.NewTxManager(db),
		Learner: learnerMaker(memory.NewUserRepository(db))}
}

func postgresExerciseStore(t *testing.T) contract.ExerciseStore {
	pool := testenv.Postgres(t)
	return contract.ExerciseStore{Exercises: postgres.NewExerciseRepository(pool), Attempts: postgres.NewAttemptRepository(pool),
		Daily: postgres.NewDailyRepository(pool), Submissions: postgres.NewSubmissionRepository(pool),
		Achievements: postgres.NewAchievementRepository(pool), Tx: postgres.NewTxManager(pool),
		Learner: learnerMaker(postgres.NewUserRepository(pool))}
}

func TestExercisesMemory(t *testing.T) {
	t.Parallel()
	contract.Exercises(t, memoryExerciseStore)
}

func TestExercisesPostgres(t *testing.T) {
	t.Parallel()
	contract.Exercises(t, postgresExerciseStore)
}

func TestAttemptsMemory(t *testing.T) {
	t.Parallel()
	contract.Attempts(t, memoryExerciseStore)
}

func TestAttemptsPostgres(t *testing.T) {
	t.Parallel()
	contract.Attempts(t, postgresExerciseStore)
}

func TestSubmissionsMemory(t *testing.T) {
	t.Parallel()
	contract.Submissions(t, memoryExerciseStore)
}

func TestSubmissionsPostgres(t *testing.T) {
	t.Parallel()
	contract.Submissions(t, postgresExerciseStore)
}
