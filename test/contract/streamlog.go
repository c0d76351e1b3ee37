package contract

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/ports"
)

// StreamLog runs the stream log contract: events come back in order with
// increasing "ms-seq" ids, after an id only the later ones; a blocking
// read wakes on an append and ends with its block or its context; logs,
// watch marks and active names expire.
func StreamLog(t *testing.T, newLog func(t *testing.T) ports.StreamLog) {
	t.Run("a batch appends many streams in one go; a bad stream fails alone", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		b, ok := l.(ports.StreamBatchAppender)
		if !ok {
			t.Skip("this log has no batch append")
		}
		ctx := context.Background()
		batch := []ports.StreamAppend{
			{Stream: "b1", Events: []ports.StreamEvent{{ID: "1700000000000-1", Type: "meta", Data: []byte(`{"m":1}`)},
				{ID: "1700000000000-2", Type: "delta", Data: []byte(`{"text":"a"}`)}}},
			{Stream: "", Events: []ports.StreamEvent{{ID: "1700000000000-1", Type: "delta"}}},
			{Stream: "b2", Events: []ports.StreamEvent{{ID: "1700000000001-0", Type: "delta", Data: []byte(`{"text":"x"}`)}}},
			{Stream: "b3", Events: []ports.StreamEvent{{Type: "delta"}}},
			{Stream: "b4"},
		}
		require.NoError(t, b.AppendBatch(ctx, batch, time.Minute))
		assert.NoError(t, batch[0].Err)
		assert.Error(t, batch[1].Err, "an empty stream name")
		assert.NoError(t, batch[2].Err)
		assert.Error(t, batch[3].Err, "events need ids")
		assert.NoError(t, batch[4].Err, "nothing to append is fine")

		got, err := l.Read(ctx, "b1", "", 0)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, []string{"1700000000000-1", "1700000000000-2"}, []string{got[0].ID, got[1].ID})
		assert.Equal(t, "meta", got[0].Type)
		assert.JSONEq(t, `{"text":"a"}`, string(got[1].Data))
		got, err = l.Read(ctx, "b2", "", 0)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "1700000000001-0", got[0].ID)

		// The next batch continues each stream after its last id.
		batch = []ports.StreamAppend{{Stream: "b1", Events: []ports.StreamEvent{{ID: "1700000000000-3", Type: "done", Data: []byte(`{}`)}}}}
		require.NoError(t, b.AppendBatch(ctx, batch, time.Minute))
		require.NoError(t, batch[0].Err)
		got, err = l.Read(ctx, "b1", "1700000000000-2", 0)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "done", got[0].Type)
		assert.Error(t, b.AppendBatch(ctx, batch, 0), "a ttl is required")
	})

	t.Run("appends come back in order with increasing ids", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		var ids []string
		for i := range 5 {
			id, err := l.Append(ctx, "s1", "", "delta", fmt.Appendf(nil, `{"i":%d}`, i), time.Minute)
			require.NoError(t, err)
			ids = append(ids, id)
		}
		_, err := l.Append(ctx, "other", "", "delta", []byte(`{}`), time.Minute)
		require.NoError(t, err)

		got, err := l.Read(ctx, "s1", "", 0)
		require.NoError(t, err)
		require.Len(t, got, 5, "only this stream's events")
		for i, e := range got {
			assert.Equal(t, ids[i], e.ID)
			assert.Equal(t, "delta", e.Type)
			assert.JSONEq(t, fmt.Sprintf(`{"i":%d}`, i), string(e.Data))
			if i > 0 {
				assertIDBefore(t, got[i-1].ID, e.ID)
			}
		}
	})
	t.Run("read after an id answers only the later events", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		var ids []string
		for _, typ := range []string{"meta", "delta", "delta", "done"} {
			id, err := l.Append(ctx, "s", "", typ, []byte(`{"t":"`+typ+`"}`), time.Minute)
			require.NoError(t, err)
			ids = append(ids, id)
		}
		got, err := l.Read(ctx, "s", ids[1], 0)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, ids[2], got[0].ID)
		assert.Equal(t, ids[3], got[1].ID)
		assert.Equal(t, "done", got[1].Type)

		got, err = l.Read(ctx, "s", ids[3], 0)
		require.NoError(t, err)
		assert.Empty(t, got, "nothing after the last")
		got, err = l.Read(ctx, "s", "0-0", 0)
		require.NoError(t, err)
		assert.Len(t, got, 4, "0-0 is before everything")
	})
	t.Run("concurrent appends get distinct increasing ids", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := l.Append(ctx, "s", "", "delta", []byte(strconv.Itoa(i)), time.Minute)
				assert.NoError(t, err)
			}()
		}
		wg.Wait()
		got, err := l.Read(ctx, "s", "", 0)
		require.NoError(t, err)
		require.Len(t, got, 20)
		for i := 1; i < len(got); i++ {
			assertIDBefore(t, got[i-1].ID, got[i].ID)
		}
	})
	t.Run("a blocking read wakes on an append", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		first, err := l.Append(ctx, "s", "", "meta", []byte(`{}`), time.Minute)
		require.NoError(t, err)
		for _, c := range []struct{ name, stream, after string }{
			{"after the last event", "s", first},
			{"on a stream not yet written", "new", ""},
		} {
			type result struct {
				events []ports.StreamEvent
				err    error
				took   time.Duration
			}
			done := make(chan result, 1)
			go func() {
				start := time.Now()
				ev, err := l.Read(ctx, c.stream, c.after, 10*time.Second)
				done <- result{ev, err, time.Since(start)}
			}()
			time.Sleep(150 * time.Millisecond)
			id, err := l.Append(ctx, c.stream, "", "delta", []byte(`{"x":1}`), time.Minute)
			require.NoError(t, err)
			select {
			case r := <-done:
				require.NoError(t, r.err, c.name)
				require.Len(t, r.events, 1, c.name)
				assert.Equal(t, id, r.events[0].ID, c.name)
				assert.Equal(t, "delta", r.events[0].Type, c.name)
				assert.Less(t, r.took, 3*time.Second, c.name)
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: the append did not wake the read", c.name)
			}
		}
	})
	t.Run("a blocking read with nothing ends empty after its block", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		last, err := l.Append(ctx, "s", "", "meta", []byte(`{}`), time.Minute)
		require.NoError(t, err)
		for _, c := range []struct{ stream, after string }{{"s", last}, {"missing", ""}} {
			start := time.Now()
			got, err := l.Read(ctx, c.stream, c.after, 300*time.Millisecond)
			took := time.Since(start)
			require.NoError(t, err)
			assert.Empty(t, got)
			assert.GreaterOrEqual(t, took, 250*time.Millisecond, "it waited")
			assert.Less(t, took, 3*time.Second, "it stopped waiting")
		}
		start := time.Now()
		got, err := l.Read(ctx, "s", last, 0)
		require.NoError(t, err)
		assert.Empty(t, got)
		assert.Less(t, time.Since(start), time.Second, "block 0 does not wait")
	})
	t.Run("cancelling the context ends a blocking read", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() {
			got, err := l.Read(ctx, "s", "", 30*time.Second)
			assert.Empty(t, got)
			done <- err
		}()
		time.Sleep(150 * time.Millisecond)
		cancel()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, context.Canceled)
		case <-time.After(2 * time.Second):
			t.Fatal("the read outlived its context")
		}
		_, err := l.Read(ctx, "s", "", time.Second)
		assert.ErrorIs(t, err, context.Canceled, "an ended context does not start a read")
	})
	t.Run("a malformed after id is a validation error", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		_, err := l.Append(ctx, "s", "", "meta", []byte(`{}`), time.Minute)
		require.NoError(t, err)
		for _, id := range []string{"abc", "1", "1-", "-1", "1-2-3", "1.5-0", " 1-0", "+1-0", "1-x",
			"99999999999999999999-0", strings.Repeat("9", 300)} {
			_, err := l.Read(ctx, "s", id, 0)
			var ve *domain.ValidationError
			if assert.True(t, errors.As(err, &ve), "%q: %v", id, err) {
				require.Len(t, ve.Issues, 1)
				assert.Equal(t, "last_event_id", ve.Issues[0].Field)
			}
		}
	})
	t.Run("a log expires ttl after its last append", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		_, err := l.Append(ctx, "short", "", "meta", []byte(`{}`), 200*time.Millisecond)
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			got, err := l.Read(ctx, "short", "", 0)
			return err == nil && len(got) == 0
		}, 5*time.Second, 25*time.Millisecond)

		_, err = l.Append(ctx, "renewed", "", "meta", []byte(`{}`), time.Second)
		require.NoError(t, err)
		time.Sleep(600 * time.Millisecond)
		_, err = l.Append(ctx, "renewed", "", "delta", []byte(`{}`), time.Second)
		require.NoError(t, err)
		time.Sleep(600 * time.Millisecond)
		got, err := l.Read(ctx, "renewed", "", 0)
		require.NoError(t, err)
		assert.Len(t, got, 2, "the second append renewed the whole log")
	})
	t.Run("watchers count live marks", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		n, err := l.Watchers(ctx, "s")
		require.NoError(t, err)
		assert.Zero(t, n)

		require.NoError(t, l.Watch(ctx, "s", "long", time.Minute))
		require.NoError(t, l.Watch(ctx, "s", "long", time.Minute), "renewing is not a second watcher")
		require.NoError(t, l.Watch(ctx, "s", "short", 200*time.Millisecond))
		require.NoError(t, l.Watch(ctx, "other", "c", time.Minute))
		n, err = l.Watchers(ctx, "s")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		require.Eventually(t, func() bool {
			n, err := l.Watchers(ctx, "s")
			return err == nil && n == 1
		}, 5*time.Second, 25*time.Millisecond, "the short mark expires")

		require.NoError(t, l.Unwatch(ctx, "s", "long"))
		require.NoError(t, l.Unwatch(ctx, "s", "never-watched"))
		n, err = l.Watchers(ctx, "s")
		require.NoError(t, err)
		assert.Zero(t, n)
		n, err = l.Watchers(ctx, "other")
		require.NoError(t, err)
		assert.Equal(t, 1, n, "another stream is independent")
	})
	t.Run("a short mark does not shorten a longer one", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		require.NoError(t, l.Watch(ctx, "s", "long", 2*time.Second))
		require.NoError(t, l.Watch(ctx, "s", "short", 100*time.Millisecond))
		time.Sleep(400 * time.Millisecond)
		n, err := l.Watchers(ctx, "s")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	})
	t.Run("active names a conversation's generation until it expires", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		s, err := l.Active(ctx, "conv-1")
		require.NoError(t, err)
		assert.Empty(t, s, "none is not an error")

		require.NoError(t, l.SetActive(ctx, "conv-1", "gen-1", time.Minute))
		require.NoError(t, l.SetActive(ctx, "conv-2", "gen-2", 200*time.Millisecond))
		s, err = l.Active(ctx, "conv-1")
		require.NoError(t, err)
		assert.Equal(t, "gen-1", s)
		require.NoError(t, l.SetActive(ctx, "conv-1", "gen-3", time.Minute))
		s, err = l.Active(ctx, "conv-1")
		require.NoError(t, err)
		assert.Equal(t, "gen-3", s, "the latest generation wins")

		require.Eventually(t, func() bool {
			s, err := l.Active(ctx, "conv-2")
			return err == nil && s == ""
		}, 5*time.Second, 25*time.Millisecond)
		s, err = l.Active(ctx, "conv-1")
		require.NoError(t, err)
		assert.Equal(t, "gen-3", s)
	})
	t.Run("refuses bad arguments", func(t *testing.T) {
		t.Parallel()
		l := newLog(t)
		ctx := context.Background()
		_, err := l.Append(ctx, "", "", "meta", nil, time.Minute)
		assert.Error(t, err)
		_, err = l.Append(ctx, "s", "", "meta", nil, 0)
		assert.Error(t, err)
		assert.Error(t, l.Watch(ctx, "s", "c", 0))
		assert.Error(t, l.SetActive(ctx, "conv", "gen", 0))
	})
}

