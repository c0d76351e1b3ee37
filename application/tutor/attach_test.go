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

// startAttached starts a stream of the learner's message and attaches sink.
func startAttached(t *testing.T, svc *tutor.Service, learnerID, msg string, sink *recordingSink) (tutor.Generation, func()) {
	t.Helper()
	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: learnerID, Message: msg})
	require.NoError(t, err)
	detach, ok := svc.Attach(g.Stream, sink)
	require.True(t, ok)
	require.NotNil(t, detach)
	return g, detach
}

func TestAttachedSinkGetsEveryEventInOrder(t *testing.T) {
	t.Parallel()
	f, l, svc, log := withLLM(t)
	me := register(t, f)
	p := newPlan("A loop ", "repeats ", "a block ", "of code.")
	p.delay = 5 * time.Millisecond
	l.Plan(p)

	sink := newRecordingSink()
	g, _ := startAttached(t, svc, me, "What is a loop?", sink)
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
	_, ok := svc.Attach(g.Stream, newRecordingSink())
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

	sink := newRecordingSink()
	sink.refuse = 5 // the client is gone at the fifth send
	g, _ := startAttached(t, svc, me, "Tell me a long story.", sink)
	<-sink.refused
	leftAt := time.Now()
	waitCanceled(t, p, 2*time.Second, "the generation was not cancelled after its only client left")
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
	sink := newRecordingSink()
	g, detach := startAttached(t, svc, me, "Tell me a long story.", sink)
	time.Sleep(100 * time.Millisecond)
	detach() // the client left, seen by a failed heartbeat
	detach() // twice is once
	waitCanceled(t, p, 2*time.Second, "the generation was not cancelled after its client was detached")
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
	sink := newRecordingSink()
	g, _ := startAttached(t, svc, me, "Count", sink)
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
	sink1 := newRecordingSink()
	g1, _ := startAttached(t, svc, me, "Short", sink1)
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	svc.Drain(dctx)
	cancel()
	assert.True(t, short.finished.Load())
	assert.Equal(t, chat.StatusComplete, finalMessage(t, svc, me, g1.ConversationID, g1.MessageID).Status)

	// A long one is interrupted at the deadline, stored, and its client told.
	long := newPlan(repeat("word ", 500)...)
	long.delay = 20 * time.Millisecond // 10 s
	l.Plan(long)
	sink2 := newRecordingSink()
	g2, _ := startAttached(t, svc, me, "Long", sink2)
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
