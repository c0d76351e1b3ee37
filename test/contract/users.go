// Package contract holds one suite per store port; every adapter of that
// port (memory, postgres) must pass the same suite.
package contract

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// UserStore is what the users suite needs from an adapter: a repository
// and the transaction manager it joins.
type UserStore struct {
	Users ports.UserRepository
	Tx    ports.TxManager
}

func newUser(t *testing.T, email string) *identity.User {
	t.Helper()
	e, err := identity.ParseEmail(email)
	require.NoError(t, err)
	// Microsecond precision with a non-UTC zone: stores keep the instant.
	now := time.Date(2026, 11, 25, 9, 30, 15, 123456000, time.FixedZone("X", 3600))
	u, err := identity.NewUser(uuid.Must(uuid.NewV7()).String(), e, "Ada Lovelace", now)
	require.NoError(t, err)
	return u
}

func assertSameUser(t *testing.T, want, got *identity.User) {
	t.Helper()
	assert.Equal(t, want.ID(), got.ID())
	assert.True(t, want.Email().Equal(got.Email()), "email %s != %s", want.Email(), got.Email())
	assert.Equal(t, want.DisplayName(), got.DisplayName())
	assert.True(t, want.Role().Equal(got.Role()))
	assert.Equal(t, want.Disabled(), got.Disabled())
	assert.True(t, want.CreatedAt().Equal(got.CreatedAt()), "created_at %s != %s", want.CreatedAt(), got.CreatedAt())
	assert.True(t, want.UpdatedAt().Equal(got.UpdatedAt()), "updated_at %s != %s", want.UpdatedAt(), got.UpdatedAt())
}

// UserRepository runs the users contract against stores made by newStore;
// each subtest gets a fresh store.
func UserRepository(t *testing.T, newStore func(t *testing.T) UserStore) {
	ctx := context.Background()

	t.Run("create then read by id and by email ignoring case", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := newUser(t, "Ada.L@Example.COM")
		require.NoError(t, s.Users.Create(ctx, u))

		got, err := s.Users.GetByID(ctx, u.ID())
		require.NoError(t, err)
		assertSameUser(t, u, got)
		assert.Equal(t, "Ada.L@example.com", got.Email().String())

		upper, _ := identity.ParseEmail("ADA.L@EXAMPLE.com")
		got, err = s.Users.GetByEmail(ctx, upper)
		require.NoError(t, err)
		assert.Equal(t, u.ID(), got.ID())
	})

	t.Run("unknown or malformed ids are not found", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, id := range []string{uuid.NewString(), "not-a-uuid", "", "'; DROP TABLE users; --"} {
			_, err := s.Users.GetByID(ctx, id)
			assert.ErrorIs(t, err, domain.ErrNotFound, id)
			_, err = s.Users.Update(ctx, id, func(*identity.User) error { return nil })
			assert.ErrorIs(t, err, domain.ErrNotFound, id)
		}
		e, _ := identity.ParseEmail("nobody@example.com")
		_, err := s.Users.GetByEmail(ctx, e)
		assert.ErrorIs(t, err, domain.ErrNotFound)
	})

	t.Run("an email taken in another case is a conflict", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		require.NoError(t, s.Users.Create(ctx, newUser(t, "grace@example.com")))
		err := s.Users.Create(ctx, newUser(t, "GRACE@example.com"))
		assert.ErrorIs(t, err, domain.ErrConflict)
	})

	t.Run("concurrent creates of one email: exactly one wins", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Users.Create(ctx, newUser(t, "race@example.com"))
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, domain.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		assert.Equal(t, int32(15), conflicts.Load())
	})

	t.Run("update stores the change; a failing fn changes nothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := newUser(t, "linus@example.com")
		require.NoError(t, s.Users.Create(ctx, u))
		later := u.CreatedAt().Add(time.Hour)

		updated, err := s.Users.Update(ctx, u.ID(), func(u *identity.User) error {
			return u.Rename("Linus", later)
		})
		require.NoError(t, err)
		assert.Equal(t, "Linus", updated.DisplayName())
		got, err := s.Users.GetByID(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, "Linus", got.DisplayName())
		assert.True(t, later.Equal(got.UpdatedAt()))

		boom := errors.New("boom")
		_, err = s.Users.Update(ctx, u.ID(), func(u *identity.User) error {
			_ = u.Rename("Changed", later)
			return boom
		})
		assert.ErrorIs(t, err, boom)
		got, err = s.Users.GetByID(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, "Linus", got.DisplayName())
	})

	t.Run("concurrent updates are serialised, none lost", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := newUser(t, "counter@example.com")
		require.NoError(t, s.Users.Create(ctx, u))
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Users.Update(ctx, u.ID(), func(u *identity.User) error {
					return u.Rename(u.DisplayName()+"+", u.UpdatedAt())
				})
				assert.NoError(t, err)
			}()
		}
		wg.Wait()
		got, err := s.Users.GetByID(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, "Ada Lovelace++++++++++", got.DisplayName())
	})

	t.Run("a transaction commits all or nothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		a, b := newUser(t, "a@example.com"), newUser(t, "b@example.com")
		boom := errors.New("boom")
		err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			require.NoError(t, s.Users.Create(ctx, a))
			// A nested call joins the outer transaction.
			require.NoError(t, s.Tx.WithinTx(ctx, func(ctx context.Context) error {
				return s.Users.Create(ctx, b)
			}))
			_, err := s.Users.GetByID(ctx, b.ID())
			require.NoError(t, err, "reads inside the transaction see its writes")
			return boom
		})
		assert.ErrorIs(t, err, boom)
		for _, u := range []*identity.User{a, b} {
			_, err = s.Users.GetByID(ctx, u.ID())
			assert.ErrorIs(t, err, domain.ErrNotFound, "rolled back")
		}

		require.NoError(t, s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			if err := s.Users.Create(ctx, a); err != nil {
				return err
			}
			_, err := s.Users.Update(ctx, a.ID(), func(u *identity.User) error { return u.Rename("In Tx", u.UpdatedAt()) })
			return err
		}))
		got, err := s.Users.GetByID(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, "In Tx", got.DisplayName())
	})

	t.Run("a panic inside a transaction rolls it back", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := newUser(t, "panic@example.com")
		assert.Panics(t, func() {
			_ = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
				require.NoError(t, s.Users.Create(ctx, u))
				panic("boom")
			})
		})
		_, err := s.Users.GetByID(ctx, u.ID())
		assert.ErrorIs(t, err, domain.ErrNotFound)
	})
}
