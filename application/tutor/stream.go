package tutor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// Generation is a streamed answer in progress: its events are read with
// Subscribe, from this or any other instance.
type Generation struct {
	ConversationID string
	MessageID      string
	Stream         string
}

// StartStream answers a message as a stream. The learner's message (and
// the assistant's turn in progress) are written while the model's first
// token is on its way, and no answer is shown before they are stored; it
// waits for the first event, so a provider that fails before the first
// token is a plain error (the learner's message kept, the failed turn
// recorded). The generation then goes on in the background, decoupled from
// the connection: every event goes to this instance's hub at once and, in
// order, to the shared StreamLog; nobody watching for Grace cancels it.
func (s *Service) StartStream(ctx context.Context, in SendInput) (Generation, error) {
	t, err := s.prepare(ctx, in)
	if err != nil {
		return Generation{}, err
	}
	m := chat.Message{ID: s.IDs.NewID(), ConversationID: t.conv.ID, Role: chat.RoleAssistant,
		Status: chat.StatusStreaming, CreatedAt: s.Clock.Now().UTC()}
	stored := make(chan error, 1)
	go func() {
		err := s.storeUser(context.WithoutCancel(ctx), t, &m)
		if err == nil {
			// Name the generation for readers on other instances (resume).
			if aerr := s.Log.SetActive(context.WithoutCancel(ctx), t.conv.ID, m.ID, s.cfg.StreamTTL); aerr != nil {
				s.Logger.WarnContext(ctx, "stream log unavailable: this answer cannot be resumed elsewhere", "err", aerr)
			}
		}
		stored <- err
	}()
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.MaxGeneration)
	start := time.Now()
	st, err := s.AI.Stream(gctx, t.req)
	var first llm.Event
	if err == nil {
		if first, err = st.Recv(); err != nil && !errors.Is(err, io.EOF) {
			_ = st.Close()
		}
	}
	if serr := <-stored; serr != nil {
		if st != nil {
			_ = st.Close()
		}
		cancel()
		t.release()
		return Generation{}, serr
	}
	if err != nil && !errors.Is(err, io.EOF) {
		cancel()
		_ = s.Log.SetActive(context.WithoutCancel(ctx), t.conv.ID, "", s.cfg.StreamTTL) // nothing to resume
		m.Status, m.FinishReason, m.Latency = chat.StatusFailed, "error", time.Since(start)
		if _, rerr := s.record(context.WithoutCancel(ctx), t, m); rerr != nil {
			s.Logger.ErrorContext(ctx, "store failed turn", "err", rerr)
		}
		t.release()
		return Generation{}, err
	}
	g := Generation{ConversationID: t.conv.ID, MessageID: m.ID, Stream: m.ID}
	run := &generation{s: s, t: t, m: m, st: st, cancel: cancel, start: start, key: g.Stream,
		hub: s.hub.open(g.Stream, time.Now()), epoch: uint64(time.Now().UnixMilli()),
		logged: make(chan struct{}), logw: &s.logw[s.logNext.Add(1)%logWriters]}
	run.begin()
	run.emit("meta", map[string]string{"conversation_id": t.conv.ID, "message_id": m.ID}, false)
	// The first event is handled here: a client attached next finds the
	// first delta with the meta event, written with the response head.
	stopped := false
	if err == nil {
		stopped = run.step(first)
	}
	s.running.Add(1)
	go run.loop(gctx, stopped, err)
	return g, nil
}

// Sink is a client that a generation feeds itself, from the goroutine
// that reads the model: no goroutine, Subscription or copy of the events
// of its own per client. Send gets the events in order (the last one with
// end set) and answers false once the client is gone; it is called with
// the generation waiting, so it must not block for long (a write with a
// short deadline, or a buffer).
type Sink interface {
	Send(evs []ports.StreamEvent, end bool) bool
}

