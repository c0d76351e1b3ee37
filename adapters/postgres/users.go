package postgres

import (
	"context"
	"fmt"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// UserRepository stores accounts in the users table.
type UserRepository struct{ pool *pgxpool.Pool }

var _ ports.UserRepository = (*UserRepository)(nil)

// NewUserRepository returns a repository over the pool.
func NewUserRepository(pool *pgxpool.Pool) *UserRepository { return &UserRepository{pool: pool} }

type userRow struct {
	ID              string
	Email           string
	EmailVerifiedAt *time.Time
	PasswordHash    *string
	DisplayName     string
	AvatarURL       string
	Bio             string
	Timezone        string
	Role            string
	Disabled        bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

var userColumns = []string{"id", "email", "email_verified_at", "password_hash", "display_name", "avatar_url",
	"bio", "timezone", "role", "disabled", "created_at", "updated_at"}

func toUserRow(u *identity.User) userRow {
	s := u.Snapshot()
	r := userRow{ID: s.ID, Email: s.Email.String(), EmailVerifiedAt: s.EmailVerifiedAt, DisplayName: s.DisplayName,
		AvatarURL: s.AvatarURL, Bio: s.Bio, Timezone: s.Timezone, Role: s.Role.String(), Disabled: s.Disabled,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if s.PasswordHash != "" {
		r.PasswordHash = &s.PasswordHash
	}
	return r
}

func (r userRow) values() []any {
	return []any{r.ID, r.Email, r.EmailVerifiedAt, r.PasswordHash, r.DisplayName, r.AvatarURL, r.Bio, r.Timezone,
		r.Role, r.Disabled, r.CreatedAt, r.UpdatedAt}
}

func (r userRow) toDomain() (*identity.User, error) {
	email, err := identity.ParseEmail(r.Email)
	if err != nil {
		return nil, fmt.Errorf("stored user %s has a bad email: %w", r.ID, err)
	}
	role, err := identity.ParseRole(r.Role)
	if err != nil {
		return nil, fmt.Errorf("stored user %s has a bad role: %w", r.ID, err)
	}
	s := identity.UserSnapshot{ID: r.ID, Email: email, EmailVerifiedAt: r.EmailVerifiedAt, DisplayName: r.DisplayName,
		AvatarURL: r.AvatarURL, Bio: r.Bio, Timezone: r.Timezone, Role: role, Disabled: r.Disabled,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.PasswordHash != nil {
		s.PasswordHash = *r.PasswordHash
	}
	return identity.RehydrateUser(s), nil
}

func scanUser(row pgx.Row) (*identity.User, error) {
	var r userRow
	if err := row.Scan(&r.ID, &r.Email, &r.EmailVerifiedAt, &r.PasswordHash, &r.DisplayName, &r.AvatarURL, &r.Bio,
		&r.Timezone, &r.Role, &r.Disabled, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, translate(err)
	}
	return r.toDomain()
}

// Create inserts a new account; a taken email is domain.ErrConflict.
func (r *UserRepository) Create(ctx context.Context, u *identity.User) error {
	row := toUserRow(u)
	return insertRow(ctx, r.pool, "create user", "users", userColumns, row.values())
}

func (r *UserRepository) getWhere(ctx context.Context, where sq.Sqlizer, lock bool) (*identity.User, error) {
	b := psql.Select(userColumns...).From("users").Where(where)
	if lock {
		b = b.Suffix("FOR UPDATE")
	}
	sql, args, err := b.ToSql()
	if err != nil {
		return nil, err
	}
	return scanUser(conn(ctx, r.pool).QueryRow(ctx, sql, args...))
}

// GetByID loads an account.
func (r *UserRepository) GetByID(ctx context.Context, id string) (*identity.User, error) {
	if !isUUID(id) {
		return nil, domain.ErrNotFound
	}
	return r.getWhere(ctx, sq.Eq{"id": id}, false)
}

// GetByEmail loads an account by address, ignoring case.
func (r *UserRepository) GetByEmail(ctx context.Context, email identity.Email) (*identity.User, error) {
	return r.getWhere(ctx, sq.Expr("lower(email) = ?", email.Key()), false)
}

// Update locks the row, applies fn and writes the result, in the caller's
// transaction if there is one, else in its own.
func (r *UserRepository) Update(ctx context.Context, id string, fn func(u *identity.User) error) (*identity.User, error) {
	if !isUUID(id) {
		return nil, domain.ErrNotFound
	}
	var out *identity.User
	err := NewTxManager(r.pool).WithinTx(ctx, func(ctx context.Context) error {
		u, err := r.getWhere(ctx, sq.Eq{"id": id}, true)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
		row := toUserRow(u)
		set := map[string]any{}
		for i, col := range userColumns {
			if col != "id" && col != "created_at" {
				set[col] = row.values()[i]
			}
		}
		sql, args, err := psql.Update("users").SetMap(set).Where(sq.Eq{"id": id}).ToSql()
		if err != nil {
			return err
		}
		if _, err := conn(ctx, r.pool).Exec(ctx, sql, args...); err != nil {
			return translate(err)
		}
		out = u
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update user %s: %w", id, err)
	}
	return out, nil
}
