package jwt

import (
	"strings"
	"sync"
	"time"

	"github.com/codementor/codementor/ports"
)

// A client sends the same access token with every request for its whole
// life, so the result of verifying it is kept: parsing and checking a JWT
// costs microseconds and dozens of allocations, a map lookup does not.
// Only successes are kept, keyed by the exact token string (the same bytes
// verify the same way), and each for at most verifiedFor and never past the
// token's own expiry (minus the leeway that verification would allow), so a
// verification key dropped from the configuration stops being honoured
// within that time.
const (
	verifiedFor    = time.Minute
	verifiedMaxLen = 20_000
)

type verifiedEntry struct {
	claims ports.AccessClaims
	until  time.Time
}

type verifiedCache struct {
	mu      sync.RWMutex
	entries map[string]verifiedEntry
}

func (c *verifiedCache) get(token string, now time.Time) (ports.AccessClaims, bool) {
	c.mu.RLock()
	e, ok := c.entries[token]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return ports.AccessClaims{}, false
	}
	return e.claims, true
}

func (c *verifiedCache) put(token string, ac ports.AccessClaims, now time.Time) {
	until := now.Add(verifiedFor)
	if ac.ExpiresAt.Before(until) {
		until = ac.ExpiresAt
	}
	if !now.Before(until) {
		return // verified only thanks to the leeway: do not extend that
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]verifiedEntry)
	}
	if len(c.entries) >= verifiedMaxLen {
		for k, e := range c.entries {
			if !now.Before(e.until) || len(c.entries) >= verifiedMaxLen/2 {
				delete(c.entries, k)
			}
			if len(c.entries) < verifiedMaxLen/2 {
				break
			}
		}
	}
	// Clone the key: the caller's string may alias a reused request buffer
	// (fasthttp's header bytes), and a map key that changes under the map
	// would make one token's result answer for another.
	c.entries[strings.Clone(token)] = verifiedEntry{claims: ac, until: until}
}
