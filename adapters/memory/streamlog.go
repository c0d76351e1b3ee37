package memory

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/ports"
)

// DefaultStreamMaxLen caps a log's events, as the Redis log's MAXLEN does.
const DefaultStreamMaxLen = 10_000

// StreamLog is the per-instance twin of the Redis stream log, with the same
// semantics and ids in the same "ms-seq" form, so both pass one contract
// suite. Expired logs, marks and active names are swept lazily.
type StreamLog struct {
	// Now is the clock for ids and expiry; tests may replace it before
	// first use. Blocking reads wait on the wall clock.
	Now func() time.Time
	// MaxLen caps each log's events (oldest dropped); set before first
	// use. Zero means DefaultStreamMaxLen.
	MaxLen int

	mu        sync.Mutex
	streams   map[string]*memStream
	waiters   map[string]chan struct{} // closed by the next append to the stream
	watchers  map[string]map[string]time.Time
	active    map[string]activeStream
	lastSweep time.Time
}

type memStream struct {
	events  []memEvent
	last    eventID
	expires time.Time
}

type memEvent struct {
	id  eventID
	typ string
	// data is a private copy: callers may reuse their buffers.
	data []byte
}

type activeStream struct {
	stream  string
	expires time.Time
}

// eventID is "ms-seq", ordered as Redis orders stream ids.
type eventID struct{ ms, seq uint64 }

func (a eventID) less(b eventID) bool { return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq) }

func (a eventID) String() string {
	return strconv.FormatUint(a.ms, 10) + "-" + strconv.FormatUint(a.seq, 10)
}

var _ ports.StreamLog = (*StreamLog)(nil)

// NewStreamLog returns an empty log on the wall clock.
func NewStreamLog() *StreamLog { return &StreamLog{Now: time.Now, MaxLen: DefaultStreamMaxLen} }

