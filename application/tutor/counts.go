package tutor

import (
	"crypto/sha256"
	"sync"

	"github.com/codementor/codementor/ports"
)

// countCache remembers the token counts of long texts: the system prompt
// and the history are counted again on every turn, and counting a few
// thousand tokens costs about a millisecond, on the path to the first
// token. Bounded: it starts over when full.
type countCache struct {
	tokens ports.TokenCounter
	max    int
	mu     sync.Mutex
	counts map[[32]byte]int
}

// countCacheMin is the shortest text worth remembering.
const countCacheMin = 256

func newCountCache(t ports.TokenCounter, max int) *countCache {
	return &countCache{tokens: t, max: max, counts: map[[32]byte]int{}}
}

func (c *countCache) count(text string) int {
	if len(text) < countCacheMin {
		return c.tokens.Count("", text)
	}
	key := sha256.Sum256([]byte(text))
	c.mu.Lock()
	n, ok := c.counts[key]
	c.mu.Unlock()
	if ok {
		return n
	}
	n = c.tokens.Count("", text)
	c.mu.Lock()
	if len(c.counts) >= c.max {
		clear(c.counts)
	}
	c.counts[key] = n
	c.mu.Unlock()
	return n
}
