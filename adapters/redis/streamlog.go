package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/ports"
)

const (
	// StreamMaxLen caps a generation's log (approximately, MAXLEN ~), so a
	// runaway generation cannot grow it without bound.
	StreamMaxLen = 10_000
	// maxBlockSlice caps one XREAD BLOCK: go-redis does not interrupt a
	// blocking read when its context ends (only Read's caller returns
	// promptly), so an abandoned read holds a pooled connection at most
	// this long.
	maxBlockSlice = 5 * time.Second
)

// StreamLog keeps generations' server-sent events in Redis Streams, shared
// by every instance. Keys: c.Key("chat", "stream", stream) for the events,
// c.Key("chat", "watch", stream) for the watchers (a sorted set of client
// ids scored by expiry in Unix ms) and c.Key("chat", "active",
// conversationID) for a conversation's generation in progress.
type StreamLog struct{ c *Client }

var _ ports.StreamLog = (*StreamLog)(nil)

// NewStreamLog builds the log on the shared client.
func NewStreamLog(c *Client) *StreamLog { return &StreamLog{c: c} }

// Append adds the event with XADD and renews the log's TTL in the same
// transaction, so a log never outlives its TTL for want of a PEXPIRE.
func (l *StreamLog) Append(ctx context.Context, stream, id, typ string, data []byte, ttl time.Duration) (string, error) {
	if stream == "" {
		return "", errors.New("stream log: empty stream")
	}
	if ttl <= 0 {
		return "", fmt.Errorf("stream log: ttl %s is not positive", ttl)
	}
	key := l.c.Key("chat", "stream", stream)
	if id == "" {
		id = "*"
	} else if _, err := parseStreamID(id); err != nil {
		return "", err
	}
	var add *goredis.StringCmd
	_, err := l.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		add = p.XAdd(ctx, &goredis.XAddArgs{Stream: key, MaxLen: StreamMaxLen, Approx: true, ID: id,
			Values: []any{"type", typ, "data", data}})
		p.PExpire(ctx, key, ceilMilli(ttl))
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("redis: append to stream log: %w", err)
	}
	return add.Val(), nil
}

// AppendMany adds events with their own ids in one pipeline, then moves
// the stream's expiry.
func (l *StreamLog) AppendMany(ctx context.Context, stream string, events []ports.StreamEvent, ttl time.Duration) error {
	if stream == "" {
		return errors.New("stream log: empty stream")
	}
	if ttl <= 0 {
		return fmt.Errorf("stream log: ttl %s is not positive", ttl)
	}
	if len(events) == 0 {
		return nil
	}
	for _, ev := range events {
		if _, err := parseStreamID(ev.ID); err != nil || ev.ID == "" {
			return fmt.Errorf("stream log: event id %q is not ms-seq", ev.ID)
		}
	}
	key := l.c.Key("chat", "stream", stream)
	cmds, err := l.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, ev := range events {
			p.XAdd(ctx, &goredis.XAddArgs{Stream: key, MaxLen: StreamMaxLen, Approx: true, ID: ev.ID,
				Values: []any{"type", ev.Type, "data", ev.Data}})
		}
		p.PExpire(ctx, key, ceilMilli(ttl))
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: append to stream log: %w", err)
	}
	for _, c := range cmds {
		if c.Err() != nil {
			return fmt.Errorf("redis: append to stream log: %w", c.Err())
		}
	}
	return nil
}

var _ ports.StreamBatchAppender = (*StreamLog)(nil)

