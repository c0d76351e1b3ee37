package logsink_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/logsink"
)

type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLinesArriveWithinTheIntervalWholeAndInOrder(t *testing.T) {
	t.Parallel()
	out := &lockedBuffer{}
	b := logsink.NewBuffered(out, 4096, 20*time.Millisecond)
	defer b.Close()
	for i := range 100 {
		_, err := fmt.Fprintf(b, "line %03d\n", i)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return strings.Count(out.String(), "\n") == 100 }, 2*time.Second, 5*time.Millisecond)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i, l := range lines {
		assert.Equal(t, fmt.Sprintf("line %03d", i), l)
	}
	out.mu.Lock()
	assert.Less(t, out.writes, 100, "lines are batched")
	out.mu.Unlock()
}

func TestCloseFlushesTheRest(t *testing.T) {
	t.Parallel()
	out := &lockedBuffer{}
	b := logsink.NewBuffered(out, 1<<16, time.Hour)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				fmt.Fprintf(b, "g%d-%d\n", g, i)
			}
		}()
	}
	wg.Wait()
	assert.Empty(t, out.String(), "nothing written before the interval")
	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close is idempotent")
	assert.Equal(t, 400, strings.Count(out.String(), "\n"))
}
