package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// userRecord is a stored copy: callers never share memory with the store.
type userRecord struct{ snap identity.UserSnapshot }

func toUserRecord(u *identity.User) userRecord {
	s := u.Snapshot()
	if s.EmailVerifiedAt != nil {
		t := *s.EmailVerifiedAt
		s.EmailVerifiedAt = &t
	}
	return userRecord{snap: s}
}

func (r userRecord) toDomain() *identity.User {
	s := r.snap
	// Postgres keeps microseconds; so does the twin, so both compare equal.
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.Truncate(time.Microsecond), s.UpdatedAt.Truncate(time.Microsecond)
	if s.EmailVerifiedAt != nil {
		t := s.EmailVerifiedAt.Truncate(time.Microsecond)
		s.EmailVerifiedAt = &t
	}
	return identity.RehydrateUser(s)
}

// UserRepository is the in-memory twin of postgres.UserRepository.
type UserRepository struct {
	db *DB
	tx *TxManager
}

var _ ports.UserRepository = (*UserRepository)(nil)

// NewUserRepository returns a repository over db.
func NewUserRepository(db *DB) *UserRepository {
	return &UserRepository{db: db, tx: NewTxManager(db)}
}

// Create inserts a new account; a taken email (ignoring case) or id is
// domain.ErrConflict.
func (r *UserRepository) Create(ctx context.Context, u *identity.User) error {
	defer r.db.lockWrite(ctx)()
	if _, ok := r.db.users[u.ID()]; ok {
		return fmt.Errorf("create user: %w: users_pkey", domain.ErrConflict)
	}
	for _, rec := range r.db.users {
		if rec.snap.Email.Key() == u.Email().Key() {
			return fmt.Errorf("create user: %w: users_email_key", domain.ErrConflict)
		}
	}
	r.db.users[u.ID()] = toUserRecord(u)
	return nil
}

// GetByID loads an account.
func (r *UserRepository) GetByID(_ context.Context, id string) (*identity.User, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	rec, ok := r.db.users[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return rec.toDomain(), nil
}

// GetByEmail loads an account by address, ignoring case.
func (r *UserRepository) GetByEmail(_ context.Context, email identity.Email) (*identity.User, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	for _, rec := range r.db.users {
		if rec.snap.Email.Key() == email.Key() {
			return rec.toDomain(), nil
		}
	}
	return nil, domain.ErrNotFound
}

// Update applies fn to a copy and stores it only when fn succeeds.
func (r *UserRepository) Update(ctx context.Context, id string, fn func(u *identity.User) error) (*identity.User, error) {
	var out *identity.User
	err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
		u, err := r.GetByID(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
		defer r.db.lockWrite(ctx)()
		for oid, rec := range r.db.users {
			if oid != id && rec.snap.Email.Key() == u.Email().Key() {
				return fmt.Errorf("%w: users_email_key", domain.ErrConflict)
			}
		}
		r.db.users[id] = toUserRecord(u)
		out = u
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update user %s: %w", id, err)
	}
	return out, nil
}
