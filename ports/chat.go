package ports

import (
	"context"
	"time"

	"github.com/codementor/codementor/domain/chat"
)

// ConversationRepository stores tutor conversations.
type ConversationRepository interface {
	Create(ctx context.Context, c chat.Conversation) error
	// Get loads a conversation of its owner: another learner's, an unknown
	// or a malformed id is domain.ErrNotFound.
	Get(ctx context.Context, ownerID, id string) (chat.Conversation, error)
	// List answers a page of the owner's conversations, most recent
	// activity (UpdatedAt) first; next is "" on the last page.
	List(ctx context.Context, ownerID string, p Page) (items []chat.Conversation, next string, err error)
	// Touch records activity (UpdatedAt).
	Touch(ctx context.Context, id string, at time.Time) error
	// SetSummary stores the rolling summary and the last Seq it covers.
	SetSummary(ctx context.Context, id, summary string, through int, at time.Time) error
	// Delete removes the owner's conversation and all its messages;
	// another learner's is domain.ErrNotFound.
	Delete(ctx context.Context, ownerID, id string) error
}

// MessageRepository stores the messages of conversations.
type MessageRepository interface {
	// Append stores a new message, giving it the conversation's next Seq
	// (set on the returned message).
	Append(ctx context.Context, m chat.Message) (chat.Message, error)
	// Finish updates an assistant message once its generation ended:
	// content, status, provider, model, usage, latency, finish reason.
	Finish(ctx context.Context, m chat.Message) error
	// Get loads one message of a conversation.
	Get(ctx context.Context, conversationID, id string) (chat.Message, error)
	// Page answers the messages with Seq > afterSeq, oldest first, at most
	// limit of them.
	Page(ctx context.Context, conversationID string, afterSeq, limit int) ([]chat.Message, error)
	// Recent answers the last n messages, oldest first.
	Recent(ctx context.Context, conversationID string, n int) ([]chat.Message, error)
}

// StreamEvent is one server-sent event of a generation, with its id in the
// generation's event log.
type StreamEvent struct {
	ID   string // opaque, increasing within a stream
	Type string // meta | delta | usage | done | error
	Data []byte // the event's JSON
}

// StreamLog keeps each generation's events for a short time, shared by
// every instance (Redis Streams in production), so a client that
// reconnects, to any instance, receives what it missed and then the rest.
type StreamLog interface {
	// Append adds an event and answers its id: id when given (it must be
	// after the stream's last, "ms-seq"), else one the log assigns. The log
	// expires ttl after its last append.
	Append(ctx context.Context, stream, id, typ string, data []byte, ttl time.Duration) (string, error)
	// AppendMany adds events that carry their own increasing ids, in one
	// round trip (a generation's backlog).
	AppendMany(ctx context.Context, stream string, events []StreamEvent, ttl time.Duration) error
	// Read answers the events after afterID ("" = from the start), waiting
	// up to block for one when there are none yet (0: do not wait).
	Read(ctx context.Context, stream, afterID string, block time.Duration) ([]StreamEvent, error)
	// Watch marks a client attached to the stream for ttl (renewed while it
	// reads); Watchers counts the live marks. The generating instance keeps
	// going while someone watches, and stops when nobody has for a while.
	Watch(ctx context.Context, stream, clientID string, ttl time.Duration) error
	Unwatch(ctx context.Context, stream, clientID string) error
	Watchers(ctx context.Context, stream string) (int, error)
	// SetActive and Active name a conversation's generation in progress.
	SetActive(ctx context.Context, conversationID, stream string, ttl time.Duration) error
	Active(ctx context.Context, conversationID string) (string, error)
}

// StreamAppend is one stream's events in a StreamBatchAppender batch; Err
// is set to that stream's failure (the others are not affected).
type StreamAppend struct {
	Stream string
	Events []StreamEvent
	Err    error
}

// StreamBatchAppender is a StreamLog that can also append to many streams
// in one round trip (optional: the tutor falls back to AppendMany). The
// events of each stream carry their own increasing ids, as for AppendMany;
// the error answered is the round trip's, each append's own is in its Err.
type StreamBatchAppender interface {
	AppendBatch(ctx context.Context, batch []StreamAppend, ttl time.Duration) error
}
