package tutor_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/ports"
)

func TestListMostRecentActivityFirstWithPages(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me, other := register(t, f), register(t, f)

	var convs []string // oldest first
	for i := range 5 {
		l.Answer(fmt.Sprintf("answer %d", i))
		convs = append(convs, send(t, svc, me, "", fmt.Sprintf("topic %d", i)).ConversationID)
		f.Clock.Advance(time.Minute)
	}
	l.Answer("someone else")
	send(t, svc, other, "", "not mine")
	// Activity in the oldest one moves it first.
	l.Answer("back again")
	send(t, svc, me, convs[0], "back to topic 0")
	want := []string{convs[0], convs[4], convs[3], convs[2], convs[1]}

	var got []string
	var titles []string
	cursor := ""
	pages := 0
	for {
		items, next, err := svc.List(ctx, me, ports.Page{Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		require.LessOrEqual(t, len(items), 2)
		pages++
		for _, c := range items {
			got = append(got, c.ID)
			titles = append(titles, c.Title)
			assert.Equal(t, me, c.OwnerID)
		}
		if next == "" {
			break
		}
		require.Less(t, pages, 10, "pagination does not end")
		cursor = next
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 3, pages)
	assert.Equal(t, []string{"topic 0", "topic 4", "topic 3", "topic 2", "topic 1"}, titles)

	all, next, err := svc.List(ctx, me, ports.Page{Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, next)
	assert.Len(t, all, 5)

	none, _, err := svc.List(ctx, register(t, f), ports.Page{Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestGetPagesMessagesWithACursor(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	conv := ""
	for i := range 4 {
		l.Answer(fmt.Sprintf("answer %d", i))
		conv = send(t, svc, me, conv, fmt.Sprintf("question %d", i)).ConversationID
	}

	var got []chat.Message
	cursor := ""
	pages := 0
	for {
		th, err := svc.Get(ctx, me, conv, ports.Page{Limit: 3, Cursor: cursor})
		require.NoError(t, err)
		pages++
		assert.Equal(t, conv, th.Conversation.ID)
		assert.Equal(t, "question 0", th.Conversation.Title)
		require.LessOrEqual(t, len(th.Messages), 3)
		got = append(got, th.Messages...)
		if th.Next == "" {
			break
		}
		require.Less(t, pages, 10)
		cursor = th.Next
	}
	assert.Equal(t, 3, pages)
	require.Len(t, got, 8)
	for i, m := range got {
		assert.Equal(t, i+1, m.Seq, "oldest first, no gap or repeat")
		if i%2 == 0 {
			assert.Equal(t, chat.RoleUser, m.Role)
			assert.Equal(t, fmt.Sprintf("question %d", i/2), m.Content)
		} else {
			assert.Equal(t, chat.RoleAssistant, m.Role)
			assert.Equal(t, fmt.Sprintf("answer %d", i/2), m.Content)
		}
	}

	// An exact multiple of the limit: no empty last page.
	th, err := svc.Get(ctx, me, conv, ports.Page{Limit: 4})
	require.NoError(t, err)
	require.NotEmpty(t, th.Next)
	th, err = svc.Get(ctx, me, conv, ports.Page{Limit: 4, Cursor: th.Next})
	require.NoError(t, err)
	assert.Len(t, th.Messages, 4)
	assert.Empty(t, th.Next)

	// The default page holds them all.
	th, err = svc.Get(ctx, me, conv, ports.Page{})
	require.NoError(t, err)
	assert.Len(t, th.Messages, 8)
	assert.Empty(t, th.Next)

	for _, bad := range []string{"x", "-1", "1.5"} {
		_, err = svc.Get(ctx, me, conv, ports.Page{Limit: 3, Cursor: bad})
		var verr *domain.ValidationError
		assert.ErrorAs(t, err, &verr, "cursor %q", bad)
	}
	_, err = svc.Get(ctx, me, "0190a0b0-0000-7000-8000-000000000000", ports.Page{})
	assert.ErrorIs(t, err, domain.ErrNotFound)
}

func TestDeleteConversation(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	l.Answer("one", "two")
	keep := send(t, svc, me, "", "keep me").ConversationID
	gone := send(t, svc, me, "", "delete me").ConversationID

	require.NoError(t, svc.Delete(ctx, me, gone))
	_, err := svc.Get(ctx, me, gone, ports.Page{})
	assert.ErrorIs(t, err, domain.ErrNotFound)
	assert.ErrorIs(t, svc.Delete(ctx, me, gone), domain.ErrNotFound, "deleting twice")
	_, err = svc.Send(ctx, tutorInput(me, gone, "still there?"))
	assert.ErrorIs(t, err, domain.ErrNotFound)

	list, _, err := svc.List(ctx, me, ports.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, keep, list[0].ID)
	assert.Len(t, thread(t, svc, me, keep), 2)
}
