package exercises

import (
	"sync"
	"time"
)

// viewCache keeps each learner's daily view for a short time, so the
// hottest read (the day's exercise, opened on every visit) costs no
// database round trip. Every write of this instance for the learner drops
// their entry at once; another instance's writes (a submission graded
// there, a skip) are seen within the TTL, as with the account cache.
type viewCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cachedDaily
}

type cachedDaily struct {
	view    DailyView
	expires time.Time
}

func newViewCache(ttl time.Duration, max int, now func() time.Time) *viewCache {
	return &viewCache{ttl: ttl, max: max, now: now, entries: map[string]cachedDaily{}}
}

func (c *viewCache) get(learnerID, day string) (DailyView, bool) {
	if c.ttl <= 0 {
		return DailyView{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[learnerID]
	if !ok || e.view.Day != day || !c.now().Before(e.expires) {
		return DailyView{}, false
	}
	return e.view, true
}

func (c *viewCache) put(learnerID string, v DailyView) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries) // a burst of distinct learners: start over rather than grow
		}
	}
	c.entries[learnerID] = cachedDaily{view: v, expires: now.Add(c.ttl)}
}

// forget drops a learner's entry: called on every change of theirs.
func (c *viewCache) forget(learnerID string) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	delete(c.entries, learnerID)
	c.mu.Unlock()
}