// AppendBatch adds many streams' events in one pipeline (every instance's
// generations share one writer): each stream's XADDs in order, then its
// PEXPIRE. A stream whose append fails gets its Err; the others are kept.
func (l *StreamLog) AppendBatch(ctx context.Context, batch []ports.StreamAppend, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("stream log: ttl %s is not positive", ttl)
	}
	type span struct{ first, end int }
	spans := make([]span, len(batch))
	n := 0
	for i := range batch {
		a := &batch[i]
		a.Err = nil
		if a.Stream == "" {
			a.Err = errors.New("stream log: empty stream")
			continue
		}
		for _, ev := range a.Events {
			if _, err := parseStreamID(ev.ID); err != nil || ev.ID == "" {
				a.Err = fmt.Errorf("stream log: event id %q is not ms-seq", ev.ID)
				break
			}
		}
		if a.Err == nil && len(a.Events) > 0 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	ms := ceilMilli(ttl)
	cmds, err := l.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		c := 0
		for i := range batch {
			a := &batch[i]
			spans[i] = span{c, c}
			if a.Err != nil || len(a.Events) == 0 {
				continue
			}
			key := l.c.Key("chat", "stream", a.Stream)
			for _, ev := range a.Events {
				p.XAdd(ctx, &goredis.XAddArgs{Stream: key, MaxLen: StreamMaxLen, Approx: true, ID: ev.ID,
					Values: []any{"type", ev.Type, "data", ev.Data}})
			}
			p.PExpire(ctx, key, ms)
			c += len(a.Events) + 1
			spans[i].end = c
		}
		return nil
	})
	for i := range batch {
		a := &batch[i]
		if a.Err != nil {
			continue
		}
		for _, c := range cmds[min(spans[i].first, len(cmds)):min(spans[i].end, len(cmds))] {
			if c.Err() != nil {
				a.Err = fmt.Errorf("redis: append to stream log: %w", c.Err())
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("redis: append to stream log: %w", err)
	}
	return nil
}

// Read answers the entries after afterID with XRANGE, and when there are
// none waits for some with XREAD BLOCK, in slices of at most maxBlockSlice,
// until block has passed or ctx ends (then ctx's error).
func (l *StreamLog) Read(ctx context.Context, stream, afterID string, block time.Duration) ([]ports.StreamEvent, error) {
	if stream == "" {
		return nil, errors.New("stream log: empty stream")
	}
	after, err := parseStreamID(afterID)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key := l.c.Key("chat", "stream", stream)
	start := "-"
	if afterID != "" {
		start = "(" + afterID
	}
	if after.isMax() {
		// Nothing can follow the largest id, and Redis refuses "(max".
		return nil, nil
	}
	msgs, err := l.c.XRange(ctx, key, start, "+").Result()
	if err != nil {
		return nil, fmt.Errorf("redis: read stream log: %w", err)
	}
	if len(msgs) > 0 || block <= 0 {
		return toStreamEvents(msgs), nil
	}

	from := afterID
	if from == "" {
		from = "0-0"
	}
	deadline := time.Now().Add(block)
	for {
		slice := min(time.Until(deadline), maxBlockSlice)
		if slice < time.Millisecond {
			return nil, nil
		}
		// A slice under 1ms would be BLOCK 0: wait forever.
		slice = ceilMilli(slice)
		msgs, err := l.blockingRead(ctx, key, from, slice)
		if err != nil {
			return nil, err
		}
		if len(msgs) > 0 {
			return toStreamEvents(msgs), nil
		}
	}
}

// blockingRead runs one XREAD BLOCK and returns early when ctx ends: the
// command itself goes on until its slice is over, its answer dropped.
func (l *StreamLog) blockingRead(ctx context.Context, key, from string, block time.Duration) ([]goredis.XMessage, error) {
	type result struct {
		streams []goredis.XStream
		err     error
	}
	done := make(chan result, 1)
	go func() {
		// go-redis ignores ctx here (ContextTimeoutEnabled is off), so
		// ctx's values are all it would carry.
		s, err := l.c.XRead(context.WithoutCancel(ctx), &goredis.XReadArgs{Streams: []string{key, from}, Block: block}).Result()
		done <- result{s, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-done:
		if errors.Is(r.err, goredis.Nil) {
			return nil, nil
		}
		if r.err != nil {
			return nil, fmt.Errorf("redis: wait on stream log: %w", r.err)
		}
		var msgs []goredis.XMessage
		for _, s := range r.streams {
			msgs = append(msgs, s.Messages...)
		}
		return msgs, nil
	}
}

func toStreamEvents(msgs []goredis.XMessage) []ports.StreamEvent {
	if len(msgs) == 0 {
		return nil
	}
	out := make([]ports.StreamEvent, 0, len(msgs))
	for _, m := range msgs {
		typ, _ := m.Values["type"].(string)
		data, _ := m.Values["data"].(string)
		out = append(out, ports.StreamEvent{ID: m.ID, Type: typ, Data: []byte(data)})
	}
	return out
}

// watchScript marks the client and extends (never shortens) the set's TTL,
// so a short-lived mark does not cut a longer one's life. PTTL is -1 on a
// key without a TTL, so a new set always gets one.
var watchScript = goredis.NewScript(`
redis.call("ZADD", KEYS[1], ARGV[1], ARGV[2])
if redis.call("PTTL", KEYS[1]) < tonumber(ARGV[3]) then
  redis.call("PEXPIRE", KEYS[1], ARGV[3])
end
return 1`)

// Watch marks clientID attached to the stream until now+ttl.
func (l *StreamLog) Watch(ctx context.Context, stream, clientID string, ttl time.Duration) error {
	if stream == "" || clientID == "" {
		return errors.New("stream log: stream and client id are required")
	}
	if ttl <= 0 {
		return fmt.Errorf("stream log: watch ttl %s is not positive", ttl)
	}
	ttl = ceilMilli(ttl)
	expires := time.Now().Add(ttl).UnixMilli()
	err := watchScript.Run(ctx, l.c.UniversalClient, []string{l.c.Key("chat", "watch", stream)},
		expires, clientID, ttl.Milliseconds()).Err()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("redis: watch stream: %w", err)
	}
	return nil
}

// Unwatch removes clientID's mark.
func (l *StreamLog) Unwatch(ctx context.Context, stream, clientID string) error {
	if err := l.c.ZRem(ctx, l.c.Key("chat", "watch", stream), clientID).Err(); err != nil {
		return fmt.Errorf("redis: unwatch stream: %w", err)
	}
	return nil
}

// Watchers drops the expired marks and counts the rest.
func (l *StreamLog) Watchers(ctx context.Context, stream string) (int, error) {
	key := l.c.Key("chat", "watch", stream)
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	var card *goredis.IntCmd
	_, err := l.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, key, "-inf", now)
		card = p.ZCard(ctx, key)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis: count watchers: %w", err)
	}
	return int(card.Val()), nil
}

