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
)

func TestStreamEventOrderAndStoredMessage(t *testing.T) {
	t.Parallel()
	f, l, svc, log := withLLM(t)
	me := register(t, f)
	p := l.Plan(newPlan("A loop ", "repeats ", "a block ", "of code."))

	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "What is a loop?"})
	require.NoError(t, err)
	require.NotEmpty(t, g.ConversationID)
	require.NotEmpty(t, g.MessageID)
	require.NotEmpty(t, g.Stream)

	sub := svc.Subscribe(g.Stream, "")
	defer sub.Close()
	evs := drain(t, sub, 5*time.Second)

	assert.Equal(t, []string{"meta", "delta", "delta", "delta", "delta", "usage", "done"}, types(evs))
	assert.Equal(t, map[string]any{"conversation_id": g.ConversationID, "message_id": g.MessageID}, payload(t, evs[0]))
	assert.Equal(t, p.text(), deltaText(t, evs))
	assert.Equal(t, map[string]any{"prompt_tokens": 12.0, "completion_tokens": 4.0}, payload(t, evs[5]))
	assert.Equal(t, map[string]any{"message_id": g.MessageID, "finish_reason": "stop"}, payload(t, evs[6]))
	assert.True(t, p.finished.Load())

	// After the end, Next keeps saying so.
	more, ended, err := sub.Next(ctx, 10*time.Millisecond)
	require.NoError(t, err)
	assert.True(t, ended)
	assert.Empty(t, more)

	// The events went to the shared log too, with the same ids.
	logged, err := log.Read(ctx, g.Stream, "", 0)
	require.NoError(t, err)
	assert.Equal(t, ids(evs), ids(logged))

	// Stored before done was sent.
	msgs := thread(t, svc, me, g.ConversationID)
	require.Len(t, msgs, 2)
	assert.Equal(t, "What is a loop?", msgs[0].Content)
	assert.Equal(t, chat.RoleUser, msgs[0].Role)
	m := msgs[1]
	assert.Equal(t, g.MessageID, m.ID)
	assert.Equal(t, chat.RoleAssistant, m.Role)
	assert.Equal(t, chat.StatusComplete, m.Status)
	assert.Equal(t, p.text(), m.Content)
	assert.Equal(t, "scripted", m.Provider)
	assert.Equal(t, "scripted-stream", m.Model)
	assert.Equal(t, llm.Usage{PromptTokens: 12, CompletionTokens: 4}, m.Usage)
	assert.Equal(t, "stop", m.FinishReason)

	c := conversation(t, svc, me, g.ConversationID)
	assert.Equal(t, "What is a loop?", c.Title)

	reqs := l.RequestsFor(llm.PurposeChat)
	require.Len(t, reqs, 1)
	assert.Equal(t, []llm.Message{{Role: llm.RoleUser, Content: "What is a loop?"}}, reqs[0].Messages)

	// The next turn sees the streamed answer in its history.
	l.Answer("Yes.")
	send(t, svc, me, g.ConversationID, "So a loop repeats?")
	reqs = l.RequestsFor(llm.PurposeChat)
	require.Len(t, reqs, 2)
	assert.Equal(t, llm.Message{Role: llm.RoleAssistant, Content: p.text()}, reqs[1].Messages[1])
}

func TestStreamFailureBeforeTheFirstToken(t *testing.T) {
	t.Parallel()
	unavailable := &llm.Error{Kind: llm.ErrUnavailable, Provider: "scripted", Status: 502, Msg: "bad gateway"}
	cases := map[string]*streamPlan{
		"the call fails":       {openErr: unavailable},
		"the first Recv fails": {chunks: []string{"never"}, failAt: 0, failErr: unavailable, canceled: make(chan struct{})},
	}
	for name, plan := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, l, svc, _ := withLLM(t)
			me := register(t, f)
			l.Answer("First answer.")
			r := send(t, svc, me, "", "first")
			l.Plan(plan)

			_, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, ConversationID: r.ConversationID, Message: "second"})
			require.Error(t, err)
			assert.Equal(t, llm.ErrUnavailable, llm.KindOf(err))

			msgs := thread(t, svc, me, r.ConversationID)
			require.Len(t, msgs, 4)
			assert.Equal(t, "second", msgs[2].Content)
			assert.Equal(t, chat.RoleUser, msgs[2].Role)
			assert.Equal(t, chat.StatusComplete, msgs[2].Status)
			assert.Equal(t, chat.RoleAssistant, msgs[3].Role)
			assert.Equal(t, chat.StatusFailed, msgs[3].Status)
			assert.Equal(t, "error", msgs[3].FinishReason)
			assert.Empty(t, msgs[3].Content)

			_, err = svc.Resume(ctx, me, r.ConversationID, "")
			assert.ErrorIs(t, err, domain.ErrNotFound, "nothing to resume")

			// The slot was given back: the next stream works.
			l.Plan(newPlan("ok"))
			g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, ConversationID: r.ConversationID, Message: "third"})
			require.NoError(t, err)
			sub := svc.Subscribe(g.Stream, "")
			defer sub.Close()
			evs := drain(t, sub, 5*time.Second)
			assert.Equal(t, "done", evs[len(evs)-1].Type)
		})
	}
}

