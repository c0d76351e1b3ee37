package postgres

import "github.com/google/uuid"

// isUUID guards uuid columns: a malformed id is simply not found, rather
// than a database error surfacing as a 500.
func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
