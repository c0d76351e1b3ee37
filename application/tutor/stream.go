package tutor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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

// StartStream stores the learner's message and an assistant turn in
// progress, opens the model's stream and waits for its first event: a
// provider that fails before the first token is a plain error (the
// learner's message is kept, the failed turn recorded). The generation then
// goes on in the background, decoupled from the connection: it publishes
// every event to this instance's hub and to the shared StreamLog, and is
// cancelled only when nobody has watched it for Grace.
func (s *Service) StartStream(ctx context.Context, in SendInput) (Generation, error) {
	t, err := s.prepare(ctx, in)
	if err != nil {
		return Generation{}, err
	}
	m, err := s.Messages.Append(ctx, chat.Message{ID: s.IDs.NewID(), ConversationID: t.conv.ID, Role: chat.RoleAssistant,
		Status: chat.StatusStreaming, CreatedAt: s.Clock.Now().UTC()})
	if err != nil {
		t.release()
		return Generation{}, fmt.Errorf("store answer: %w", err)
	}
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.MaxGeneration)
	start := time.Now()
	st, err := s.AI.Stream(gctx, t.req)
	var first llm.Event
	if err == nil {
		first, err = st.Recv()
		if err != nil && !errors.Is(err, io.EOF) {
			_ = st.Close()
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		cancel()
		m.Status, m.FinishReason, m.Latency = chat.StatusFailed, "error", time.Since(start)
		if _, rerr := s.record(context.WithoutCancel(ctx), t, m); rerr != nil {
			s.Logger.ErrorContext(ctx, "store failed turn", "err", rerr)
		}
		t.release()
		return Generation{}, err
	}
	g := Generation{ConversationID: t.conv.ID, MessageID: m.ID, Stream: m.ID}
	run := &generation{s: s, t: t, m: m, st: st, cancel: cancel, start: start, key: g.Stream,
		hub: s.hub.open(g.Stream, time.Now())}
	run.emit(gctx, "meta", map[string]string{"conversation_id": t.conv.ID, "message_id": m.ID}, false)
	if err := s.Log.SetActive(gctx, t.conv.ID, g.Stream, s.cfg.StreamTTL); err != nil {
		s.Logger.WarnContext(ctx, "stream log unavailable: no resume from other instances", "err", err)
	}
	go run.loop(gctx, first, err)
	return g, nil
}

type generation struct {
	s      *Service
	t      *turn
	m      chat.Message
	st     ports.Stream
	cancel context.CancelFunc
	start  time.Time
	key    string
	hub    *gen
	seq    atomic.Uint64 // local ids when the StreamLog is down
	first  time.Time     // when the first token came
}

// emit publishes one event: to the StreamLog for other instances (its id
// orders the stream), then to local readers.
func (r *generation) emit(ctx context.Context, typ string, payload any, end bool) {
	data, _ := json.Marshal(payload)
	id, err := r.s.Log.Append(context.WithoutCancel(ctx), r.key, typ, data, r.s.cfg.StreamTTL)
	if err != nil {
		id = fmt.Sprintf("%d-%d", time.Now().UnixMilli(), r.seq.Add(1))
	}
	r.hub.publish(ports.StreamEvent{ID: id, Type: typ, Data: data}, end)
}

// loop relays the model's events until the end, a failure, or nobody
// watching for Grace; then stores the turn and ends the stream.
func (r *generation) loop(ctx context.Context, ev llm.Event, err error) {
	s := r.s
	defer r.t.release()
	defer r.cancel()
	stop := make(chan struct{})
	abandoned := atomic.Bool{}
	go r.watchdog(stop, &abandoned)
	var text strings.Builder
	var usage llm.Usage
	finish := ""
	for {
		if errors.Is(err, io.EOF) {
			err = nil
			break
		}
		if err != nil {
			break
		}
		switch ev.Kind {
		case llm.EventDelta:
			if text.Len() == 0 {
				r.first = time.Now()
			}
			text.WriteString(ev.Text)
			r.emit(ctx, "delta", map[string]string{"text": ev.Text}, false)
		case llm.EventUsage:
			usage = ev.Usage
		case llm.EventDone:
			finish = string(ev.FinishReason)
		}
		ev, err = r.st.Recv()
	}
	close(stop)
	_ = r.st.Close()
	m := r.m
	m.Usage, m.Latency, m.FinishReason = usage, time.Since(r.start), finish
	if info, ok := r.st.(ports.StreamInfo); ok {
		m.Provider, m.Model = info.Provider(), info.Model()
	}
	m.Content = text.String()
	switch {
	case err == nil:
		m.Status = chat.StatusComplete
		m.Content, _ = chat.CheckAnswer(m.Content, r.t.ex)
	case abandoned.Load() || llm.KindOf(err) == llm.ErrCanceled:
		m.Status, m.FinishReason = chat.StatusInterrupted, "interrupted"
	default:
		m.Status, m.FinishReason = chat.StatusFailed, "error"
	}
	store := context.Background()
	if _, rerr := s.record(store, r.t, m); rerr != nil {
		s.Logger.Error("store streamed turn", "message", m.ID, "err", rerr)
	}
	switch m.Status {
	case chat.StatusComplete:
		r.emit(store, "usage", map[string]int{"prompt_tokens": usage.PromptTokens, "completion_tokens": usage.CompletionTokens}, false)
		r.emit(store, "done", map[string]string{"message_id": m.ID, "finish_reason": finishOr(finish)}, true)
	case chat.StatusInterrupted:
		r.emit(store, "error", map[string]string{"code": "interrupted", "message": "the answer was interrupted"}, true)
	default:
		code, msg := streamError(err)
		r.emit(store, "error", map[string]string{"code": code, "message": msg}, true)
	}
	s.hub.drop(r.key, 30*time.Second)
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

// watchdog cancels the generation when nobody, on any instance, has
// watched it for Grace.
func (r *generation) watchdog(stop <-chan struct{}, abandoned *atomic.Bool) {
	tick := time.NewTicker(r.s.cfg.Grace / 4)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			if r.hub.alone(now) < r.s.cfg.Grace {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			n, err := r.s.Log.Watchers(ctx, r.key)
			cancel()
			if err == nil && n > 0 {
				continue // watched from another instance
			}
			abandoned.Store(true)
			r.cancel()
			return
		}
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
	if sub.local != nil {
		var ended bool
		var changed <-chan struct{}
		evs, ended, changed = sub.local.since(sub.after)
		if len(evs) == 0 && !ended {
			select {
			case <-changed:
			case <-time.After(wait):
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
			evs, _, _ = sub.local.since(sub.after)
		}
	} else {
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
	}
	for _, ev := range evs {
		if ev.Type == "done" || ev.Type == "error" {
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
