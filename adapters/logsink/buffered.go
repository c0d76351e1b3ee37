// Package logsink holds where log lines go: a buffered writer that keeps
// the access log off the request path's system calls.
package logsink

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// Buffered collects whole log lines and writes them out every interval (or
// when the buffer fills), so a busy server makes one write call per batch
// instead of one per request. Close flushes what is left. The price: if the
// process is killed outright, at most one interval of lines is lost.
type Buffered struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// NewBuffered starts the flusher. size is the buffer in bytes.
func NewBuffered(w io.Writer, size int, interval time.Duration) *Buffered {
	b := &Buffered{w: bufio.NewWriterSize(w, size), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop(interval)
	return b
}

func (b *Buffered) loop(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = b.Flush()
		case <-b.stop:
			return
		}
	}
}

// Write adds p (one log record) to the buffer.
func (b *Buffered) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes out everything buffered.
func (b *Buffered) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// Close stops the flusher and flushes the rest. Writes after Close still
// land in the buffer; call Flush again if there are any.
func (b *Buffered) Close() error {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
	return b.Flush()
}
