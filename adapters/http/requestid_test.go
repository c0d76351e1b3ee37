package http

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRequestIDIsAUniqueTimeOrderedUUIDv7(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	before := time.Now().Add(-time.Millisecond)
	for range 20000 {
		id := newRequestID(time.Now())
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	for id := range seen {
		u, err := uuid.Parse(id)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(7), u.Version())
		assert.Equal(t, uuid.RFC4122, u.Variant())
		sec, nsec := u.Time().UnixTime()
		assert.WithinDuration(t, before, time.Unix(sec, nsec), 5*time.Second)
		break
	}
}
