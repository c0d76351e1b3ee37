package http

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLazyDeadlineBehavesLikeWithTimeout(t *testing.T) {
	t.Parallel()
	ctx := newLazyDeadline(context.WithValue(context.Background(), localKey(99), "v"), time.Now(), 30*time.Millisecond)
	defer ctx.release()
	dl, ok := ctx.Deadline()
	require.True(t, ok)
	assert.WithinDuration(t, time.Now().Add(30*time.Millisecond), dl, 20*time.Millisecond)
	assert.Equal(t, "v", ctx.Value(localKey(99)), "values pass through")
	assert.NoError(t, ctx.Err())

	// Derived contexts see the deadline, and are cancelled with it.
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	select {
	case <-child.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("the derived context was not cancelled at the deadline")
	}
	assert.True(t, errors.Is(ctx.Err(), context.DeadlineExceeded))
	assert.True(t, errors.Is(child.Err(), context.DeadlineExceeded))
}

func TestLazyDeadlineKeepsAnEarlierParentDeadline(t *testing.T) {
	t.Parallel()
	parent, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	ctx := newLazyDeadline(parent, time.Now(), time.Hour)
	defer ctx.release()
	dl, _ := ctx.Deadline()
	assert.WithinDuration(t, time.Now().Add(10*time.Millisecond), dl, 20*time.Millisecond)
	<-ctx.Done()
	assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
}

func TestLazyDeadlineReleaseCancels(t *testing.T) {
	t.Parallel()
	ctx := newLazyDeadline(context.Background(), time.Now(), time.Hour)
	done := ctx.Done()
	ctx.release()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("release did not cancel")
	}
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
	// Release without any waiter is fine too.
	newLazyDeadline(context.Background(), time.Now(), time.Hour).release()
}
