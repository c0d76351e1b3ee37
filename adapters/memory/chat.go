package memory

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/codementor/codementor/adapters/keyset"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/ports"
)

// The chat repositories below mirror adapters/postgres/chat.go: the same
// orders, cursors, seq numbering, checks, foreign keys and not-found
// answers.

// canonicalID spells a UUID as a uuid column answers it (lower case).
func canonicalID(s string) string {
	if isUUID(s) {
		return strings.ToLower(s)
	}
	return s
}

// ---- conversations ----

// ConversationRepository is the in-memory twin of
// postgres.ConversationRepository.
type ConversationRepository struct{ db *DB }

var _ ports.ConversationRepository = (*ConversationRepository)(nil)

// NewConversationRepository returns a repository over db.
func NewConversationRepository(db *DB) *ConversationRepository {
	return &ConversationRepository{db: db}
}

// Create stores a new conversation; an id taken is domain.ErrConflict, an
// unknown owner or exercise domain.ErrNotFound.
func (r *ConversationRepository) Create(ctx context.Context, c chat.Conversation) error {
	if !isUUID(c.ID) {
		return fmt.Errorf("create conversation: %w", domain.NewValidationError("id", "must be a UUID"))
	}
	if !isUUID(c.OwnerID) {
		return fmt.Errorf("create conversation: %w: conversations_owner_id_fkey", domain.ErrNotFound)
	}
	if c.ExerciseID != "" && !isUUID(c.ExerciseID) {
		return fmt.Errorf("create conversation: %w: conversations_exercise_id_fkey", domain.ErrNotFound)
	}
	c.ID, c.OwnerID, c.ExerciseID = canonicalID(c.ID), canonicalID(c.OwnerID), canonicalID(c.ExerciseID)
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	// In Postgres's order: checks, then the primary key, then foreign keys.
	if c.SummarizedThrough < 0 {
		return fmt.Errorf("create conversation: %w", checkViolation("conversations_summarized_through_check"))
	}
	defer r.db.lockWrite(ctx)()
	if _, ok := r.db.conversations[c.ID]; ok {
		return fmt.Errorf("create conversation: %w: conversations_pkey", domain.ErrConflict)
	}
	if _, ok := r.db.users[c.OwnerID]; !ok {
		return fmt.Errorf("create conversation: %w: conversations_owner_id_fkey", domain.ErrNotFound)
	}
	if _, ok := r.db.exercises[c.ExerciseID]; c.ExerciseID != "" && !ok {
		return fmt.Errorf("create conversation: %w: conversations_exercise_id_fkey", domain.ErrNotFound)
	}
	r.db.conversations[c.ID] = c
	return nil
}

// Get loads the owner's conversation; another owner's is not found.
func (r *ConversationRepository) Get(_ context.Context, ownerID, id string) (chat.Conversation, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	c, ok := r.db.conversations[canonicalID(id)]
	if !ok || !isUUID(ownerID) || c.OwnerID != canonicalID(ownerID) {
		return chat.Conversation{}, domain.ErrNotFound
	}
	return c, nil
}

// activityCompare orders conversations most recently active first, then
// by id descending.
func activityCompare(a, b chat.Conversation) int {
	return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(b.ID, a.ID))
}

// List answers a page of the owner's conversations.
func (r *ConversationRepository) List(_ context.Context, ownerID string, p ports.Page) ([]chat.Conversation, string, error) {
	limit := keyset.Limit(p.Limit)
	var after *chat.Conversation
	if p.Cursor != "" {
		var micros int64
		var id string
		if err := keyset.Decode(p.Cursor, &micros, &id); err != nil || !isUUID(id) {
			return nil, "", keyset.ErrBadCursor
		}
		after = &chat.Conversation{ID: canonicalID(id), UpdatedAt: time.UnixMicro(micros).UTC()}
	}
	if !isUUID(ownerID) {
		return nil, "", nil
	}
	ownerID = canonicalID(ownerID)
	r.db.mu.RLock()
	var items []chat.Conversation
	for _, c := range r.db.conversations {
		if c.OwnerID == ownerID && (after == nil || activityCompare(c, *after) > 0) {
			items = append(items, c)
		}
	}
	r.db.mu.RUnlock()
	slices.SortFunc(items, activityCompare)
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	last := items[limit-1]
	return items, keyset.Encode(last.UpdatedAt.UnixMicro(), last.ID), nil
}

