package http

import (
	"context"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/ports"
)

// Tutor is what the chat handlers need (application/tutor).
type Tutor interface {
	Send(ctx context.Context, in tutor.SendInput) (tutor.Reply, error)
	StartStream(ctx context.Context, in tutor.SendInput) (tutor.Generation, error)
	Resume(ctx context.Context, learnerID, conversationID, lastEventID string) (tutor.Generation, error)
	Subscribe(stream, afterID string) *tutor.Subscription
	Attach(stream string, sink tutor.Sink) (detach func(), ok bool)
	List(ctx context.Context, learnerID string, p ports.Page) ([]chat.Conversation, string, error)
	Get(ctx context.Context, learnerID, id string, p ports.Page) (tutor.Thread, error)
	Delete(ctx context.Context, learnerID, id string) error
}

// heartbeat is the SSE comment sent when no event came for this long: it
// keeps proxies from closing an idle stream and reveals a client that left.
const heartbeat = 15 * time.Second

// sseWriteTimeout bounds one write of a stream: a client that does not
// take 5 s worth of events is gone or too slow, and its stream ends.
const sseWriteTimeout = 5 * time.Second

type chatHandlers struct {
	svc       Tutor
	heartbeat time.Duration
	stopped   *atomic.Bool // the server shut down (nil: never)
}

type chatRequest struct {
	ConversationID *string `json:"conversation_id" validate:"omitempty,uuid"`
	Message        string  `json:"message" validate:"required"`
	ExerciseID     *string `json:"exercise_id" validate:"omitempty,uuid"`
}

func (r chatRequest) input(c *fiber.Ctx) tutor.SendInput {
	in := tutor.SendInput{LearnerID: userID(c), Message: r.Message}
	if r.ConversationID != nil {
		in.ConversationID = *r.ConversationID
	}
	if r.ExerciseID != nil {
		in.ExerciseID = *r.ExerciseID
	}
	return in
}

func (h chatHandlers) message(c *fiber.Ctx) error {
	var in chatRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	r, err := h.svc.Send(c.UserContext(), in.input(c))
	if err != nil {
		return err
	}
	return writeJSON(c, chatReplyResponse{ConversationID: r.ConversationID, Message: toMessageResponse(r.Message)})
}

func (h chatHandlers) stream(c *fiber.Ctx) error {
	var in chatRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	g, err := h.svc.StartStream(c.UserContext(), in.input(c))
	if err != nil {
		return err
	}
	// The generation feeds this client itself, on the hijacked connection.
	sink := newSSESink(h.beat(), c.Context().Request.Header.IsHTTP11())
	detach, ok := h.svc.Attach(g.Stream, sink)
	if !ok {
		return h.writeSSE(c, h.svc.Subscribe(g.Stream, ""))
	}
	sink.detach = detach
	setSSEHeaders(c)
	hijackSSE(c, sink, h.stopped)
	return nil
}

func (h chatHandlers) beat() time.Duration {
	if h.heartbeat <= 0 {
		return heartbeat
	}
	return h.heartbeat
}

func (h chatHandlers) resume(c *fiber.Ctx) error {
	last := c.Get("Last-Event-ID")
	if last == "" {
		last = c.Query("last_event_id")
	}
	last = string([]byte(last)) // copied: it outlives the handler
	g, err := h.svc.Resume(c.UserContext(), userID(c), param(c, "id"), last)
	if err != nil {
		return err
	}
	return h.writeSSE(c, h.svc.Subscribe(g.Stream, last))
}

// writeSSE streams a subscription as Server-Sent Events (a resumed
// stream, or one generated elsewhere). The body is a
// reader that fasthttp's connection goroutine pulls from, one chunk (and
// flush) per batch of events: no goroutine, pipe or buffer of its own per
// stream. It runs after the handler returned: it never touches the Fiber
// Ctx, only the connection (to move its write deadline). A failed write
// means the client left: fasthttp closes the body, which closes the
// subscription, and the generation, unwatched, is cancelled after its
// grace period.
func (h chatHandlers) writeSSE(c *fiber.Ctx, sub *tutor.Subscription) error {
	setSSEHeaders(c)
	c.Set(fiber.HeaderConnection, "keep-alive")
	b := &sseBody{sub: sub, conn: c.Context().Conn(), beat: h.beat()}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	c.Context().SetBodyStream(b, -1)
	return nil
}

// sseBody is a subscription read as an SSE body (chunked).
type sseBody struct {
	sub    *tutor.Subscription
	conn   net.Conn
	beat   time.Duration
	ctx    context.Context
	cancel context.CancelFunc
	out    []byte // formatted events not read yet: out[off:]
	off    int
	ended  bool
	closed bool
}