// Attach makes sink a client of a generation of this instance: it is sent
// the events so far, then each one as it comes, and counts as watching
// until Send answers false or detach is called (the client left, seen
// otherwise). ok is false when the stream is not generated here, or its
// first events left memory: read it with Subscribe then.
func (s *Service) Attach(stream string, sink Sink) (detach func(), ok bool) {
	g := s.hub.get(stream)
	if g == nil || !g.attach(sink, time.Now()) {
		return nil, false
	}
	return func() { g.detach(sink, time.Now()) }, true
}

// Drain waits for this instance's generations to finish, until ctx ends;
// it then interrupts the others (stored as interrupted, their clients
// told) and waits a little for them to be stored. For shutdown, once no
// new message is accepted.
func (s *Service) Drain(ctx context.Context) {
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	s.watchdog.cancelAll()
	select {
	case <-done:
	case <-time.After(drainStore):
		s.Logger.Warn("some interrupted answers were not stored before shutdown")
	}
}

// drainStore is how long Drain waits for interrupted generations to store
// their turn.
const drainStore = 5 * time.Second

type generation struct {
	s         *Service
	t         *turn
	m         chat.Message
	st        ports.Stream
	cancel    context.CancelFunc
	start     time.Time
	key       string
	hub       *gen
	epoch     uint64 // event ids are "epoch-n": increasing, the same in the hub and the log
	n         uint64
	logged    chan struct{} // closed when every event reached the log
	abandoned atomic.Bool   // cancelled because nobody watched it

	// The answer so far (only the generation's goroutine touches these).
	guard  *chat.StreamGuard // the no-solution check, fed the model's text
	raw    strings.Builder   // the model's text, for a usage estimate when the guard stops it (guarded answers only)
	usage  llm.Usage
	finish string

	// The StreamLog's queue (under logw.mu, see logwriter.go).
	logw    *logWriter
	pending []ports.StreamEvent
	queued  bool          // in logw.dirty
	ending  bool          // the last event is pending
	taking  bool          // the writer's round holds the last event (writer only)
	warned  bool          // the log failed once (writer only)
	space   chan struct{} // closed when pending has room again
}

// emit publishes one event: to local readers at once, and queued, in
// order, for the StreamLog (other instances, resumes). Only loop calls it.
func (r *generation) emit(typ string, payload any, end bool) {
	data, _ := json.Marshal(payload)
	r.n++
	ev := ports.StreamEvent{ID: fmt.Sprintf("%d-%d", r.epoch, r.n), Type: typ, Data: data}
	r.logw.push(r, ev, end)
	if end {
		// The last event is shown once the log holds everything: a reader
		// that saw the end can rely on the log for any of it.
		<-r.logged
	}
	r.hub.publish(ev, end)
}

