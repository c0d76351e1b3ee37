package tutor

import (
	"context"
	"fmt"
	"strconv"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/ports"
)

// List answers a page of the learner's conversations, most recent first.
func (s *Service) List(ctx context.Context, learnerID string, p ports.Page) ([]chat.Conversation, string, error) {
	items, next, err := s.Conversations.List(ctx, learnerID, p)
	if err != nil {
		return nil, "", fmt.Errorf("list conversations: %w", err)
	}
	return items, next, nil
}

// Thread is a conversation with one page of its messages.
type Thread struct {
	Conversation chat.Conversation
	Messages     []chat.Message
	Next         string // cursor of the next page, "" on the last
}

// Get answers the learner's conversation and a page of its messages, oldest
// first (the cursor is the last Seq seen). Another learner's is not found.
func (s *Service) Get(ctx context.Context, learnerID, id string, p ports.Page) (Thread, error) {
	c, err := s.Conversations.Get(ctx, learnerID, id)
	if err != nil {
		return Thread{}, fmt.Errorf("load conversation: %w", err)
	}
	after := 0
	if p.Cursor != "" {
		n, err := strconv.Atoi(p.Cursor)
		if err != nil || n < 0 {
			return Thread{}, domain.NewValidationError("cursor", "is not a valid cursor")
		}
		after = n
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 50
	}
	msgs, err := s.Messages.Page(ctx, c.ID, after, limit)
	if err != nil {
		return Thread{}, fmt.Errorf("load messages: %w", err)
	}
	t := Thread{Conversation: c, Messages: msgs}
	if len(msgs) == limit {
		more, err := s.Messages.Page(ctx, c.ID, msgs[len(msgs)-1].Seq, 1)
		if err != nil {
			return Thread{}, fmt.Errorf("load messages: %w", err)
		}
		if len(more) > 0 {
			t.Next = strconv.Itoa(msgs[len(msgs)-1].Seq)
		}
	}
	return t, nil
}

// Delete removes the learner's conversation and its messages.
func (s *Service) Delete(ctx context.Context, learnerID, id string) error {
	if err := s.Conversations.Delete(ctx, learnerID, id); err != nil {
		return fmt.Errorf("delete conversation: %w", err)
	}
	return nil
}
