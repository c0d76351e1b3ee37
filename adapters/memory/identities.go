package memory

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// LinkedIdentityRepository is the in-memory twin of the Postgres one.
type LinkedIdentityRepository struct{ db *DB }

var _ ports.LinkedIdentityRepository = (*LinkedIdentityRepository)(nil)

// NewLinkedIdentityRepository returns a repository over db.
func NewLinkedIdentityRepository(db *DB) *LinkedIdentityRepository {
	return &LinkedIdentityRepository{db: db}
}

func copyIdentity(li identity.LinkedIdentity) identity.LinkedIdentity {
	li.Scopes = slices.Clone(li.Scopes)
	if li.Scopes == nil {
		li.Scopes = []string{}
	}
	li.CreatedAt, li.UpdatedAt = utc(li.CreatedAt), utc(li.UpdatedAt)
	return li
}

func (r *LinkedIdentityRepository) Upsert(ctx context.Context, li identity.LinkedIdentity) error {
	defer r.db.lockWrite(ctx)()
	if _, ok := r.db.users[li.UserID]; !ok {
		return fmt.Errorf("link identity: %w: linked_identities_user_id_fkey", domain.ErrNotFound)
	}
	key := [2]string{li.Provider, li.Subject}
	if old, ok := r.db.identities[key]; ok {
		if old.UserID != li.UserID {
			return fmt.Errorf("link identity: %w: the %s account is linked to another user", domain.ErrConflict, li.Provider)
		}
		li.CreatedAt = old.CreatedAt
	}
	r.db.identities[key] = copyIdentity(li)
	return nil
}

func (r *LinkedIdentityRepository) Find(_ context.Context, provider, subject string) (identity.LinkedIdentity, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	li, ok := r.db.identities[[2]string{provider, subject}]
	if !ok {
		return identity.LinkedIdentity{}, domain.ErrNotFound
	}
	return copyIdentity(li), nil
}

func (r *LinkedIdentityRepository) ListForUser(_ context.Context, userID string) ([]identity.LinkedIdentity, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	var out []identity.LinkedIdentity
	for _, li := range r.db.identities {
		if li.UserID == userID {
			out = append(out, copyIdentity(li))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].Provider < out[j].Provider
	})
	return out, nil
}