// SetActive names the conversation's generation in progress for ttl; an
// empty stream clears it.
func (l *StreamLog) SetActive(ctx context.Context, conversationID, stream string, ttl time.Duration) error {
	if conversationID == "" {
		return errors.New("stream log: empty conversation id")
	}
	key := l.c.Key("chat", "active", conversationID)
	if stream == "" {
		if err := l.c.Del(ctx, key).Err(); err != nil {
			return fmt.Errorf("redis: clear active stream: %w", err)
		}
		return nil
	}
	if ttl <= 0 {
		return fmt.Errorf("stream log: active ttl %s is not positive", ttl)
	}
	if err := l.c.Set(ctx, key, stream, ceilMilli(ttl)).Err(); err != nil {
		return fmt.Errorf("redis: set active stream: %w", err)
	}
	return nil
}

// Active answers the conversation's generation in progress, "" if none.
func (l *StreamLog) Active(ctx context.Context, conversationID string) (string, error) {
	s, err := l.c.Get(ctx, l.c.Key("chat", "active", conversationID)).Result()
	if errors.Is(err, goredis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("redis: get active stream: %w", err)
	}
	return s, nil
}

// ceilMilli rounds up to whole milliseconds, Redis's unit, rather than let
// go-redis truncate (and log) a sub-millisecond duration.
func ceilMilli(d time.Duration) time.Duration {
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}

// streamID is a Redis stream entry id, "ms-seq".
type streamID struct{ ms, seq uint64 }

func (id streamID) isMax() bool { return id.ms == math.MaxUint64 && id.seq == math.MaxUint64 }

// parseStreamID reads a Last-Event-ID: "" is the start of the log; anything
// but "ms-seq" (two unsigned 64-bit decimals) is a ValidationError.
func parseStreamID(s string) (streamID, error) {
	if s == "" {
		return streamID{}, nil
	}
	bad := domain.NewValidationError("last_event_id", "is not an event id")
	msPart, seqPart, ok := strings.Cut(s, "-")
	if !ok {
		return streamID{}, bad
	}
	// ParseUint takes no sign, and base 10 no underscores.
	ms, err1 := strconv.ParseUint(msPart, 10, 64)
	seq, err2 := strconv.ParseUint(seqPart, 10, 64)
	if err1 != nil || err2 != nil {
		return streamID{}, bad
	}
	return streamID{ms: ms, seq: seq}, nil
}
