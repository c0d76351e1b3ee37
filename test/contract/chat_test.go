package contract_test

import (
	"testing"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

func memoryChatStore(*testing.T) contract.ChatStore {
	db := memory.NewDB()
	return contract.ChatStore{Conversations: memory.NewConversationRepository(db),
		Messages: memory.NewMessageRepository(db), Exercises: memory.NewExerciseRepository(db),
		Tx: memory.NewTxManager(db), Owner: learnerMaker(memory.NewUserRepository(db))}
}

func postgresChatStore(t *testing.T) contract.ChatStore {
	pool := testenv.Postgres(t)
	return contract.ChatStore{Conversations: postgres.NewConversationRepository(pool),
		Messages: postgres.NewMessageRepository(pool), Exercises: postgres.NewExerciseRepository(pool),
		Tx: postgres.NewTxManager(pool), Owner: learnerMaker(postgres.NewUserRepository(pool))}
}

func TestChatMemory(t *testing.T) {
	t.Parallel()
	contract.Chat(t, memoryChatStore)
}

func TestChatPostgres(t *testing.T) {
	t.Parallel()
	contract.Chat(t, postgresChatStore)
}
