// Package memory holds in-memory twins of every store port, for unit tests
// and for running without a database. They pass the same contract suites
// as the Postgres adapters (test/contract).
package memory

import (
	"context"
	"maps"
	"sync"

	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// DB is the in-memory database every repository of this package shares,
// so a TxManager can roll all of them back together.
type DB struct {
	// txMu serialises transactions: one writer at a time, like SERIALIZABLE
	// with no concurrency. mu guards the tables for each single operation.
	txMu sync.Mutex
	mu   sync.RWMutex

	tables
}

// tables is every table; each holds values (never pointers), so a shallow
// map clone is a full snapshot.
type tables struct {
	users         map[string]userRecord
	sessions      map[string]identity.Session
	refreshTokens map[string]identity.RefreshToken // by id
	oneTimeTokens map[string]identity.OneTimeToken // by id
	identities    map[[2]string]identity.LinkedIdentity
	profiles      map[string]profileRecord
	exercises     map[string]exerciseRecord       // by id
	attempts      map[string]attemptRecord        // by id
	daily         map[[2]string]dailyRecord       // by learner id and day
	submissions   map[string]submissionRecord     // by id
	achievements  map[[2]string]achievementRecord // by learner id and code
	conversations map[string]chat.Conversation    // by id
	messages      map[string]chat.Message         // by id
	github        githubTables                    // linked repositories and reviews
}

// NewDB returns an empty database.
func NewDB() *DB {
	return &DB{tables: tables{
		users: map[string]userRecord{}, sessions: map[string]identity.Session{},
		refreshTokens: map[string]identity.RefreshToken{}, oneTimeTokens: map[string]identity.OneTimeToken{},
		identities: map[[2]string]identity.LinkedIdentity{}, profiles: map[string]profileRecord{},
		exercises: map[string]exerciseRecord{}, attempts: map[string]attemptRecord{},
		daily: map[[2]string]dailyRecord{}, submissions: map[string]submissionRecord{},
		achievements:  map[[2]string]achievementRecord{},
		conversations: map[string]chat.Conversation{}, messages: map[string]chat.Message{},
		github: newGitHubTables(),
	}}
}

func (db *DB) snapshot() tables {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return tables{
		users: maps.Clone(db.users), sessions: maps.Clone(db.sessions), refreshTokens: maps.Clone(db.refreshTokens),
		oneTimeTokens: maps.Clone(db.oneTimeTokens), identities: maps.Clone(db.identities), profiles: maps.Clone(db.profiles),
		exercises: maps.Clone(db.exercises), attempts: maps.Clone(db.attempts), daily: maps.Clone(db.daily),
		submissions: maps.Clone(db.submissions), achievements: maps.Clone(db.achievements),
		conversations: maps.Clone(db.conversations), messages: maps.Clone(db.messages),
		github: db.github.clone(),
	}
}

func (db *DB) restore(s tables) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.tables = s
}

type txKey struct{}

// InTx reports whether ctx carries a transaction of a memory DB.
func InTx(ctx context.Context) bool { _, ok := ctx.Value(txKey{}).(*DB); return ok }

// lockWrite takes what a write needs. Outside a transaction a write also
// waits for running transactions, so a rollback's restore can never wipe a
// write that was not part of it.
func (db *DB) lockWrite(ctx context.Context) (unlock func()) {
	if ctx.Value(txKey{}) == db {
		db.mu.Lock()
		return db.mu.Unlock
	}
	db.txMu.Lock()
	db.mu.Lock()
	return func() { db.mu.Unlock(); db.txMu.Unlock() }
}

// TxManager gives the memory repositories all-or-nothing transactions.
type TxManager struct{ db *DB }

var _ ports.TxManager = (*TxManager)(nil)

// NewTxManager returns a TxManager over db.
func NewTxManager(db *DB) *TxManager { return &TxManager{db: db} }

// WithinTx runs fn; an error (or a panic) restores every table as it was.
// Nested calls join the outer transaction.
func (m *TxManager) WithinTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if ctx.Value(txKey{}) == m.db {
		return fn(ctx)
	}
	m.db.txMu.Lock()
	defer m.db.txMu.Unlock()
	before := m.db.snapshot()
	committed := false
	defer func() {
		if !committed {
			m.db.restore(before)
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{}, m.db)); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	committed = true
	return nil
}