// sseKeep is the largest formatting buffer kept between two reads.
const sseKeep = 1 << 10

// Read answers the next events (or a heartbeat comment), waiting for them.
func (b *sseBody) Read(p []byte) (int, error) {
	for b.off >= len(b.out) {
		if b.ended || b.closed {
			return 0, io.EOF
		}
		if cap(b.out) > sseKeep {
			b.out = nil // a big event: do not keep its buffer for the stream's life
		}
		b.out, b.off = b.out[:0], 0
		evs, ended, err := b.sub.Next(b.ctx, b.beat)
		if err != nil {
			evs, ended = append(evs, ports.StreamEvent{Type: "error",
				Data: []byte(`{"code":"upstream_unavailable","message":"the stream could not be read; reconnect to resume"}`)}), true
		}
		b.ended = ended
		if len(evs) == 0 && !ended {
			b.out = append(b.out, ping...)
		}
		b.out = appendEvents(b.out, evs)
		if len(b.out) > 0 {
			_ = b.conn.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		}
	}
	n := copy(p, b.out[b.off:])
	b.off += n
	return n, nil
}

// Close detaches the subscription (fasthttp calls it once the body is
// written, or the connection failed).
func (b *sseBody) Close() error {
	if !b.closed {
		b.closed = true
		b.sub.Close()
		b.cancel()
	}
	return nil
}

func (h chatHandlers) list(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := h.svc.List(c.UserContext(), userID(c), p)
	if err != nil {
		return err
	}
	out := conversationListResponse{Items: make([]conversationResponse, 0, len(items)), NextCursor: nullable(next)}
	for _, cv := range items {
		out.Items = append(out.Items, toConversationResponse(cv))
	}
	return writeJSON(c, out)
}

func (h chatHandlers) get(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	t, err := h.svc.Get(c.UserContext(), userID(c), param(c, "id"), p)
	if err != nil {
		return err
	}
	out := threadResponse{Conversation: toConversationResponse(t.Conversation),
		Messages: make([]messageResponse, 0, len(t.Messages)), NextCursor: nullable(t.Next)}
	for _, m := range t.Messages {
		out.Messages = append(out.Messages, toMessageResponse(m))
	}
	return writeJSON(c, out)
}

func (h chatHandlers) delete(c *fiber.Ctx) error {
	if err := h.svc.Delete(c.UserContext(), userID(c), param(c, "id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type conversationResponse struct {
	ID         string  `json:"id"`
	Title      string  `json:"title"`
	ExerciseID *string `json:"exercise_id"`
	Summary    string  `json:"summary"`
	CreatedAt  string  `json:"created_at"`
	UpdatedAt  string  `json:"updated_at"`
}

func toConversationResponse(c chat.Conversation) conversationResponse {
	return conversationResponse{ID: c.ID, Title: c.Title, ExerciseID: nullable(c.ExerciseID), Summary: c.Summary,
		CreatedAt: rfc3339(c.CreatedAt), UpdatedAt: rfc3339(c.UpdatedAt)}
}

type conversationListResponse struct {
	Items      []conversationResponse `json:"items"`
	NextCursor *string                `json:"next_cursor"`
}

type tokenUsageResponse struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

type messageResponse struct {
	ID           string             `json:"id"`
	Seq          int                `json:"seq"`
	Role         string             `json:"role"`
	Content      string             `json:"content"`
	Status       string             `json:"status"`
	Provider     *string            `json:"provider"`
	Model        *string            `json:"model"`
	Usage        tokenUsageResponse `json:"usage"`
	LatencyMS    int64              `json:"latency_ms"`
	FinishReason *string            `json:"finish_reason"`
	CreatedAt    string             `json:"created_at"`
}

func toMessageResponse(m chat.Message) messageResponse {
	return messageResponse{ID: m.ID, Seq: m.Seq, Role: string(m.Role), Content: m.Content, Status: string(m.Status),
		Provider: nullable(m.Provider), Model: nullable(m.Model),
		Usage:     tokenUsageResponse{PromptTokens: m.Usage.PromptTokens, CompletionTokens: m.Usage.CompletionTokens},
		LatencyMS: m.Latency.Milliseconds(), FinishReason: nullable(m.FinishReason), CreatedAt: rfc3339(m.CreatedAt)}
}

type chatReplyResponse struct {
	ConversationID string          `json:"conversation_id"`
	Message        messageResponse `json:"message"`
}

type threadResponse struct {
	Conversation conversationResponse `json:"conversation"`
	Messages     []messageResponse    `json:"messages"`
	NextCursor   *string              `json:"next_cursor"`
}
