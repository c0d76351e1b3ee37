package tutor_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

func TestSendStartsAConversationAndStoresBothTurns(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	l.Answer("What do you think a for loop repeats?")

	first := "How do I write a for loop in Python?\nI keep getting errors."
	r := send(t, svc, me, "", first)

	require.NotEmpty(t, r.ConversationID)
	m := r.Message
	assert.Equal(t, chat.RoleAssistant, m.Role)
	assert.Equal(t, chat.StatusComplete, m.Status)
	assert.Equal(t, "What do you think a for loop repeats?", m.Content)
	assert.Equal(t, "scripted", m.Provider)
	assert.Equal(t, "scripted-1", m.Model)
	assert.Equal(t, llm.Usage{PromptTokens: 10, CompletionTokens: 8}, m.Usage)
	assert.Equal(t, string(llm.FinishStop), m.FinishReason)
	assert.Equal(t, 2, m.Seq)

	c := conversation(t, svc, me, r.ConversationID)
	assert.Equal(t, chat.TitleFrom(first), c.Title)
	assert.Equal(t, "How do I write a for loop in Python?", c.Title)
	assert.Equal(t, me, c.OwnerID)
	assert.Empty(t, c.ExerciseID)

	msgs := thread(t, svc, me, r.ConversationID)
	require.Len(t, msgs, 2)
	assert.Equal(t, chat.RoleUser, msgs[0].Role)
	assert.Equal(t, first, msgs[0].Content)
	assert.Equal(t, chat.StatusComplete, msgs[0].Status)
	assert.Equal(t, 1, msgs[0].Seq)
	assert.Equal(t, m.ID, msgs[1].ID)
	assert.Equal(t, m.Content, msgs[1].Content)
	assert.Equal(t, "scripted", msgs[1].Provider)
	assert.Equal(t, "scripted-1", msgs[1].Model)
	assert.Equal(t, m.Usage, msgs[1].Usage)

	reqs := l.RequestsFor(llm.PurposeChat)
	require.Len(t, reqs, 1)
	assert.Equal(t, me, reqs[0].LearnerID)
	assert.NotEmpty(t, reqs[0].System)
	assert.Equal(t, []llm.Message{{Role: llm.RoleUser, Content: first}}, reqs[0].Messages)
	assert.Equal(t, tutor.DefaultConfig().MaxAnswerTokens, reqs[0].MaxTokens)
}

func TestSendContinuesAConversation(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	l.Answer("First answer.", "Second answer.")

	r1 := send(t, svc, me, "", "first question")
	f.Clock.Advance(5 * time.Minute)
	r2 := send(t, svc, me, r1.ConversationID, "second question")
	assert.Equal(t, r1.ConversationID, r2.ConversationID)
	assert.Equal(t, 4, r2.Message.Seq)
	assert.Equal(t, "Second answer.", r2.Message.Content)

	c := conversation(t, svc, me, r1.ConversationID)
	assert.Equal(t, "first question", c.Title, "the title stays the first message's")
	assert.True(t, c.UpdatedAt.Equal(f.Clock.Now()), "activity is recorded: %s", c.UpdatedAt)

	msgs := thread(t, svc, me, r1.ConversationID)
	require.Len(t, msgs, 4)
	var got []string
	for _, m := range msgs {
		got = append(got, string(m.Role)+":"+m.Content)
	}
	assert.Equal(t, []string{"user:first question", "assistant:First answer.", "user:second question", "assistant:Second answer."}, got)

	reqs := l.RequestsFor(llm.PurposeChat)
	require.Len(t, reqs, 2)
	assert.Equal(t, []llm.Message{{Role: llm.RoleUser, Content: "first question"}, {Role: llm.RoleAssistant, Content: "First answer."},
		{Role: llm.RoleUser, Content: "second question"}}, reqs[1].Messages)

	list, _, err := svc.List(ctx, me, ports.Page{Limit: 10})
	require.NoError(t, err)
	assert.Len(t, list, 1, "continuing does not start a new conversation")
}

func TestSendToAnotherLearnersConversationIsNotFound(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	alice, bob := register(t, f), register(t, f)
	l.Answer("Hi Alice.")
	r := send(t, svc, alice, "", "hello")

	_, err := svc.Send(ctx, tutor.SendInput{LearnerID: bob, ConversationID: r.ConversationID, Message: "let me in"})
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = svc.Send(ctx, tutor.SendInput{LearnerID: bob, ConversationID: "not-a-uuid", Message: "hi"})
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = svc.Get(ctx, bob, r.ConversationID, ports.Page{})
	require.ErrorIs(t, err, domain.ErrNotFound)
	require.ErrorIs(t, svc.Delete(ctx, bob, r.ConversationID), domain.ErrNotFound)
	_, err = svc.Resume(ctx, bob, r.ConversationID, "")
	require.ErrorIs(t, err, domain.ErrNotFound)

	assert.Len(t, thread(t, svc, alice, r.ConversationID), 2, "nothing was added to Alice's conversation")
	assert.Len(t, l.RequestsFor(llm.PurposeChat), 1, "the model was not called for Bob")
}

