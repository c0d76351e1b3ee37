package tutor

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/codementor/codementor/ports"
)

// hub holds this instance's generations in progress, so a client attached
// to the instance that generates reads events from memory; the shared
// StreamLog serves clients that reconnect elsewhere.
type hub struct {
	mu   sync.Mutex
	gens map[string]*gen
}

func newHub() *hub { return &hub{gens: map[string]*gen{}} }

// hubKeep is how many recent events a generation keeps in memory: enough
// for a reader that is a little behind (a reader takes all that is new at
// each wake-up); one further back reads the StreamLog. Bounded and small:
// every stream held keeps them.
const hubKeep = 16

type gen struct {
	mu        sync.Mutex
	events    []ports.StreamEvent
	ids       []eventID // events' ids, parsed
	dropped   string    // id of the last event dropped from memory ("" = none)
	droppedID eventID
	ended     bool
	notify    chan struct{} // closed (and replaced) on every change
	watchers  int
	unwatched time.Time // when the last local watcher left
	sink      Sink      // a client fed by publish itself (see Service.Attach)
}

func (h *hub) open(stream string, now time.Time) *gen {
	g := &gen{notify: make(chan struct{}), unwatched: now}
	h.mu.Lock()
	h.gens[stream] = g
	h.mu.Unlock()
	return g
}

func (h *hub) get(stream string) *gen {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.gens[stream]
}

// drop forgets a finished generation after a while (late local readers
// are then served from the StreamLog).
func (h *hub) drop(stream string, after time.Duration) {
	time.AfterFunc(after, func() {
		h.mu.Lock()
		delete(h.gens, stream)
		h.mu.Unlock()
	})
}

func (g *gen) publish(ev ports.StreamEvent, end bool) {
	g.mu.Lock()
	if len(g.events) == hubKeep {
		g.dropped, g.droppedID = g.events[0].ID, g.ids[0]
		copy(g.events, g.events[1:])
		copy(g.ids, g.ids[1:])
		g.events, g.ids = g.events[:hubKeep-1], g.ids[:hubKeep-1]
	}
	g.events = append(g.events, ev)
	g.ids = append(g.ids, parseID(ev.ID))
	if end {
		g.ended = true
	}
	close(g.notify)
	g.notify = make(chan struct{})
	sink := g.sink
	g.mu.Unlock()
	// Outside the lock: a sink writes to its client (a bounded wait), and
	// only the generation publishes, so its events reach it in order.
	if sink != nil && !sink.Send([]ports.StreamEvent{ev}, end) {
		g.detach(sink, time.Now())
	}
}

// attach makes sink the generation's pushed client: it is sent the events
// so far, then each one as it is published. false when that is not
// possible (another sink is attached, or the first events already left
// memory): read the stream with a Subscription instead.
func (g *gen) attach(sink Sink, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sink != nil || g.dropped != "" {
		return false
	}
	// Under the lock, so that no event is published between the backlog
	// and the first push.
	if !sink.Send(append([]ports.StreamEvent(nil), g.events...), g.ended) {
		return true // gone already: nothing more to send it
	}
	if !g.ended {
		g.sink = sink
		g.watchers++
	}
	return true
}

// detach forgets sink (its client left); it is no longer a watcher.
func (g *gen) detach(sink Sink, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sink != sink {
		return
	}
	g.sink = nil
	g.watchers--
	if g.watchers <= 0 {
		g.watchers, g.unwatched = 0, now
	}
}

// since answers the events after afterID, whether the generation ended,
// and a channel closed on the next change; gap is true when some events
// after afterID are no longer in memory (read the StreamLog instead).
func (g *gen) since(afterID string) (evs []ports.StreamEvent, ended bool, changed <-chan struct{}, gap bool) {
	var after eventID
	if afterID != "" {
		after = parseID(afterID)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dropped != "" && afterID != g.dropped && (afterID == "" || g.droppedID.after(after)) {
		return nil, g.ended, g.notify, true
	}
	// Ids increase: from the end, as a reader is most often up to date.
	i := len(g.events)
	if afterID == "" {
		i = 0
	}
	for i > 0 && g.ids[i-1].after(after) {
		i--
	}
	if i == len(g.events) {
		return nil, g.ended, g.notify, false
	}
	out := append([]ports.StreamEvent(nil), g.events[i:]...)
	return out, g.ended, g.notify, false
}

func (g *gen) watch(delta int, now time.Time) {
	g.mu.Lock()
	g.watchers += delta
	if g.watchers <= 0 {
		g.watchers, g.unwatched = 0, now
	}
	g.mu.Unlock()
}

// alone reports how long nobody local has watched (0 while someone does).
func (g *gen) alone(now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.watchers > 0 {
		return 0
	}
	return now.Sub(g.unwatched)
}

// eventID is a stream id "ms-seq", parsed.
type eventID struct{ ms, seq uint64 }

func parseID(id string) eventID {
	ms, seq := splitID(id)
	return eventID{ms, seq}
}

func (a eventID) after(b eventID) bool {
	if a.ms != b.ms {
		return a.ms > b.ms
	}
	return a.seq > b.seq
}

func splitID(id string) (uint64, uint64) {
	ms, seq, _ := strings.Cut(id, "-")
	m, _ := strconv.ParseUint(ms, 10, 64)
	s, _ := strconv.ParseUint(seq, 10, 64)
	return m, s
}

// validID says whether a Last-Event-ID can be one of ours.
func validID(id string) bool {
	ms, seq, ok := strings.Cut(id, "-")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseUint(ms, 10, 64)
	_, err2 := strconv.ParseUint(seq, 10, 64)
	return err1 == nil && err2 == nil
}
