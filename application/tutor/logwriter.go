package tutor

import (
	"context"
	"sync"

	"github.com/codementor/codementor/ports"
)

// logPending bounds a generation's events not yet in the StreamLog: past
// it, the generation waits for the log (back-pressure, as a slow Redis
// must not grow the instance's memory without bound).
const logPending = 64

// logWriters is how many logWriters an instance has: generations are
// spread over them, so that rounds overlap (one encodes while another waits
// on the log) and stay short.
const logWriters = 4

// logWriter writes its generations' events to the StreamLog: one
// goroutine per writer, and only while there is something to write (not
// one per stream), each round carrying whatever every generation queued
// meanwhile, in one round trip when the log can append to many streams
// at once (ports.StreamBatchAppender). A generation's events are written
// in order: only the writer takes them, one round after the other.
type logWriter struct {
	mu      sync.Mutex
	dirty   []*generation // generations with pending events, each once
	running bool          // a writer goroutine is on its way

	// The writer's own, reused from round to round.
	gens  []*generation
	batch []ports.StreamAppend
}

// push queues ev for the log; end says it is the generation's last. It
// waits while the generation has logPending events queued already.
func (w *logWriter) push(r *generation, ev ports.StreamEvent, end bool) {
	w.mu.Lock()
	for len(r.pending) >= logPending {
		space := make(chan struct{})
		r.space = space
		w.mu.Unlock()
		<-space
		w.mu.Lock()
	}
	r.pending = append(r.pending, ev)
	if end {
		r.ending = true
	}
	if !r.queued {
		r.queued = true
		w.dirty = append(w.dirty, r)
	}
	start := !w.running
	w.running = true
	w.mu.Unlock()
	if start {
		go w.run(r.s)
	}
}

// run writes rounds until nothing is pending, then ends.
func (w *logWriter) run(s *Service) {
	ctx := context.Background()
	batcher, _ := s.Log.(ports.StreamBatchAppender)
	for {
		w.mu.Lock()
		if len(w.dirty) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.gens, w.dirty = w.dirty, w.gens[:0]
		w.batch = w.batch[:0]
		for _, r := range w.gens {
			w.batch = append(w.batch, ports.StreamAppend{Stream: r.key, Events: r.pending})
			r.pending, r.queued = nil, false
			r.taking = r.ending
			if r.space != nil {
				close(r.space)
				r.space = nil
			}
		}
		w.mu.Unlock()

		if batcher != nil {
			if err := batcher.AppendBatch(ctx, w.batch, s.cfg.StreamTTL); err != nil {
				for i := range w.batch {
					if w.batch[i].Err == nil {
						w.batch[i].Err = err
					}
				}
			}
		} else {
			for i := range w.batch {
				w.batch[i].Err = s.Log.AppendMany(ctx, w.batch[i].Stream, w.batch[i].Events, s.cfg.StreamTTL)
			}
		}
		for i, r := range w.gens {
			if err := w.batch[i].Err; err != nil && !r.warned {
				r.warned = true
				s.Logger.Warn("stream log unavailable: this answer cannot be resumed on another instance", "err", err)
			}
			if r.taking {
				close(r.logged) // its last event is in the log
			}
			w.gens[i] = nil
			w.batch[i] = ports.StreamAppend{}
		}
	}
}