// Append adds an event and renews the log's TTL.
func (l *StreamLog) Append(_ context.Context, stream, given, typ string, data []byte, ttl time.Duration) (string, error) {
	if stream == "" {
		return "", errors.New("stream log: empty stream")
	}
	if ttl <= 0 {
		return "", fmt.Errorf("stream log: ttl %s is not positive", ttl)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	now := l.now()
	l.maybeSweep(now)
	s := l.live(stream, now)
	if s == nil {
		s = &memStream{}
		l.streams[stream] = s
	}
	// As Redis: the clock's ms, or the last id's ms with the next seq when
	// the clock has not moved past it.
	id := eventID{ms: uint64(max(now.UnixMilli(), 0))}
	if !s.last.less(id) {
		id = eventID{ms: s.last.ms, seq: s.last.seq + 1}
	}
	if given != "" {
		g, err := parseEventID(given)
		if err != nil {
			return "", err
		}
		if !s.last.less(g) {
			return "", fmt.Errorf("stream log: id %s is not after the stream's last", given)
		}
		id = g
	}
	s.last = id
	s.events = append(s.events, memEvent{id: id, typ: typ, data: append([]byte(nil), data...)})
	if n := len(s.events) - l.maxLen(); n > 0 {
		// Release the dropped events' data; append reallocates the array
		// once its spare capacity is used, so it stays bounded.
		clear(s.events[:n])
		s.events = s.events[n:]
	}
	s.expires = now.Add(ttl)
	if w, ok := l.waiters[stream]; ok {
		close(w)
		delete(l.waiters, stream)
	}
	return id.String(), nil
}

// AppendMany adds events with their own ids, in order.
func (l *StreamLog) AppendMany(ctx context.Context, stream string, events []ports.StreamEvent, ttl time.Duration) error {
	for _, ev := range events {
		if ev.ID == "" {
			return fmt.Errorf("stream log: event without an id")
		}
		if _, err := l.Append(ctx, stream, ev.ID, ev.Type, ev.Data, ttl); err != nil {
			return err
		}
	}
	return nil
}

// Read answers the events after afterID, waiting up to block for one when
// there are none; ctx's end stops the wait with ctx's error.
func (l *StreamLog) Read(ctx context.Context, stream, afterID string, block time.Duration) ([]ports.StreamEvent, error) {
	if stream == "" {
		return nil, errors.New("stream log: empty stream")
	}
	after, err := parseEventID(afterID)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var timeout <-chan time.Time
	if block > 0 {
		t := time.NewTimer(block)
		defer t.Stop()
		timeout = t.C
	}
	for {
		events, wake := l.readOrWait(stream, after, block > 0)
		if len(events) > 0 || wake == nil {
			return events, nil
		}
		select {
		case <-wake:
		case <-timeout:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// readOrWait answers the events after `after`, or, when there are none and
// wait is set, a channel closed by the stream's next append.
func (l *StreamLog) readOrWait(stream string, after eventID, wait bool) ([]ports.StreamEvent, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	if s := l.live(stream, l.now()); s != nil {
		var out []ports.StreamEvent
		for _, e := range s.events {
			if after.less(e.id) {
				out = append(out, ports.StreamEvent{ID: e.id.String(), Type: e.typ, Data: append([]byte(nil), e.data...)})
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	if !wait {
		return nil, nil
	}
	w, ok := l.waiters[stream]
	if !ok {
		w = make(chan struct{})
		l.waiters[stream] = w
	}
	return nil, w
}

// Watch marks clientID attached to the stream until now+ttl.
func (l *StreamLog) Watch(_ context.Context, stream, clientID string, ttl time.Duration) error {
	if stream == "" || clientID == "" {
		return errors.New("stream log: stream and client id are required")
	}
	if ttl <= 0 {
		return fmt.Errorf("stream log: watch ttl %s is not positive", ttl)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	now := l.now()
	l.maybeSweep(now)
	marks, ok := l.watchers[stream]
	if !ok {
		marks = map[string]time.Time{}
		l.watchers[stream] = marks
	}
	marks[clientID] = now.Add(ttl)
	return nil
}

// Unwatch removes clientID's mark.
func (l *StreamLog) Unwatch(_ context.Context, stream, clientID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if marks, ok := l.watchers[stream]; ok {
		delete(marks, clientID)
		if len(marks) == 0 {
			delete(l.watchers, stream)
		}
	}
	return nil
}

// Watchers drops the expired marks and counts the rest.
func (l *StreamLog) Watchers(_ context.Context, stream string) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	marks, ok := l.watchers[stream]
	if !ok {
		return 0, nil
	}
	pruneMarks(marks, l.now())
	if len(marks) == 0 {
		delete(l.watchers, stream)
	}
	return len(marks), nil
}

// SetActive names the conversation's generation in progress for ttl; an
// empty stream clears it.
func (l *StreamLog) SetActive(_ context.Context, conversationID, stream string, ttl time.Duration) error {
	if conversationID == "" {
		return errors.New("stream log: empty conversation id")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	if stream == "" {
		delete(l.active, conversationID)
		return nil
	}
	if ttl <= 0 {
		return fmt.Errorf("stream log: active ttl %s is not positive", ttl)
	}
	now := l.now()
	l.maybeSweep(now)
	l.active[conversationID] = activeStream{stream: stream, expires: now.Add(ttl)}
	return nil
}

// Active answers the conversation's generation in progress, "" if none.
func (l *StreamLog) Active(_ context.Context, conversationID string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.active[conversationID]
	if !ok {
		return "", nil
	}
	if !l.now().Before(a.expires) {
		delete(l.active, conversationID)
		return "", nil
	}
	return a.stream, nil
}

func (l *StreamLog) init() {
	if l.streams == nil {
		l.streams = map[string]*memStream{}
		l.waiters = map[string]chan struct{}{}
		l.watchers = map[string]map[string]time.Time{}
		l.active = map[string]activeStream{}
	}
}

func (l *StreamLog) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *StreamLog) maxLen() int {
	if l.MaxLen > 0 {
		return l.MaxLen
	}
	return DefaultStreamMaxLen
}

// live answers the stream unless it has expired (then it is dropped).
func (l *StreamLog) live(stream string, now time.Time) *memStream {
	s, ok := l.streams[stream]
	if !ok {
		return nil
	}
	if !now.Before(s.expires) {
		delete(l.streams, stream)
		return nil
	}
	return s
}

// maybeSweep drops everything expired, at most once per sweepEvery, so
// abandoned streams do not pile up with no goroutine to stop.
func (l *StreamLog) maybeSweep(now time.Time) {
	if now.Sub(l.lastSweep) < sweepEvery && !now.Before(l.lastSweep) {
		return
	}
	l.lastSweep = now
	for k, s := range l.streams {
		if !now.Before(s.expires) {
			delete(l.streams, k)
		}
	}
	// Wake readers waiting on streams that are gone: they look again and
	// wait anew, so no channel outlives its readers for long.
	for k, w := range l.waiters {
		if _, ok := l.streams[k]; !ok {
			close(w)
			delete(l.waiters, k)
		}
	}
	for k, marks := range l.watchers {
		if pruneMarks(marks, now); len(marks) == 0 {
			delete(l.watchers, k)
		}
	}
	for k, a := range l.active {
		if !now.Before(a.expires) {
			delete(l.active, k)
		}
	}
}

func pruneMarks(marks map[string]time.Time, now time.Time) {
	for id, exp := range marks {
		if !now.Before(exp) {
			delete(marks, id)
		}
	}
}

// parseEventID reads a Last-Event-ID: "" is the start of the log; anything
// but "ms-seq" (two unsigned 64-bit decimals) is a ValidationError, as in
// the Redis log.
func parseEventID(s string) (eventID, error) {
	if s == "" {
		return eventID{}, nil
	}
	bad := domain.NewValidationError("last_event_id", "is not an event id")
	msPart, seqPart, ok := strings.Cut(s, "-")
	if !ok {
		return eventID{}, bad
	}
	// ParseUint takes no sign, and base 10 no underscores.
	ms, err1 := strconv.ParseUint(msPart, 10, 64)
	seq, err2 := strconv.ParseUint(seqPart, 10, 64)
	if err1 != nil || err2 != nil {
		return eventID{}, bad
	}
	return eventID{ms: ms, seq: seq}, nil
}

var _ ports.StreamBatchAppender = (*StreamLog)(nil)

// AppendBatch adds many streams' events: each stream's in order; a
// stream whose append fails gets its Err, the others are kept.
func (l *StreamLog) AppendBatch(ctx context.Context, batch []ports.StreamAppend, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("stream log: ttl %s is not positive", ttl)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range batch {
		a := &batch[i]
		a.Err = nil
		if a.Stream == "" {
			a.Err = errors.New("stream log: empty stream")
			continue
		}
		a.Err = l.AppendMany(ctx, a.Stream, a.Events, ttl)
	}
	return nil
}
