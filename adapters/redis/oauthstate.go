package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/ports"
)

// MaxOAuthStateLength bounds a state's length: states come back in a
// callback's query string, so a longer one is refused before it reaches
// Redis.
const MaxOAuthStateLength = 256

// OAuthStateStore keeps OAuth states between the start of a flow and its
// callback, shared by every server instance. Keys live under
// c.Key("oauth", "state", state) and expire with their TTL.
type OAuthStateStore struct{ c *Client }

var _ ports.OAuthStateStore = (*OAuthStateStore)(nil)

// NewOAuthStateStore builds the store on the shared client.
func NewOAuthStateStore(c *Client) *OAuthStateStore { return &OAuthStateStore{c: c} }

// oauthStateRecord is the stored form; ports types carry no JSON tags.
type oauthStateRecord struct {
	Provider       string    `json:"provider"`
	Verifier       string    `json:"verifier"`
	BrowserBinding string    `json:"browser_binding"`
	LinkUserID     string    `json:"link_user_id,omitempty"`
	Scopes         []string  `json:"scopes,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// Put stores the state for ttl. A state that is already stored is
// domain.ErrConflict: states are random, so a duplicate is a bug or an
// attack, and overwriting would hand the flow to the second caller.
func (s *OAuthStateStore) Put(ctx context.Context, state string, st ports.OAuthState, ttl time.Duration) error {
	if err := validateOAuthState(state); err != nil {
		return err
	}
	if ttl <= 0 {
		return fmt.Errorf("oauth state: ttl %s is not positive", ttl)
	}
	b, err := json.Marshal(oauthStateRecord{Provider: st.Provider, Verifier: st.Verifier,
		BrowserBinding: st.BrowserBinding, LinkUserID: st.LinkUserID, Scopes: st.Scopes, CreatedAt: st.CreatedAt.UTC()})
	if err != nil {
		return fmt.Errorf("redis: encode oauth state: %w", err)
	}
	// Redis counts in milliseconds: round up rather than let go-redis
	// truncate (and log) a sub-millisecond TTL.
	ttl = (ttl + time.Millisecond - 1).Truncate(time.Millisecond)
	ok, err := s.c.SetNX(ctx, s.key(state), b, ttl).Result()
	if err != nil {
		return fmt.Errorf("redis: put oauth state: %w", err)
	}
	if !ok {
		return fmt.Errorf("put oauth state: %w: state already stored", domain.ErrConflict)
	}
	return nil
}

// Take returns and deletes the state in one GETDEL, so of two concurrent
// callbacks with one state only one gets it.
func (s *OAuthStateStore) Take(ctx context.Context, state string) (ports.OAuthState, error) {
	if err := validateOAuthState(state); err != nil {
		// Nothing invalid was ever stored; callers treat it as unknown.
		return ports.OAuthState{}, fmt.Errorf("take oauth state: %w: %v", domain.ErrNotFound, err)
	}
	b, err := s.c.GetDel(ctx, s.key(state)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return ports.OAuthState{}, fmt.Errorf("take oauth state: %w", domain.ErrNotFound)
	}
	if err != nil {
		return ports.OAuthState{}, fmt.Errorf("redis: take oauth state: %w", err)
	}
	var r oauthStateRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return ports.OAuthState{}, fmt.Errorf("redis: decode oauth state: %w", err)
	}
	return ports.OAuthState{Provider: r.Provider, Verifier: r.Verifier,
		BrowserBinding: r.BrowserBinding, LinkUserID: r.LinkUserID, Scopes: r.Scopes, CreatedAt: r.CreatedAt.UTC()}, nil
}

func (s *OAuthStateStore) key(state string) string { return s.c.Key("oauth", "state", state) }

func validateOAuthState(state string) error {
	switch {
	case state == "":
		return errors.New("oauth state: empty state")
	case len(state) > MaxOAuthStateLength:
		return fmt.Errorf("oauth state: state longer than %d characters", MaxOAuthStateLength)
	}
	return nil
}
