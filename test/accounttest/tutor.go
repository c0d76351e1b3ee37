package accounttest

import (
	"testing"
	"time"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/application/tutor"
)

// TutorOption adjusts the tutor's settings.
type TutorOption func(*tutor.Config)

// NewTutor builds the tutor chat use cases on the fixture's database, the
// fixture's AI gateway (offline unless WithLLM) and an in-memory stream
// log, with the exercise repositories of the same database.
func (f *Fixture) NewTutor(t testing.TB, opts ...TutorOption) (*tutor.Service, *memory.StreamLog) {
	t.Helper()
	log := memory.NewStreamLog()
	limiter := memory.NewRateLimiter()
	limiter.Now = f.Clock.Now
	cfg := tutor.DefaultConfig()
	cfg.Grace = 300 * time.Millisecond
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := tutor.NewService(tutor.Deps{
		Conversations: memory.NewConversationRepository(f.DB), Messages: memory.NewMessageRepository(f.DB), Log: log,
		Exercises: memory.NewExerciseRepository(f.DB), Attempts: memory.NewAttemptRepository(f.DB),
		Submissions: memory.NewSubmissionRepository(f.DB), Profiles: f.Deps.Profiles, AI: f.AI,
		Tokens: wordCounter{}, Limiter: limiter, Slots: memory.NewSemaphore(), Background: Inline{}, Clock: f.Clock,
		IDs: ids{}, Logger: Logger(),
	}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc, log
}

// Tutor returns the fixture's tutor service (built on first use).
func (f *Fixture) Tutor(t testing.TB) *tutor.Service {
	t.Helper()
	if f.tutor == nil {
		f.tutor, _ = f.NewTutor(t)
	}
	return f.tutor
}