func TestSendRejectsInvalidMessages(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)

	_, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, Message: strings.Repeat("a", chat.MaxMessageRunes+1)})
	require.Error(t, err)
	assert.True(t, errors.Is(err, domain.ErrTooLarge), "%v", err)

	for _, blank := range []string{"", "   ", "\n\t "} {
		_, err = svc.Send(ctx, tutor.SendInput{LearnerID: me, Message: blank})
		var verr *domain.ValidationError
		require.ErrorAs(t, err, &verr, "%q", blank)
	}

	// Exactly the limit is fine.
	l.Answer("ok")
	_, err = svc.Send(ctx, tutor.SendInput{LearnerID: me, Message: strings.Repeat("é", chat.MaxMessageRunes)})
	require.NoError(t, err)

	list, _, err := svc.List(ctx, me, ports.Page{Limit: 10})
	require.NoError(t, err)
	assert.Len(t, list, 1, "refused messages start no conversation")
}

func TestSendForAnUnknownExerciseIsNotFound(t *testing.T) {
	t.Parallel()
	f, _, svc, _ := withLLM(t)
	me := register(t, f)
	_, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, ExerciseID: "0190a0b0-0000-7000-8000-000000000000", Message: "help"})
	require.ErrorIs(t, err, domain.ErrNotFound)
}

func TestSendOffline(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	svc, _ := f.NewTutor(t)
	me := register(t, f)

	_, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, Message: "hello?"})
	require.Error(t, err)
	assert.Equal(t, llm.ErrNotConfigured, llm.KindOf(err))

	_, err = svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "hello?"})
	require.Error(t, err)
	assert.Equal(t, llm.ErrNotConfigured, llm.KindOf(err))

	list, _, err := svc.List(ctx, me, ports.Page{Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestSendProviderFailureKeepsTheMessageAndRecordsAFailedTurn(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	l.Answer("First answer.")
	r := send(t, svc, me, "", "first question")

	l.Fail(&llm.Error{Kind: llm.ErrUnavailable, Provider: "scripted", Status: 503, Msg: "overloaded"})
	_, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, ConversationID: r.ConversationID, Message: "second question"})
	require.Error(t, err)
	assert.Equal(t, llm.ErrUnavailable, llm.KindOf(err))

	msgs := thread(t, svc, me, r.ConversationID)
	require.Len(t, msgs, 4)
	assert.Equal(t, chat.RoleUser, msgs[2].Role)
	assert.Equal(t, "second question", msgs[2].Content)
	assert.Equal(t, chat.StatusComplete, msgs[2].Status)
	assert.Equal(t, chat.RoleAssistant, msgs[3].Role)
	assert.Equal(t, chat.StatusFailed, msgs[3].Status)
	assert.Equal(t, "error", msgs[3].FinishReason)
	assert.Empty(t, msgs[3].Content)

	// A retry goes on: the failed (empty) turn is not sent to the model.
	l.Answer("Third answer.")
	send(t, svc, me, r.ConversationID, "third question")
	reqs := l.RequestsFor(llm.PurposeChat)
	require.Len(t, reqs, 3)
	for _, m := range reqs[2].Messages {
		assert.NotEmpty(t, strings.TrimSpace(m.Content))
	}
	assert.Equal(t, []llm.Message{{Role: llm.RoleUser, Content: "first question"}, {Role: llm.RoleAssistant, Content: "First answer."},
		{Role: llm.RoleUser, Content: "second question"}, {Role: llm.RoleUser, Content: "third question"}}, reqs[2].Messages)
}

func TestSendRateLimit(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t, func(c *tutor.Config) { c.MessagesPerMinute = 2 })
	me, other := register(t, f), register(t, f)
	l.Answer("one", "two", "other")

	r := send(t, svc, me, "", "first")
	send(t, svc, me, r.ConversationID, "second")
	_, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, ConversationID: r.ConversationID, Message: "third"})
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.Positive(t, rl.RetryAfter)
	assert.Len(t, thread(t, svc, me, r.ConversationID), 4, "a refused message is not stored")

	_, err = svc.StartStream(ctx, tutor.SendInput{LearnerID: me, ConversationID: r.ConversationID, Message: "third"})
	require.ErrorAs(t, err, &rl, "streams share the limit")

	send(t, svc, other, "", "the limit is per learner")

	f.Clock.Advance(61 * time.Second)
	l.Answer("three")
	send(t, svc, me, r.ConversationID, "third")
}
