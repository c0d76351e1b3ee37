package postgres

import (
	"context"
	"fmt"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// LinkedIdentityRepository stores provider accounts linked to users.
type LinkedIdentityRepository struct{ pool *pgxpool.Pool }

var _ ports.LinkedIdentityRepository = (*LinkedIdentityRepository)(nil)

// NewLinkedIdentityRepository returns a repository over the pool.
func NewLinkedIdentityRepository(pool *pgxpool.Pool) *LinkedIdentityRepository {
	return &LinkedIdentityRepository{pool: pool}
}

var identityColumns = []string{"user_id", "provider", "subject", "email", "login", "access_token_sealed", "scopes", "created_at", "updated_at"}

func scanIdentity(row pgx.Row) (identity.LinkedIdentity, error) {
	var li identity.LinkedIdentity
	err := row.Scan(&li.UserID, &li.Provider, &li.Subject, &li.Email, &li.Login, &li.AccessTokenSealed, &li.Scopes, &li.CreatedAt, &li.UpdatedAt)
	return li, translate(err)
}

// Upsert links or refreshes a provider account. The WHERE on the conflict
// branch refuses to move a subject from one user to another.
func (r *LinkedIdentityRepository) Upsert(ctx context.Context, li identity.LinkedIdentity) error {
	scopes := li.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	tag, err := conn(ctx, r.pool).Exec(ctx, `
		INSERT INTO linked_identities (user_id, provider, subject, email, login, access_token_sealed, scopes, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (provider, subject) DO UPDATE
		   SET email = EXCLUDED.email, login = EXCLUDED.login, access_token_sealed = EXCLUDED.access_token_sealed,
		       scopes = EXCLUDED.scopes, updated_at = EXCLUDED.updated_at
		 WHERE linked_identities.user_id = EXCLUDED.user_id`,
		li.UserID, li.Provider, li.Subject, li.Email, li.Login, li.AccessTokenSealed, scopes, li.CreatedAt, li.UpdatedAt)
	if err != nil {
		return fmt.Errorf("link identity: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("link identity: %w: the %s account is linked to another user", domain.ErrConflict, li.Provider)
	}
	return nil
}

// Find loads one link by provider and subject.
func (r *LinkedIdentityRepository) Find(ctx context.Context, provider, subject string) (identity.LinkedIdentity, error) {
	sql, args, err := psql.Select(identityColumns...).From("linked_identities").
		Where(sq.Eq{"provider": provider, "subject": subject}).ToSql()
	if err != nil {
		return identity.LinkedIdentity{}, err
	}
	return scanIdentity(conn(ctx, r.pool).QueryRow(ctx, sql, args...))
}

// ListForUser lists a user's links, oldest first.
func (r *LinkedIdentityRepository) ListForUser(ctx context.Context, userID string) ([]identity.LinkedIdentity, error) {
	if !isUUID(userID) {
		return nil, nil
	}
	sql, args, err := psql.Select(identityColumns...).From("linked_identities").
		Where(sq.Eq{"user_id": userID}).OrderBy("created_at", "provider").ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := conn(ctx, r.pool).Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []identity.LinkedIdentity
	for rows.Next() {
		li, err := scanIdentity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, li)
	}
	return out, translate(rows.Err())
}
