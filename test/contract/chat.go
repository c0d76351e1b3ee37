package contract

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// ChatStore is the chat repositories of one adapter, sharing one database,
// plus what conversations reference: owners and exercises.
type ChatStore struct {
	Conversations ports.ConversationRepository
	Messages      ports.MessageRepository
	Exercises     ports.ExerciseRepository
	Tx            ports.TxManager
	Owner         func(t *testing.T) string
}

func newConversation(owner string, at time.Time) chat.Conversation {
	return chat.Conversation{ID: newID(), OwnerID: owner, Title: "Why is my loop slow?", CreatedAt: at, UpdatedAt: at}
}

func seedConversation(t *testing.T, s ChatStore, owner string, at time.Time) chat.Conversation {
	t.Helper()
	c := newConversation(owner, at)
	require.NoError(t, s.Conversations.Create(context.Background(), c))
	return c
}

func newMessage(conversationID string, role chat.Role, content string) chat.Message {
	return chat.Message{ID: newID(), ConversationID: conversationID, Role: role, Content: content,
		Status: chat.StatusComplete, CreatedAt: t0}
}

// appendMessages appends n messages, alternating user and assistant.
func appendMessages(t *testing.T, s ChatStore, conversationID string, n int) []chat.Message {
	t.Helper()
	out := make([]chat.Message, 0, n)
	for i := range n {
		role := chat.RoleUser
		if i%2 == 1 {
			role = chat.RoleAssistant
		}
		m, err := s.Messages.Append(context.Background(), newMessage(conversationID, role, fmt.Sprintf("turn %d", i+1)))
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

func assertSameConversation(t *testing.T, want, got chat.Conversation) {
	t.Helper()
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at %s != %s", want.CreatedAt, got.CreatedAt)
	assert.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "updated_at %s != %s", want.UpdatedAt, got.UpdatedAt)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	assert.Equal(t, time.UTC, got.UpdatedAt.Location())
	want.CreatedAt, got.CreatedAt, want.UpdatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, want, got)
}

func assertSameMessage(t *testing.T, want, got chat.Message) {
	t.Helper()
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at %s != %s", want.CreatedAt, got.CreatedAt)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	assert.Equal(t, want, got)
}

func conversationIDs(items []chat.Conversation) []string {
	out := make([]string, len(items))
	for i, c := range items {
		out[i] = c.ID
	}
	return out
}

func messageSeqs(items []chat.Message) []int {
	out := make([]int, len(items))
	for i, m := range items {
		out[i] = m.Seq
	}
	return out
}