func TestStreamFailureAfterSomeDeltas(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind llm.ErrorKind
		code string
	}{
		{llm.ErrUnavailable, "upstream_unavailable"},
		{llm.ErrContentFiltered, "content_filtered"},
		{llm.ErrContextTooLong, "context_too_long"},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			t.Parallel()
			f, l, svc, _ := withLLM(t)
			me := register(t, f)
			p := newPlan("Start ", "with ", "a ", "plan.")
			p.failAt, p.failErr = 2, &llm.Error{Kind: tc.kind, Provider: "scripted", Msg: "boom"}
			l.Plan(p)

			g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "How do I start?"})
			require.NoError(t, err)
			sub := svc.Subscribe(g.Stream, "")
			defer sub.Close()
			evs := drain(t, sub, 5*time.Second)

			assert.Equal(t, []string{"meta", "delta", "delta", "error"}, types(evs))
			last := payload(t, evs[len(evs)-1])
			assert.Equal(t, tc.code, last["code"])
			assert.NotEmpty(t, last["message"])
			assert.NotContains(t, last["message"], "boom", "provider details stay inside")

			m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
			assert.Equal(t, chat.StatusFailed, m.Status)
			assert.Equal(t, "error", m.FinishReason)
			assert.Equal(t, "Start with ", m.Content)
			msgs := thread(t, svc, me, g.ConversationID)
			require.Len(t, msgs, 2)
			assert.Equal(t, "How do I start?", msgs[0].Content)
		})
	}
}

func TestStreamClosedSubscriptionCancelsTheGeneration(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	chunks := make([]string, 200)
	for i := range chunks {
		chunks[i] = "word "
	}
	p := newPlan(chunks...)
	p.delay = 20 * time.Millisecond // 4s in all
	l.Plan(p)

	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "Tell me a long story."})
	require.NoError(t, err)
	sub := svc.Subscribe(g.Stream, "")
	seen := readAtLeast(t, sub, 4, 3*time.Second) // meta and some deltas
	sub.Close()
	closedAt := time.Now()

	select {
	case <-p.canceled:
	case <-time.After(1500 * time.Millisecond):
		t.Fatal("the generation was not cancelled within 1.5s of the last client leaving")
	}
	canceledAfter := time.Unix(0, p.canceledAt.Load()).Sub(closedAt)
	assert.GreaterOrEqual(t, canceledAfter, 250*time.Millisecond, "Grace is 300ms: room for a reconnect")
	assert.Less(t, canceledAfter, time.Second)
	assert.False(t, p.finished.Load())

	m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
	assert.Equal(t, chat.StatusInterrupted, m.Status)
	assert.Equal(t, "interrupted", m.FinishReason)
	sent := int(p.sent.Load())
	assert.Less(t, sent, len(chunks))
	assert.Equal(t, strings.Repeat("word ", sent), m.Content, "the partial text is kept")
	assert.True(t, strings.HasPrefix(m.Content, deltaText(t, seen)))
	assert.True(t, p.closed.Load(), "the provider's stream was closed")

	// A late reader sees the end: an interrupted error event.
	late := svc.Subscribe(g.Stream, "")
	defer late.Close()
	evs := drain(t, late, 3*time.Second)
	last := evs[len(evs)-1]
	assert.Equal(t, "error", last.Type)
	assert.Equal(t, "interrupted", payload(t, last)["code"])
	assert.Equal(t, m.Content, deltaText(t, evs))
}

