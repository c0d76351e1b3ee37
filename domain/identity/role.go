package identity

import "github.com/codementor/codementor/domain"

// Role is what an account may do: a closed set.
type Role struct{ value string }

var (
	RoleLearner = Role{"learner"}
	RoleAdmin   = Role{"admin"}
)

// ParseRole accepts exactly the known role names.
func ParseRole(s string) (Role, error) {
	switch s {
	case RoleLearner.value:
		return RoleLearner, nil
	case RoleAdmin.value:
		return RoleAdmin, nil
	}
	return Role{}, domain.NewValidationError("role", "must be learner or admin")
}

func (r Role) String() string    { return r.value }
func (r Role) Equal(o Role) bool { return r.value == o.value }
func (r Role) IsZero() bool      { return r.value == "" }