// update applies fn to the stored conversation id; none is not found.
func (r *ConversationRepository) update(ctx context.Context, id string, fn func(*chat.Conversation) error) error {
	id = canonicalID(id)
	defer r.db.lockWrite(ctx)()
	c, ok := r.db.conversations[id]
	if !ok {
		return domain.ErrNotFound
	}
	if err := fn(&c); err != nil {
		return err
	}
	r.db.conversations[id] = c
	return nil
}

// Touch records activity: UpdatedAt becomes at.
func (r *ConversationRepository) Touch(ctx context.Context, id string, at time.Time) error {
	err := r.update(ctx, id, func(c *chat.Conversation) error {
		c.UpdatedAt = utc(at)
		return nil
	})
	if err != nil {
		return fmt.Errorf("touch conversation: %w", err)
	}
	return nil
}

// SetSummary stores the rolling summary and the last Seq it covers; at is
// the new UpdatedAt.
func (r *ConversationRepository) SetSummary(ctx context.Context, id, summary string, through int, at time.Time) error {
	err := r.update(ctx, id, func(c *chat.Conversation) error {
		if through < 0 {
			return checkViolation("conversations_summarized_through_check")
		}
		c.Summary, c.SummarizedThrough, c.UpdatedAt = summary, through, utc(at)
		return nil
	})
	if err != nil {
		return fmt.Errorf("set conversation summary: %w", err)
	}
	return nil
}

// Delete removes the owner's conversation and its messages. Another
// owner's is not found and stays.
func (r *ConversationRepository) Delete(ctx context.Context, ownerID, id string) error {
	id = canonicalID(id)
	defer r.db.lockWrite(ctx)()
	c, ok := r.db.conversations[id]
	if !ok || !isUUID(ownerID) || c.OwnerID != canonicalID(ownerID) {
		return fmt.Errorf("delete conversation: %w", domain.ErrNotFound)
	}
	delete(r.db.conversations, id)
	maps.DeleteFunc(r.db.messages, func(_ string, m chat.Message) bool { return m.ConversationID == id })
	return nil
}

// ---- messages ----

// MessageRepository is the in-memory twin of postgres.MessageRepository.
type MessageRepository struct{ db *DB }

var _ ports.MessageRepository = (*MessageRepository)(nil)

// NewMessageRepository returns a repository over db.
func NewMessageRepository(db *DB) *MessageRepository { return &MessageRepository{db: db} }

// normalizeMessage stores what the columns hold: UTC microseconds,
// whole milliseconds of latency.
func normalizeMessage(m chat.Message) chat.Message {
	m.ID, m.ConversationID = canonicalID(m.ID), canonicalID(m.ConversationID)
	m.CreatedAt = utc(m.CreatedAt)
	m.Latency = time.Duration(m.Latency.Milliseconds()) * time.Millisecond
	return m
}

// checkMessage does what chat_messages' CHECK constraints do.
func checkMessage(m chat.Message) error {
	switch {
	case m.Role != chat.RoleUser && m.Role != chat.RoleAssistant:
		return checkViolation("chat_messages_role_check")
	case m.Status != chat.StatusStreaming && m.Status != chat.StatusComplete && m.Status != chat.StatusInterrupted &&
		m.Status != chat.StatusFailed:
		return checkViolation("chat_messages_status_check")
	case m.Usage.PromptTokens < 0:
		return checkViolation("chat_messages_prompt_tokens_check")
	case m.Usage.CompletionTokens < 0:
		return checkViolation("chat_messages_completion_tokens_check")
	case m.Usage.CachedTokens < 0:
		return checkViolation("chat_messages_cached_tokens_check")
	case m.Latency < 0:
		return checkViolation("chat_messages_latency_ms_check")
	}
	return nil
}