func TestStreamWithoutAnySubscriberIsCancelledAfterGrace(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	p := newPlan("a ", "b ", "c ", "d ", "e ", "f ", "g ", "h ", "i ", "j ")
	p.delay = 200 * time.Millisecond
	l.Plan(p)
	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "hello"})
	require.NoError(t, err)
	waitCanceled(t, p, 2*time.Second, "an unwatched generation goes on")
	m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
	assert.Equal(t, chat.StatusInterrupted, m.Status)
}

func TestStreamReconnectWithLastEventIDGetsTheRestOnce(t *testing.T) {
	t.Parallel()
	f, l, svc, log := withLLM(t)
	me := register(t, f)
	chunks := []string{"one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ", "nine ", "ten"}
	p := newPlan(chunks...)
	p.delay = 25 * time.Millisecond
	l.Plan(p)

	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "count to ten"})
	require.NoError(t, err)
	sub := svc.Subscribe(g.Stream, "")
	first := readAtLeast(t, sub, 3, 3*time.Second)
	sub.Close()
	lastID := first[len(first)-1].ID

	r, err := svc.Resume(ctx, me, g.ConversationID, lastID)
	require.NoError(t, err)
	assert.Equal(t, g, r)
	sub2 := svc.Subscribe(r.Stream, lastID)
	defer sub2.Close()
	rest := drain(t, sub2, 5*time.Second)

	all := append(append([]ports.StreamEvent(nil), first...), rest...)
	assert.Equal(t, append(append([]string{"meta"}, repeat("delta", len(chunks))...), "usage", "done"), types(all))
	seen := map[string]bool{}
	for _, e := range all {
		assert.False(t, seen[e.ID], "duplicate event %s", e.ID)
		seen[e.ID] = true
	}
	assert.Equal(t, p.text(), deltaText(t, all))
	logged, err := log.Read(ctx, g.Stream, "", 0)
	require.NoError(t, err)
	assert.Equal(t, ids(logged), ids(all))
	assert.True(t, p.finished.Load(), "a quick reconnect does not cancel the generation")

	m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
	assert.Equal(t, chat.StatusComplete, m.Status)
	assert.Equal(t, p.text(), m.Content)
}

func TestStreamResumedAfterItsLastEventIsOver(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	l.Plan(newPlan("short ", "answer"))
	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "hi"})
	require.NoError(t, err)
	sub := svc.Subscribe(g.Stream, "")
	all := drain(t, sub, 5*time.Second)
	sub.Close()
	require.Equal(t, "done", all[len(all)-1].Type)

	// The client lost the connection right after done and reconnects with
	// its id: nothing more comes, and the stream is over.
	r, err := svc.Resume(ctx, me, g.ConversationID, all[len(all)-1].ID)
	require.NoError(t, err)
	again := svc.Subscribe(r.Stream, all[len(all)-1].ID)
	defer again.Close()
	start := time.Now()
	evs, ended, err := again.Next(ctx, 200*time.Millisecond)
	require.NoError(t, err)
	assert.Empty(t, evs)
	if !ended {
		t.Fatalf("Subscription.Next after the last (done) event answers ended=false without waiting (%s): "+
			"the SSE writer loops writing pings in a hot loop until the client leaves (and, once the hub dropped the "+
			"generation, pings forever): Next should report the end when the generation already ended", time.Since(start))
	}
}

func TestStreamFollowedFromAnotherInstance(t *testing.T) {
	t.Parallel()
	f, l, svc, log := withLLM(t)
	other := otherInstance(t, f, log)
	me := register(t, f)
	chunks := make([]string, 30)
	for i := range chunks {
		chunks[i] = "tick "
	}
	p := newPlan(chunks...)
	p.delay = 25 * time.Millisecond // 750ms in all: longer than Grace
	l.Plan(p)

	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "tick please"})
	require.NoError(t, err)
	local := svc.Subscribe(g.Stream, "")
	first := readAtLeast(t, local, 2, 3*time.Second)
	local.Close()

	r, err := other.Resume(ctx, me, g.ConversationID, first[len(first)-1].ID)
	require.NoError(t, err)
	remote := other.Subscribe(r.Stream, first[len(first)-1].ID)
	defer remote.Close()
	rest := drain(t, remote, 5*time.Second)

	all := append(first, rest...)
	assert.Equal(t, "done", all[len(all)-1].Type, "watched from another instance, the generation goes on: %v", types(all))
	assert.Equal(t, p.text(), deltaText(t, all))
	seen := map[string]bool{}
	for _, e := range all {
		assert.False(t, seen[e.ID], "duplicate event %s", e.ID)
		seen[e.ID] = true
	}
	m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
	assert.Equal(t, chat.StatusComplete, m.Status)
}

