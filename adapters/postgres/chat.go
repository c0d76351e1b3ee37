package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/adapters/keyset"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// ---- conversations ----

// ConversationRepository stores tutor conversations.
type ConversationRepository struct{ pool *pgxpool.Pool }

var _ ports.ConversationRepository = (*ConversationRepository)(nil)

// NewConversationRepository returns a repository over the pool.
func NewConversationRepository(pool *pgxpool.Pool) *ConversationRepository {
	return &ConversationRepository{pool: pool}
}

type conversationRow struct {
	ID                string
	OwnerID           string
	Title             string
	ExerciseID        *string
	Summary           string
	SummarizedThrough int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

var conversationColumns = []string{"id", "owner_id", "title", "exercise_id", "summary", "summarized_through",
	"created_at", "updated_at"}

func toConversationRow(c chat.Conversation) conversationRow {
	r := conversationRow{ID: c.ID, OwnerID: c.OwnerID, Title: c.Title, Summary: c.Summary,
		SummarizedThrough: c.SummarizedThrough, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c.ExerciseID != "" {
		r.ExerciseID = &c.ExerciseID
	}
	return r
}

// check refuses what the uuid columns cannot hold before the database does:
// a malformed reference points at nothing.
func (r conversationRow) check() error {
	if !isUUID(r.ID) {
		return domain.NewValidationError("id", "must be a UUID")
	}
	if !isUUID(r.OwnerID) {
		return fmt.Errorf("%w: conversations_owner_id_fkey", domain.ErrNotFound)
	}
	if r.ExerciseID != nil && !isUUID(*r.ExerciseID) {
		return fmt.Errorf("%w: conversations_exercise_id_fkey", domain.ErrNotFound)
	}
	return nil
}

func (r conversationRow) values() []any {
	return []any{r.ID, r.OwnerID, r.Title, r.ExerciseID, r.Summary, r.SummarizedThrough, r.CreatedAt, r.UpdatedAt}
}

func (r *conversationRow) targets() []any {
	return []any{&r.ID, &r.OwnerID, &r.Title, &r.ExerciseID, &r.Summary, &r.SummarizedThrough, &r.CreatedAt,
		&r.UpdatedAt}
}

func (r conversationRow) toDomain() chat.Conversation {
	c := chat.Conversation{ID: r.ID, OwnerID: r.OwnerID, Title: r.Title, Summary: r.Summary,
		SummarizedThrough: r.SummarizedThrough, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.ExerciseID != nil {
		c.ExerciseID = *r.ExerciseID
	}
	return c
}

// Create stores a new conversation; an id taken is domain.ErrConflict, an
// unknown owner or exercise domain.ErrNotFound.
func (r *ConversationRepository) Create(ctx context.Context, c chat.Conversation) error {
	row := toConversationRow(c)
	if err := row.check(); err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	return insertRow(ctx, r.pool, "create conversation", "conversations", conversationColumns, row.values())
}

// Get loads the owner's conversation; another owner's is not found.
func (r *ConversationRepository) Get(ctx context.Context, ownerID, id string) (chat.Conversation, error) {
	if !isUUID(ownerID) || !isUUID(id) {
		return chat.Conversation{}, domain.ErrNotFound
	}
	sql, args, err := psql.Select(conversationColumns...).From("conversations").
		Where(sq.Eq{"id": id, "owner_id": ownerID}).ToSql()
	if err != nil {
		return chat.Conversation{}, err
	}
	var row conversationRow
	if err := conn(ctx, r.pool).QueryRow(ctx, sql, args...).Scan(row.targets()...); err != nil {
		return chat.Conversation{}, translate(err)
	}
	return row.toDomain(), nil
}

// List answers a page of the owner's conversations, keyset-paginated on
// (updated_at, id) descending.
func (r *ConversationRepository) List(ctx context.Context, ownerID string, p ports.Page) ([]chat.Conversation, string, error) {
	pg, err := pageOf(p)
	if err != nil {
		return nil, "", err
	}
	if !isUUID(ownerID) {
		return nil, "", nil
	}
	items, next, err := list(ctx, conn(ctx, r.pool), pg,
		psql.Select(conversationColumns...).From("conversations").Where(sq.Eq{"owner_id": ownerID}), "updated_at", "id",
		func(row pgx.CollectableRow) (chat.Conversation, error) {
			var c conversationRow
			err := row.Scan(c.targets()...)
			return c.toDomain(), err
		},
		func(c chat.Conversation) (time.Time, string) { return c.UpdatedAt, c.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list conversations: %w", err)
	}
	return items, next, nil
}

// update runs one UPDATE of a conversation by id; no row is not found.
func (r *ConversationRepository) update(ctx context.Context, id string, set map[string]any) error {
	if !isUUID(id) {
		return domain.ErrNotFound
	}
	sql, args, err := psql.Update("conversations").SetMap(set).Where(sq.Eq{"id": id}).ToSql()
	if err != nil {
		return err
	}
	tag, err := conn(ctx, r.pool).Exec(ctx, sql, args...)
	if err != nil {
		return translate(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// Touch records activity: UpdatedAt becomes at.
func (r *ConversationRepository) Touch(ctx context.Context, id string, at time.Time) error {
	if err := r.update(ctx, id, map[string]any{"updated_at": at}); err != nil {
		return fmt.Errorf("touch conversation: %w", err)
	}
	return nil
}

// SetSummary stores the rolling summary and the last Seq it covers; at is
// the new UpdatedAt.
func (r *ConversationRepository) SetSummary(ctx context.Context, id, summary string, through int, at time.Time) error {
	err := r.update(ctx, id, map[string]any{"summary": summary, "summarized_through": through, "updated_at": at})
	if err != nil {
		return fmt.Errorf("set conversation summary: %w", err)
	}
	return nil
}

// Delete removes the owner's conversation; its messages go with it (ON
// DELETE CASCADE). Another owner's is not found and stays.
func (r *ConversationRepository) Delete(ctx context.Context, ownerID, id string) error {
	return deleteOwned(ctx, conn(ctx, r.pool), "conversations", "conversation", ownerID, id)
}

// ---- messages ----

// MessageRepository stores the messages of conversations.
type MessageRepository struct{ pool *pgxpool.Pool }

var _ ports.MessageRepository = (*MessageRepository)(nil)

// NewMessageRepository returns a repository over the pool.
func NewMessageRepository(pool *pgxpool.Pool) *MessageRepository {
	return &MessageRepository{pool: pool}
}

type messageRow struct {
	ID               string
	ConversationID   string
	Seq              int
	Role             string
	Content          string
	Status           string
	Provider         string
	Model            string
	PromptTokens     int
	CompletionTokens int
	CachedTokens     int
	LatencyMS        int64
	FinishReason     string
	CreatedAt        time.Time
}

var messageColumns = []string{"id", "conversation_id", "seq", "role", "content", "status", "provider", "model",
	"prompt_tokens", "completion_tokens", "cached_tokens", "latency_ms", "finish_reason", "created_at"}

func toMessageRow(m chat.Message) messageRow {
	return messageRow{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, Role: string(m.Role),
		Content: m.Content, Status: string(m.Status), Provider: m.Provider, Model: m.Model,
		PromptTokens: m.Usage.PromptTokens, CompletionTokens: m.Usage.CompletionTokens,
		CachedTokens: m.Usage.CachedTokens, LatencyMS: m.Latency.Milliseconds(), FinishReason: m.FinishReason,
		CreatedAt: m.CreatedAt}
}

func (r *messageRow) targets() []any {
	return []any{&r.ID, &r.ConversationID, &r.Seq, &r.Role, &r.Content, &r.Status, &r.Provider, &r.Model,
		&r.PromptTokens, &r.CompletionTokens, &r.CachedTokens, &r.LatencyMS, &r.FinishReason, &r.CreatedAt}
}

func (r messageRow) toDomain() chat.Message {
	return chat.Message{ID: r.ID, ConversationID: r.ConversationID, Seq: r.Seq, Role: chat.Role(r.Role),
		Content: r.Content, Status: chat.Status(r.Status), Provider: r.Provider, Model: r.Model,
		Usage: llm.Usage{PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens,
			CachedTokens: r.CachedTokens},
		Latency: time.Duration(r.LatencyMS) * time.Millisecond, FinishReason: r.FinishReason,
		CreatedAt: r.CreatedAt.UTC()}
}

func scanMessages(rows pgx.Rows) ([]chat.Message, error) {
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.Message, error) {
		var m messageRow
		err := row.Scan(m.targets()...)
		return m.toDomain(), err
	})
	if err != nil {
		return nil, translate(err)
	}
	if len(items) == 0 {
		return nil, nil
	}
	return items, nil
}

// appendSQL numbers the new message after the conversation's last one. The
// caller holds the conversation row's lock, so the MAX cannot race; the
// unique key (conversation_id, seq) would refuse a duplicate anyway. The
// casts type the parameters, which an INSERT ... SELECT does not infer.
var appendSQL = `INSERT INTO chat_messages (` + strings.Join(messageColumns, ", ") + `)
	SELECT $1::uuid, $2::uuid, COALESCE(MAX(seq), 0) + 1, $3::text, $4::text, $5::text, $6::text, $7::text,
		$8::integer, $9::integer, $10::integer, $11::integer, $12::text, $13::timestamptz
	FROM chat_messages WHERE conversation_id = $2::uuid
	RETURNING ` + strings.Join(messageColumns, ", ")

// Append stores m as the conversation's next message, in the caller's
// transaction if there is one, else in its own: the conversation row is
// locked first, so concurrent appends take consecutive seqs one at a time.
// A missing conversation is domain.ErrNotFound; m.Seq is ignored.
func (r *MessageRepository) Append(ctx context.Context, m chat.Message) (chat.Message, error) {
	if !isUUID(m.ID) {
		return chat.Message{}, fmt.Errorf("append message: %w", domain.NewValidationError("id", "must be a UUID"))
	}
	if !isUUID(m.ConversationID) {
		return chat.Message{}, fmt.Errorf("append message: %w", domain.ErrNotFound)
	}
	row := toMessageRow(m)
	var out messageRow
	err := NewTxManager(r.pool).WithinTx(ctx, func(ctx context.Context) error {
		var one int
		err := conn(ctx, r.pool).QueryRow(ctx, `SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE`,
			row.ConversationID).Scan(&one)
		if err != nil {
			return translate(err)
		}
		err = conn(ctx, r.pool).QueryRow(ctx, appendSQL, row.ID, row.ConversationID, row.Role, row.Content,
			row.Status, row.Provider, row.Model, row.PromptTokens, row.CompletionTokens, row.CachedTokens,
			row.LatencyMS, row.FinishReason, row.CreatedAt).Scan(out.targets()...)
		return translate(err)
	})
	if err != nil {
		return chat.Message{}, fmt.Errorf("append message: %w", err)
	}
	return out.toDomain(), nil
}

// Finish stores the end of a generation: content, status, provider, model,
// usage, latency and finish reason of the message m.ID in
// m.ConversationID; no such message is domain.ErrNotFound.
func (r *MessageRepository) Finish(ctx context.Context, m chat.Message) error {
	if !isUUID(m.ID) || !isUUID(m.ConversationID) {
		return fmt.Errorf("finish message: %w", domain.ErrNotFound)
	}
	row := toMessageRow(m)
	sql, args, err := psql.Update("chat_messages").SetMap(map[string]any{
		"content": row.Content, "status": row.Status, "provider": row.Provider, "model": row.Model,
		"prompt_tokens": row.PromptTokens, "completion_tokens": row.CompletionTokens,
		"cached_tokens": row.CachedTokens, "latency_ms": row.LatencyMS, "finish_reason": row.FinishReason,
	}).Where(sq.Eq{"id": row.ID, "conversation_id": row.ConversationID}).ToSql()
	if err != nil {
		return err
	}
	tag, err := conn(ctx, r.pool).Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("finish message: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("finish message: %w", domain.ErrNotFound)
	}
	return nil
}

// Get loads one message of a conversation.
func (r *MessageRepository) Get(ctx context.Context, conversationID, id string) (chat.Message, error) {
	if !isUUID(conversationID) || !isUUID(id) {
		return chat.Message{}, domain.ErrNotFound
	}
	sql, args, err := psql.Select(messageColumns...).From("chat_messages").
		Where(sq.Eq{"id": id, "conversation_id": conversationID}).ToSql()
	if err != nil {
		return chat.Message{}, err
	}
	var row messageRow
	if err := conn(ctx, r.pool).QueryRow(ctx, sql, args...).Scan(row.targets()...); err != nil {
		return chat.Message{}, translate(err)
	}
	return row.toDomain(), nil
}

// Page answers the messages with Seq > afterSeq, oldest first; limit is
// clamped like a page's (default 20, at most 100).
func (r *MessageRepository) Page(ctx context.Context, conversationID string, afterSeq, limit int) ([]chat.Message, error) {
	if !isUUID(conversationID) {
		return nil, nil
	}
	sql, args, err := psql.Select(messageColumns...).From("chat_messages").
		Where(sq.Eq{"conversation_id": conversationID}).Where(sq.Gt{"seq": afterSeq}).
		OrderBy("seq").Limit(uint64(keyset.Limit(limit))).ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := conn(ctx, r.pool).Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("page messages: %w", translate(err))
	}
	items, err := scanMessages(rows)
	if err != nil {
		return nil, fmt.Errorf("page messages: %w", err)
	}
	return items, nil
}

// Recent answers the last n messages, oldest first; n <= 0 answers none.
func (r *MessageRepository) Recent(ctx context.Context, conversationID string, n int) ([]chat.Message, error) {
	if !isUUID(conversationID) || n <= 0 {
		return nil, nil
	}
	rows, err := conn(ctx, r.pool).Query(ctx, `SELECT * FROM (SELECT `+strings.Join(messageColumns, ", ")+`
		FROM chat_messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2) last ORDER BY seq`,
		conversationID, n)
	if err != nil {
		return nil, fmt.Errorf("recent messages: %w", translate(err))
	}
	items, err := scanMessages(rows)
	if err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	return items, nil
}