func seqRange(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// Chat runs the conversation and message repository contract.
func Chat(t *testing.T, newStore func(t *testing.T) ChatStore) {
	ctx := context.Background()

	t.Run("create and get round trip; another owner's, unknown or malformed ids are not found", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		ex := newExercise(t, language.Python, "chat-round-trip", exercise.Easy, generatedBy(owner, t0))
		require.NoError(t, s.Exercises.Create(ctx, ex))

		// Stored to the microsecond, answered in UTC.
		at := t0.Add(789 * time.Nanosecond).In(time.FixedZone("X", 7200))
		c := chat.Conversation{ID: newID(), OwnerID: owner, Title: "Two sum: why O(n)?", ExerciseID: ex.ID(),
			CreatedAt: at, UpdatedAt: at.Add(time.Second)}
		require.NoError(t, s.Conversations.Create(ctx, c))
		got, err := s.Conversations.Get(ctx, owner, c.ID)
		require.NoError(t, err)
		want := c
		want.CreatedAt, want.UpdatedAt = t0, t0.Add(time.Second)
		assertSameConversation(t, want, got)
		assert.Empty(t, got.Summary)
		assert.Zero(t, got.SummarizedThrough)

		plain := seedConversation(t, s, owner, t0)
		got, err = s.Conversations.Get(ctx, owner, plain.ID)
		require.NoError(t, err)
		assert.Empty(t, got.ExerciseID)

		for _, tc := range []struct{ owner, id string }{
			{other, c.ID}, {owner, newID()}, {owner, "not-a-uuid"}, {"not-a-uuid", c.ID}, {"", c.ID}, {owner, ""},
		} {
			_, err := s.Conversations.Get(ctx, tc.owner, tc.id)
			assert.ErrorIs(t, err, domain.ErrNotFound, "get(%q, %q)", tc.owner, tc.id)
		}
	})

	t.Run("create refuses a taken id, a malformed id and unknown references", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		c := seedConversation(t, s, owner, t0)

		assert.ErrorIs(t, s.Conversations.Create(ctx, c), domain.ErrConflict)

		bad := newConversation(owner, t0)
		bad.ID = "not-a-uuid"
		var ve *domain.ValidationError
		assert.ErrorAs(t, s.Conversations.Create(ctx, bad), &ve)

		for _, mod := range []func(*chat.Conversation){
			func(c *chat.Conversation) { c.OwnerID = newID() },
			func(c *chat.Conversation) { c.OwnerID = "not-a-uuid" },
			func(c *chat.Conversation) { c.ExerciseID = newID() },
			func(c *chat.Conversation) { c.ExerciseID = "not-a-uuid" },
		} {
			c := newConversation(owner, t0)
			mod(&c)
			assert.ErrorIs(t, s.Conversations.Create(ctx, c), domain.ErrNotFound)
			_, err := s.Conversations.Get(ctx, owner, c.ID)
			assert.ErrorIs(t, err, domain.ErrNotFound, "nothing stored")
		}
	})

	t.Run("list orders by last activity; touch moves a conversation up", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		a := seedConversation(t, s, owner, t0)
		b := seedConversation(t, s, owner, t0.Add(time.Minute))
		c := seedConversation(t, s, owner, t0.Add(2*time.Minute))
		seedConversation(t, s, other, t0.Add(time.Hour))

		items, next, err := s.Conversations.List(ctx, owner, ports.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID, b.ID, a.ID}, conversationIDs(items))
		assert.Empty(t, next)

		touched := t0.Add(3 * time.Minute)
		require.NoError(t, s.Conversations.Touch(ctx, a.ID, touched))
		items, _, err = s.Conversations.List(ctx, owner, ports.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{a.ID, c.ID, b.ID}, conversationIDs(items))
		assert.True(t, touched.Equal(items[0].UpdatedAt))
		assert.True(t, t0.Equal(items[0].CreatedAt), "created_at unchanged")

		assert.ErrorIs(t, s.Conversations.Touch(ctx, newID(), touched), domain.ErrNotFound)
		assert.ErrorIs(t, s.Conversations.Touch(ctx, "not-a-uuid", touched), domain.ErrNotFound)

		for _, who := range []string{s.Owner(t), newID(), "not-a-uuid", ""} {
			items, next, err := s.Conversations.List(ctx, who, ports.Page{})
			require.NoError(t, err)
			assert.Empty(t, items)
			assert.Empty(t, next)
		}
	})

	t.Run("list pages through everything without gaps or duplicates", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		var all []chat.Conversation
		for i := range 25 {
			// Groups of three share a time: the id breaks the tie.
			all = append(all, seedConversation(t, s, owner, t0.Add(time.Duration(i/3)*time.Second)))
		}
		slices.SortFunc(all, func(a, b chat.Conversation) int {
			if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
				return c
			}
			return cmpStrings(b.ID, a.ID)
		})

		var got []string
		cursor, pages := "", 0
		for {
			items, next, err := s.Conversations.List(ctx, owner, ports.Page{Cursor: cursor, Limit: 7})
			require.NoError(t, err)
			require.LessOrEqual(t, len(items), 7)
			got = append(got, conversationIDs(items)...)
			pages++
			if next == "" {
				break
			}
			require.Less(t, pages, 10, "pagination does not end")
			cursor = next
		}
		assert.Equal(t, conversationIDs(all), got)
		assert.Equal(t, 4, pages)

		items, next, err := s.Conversations.List(ctx, owner, ports.Page{})
		require.NoError(t, err)
		assert.Len(t, items, 20, "default limit")
		assert.NotEmpty(t, next)
		items, _, err = s.Conversations.List(ctx, owner, ports.Page{Limit: 1000})
		require.NoError(t, err)
		assert.Len(t, items, 25)

		// An exact last page has no next.
		items, next, err = s.Conversations.List(ctx, owner, ports.Page{Limit: 25})
		require.NoError(t, err)
		assert.Len(t, items, 25)
		assert.Empty(t, next)
	})

	t.Run("a malformed cursor is a validation error on cursor", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		b64 := base64.RawURLEncoding.EncodeToString
		cursors := append(badCursors(), b64([]byte(`[1, "not-a-uuid"]`)), b64([]byte(`["1", "`+newID()+`"]`)),
			b64([]byte(`[1]`)))
		for _, cur := range cursors {
			_, _, err := s.Conversations.List(ctx, owner, ports.Page{Cursor: cur})
			assertBadCursor(t, err)
		}
	})

	t.Run("set summary round trip", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		c := seedConversation(t, s, owner, t0)
		at := t0.Add(time.Hour)
		require.NoError(t, s.Conversations.SetSummary(ctx, c.ID, "The learner asked about hash maps.", 6, at))
		got, err := s.Conversations.Get(ctx, owner, c.ID)
		require.NoError(t, err)
		want := c
		want.Summary, want.SummarizedThrough, want.UpdatedAt = "The learner asked about hash maps.", 6, at
		assertSameConversation(t, want, got)

		require.NoError(t, s.Conversations.SetSummary(ctx, c.ID, "Later.", 10, at.Add(time.Minute)))
		got, err = s.Conversations.Get(ctx, owner, c.ID)
		require.NoError(t, err)
		assert.Equal(t, "Later.", got.Summary)
		assert.Equal(t, 10, got.SummarizedThrough)

		assert.ErrorIs(t, s.Conversations.SetSummary(ctx, newID(), "x", 1, at), domain.ErrNotFound)
		assert.ErrorIs(t, s.Conversations.SetSummary(ctx, "not-a-uuid", "x", 1, at), domain.ErrNotFound)
		assert.Error(t, s.Conversations.SetSummary(ctx, c.ID, "x", -1, at), "summarized_through >= 0")
	})

	t.Run("append numbers a conversation's messages 1..n and stores every field", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		c := seedConversation(t, s, owner, t0)
		d := seedConversation(t, s, owner, t0)

		msgs := appendMessages(t, s, c.ID, 5)
		assert.Equal(t, seqRange(1, 5), messageSeqs(msgs))
		// Another conversation counts on its own.
		first := appendMessages(t, s, d.ID, 1)
		assert.Equal(t, 1, first[0].Seq)

		// Seq is the store's to give; every field round-trips.
		in := chat.Message{ID: newID(), ConversationID: c.ID, Seq: 99, Role: chat.RoleAssistant, Content: "Think about a map.",
			Status: chat.StatusComplete, Provider: "openai", Model: "gpt-test",
			Usage:   llm.Usage{PromptTokens: 120, CompletionTokens: 30, CachedTokens: 64},
			Latency: 1500*time.Millisecond + 700*time.Microsecond, FinishReason: "stop",
			CreatedAt: t0.Add(789 * time.Nanosecond).In(time.FixedZone("Y", -3600))}
		got, err := s.Messages.Append(ctx, in)
		require.NoError(t, err)
		want := in
		want.Seq, want.Latency, want.CreatedAt = 6, 1500*time.Millisecond, t0
		assertSameMessage(t, want, got)
		stored, err := s.Messages.Get(ctx, c.ID, in.ID)
		require.NoError(t, err)
		assertSameMessage(t, want, stored)

		_, err = s.Messages.Append(ctx, in)
		assert.ErrorIs(t, err, domain.ErrConflict, "id taken")
		var ve *domain.ValidationError
		bad := newMessage(c.ID, chat.RoleUser, "x")
		bad.ID = "not-a-uuid"
		_, err = s.Messages.Append(ctx, bad)
		assert.ErrorAs(t, err, &ve)
		bad = newMessage(c.ID, chat.Role("system"), "x")
		_, err = s.Messages.Append(ctx, bad)
		assert.Error(t, err, "role is user or assistant")
		bad = newMessage(c.ID, chat.RoleUser, "x")
		bad.Status = chat.Status("done")
		_, err = s.Messages.Append(ctx, bad)
		assert.Error(t, err, "status is one of the four")

		for _, tc := range []struct{ conv, id string }{{d.ID, in.ID}, {c.ID, newID()}, {"not-a-uuid", in.ID}, {c.ID, "x"}} {
			_, err := s.Messages.Get(ctx, tc.conv, tc.id)
			assert.ErrorIs(t, err, domain.ErrNotFound, "get(%q, %q)", tc.conv, tc.id)
		}
		all, err := s.Messages.Page(ctx, c.ID, 0, 100)
		require.NoError(t, err)
		assert.Equal(t, seqRange(1, 6), messageSeqs(all), "failed appends left nothing")
	})

	t.Run("concurrent appends to one conversation take distinct consecutive seqs", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		c := seedConversation(t, s, owner, t0)
		const n = 20
		var wg sync.WaitGroup
		seqs := make([]int, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, err := s.Messages.Append(ctx, newMessage(c.ID, chat.RoleUser, fmt.Sprintf("m%d", i)))
				seqs[i], errs[i] = m.Seq, err
			}()
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
		slices.Sort(seqs)
		assert.Equal(t, seqRange(1, n), seqs)
		all, err := s.Messages.Page(ctx, c.ID, 0, 100)
		require.NoError(t, err)
		assert.Equal(t, seqRange(1, n), messageSeqs(all))
	})

	t.Run("append to an unknown conversation is not found", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, conv := range []string{newID(), "not-a-uuid", ""} {
			_, err := s.Messages.Append(ctx, newMessage(conv, chat.RoleUser, "hello"))
			assert.ErrorIs(t, err, domain.ErrNotFound, "conversation %q", conv)
		}
	})

	t.Run("append joins the caller's transaction", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		c := seedConversation(t, s, owner, t0)
		boom := errors.New("boom")
		err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			for want := 1; want <= 2; want++ {
				m, err := s.Messages.Append(ctx, newMessage(c.ID, chat.RoleUser, "in tx"))
				require.NoError(t, err)
				assert.Equal(t, want, m.Seq)
			}
			require.NoError(t, s.Conversations.Touch(ctx, c.ID, t0.Add(time.Hour)))
			return boom
		})
		require.ErrorIs(t, err, boom)
		all, err := s.Messages.Page(ctx, c.ID, 0, 100)
		require.NoError(t, err)
		assert.Empty(t, all, "rolled back")
		got, err := s.Conversations.Get(ctx, owner, c.ID)
		require.NoError(t, err)
		assert.True(t, t0.Equal(got.UpdatedAt), "touch rolled back")
		m, err := s.Messages.Append(ctx, newMessage(c.ID, chat.RoleUser, "after"))
		require.NoError(t, err)
		assert.Equal(t, 1, m.Seq)
	})

	t.Run("finish stores the end of a generation", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		c := seedConversation(t, s, owner, t0)
		other := seedConversation(t, s, owner, t0)
		appendMessages(t, s, c.ID, 1)
		start := newMessage(c.ID, chat.RoleAssistant, "")
		start.Status = chat.StatusStreaming
		created, err := s.Messages.Append(ctx, start)
		require.NoError(t, err)

		done := created
		done.Content, done.Status, done.Provider, done.Model = "Partial answ", chat.StatusInterrupted, "anthropic", "claude-test"
		done.Usage = llm.Usage{PromptTokens: 900, CompletionTokens: 12, CachedTokens: 800}
		done.Latency, done.FinishReason = 2345*time.Millisecond+999*time.Microsecond, "client_gone"
		// What Finish does not store stays as it was.
		done.Seq, done.Role, done.CreatedAt = 42, chat.RoleUser, t0.Add(time.Hour)
		require.NoError(t, s.Messages.Finish(ctx, done))

		got, err := s.Messages.Get(ctx, c.ID, created.ID)
		require.NoError(t, err)
		want := done
		want.Seq, want.Role, want.CreatedAt, want.Latency = 2, chat.RoleAssistant, t0, 2345*time.Millisecond
		assertSameMessage(t, want, got)

		unknown := done
		unknown.ID = newID()
		assert.ErrorIs(t, s.Messages.Finish(ctx, unknown), domain.ErrNotFound)
		unknown.ID = "not-a-uuid"
		assert.ErrorIs(t, s.Messages.Finish(ctx, unknown), domain.ErrNotFound)
		elsewhere := done
		elsewhere.ConversationID = other.ID
		assert.ErrorIs(t, s.Messages.Finish(ctx, elsewhere), domain.ErrNotFound, "scoped to its conversation")
		bad := done
		bad.Status = chat.Status("done")
		assert.Error(t, s.Messages.Finish(ctx, bad))
		got, err = s.Messages.Get(ctx, c.ID, created.ID)
		require.NoError(t, err)
		assertSameMessage(t, want, got)
	})

	t.Run("page answers messages after a seq, oldest first, at most limit", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		c := seedConversation(t, s, owner, t0)
		msgs := appendMessages(t, s, c.ID, 7)
		for _, tc := range []struct {
			after, limit int
			want         []int
		}{
			{0, 3, []int{1, 2, 3}}, {3, 3, []int{4, 5, 6}}, {6, 3, []int{7}}, {7, 3, nil}, {100, 3, nil},
			{-5, 2, []int{1, 2}}, {0, 0, seqRange(1, 7)}, {2, 1000, seqRange(3, 7)},
		} {
			got, err := s.Messages.Page(ctx, c.ID, tc.after, tc.limit)
			require.NoError(t, err)
			assert.Equal(t, tc.want, nilIfEmpty(messageSeqs(got)), "page(%d, %d)", tc.after, tc.limit)
		}
		got, err := s.Messages.Page(ctx, c.ID, 0, 1)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assertSameMessage(t, msgs[0], got[0])

		for _, conv := range []string{newID(), "not-a-uuid"} {
			got, err := s.Messages.Page(ctx, conv, 0, 10)
			require.NoError(t, err)
			assert.Empty(t, got)
		}
	})

	t.Run("recent answers the last n messages, oldest first", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		c := seedConversation(t, s, owner, t0)
		msgs := appendMessages(t, s, c.ID, 7)
		for _, tc := range []struct {
			n    int
			want []int
		}{{3, []int{5, 6, 7}}, {1, []int{7}}, {7, seqRange(1, 7)}, {500, seqRange(1, 7)}, {0, nil}, {-1, nil}} {
			got, err := s.Messages.Recent(ctx, c.ID, tc.n)
			require.NoError(t, err)
			assert.Equal(t, tc.want, nilIfEmpty(messageSeqs(got)), "recent(%d)", tc.n)
		}
		got, err := s.Messages.Recent(ctx, c.ID, 1)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assertSameMessage(t, msgs[6], got[0])

		for _, conv := range []string{newID(), "not-a-uuid"} {
			got, err := s.Messages.Recent(ctx, conv, 10)
			require.NoError(t, err)
			assert.Empty(t, got)
		}
	})

	t.Run("delete is the owner's and removes the messages", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		c := seedConversation(t, s, owner, t0)
		keep := seedConversation(t, s, owner, t0)
		msgs := appendMessages(t, s, c.ID, 3)
		appendMessages(t, s, keep.ID, 2)

		for _, tc := range []struct{ owner, id string }{
			{other, c.ID}, {owner, newID()}, {owner, "not-a-uuid"}, {"not-a-uuid", c.ID},
		} {
			assert.ErrorIs(t, s.Conversations.Delete(ctx, tc.owner, tc.id), domain.ErrNotFound, "delete(%q, %q)", tc.owner, tc.id)
		}
		_, err := s.Conversations.Get(ctx, owner, c.ID)
		require.NoError(t, err, "another owner's delete removed nothing")
		all, err := s.Messages.Page(ctx, c.ID, 0, 100)
		require.NoError(t, err)
		assert.Len(t, all, 3)

		require.NoError(t, s.Conversations.Delete(ctx, owner, c.ID))
		_, err = s.Conversations.Get(ctx, owner, c.ID)
		assert.ErrorIs(t, err, domain.ErrNotFound)
		for _, m := range msgs {
			_, err := s.Messages.Get(ctx, c.ID, m.ID)
			assert.ErrorIs(t, err, domain.ErrNotFound)
		}
		all, err = s.Messages.Page(ctx, c.ID, 0, 100)
		require.NoError(t, err)
		assert.Empty(t, all)
		_, err = s.Messages.Append(ctx, newMessage(c.ID, chat.RoleUser, "late"))
		assert.ErrorIs(t, err, domain.ErrNotFound)
		assert.ErrorIs(t, s.Conversations.Delete(ctx, owner, c.ID), domain.ErrNotFound, "already gone")

		// The other conversation is untouched.
		all, err = s.Messages.Page(ctx, keep.ID, 0, 100)
		require.NoError(t, err)
		assert.Equal(t, []int{1, 2}, messageSeqs(all))
		items, _, err := s.Conversations.List(ctx, owner, ports.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{keep.ID}, conversationIDs(items))
	})
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