func TestResumeErrors(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	l.Answer("whole answer")
	r := send(t, svc, me, "", "no stream here")

	_, err := svc.Resume(ctx, me, r.ConversationID, "")
	assert.ErrorIs(t, err, domain.ErrNotFound, "no generation in the conversation")
	_, err = svc.Resume(ctx, me, "0190a0b0-0000-7000-8000-000000000000", "")
	assert.ErrorIs(t, err, domain.ErrNotFound, "unknown conversation")

	for _, bad := range []string{"abc", "12", "12-", "-3", "1-x", "1-2-3"} {
		_, err = svc.Resume(ctx, me, r.ConversationID, bad)
		var verr *domain.ValidationError
		assert.True(t, errors.As(err, &verr), "Last-Event-ID %q: %v", bad, err)
	}
}

func TestStreamConcurrencyLimit(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t, func(c *tutor.Config) { c.MaxConcurrent = 2 })
	me, other := register(t, f), register(t, f)
	hold := make(chan struct{})
	var subs []*tutor.Subscription
	var gens []tutor.Generation
	for range 2 {
		p := newPlan("held ", "open")
		p.hold = hold
		l.Plan(p)
		g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "slow one"})
		require.NoError(t, err)
		gens = append(gens, g)
		sub := svc.Subscribe(g.Stream, "")
		defer sub.Close()
		subs = append(subs, sub)
	}

	var rl *domain.RateLimitedError
	_, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, ConversationID: gens[0].ConversationID, Message: "third"})
	require.ErrorAs(t, err, &rl)
	assert.Positive(t, rl.RetryAfter)
	_, err = svc.Send(ctx, tutor.SendInput{LearnerID: me, ConversationID: gens[0].ConversationID, Message: "third"})
	require.ErrorAs(t, err, &rl)
	assert.Len(t, thread(t, svc, me, gens[0].ConversationID), 2, "a refused message is not stored")

	// Another learner is not limited by me.
	l.Answer("yes")
	send(t, svc, other, "", "my own slot")

	close(hold)
	for i, sub := range subs {
		evs := drain(t, sub, 5*time.Second)
		require.Equal(t, "done", evs[len(evs)-1].Type)
		assert.Equal(t, "held open", finalMessage(t, svc, me, gens[i].ConversationID, gens[i].MessageID).Content)
	}

	// Once they ended, a new one works. (Right after done the slot may not
	// be free yet for a moment: see TestStreamSlotIsFreeWhenDoneIsSent.)
	l.Answer("free again")
	var r tutor.Reply
	deadline := time.Now().Add(2 * time.Second)
	for {
		r, err = svc.Send(ctx, tutor.SendInput{LearnerID: me, ConversationID: gens[0].ConversationID, Message: "again"})
		if err == nil || !errors.As(err, &rl) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, err)
	assert.Equal(t, "free again", r.Message.Content)
	l.Plan(newPlan("streamed again"))
	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, ConversationID: gens[1].ConversationID, Message: "again"})
	require.NoError(t, err)
	sub := svc.Subscribe(g.Stream, "")
	defer sub.Close()
	evs := drain(t, sub, 5*time.Second)
	assert.Equal(t, "done", evs[len(evs)-1].Type)
}

func TestStreamSlotIsFreeWhenDoneIsSent(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t, func(c *tutor.Config) { c.MaxConcurrent = 1; c.MessagesPerMinute = 1000 })
	me := register(t, f)
	const rounds = 100
	refused := 0
	for range rounds {
		l.Plan(newPlan("quick"))
		g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "again"})
		var rl *domain.RateLimitedError
		if errors.As(err, &rl) {
			refused++
			time.Sleep(10 * time.Millisecond) // let the previous generation let go
			continue
		}
		require.NoError(t, err)
		sub := svc.Subscribe(g.Stream, "")
		evs := drain(t, sub, 5*time.Second)
		sub.Close()
		require.Equal(t, "done", evs[len(evs)-1].Type)
	}
	if refused > 0 {
		t.Fatalf("%d of %d streams started right after the previous one's done event were refused with "+
			"RateLimitedError (MaxConcurrent=1): generation.loop publishes done before its deferred t.release() gives "+
			"the slot back, so a client that sends its next message as soon as it sees done may get a 429", refused, rounds)
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
