package ports

import (
	"context"

	"github.com/codementor/codementor/domain/identity"
)

// UserRepository stores accounts. Create answers domain.ErrConflict when the
// email is taken; lookups answer domain.ErrNotFound.
type UserRepository interface {
	Create(ctx context.Context, u *identity.User) error
	GetByID(ctx context.Context, id string) (*identity.User, error)
	GetByEmail(ctx context.Context, email identity.Email) (*identity.User, error)
	// Update loads the user, lets fn change it and stores the result in one
	// step; an error from fn leaves the stored user untouched.
	Update(ctx context.Context, id string, fn func(u *identity.User) error) (*identity.User, error)
}