// StreamLogShared runs what only a shared log does: two instances on one
// store see each other's events, watchers and active generations.
func StreamLogShared(t *testing.T, newPair func(t *testing.T) (a, b ports.StreamLog)) {
	t.Run("instances see each other's events", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ctx := context.Background()
		first, err := a.Append(ctx, "s", "", "meta", []byte(`{"m":1}`), time.Minute)
		require.NoError(t, err)
		got, err := b.Read(ctx, "s", "", 0)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, first, got[0].ID)
		assert.JSONEq(t, `{"m":1}`, string(got[0].Data))

		done := make(chan []ports.StreamEvent, 1)
		go func() {
			ev, err := b.Read(ctx, "s", first, 10*time.Second)
			assert.NoError(t, err)
			done <- ev
		}()
		time.Sleep(150 * time.Millisecond)
		second, err := a.Append(ctx, "s", "", "delta", []byte(`{}`), time.Minute)
		require.NoError(t, err)
		select {
		case ev := <-done:
			require.Len(t, ev, 1)
			assert.Equal(t, second, ev[0].ID)
		case <-time.After(5 * time.Second):
			t.Fatal("an append on one instance did not wake a read on the other")
		}
	})
	t.Run("instances share watchers and active generations", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ctx := context.Background()
		require.NoError(t, a.Watch(ctx, "s", "client-a", time.Minute))
		require.NoError(t, b.Watch(ctx, "s", "client-b", time.Minute))
		n, err := a.Watchers(ctx, "s")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		require.NoError(t, a.SetActive(ctx, "conv", "gen", time.Minute))
		s, err := b.Active(ctx, "conv")
		require.NoError(t, err)
		assert.Equal(t, "gen", s)
	})
}

