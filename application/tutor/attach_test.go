package tutor_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/ports"
)

// recordingSink is a tutor.Sink that keeps what it is sent; it can be
// told to refuse (its client left) after some events.
type recordingSink struct {
	mu      sync.Mutex
	evs     []ports.StreamEvent
	ended   bool
	sends   int
	refuse  int // refuse from this Send on (0: never)
	refused chan struct{}
	done    chan struct{}
}

func newRecordingSink() *recordingSink {
	return &recordingSink{refused: make(chan struct{}), done: make(chan struct{})}
}

func (s *recordingSink) Send(evs []ports.StreamEvent, end bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sends++
	if s.refuse > 0 && s.sends >= s.refuse {
		if s.sends == s.refuse {
			close(s.refused)
		}
		return false
	}
	s.evs = append(s.evs, evs...)
	if end && !s.ended {
		s.ended = true
		close(s.done)
	}
	return true
}

func (s *recordingSink) events() []ports.StreamEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ports.StreamEvent(nil), s.evs...)
}

func TestAttachedSinkGetsEveryEventInOrder(t *testing.T) {
	t.Parallel()
	f, l, svc, log := withLLM(t)
	me := register(t, f)
	p := newPlan("A loop ", "repeats ", "a block ", "of code.")
	p.delay = 5 * time.Millisecond
	l.Plan(p)

	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "What is a loop?"})
	require.NoError(t, err)
	sink := newRecordingSink()
	detach, ok := svc.Attach(g.Stream, sink)
	require.True(t, ok)
	require.NotNil(t, detach)
	select {
	case <-sink.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the sink was not sent the end")
	}
	evs := sink.events()
	assert.Equal(t, []string{"meta", "delta", "delta", "delta", "delta", "usage", "done"}, types(evs),
		"the events before Attach (meta, the first delta), then each one, once")
	assert.Equal(t, p.text(), deltaText(t, evs))
	logged, err := log.Read(ctx, g.Stream, "", 0)
	require.NoError(t, err)
	assert.Equal(t, ids(logged), ids(evs), "the same events, with the same ids, as the shared log")
	m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
	assert.Equal(t, chat.StatusComplete, m.Status)

	// A second sink is refused (read with Subscribe), as is a stream that
	// is not generated here.
	_, ok = svc.Attach(g.Stream, newRecordingSink())
	assert.False(t, ok)
	_, ok = svc.Attach("no-such-stream", newRecordingSink())
	assert.False(t, ok)
}

func TestAttachedSinkThatLeavesCancelsTheGenerationAfterGrace(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	p := newPlan(repeat("word ", 200)...)
	p.delay = 20 * time.Millisecond // 4 s in all
	l.Plan(p)

	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "Tell me a long story."})
	require.NoError(t, err)
	sink := newRecordingSink()
	sink.refuse = 5 // the client is gone at the fifth send
	_, ok := svc.Attach(g.Stream, sink)
	require.True(t, ok)
	<-sink.refused
	leftAt := time.Now()
	select {
	case <-p.canceled:
	case <-time.After(2 * time.Second):
		t.Fatal("the generation was not cancelled after its only client left")
	}
	after := time.Unix(0, p.canceledAt.Load()).Sub(leftAt)
	assert.GreaterOrEqual(t, after, 250*time.Millisecond, "Grace is 300ms: room for a reconnect")
	m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
	assert.Equal(t, chat.StatusInterrupted, m.Status)
	assert.True(t, strings.HasPrefix(m.Content, deltaText(t, sink.events())), "what the client saw is kept")
	sink.mu.Lock()
	assert.Equal(t, 5, sink.sends, "nothing is sent after the refusal")
	sink.mu.Unlock()
}

func TestDetachedSinkCancelsTheGenerationAfterGrace(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	p := newPlan(repeat("word ", 200)...)
	p.delay = 20 * time.Millisecond
	l.Plan(p)
	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "Tell me a long story."})
	require.NoError(t, err)
	sink := newRecordingSink()
	detach, ok := svc.Attach(g.Stream, sink)
	require.True(t, ok)
	time.Sleep(100 * time.Millisecond)
	detach() // the client left, seen by a failed heartbeat
	detach() // twice is once
	select {
	case <-p.canceled:
	case <-time.After(2 * time.Second):
		t.Fatal("the generation was not cancelled after its client was detached")
	}
	m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
	assert.Equal(t, chat.StatusInterrupted, m.Status)
}

func TestAttachedSinkAndSubscriptionTogether(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	p := newPlan("one ", "two ", "three ", "four ", "five")
	p.delay = 20 * time.Millisecond
	l.Plan(p)
	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "Count"})
	require.NoError(t, err)
	sink := newRecordingSink()
	_, ok := svc.Attach(g.Stream, sink)
	require.True(t, ok)
	sub := svc.Subscribe(g.Stream, "")
	defer sub.Close()
	evs := drain(t, sub, 5*time.Second)
	<-sink.done
	assert.Equal(t, ids(evs), ids(sink.events()), "a second client on the same instance reads the same events")
}

func TestDrainWaitsThenInterruptsAndStores(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)

	// Nothing running: Drain returns at once.
	start := time.Now()
	svc.Drain(ctx)
	assert.Less(t, time.Since(start), 100*time.Millisecond)

	// A short answer finishes within the drain time.
	short := newPlan("a ", "b ", "c")
	short.delay = 20 * time.Millisecond
	l.Plan(short)
	g1, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "Short"})
	require.NoError(t, err)
	sink1 := newRecordingSink()
	_, ok := svc.Attach(g1.Stream, sink1)
	require.True(t, ok)
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	svc.Drain(dctx)
	cancel()
	assert.True(t, short.finished.Load())
	assert.Equal(t, chat.StatusComplete, finalMessage(t, svc, me, g1.ConversationID, g1.MessageID).Status)

	// A long one is interrupted at the deadline, stored, and its client told.
	long := newPlan(repeat("word ", 500)...)
	long.delay = 20 * time.Millisecond // 10 s
	l.Plan(long)
	g2, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, Message: "Long"})
	require.NoError(t, err)
	sink2 := newRecordingSink()
	_, ok = svc.Attach(g2.Stream, sink2)
	require.True(t, ok)
	dctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
	start = time.Now()
	svc.Drain(dctx)
	cancel()
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.False(t, long.finished.Load())
	m := finalMessage(t, svc, me, g2.ConversationID, g2.MessageID)
	assert.Equal(t, chat.StatusInterrupted, m.Status)
	assert.NotEmpty(t, m.Content)
	evs := sink2.events()
	require.NotEmpty(t, evs)
	last := evs[len(evs)-1]
	assert.Equal(t, "error", last.Type)
	assert.Equal(t, "interrupted", payload(t, last)["code"])
}