// loop relays the model's events until the end, a failure, or nobody
// watching for Grace; then stores the turn and ends the stream.
func (r *generation) loop(ctx context.Context, stopped bool, err error) {
	s := r.s
	defer s.running.Done()
	defer r.t.release()
	defer r.cancel()
	s.watchdog.add(r)
	for err == nil && !stopped {
		var ev llm.Event
		if ev, err = r.st.Recv(); err == nil {
			stopped = r.step(ev)
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	s.watchdog.remove(r)
	_ = r.st.Close()
	m := r.m
	m.Latency = time.Since(r.start)
	if info, ok := r.st.(ports.StreamInfo); ok {
		m.Provider, m.Model = info.Provider(), info.Model()
	}
	if err == nil {
		if tail := r.guard.Finish(); tail != "" {
			r.emit("delta", map[string]string{"text": tail}, false)
		}
	}
	usage, finish := r.usage, r.finish
	m.Usage, m.FinishReason, m.Content = usage, finish, r.guard.Text()
	switch {
	case err == nil:
		m.Status = chat.StatusComplete
	case r.abandoned.Load() || llm.KindOf(err) == llm.ErrCanceled:
		m.Status, m.FinishReason = chat.StatusInterrupted, "interrupted"
	default:
		m.Status, m.FinishReason = chat.StatusFailed, "error"
	}
	store := context.Background()
	if _, rerr := s.record(store, r.t, m); rerr != nil {
		s.Logger.Error("store streamed turn", "message", m.ID, "err", rerr)
	}
	r.t.release() // before the last event: a client that sends again at once finds its slot free
	switch m.Status {
	case chat.StatusComplete:
		r.emit("usage", map[string]int{"prompt_tokens": usage.PromptTokens, "completion_tokens": usage.CompletionTokens}, false)
		r.emit("done", map[string]string{"message_id": m.ID, "finish_reason": finishOr(finish)}, true)
	case chat.StatusInterrupted:
		r.emit("error", map[string]string{"code": "interrupted", "message": "the answer was interrupted"}, true)
	default:
		code, msg := streamError(err)
		r.emit("error", map[string]string{"code": code, "message": msg}, true)
	}
	s.hub.drop(r.key, 30*time.Second)
}

// begin sets up the no-solution check: it runs on the text as it comes,
// and what is shown, replayed and stored is its output, never the raw
// answer.
func (r *generation) begin() {
	r.guard = chat.NewStreamGuard(r.t.ex)
	if !r.guard.Active() {
		// The prompt's text is only needed for the estimate of a stopped
		// answer: not kept for the life of one that cannot be stopped.
		r.t.req.System, r.t.req.Messages = "", nil
	}
}

// step handles one event of the model; true when the answer must stop
// there (the rest would give the solution away).
func (r *generation) step(ev llm.Event) bool {
	switch ev.Kind {
	case llm.EventDelta:
		if r.guard.Active() {
			r.raw.WriteString(ev.Text)
		}
		if out := r.guard.Feed(ev.Text); out != "" {
			r.emit("delta", map[string]string{"text": out}, false)
		}
	case llm.EventUsage:
		r.usage = ev.Usage
	case llm.EventDone:
		r.finish = string(ev.FinishReason)
	}
	if !r.guard.Stopped() {
		return false
	}
	r.finish = string(llm.FinishStop)
	if r.usage.Total() == 0 {
		r.usage = llm.Usage{PromptTokens: r.s.Tokens.CountMessages(r.t.req.Model, r.t.req.System, r.t.req.Messages),
			CompletionTokens: r.s.Tokens.Count(r.t.req.Model, r.raw.String())}
	}
	return true
}

func finishOr(f string) string {
	if f == "" {
		return string(llm.FinishStop)
	}
	return f
}

// streamError is what a client is told of a failure after the stream began.
func streamError(err error) (string, string) {
	var le *llm.Error
	if errors.As(err, &le) {
		switch le.Kind {
		case llm.ErrContentFiltered:
			return "content_filtered", "the AI provider stopped this answer"
		case llm.ErrContextTooLong:
			return "context_too_long", "the conversation is too long for the AI model"
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout", "the answer took too long"
	}
	return "upstream_unavailable", "the AI provider failed while answering; your message is saved, try again"
}

// watchdog is one goroutine per instance (not one per stream) that
// cancels the generations nobody, on any instance, has watched for Grace.
type watchdog struct {
	once sync.Once
	mu   sync.Mutex
	gens map[*generation]struct{}
}

func (w *watchdog) add(r *generation) {
	w.once.Do(func() {
		w.gens = map[*generation]struct{}{}
		go w.run(r.s.cfg.Grace)
	})
	w.mu.Lock()
	w.gens[r] = struct{}{}
	w.mu.Unlock()
}

// cancelAll interrupts every generation (shutdown).
func (w *watchdog) cancelAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for r := range w.gens {
		r.cancel()
	}
}

func (w *watchdog) remove(r *generation) {
	w.mu.Lock()
	delete(w.gens, r)
	w.mu.Unlock()
}

func (w *watchdog) run(grace time.Duration) {
	tick := time.NewTicker(grace / 4)
	defer tick.Stop()
	for now := range tick.C {
		w.mu.Lock()
		var alone []*generation
		for r := range w.gens {
			if r.hub.alone(now) >= grace {
				alone = append(alone, r)
			}
		}
		w.mu.Unlock()
		// Ask the shared log about them concurrently (bounded): after many
		// clients left at once, a sequential round would take seconds.
		sem := make(chan struct{}, 32)
		var wg sync.WaitGroup
		for _, r := range alone {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				n, err := r.s.Log.Watchers(ctx, r.key)
				cancel()
				if err == nil && n > 0 {
					return // watched from another instance
				}
				w.remove(r)
				r.abandoned.Store(true)
				r.cancel()
			}()
		}
		wg.Wait()
	}
}

// Resume finds the learner's generation in progress in a conversation.
func (s *Service) Resume(ctx context.Context, learnerID, conversationID, lastEventID string) (Generation, error) {
	if lastEventID != "" && !validID(lastEventID) {
		return Generation{}, domain.NewValidationError("last_event_id", "is not an event id of this stream")
	}
	c, err := s.Conversations.Get(ctx, learnerID, conversationID)
	if err != nil {
		return Generation{}, fmt.Errorf("load conversation: %w", err)
	}
	stream, err := s.Log.Active(ctx, c.ID)
	if err != nil {
		return Generation{}, fmt.Errorf("find the stream: %w", err)
	}
	if stream == "" {
		return Generation{}, domain.NewPublicError(domain.ErrNotFound, "not_found", "no answer of this conversation can be resumed")
	}
	return Generation{ConversationID: c.ID, MessageID: stream, Stream: stream}, nil
}

// Subscription reads a generation's events for one client.
type Subscription struct {
	s        *Service
	stream   string
	after    string
	client   string
	local    *gen
	watching time.Time
	ended    bool
}

// Subscribe attaches a client to a stream after afterID ("" = from the
// start). Close it when the client goes away.
func (s *Service) Subscribe(stream, afterID string) *Subscription {
	sub := &Subscription{s: s, stream: stream, after: afterID, client: s.IDs.NewID(), local: s.hub.get(stream)}
	if sub.local != nil {
		sub.local.watch(1, time.Now())
	}
	return sub
}

// Next waits up to wait for events; ended is true once the stream's last
// event was returned.
func (sub *Subscription) Next(ctx context.Context, wait time.Duration) ([]ports.StreamEvent, bool, error) {
	if sub.ended {
		return nil, true, nil
	}
	var evs []ports.StreamEvent
	local := sub.local != nil
	if local {
		var ended, gap bool
		var changed <-chan struct{}
		evs, ended, changed, gap = sub.local.since(sub.after)
		if ended && len(evs) == 0 && !gap {
			sub.ended = true // resumed after the last event: nothing more will come
			return nil, true, nil
		}
		if gap {
			local = false // too far behind for memory: catch up from the StreamLog
		} else if len(evs) == 0 && !ended {
			timer := time.NewTimer(wait)
			select {
			case <-changed:
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return nil, false, ctx.Err()
			}
			timer.Stop()
			evs, _, _, _ = sub.local.since(sub.after)
		}
	}
	if !local {
		if time.Since(sub.watching) > time.Second {
			if err := sub.s.Log.Watch(ctx, sub.stream, sub.client, 3*time.Second); err == nil {
				sub.watching = time.Now()
			}
		}
		var err error
		evs, err = sub.s.Log.Read(ctx, sub.stream, sub.after, min(wait, 2*time.Second))
		if err != nil {
			return nil, false, err
		}
		if len(evs) == 0 {
			// Nothing new: is the stream over (or gone)? Then nothing will come.
			all, err := sub.s.Log.Read(ctx, sub.stream, "", 0)
			if err == nil && (len(all) == 0 || terminal(all[len(all)-1].Type)) {
				sub.ended = true
				return nil, true, nil
			}
		}
	}
	for _, ev := range evs {
		if terminal(ev.Type) {
			sub.ended = true
		}
	}
	if len(evs) > 0 {
		sub.after = evs[len(evs)-1].ID
	}
	return evs, sub.ended, nil
}

// Close detaches the client: a generation nobody watches is cancelled
// after Grace.
func (sub *Subscription) Close() {
	if sub.local != nil {
		sub.local.watch(-1, time.Now())
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = sub.s.Log.Unwatch(ctx, sub.stream, sub.client)
}

func terminal(typ string) bool { return typ == "done" || typ == "error" }