// assertIDBefore checks a < b as "ms-seq" ids.
func assertIDBefore(t *testing.T, a, b string) {
	t.Helper()
	am, as := splitID(t, a)
	bm, bs := splitID(t, b)
	assert.True(t, am < bm || (am == bm && as < bs), "%s should come before %s", a, b)
}

func splitID(t *testing.T, id string) (ms, seq uint64) {
	t.Helper()
	m, s, ok := strings.Cut(id, "-")
	require.True(t, ok, "id %q is not ms-seq", id)
	ms, err := strconv.ParseUint(m, 10, 64)
	require.NoError(t, err, id)
	seq, err = strconv.ParseUint(s, 10, 64)
	require.NoError(t, err, id)
	return ms, seq
}

// StreamLogGivenIDs: an event appended with its own id keeps it, and ids
// must increase.
func StreamLogGivenIDs(t *testing.T, newLog func(t *testing.T) ports.StreamLog) {
	t.Parallel()
	l := newLog(t)
	ctx := context.Background()
	id, err := l.Append(ctx, "given", "1700000000000-1", "meta", []byte(`{}`), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "1700000000000-1", id)
	_, err = l.Append(ctx, "given", "1700000000000-2", "delta", []byte(`{"text":"a"}`), time.Minute)
	require.NoError(t, err)
	_, err = l.Append(ctx, "given", "1700000000000-2", "delta", []byte(`{"text":"b"}`), time.Minute)
	assert.Error(t, err, "an id that does not increase is refused")
	evs, err := l.Read(ctx, "given", "1700000000000-1", 0)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, "1700000000000-2", evs[0].ID)

	require.NoError(t, l.AppendMany(ctx, "given", []ports.StreamEvent{{ID: "1700000000000-3", Type: "delta", Data: []byte(`{"text":"c"}`)},
		{ID: "1700000000001-0", Type: "done", Data: []byte(`{}`)}}, time.Minute))
	evs, err = l.Read(ctx, "given", "1700000000000-2", 0)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, []string{"delta", "done"}, []string{evs[0].Type, evs[1].Type})
	assert.Error(t, l.AppendMany(ctx, "given", []ports.StreamEvent{{Type: "delta"}}, time.Minute), "events need ids")
}
