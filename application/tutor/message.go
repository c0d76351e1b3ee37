package tutor

import (
	"context"
	"time"

	"github.com/codementor/codementor/domain/chat"
)

// Reply is the assistant's stored answer.
type Reply struct {
	ConversationID string
	Message        chat.Message
}

// Send answers a message whole. The learner's message is stored first; a
// provider failure records a failed assistant turn and returns the error.
func (s *Service) Send(ctx context.Context, in SendInput) (Reply, error) {
	t, err := s.prepare(ctx, in)
	if err != nil {
		return Reply{}, err
	}
	defer t.release()
	if err := s.storeUser(ctx, t, nil); err != nil {
		return Reply{}, err
	}
	start := time.Now()
	resp, callErr := s.AI.Complete(ctx, t.req)
	ctx = context.WithoutCancel(ctx) // what was generated is stored even if the learner left
	m := chat.Message{ID: s.IDs.NewID(), ConversationID: t.conv.ID, Role: chat.RoleAssistant, Status: chat.StatusComplete,
		Provider: resp.Provider, Model: resp.Model, Usage: resp.Usage, Latency: time.Since(start),
		FinishReason: string(resp.FinishReason), CreatedAt: s.Clock.Now().UTC()}
	if callErr != nil {
		m.Status, m.FinishReason = chat.StatusFailed, "error"
		if _, err := s.record(ctx, t, m); err != nil {
			s.Logger.ErrorContext(ctx, "store failed turn", "err", err)
		}
		return Reply{}, callErr
	}
	m.Content, _ = chat.CheckAnswer(resp.Text, t.ex)
	m, err = s.record(ctx, t, m)
	if err != nil {
		return Reply{}, err
	}
	return Reply{ConversationID: t.conv.ID, Message: m}, nil
}