// Append stores m as the conversation's next message; the write lock makes
// the numbering atomic. A missing conversation is domain.ErrNotFound; m.Seq
// is ignored.
func (r *MessageRepository) Append(ctx context.Context, m chat.Message) (chat.Message, error) {
	if !isUUID(m.ID) {
		return chat.Message{}, fmt.Errorf("append message: %w", domain.NewValidationError("id", "must be a UUID"))
	}
	if !isUUID(m.ConversationID) {
		return chat.Message{}, fmt.Errorf("append message: %w", domain.ErrNotFound)
	}
	m = normalizeMessage(m)
	defer r.db.lockWrite(ctx)()
	if _, ok := r.db.conversations[m.ConversationID]; !ok {
		return chat.Message{}, fmt.Errorf("append message: %w", domain.ErrNotFound)
	}
	if err := checkMessage(m); err != nil {
		return chat.Message{}, fmt.Errorf("append message: %w", err)
	}
	if _, ok := r.db.messages[m.ID]; ok {
		return chat.Message{}, fmt.Errorf("append message: %w: chat_messages_pkey", domain.ErrConflict)
	}
	m.Seq = 1
	for _, o := range r.db.messages {
		if o.ConversationID == m.ConversationID && o.Seq >= m.Seq {
			m.Seq = o.Seq + 1
		}
	}
	r.db.messages[m.ID] = m
	return m, nil
}

// Finish stores the end of a generation on the message m.ID of
// m.ConversationID; no such message is domain.ErrNotFound.
func (r *MessageRepository) Finish(ctx context.Context, m chat.Message) error {
	m = normalizeMessage(m)
	defer r.db.lockWrite(ctx)()
	old, ok := r.db.messages[m.ID]
	if !ok || old.ConversationID != m.ConversationID {
		return fmt.Errorf("finish message: %w", domain.ErrNotFound)
	}
	old.Content, old.Status, old.Provider, old.Model = m.Content, m.Status, m.Provider, m.Model
	old.Usage, old.Latency, old.FinishReason = m.Usage, m.Latency, m.FinishReason
	if err := checkMessage(old); err != nil {
		return fmt.Errorf("finish message: %w", err)
	}
	r.db.messages[m.ID] = old
	return nil
}

// Get loads one message of a conversation.
func (r *MessageRepository) Get(_ context.Context, conversationID, id string) (chat.Message, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	m, ok := r.db.messages[canonicalID(id)]
	if !ok || !isUUID(conversationID) || m.ConversationID != canonicalID(conversationID) {
		return chat.Message{}, domain.ErrNotFound
	}
	return m, nil
}

// ofConversation answers the conversation's messages in seq order.
func (r *MessageRepository) ofConversation(conversationID string) []chat.Message {
	if !isUUID(conversationID) {
		return nil
	}
	conversationID = canonicalID(conversationID)
	r.db.mu.RLock()
	var out []chat.Message
	for _, m := range r.db.messages {
		if m.ConversationID == conversationID {
			out = append(out, m)
		}
	}
	r.db.mu.RUnlock()
	slices.SortFunc(out, func(a, b chat.Message) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// Page answers the messages with Seq > afterSeq, oldest first; limit is
// clamped like a page's (default 20, at most 100).
func (r *MessageRepository) Page(_ context.Context, conversationID string, afterSeq, limit int) ([]chat.Message, error) {
	all := r.ofConversation(conversationID)
	i := slices.IndexFunc(all, func(m chat.Message) bool { return m.Seq > afterSeq })
	if i < 0 {
		return nil, nil
	}
	out := all[i:]
	if n := keyset.Limit(limit); len(out) > n {
		out = out[:n]
	}
	return cloneOrNil(out), nil
}

// Recent answers the last n messages, oldest first; n <= 0 answers none.
func (r *MessageRepository) Recent(_ context.Context, conversationID string, n int) ([]chat.Message, error) {
	if n <= 0 {
		return nil, nil
	}
	all := r.ofConversation(conversationID)
	if len(all) > n {
		all = all[len(all)-n:]
	}
	return cloneOrNil(all), nil
}
