package accounttest

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/codementor/codementor/adapters/catalog"
	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/ports"
)

// FakeRunner stands in for the sandbox in handler and use-case tests (the
// real sandbox is exercised by adapters/runner and the end-to-end tests).
// It knows the catalogue: a submission equal to an exercise's reference
// solution returns every expected value; code containing "while True"
// times out; "raise" raises in every test; anything else returns null.
type FakeRunner struct {
	mu    sync.Mutex
	known map[string]*exercise.Exercise // by entry + first test name
	// Fail makes every run a runner failure.
	Fail atomic.Bool
	// Block, when set, holds every run until it is closed.
	Block chan struct{}
	// Func, when set, answers every run (after Block and Fail) instead of
	// the catalogue rules: tests of generated exercises script the sandbox
	// with it. Set it before any run starts.
	Func func(exercise.RunSpec) (exercise.RunResult, error)
	Runs atomic.Int64
}

var _ ports.CodeRunner = (*FakeRunner)(nil)

// Name is "fake".
func (*FakeRunner) Name() string { return "fake" }

// Know adds exercises the runner can answer for.
func (r *FakeRunner) Know(exs ...*exercise.Exercise) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known == nil {
		r.known = map[string]*exercise.Exercise{}
	}
	for _, e := range exs {
		r.known[e.Entry()+"|"+e.Tests()[0].Name+"|"+e.Language().String()] = e
	}
}

// Run answers as documented on the type.
func (r *FakeRunner) Run(ctx context.Context, spec exercise.RunSpec) (exercise.RunResult, error) {
	r.Runs.Add(1)
	if r.Block != nil {
		select {
		case <-r.Block:
		case <-ctx.Done():
			return exercise.RunResult{}, ctx.Err()
		}
	}
	if r.Fail.Load() {
		return exercise.RunResult{}, errFake
	}
	if r.Func != nil {
		return r.Func(spec)
	}
	r.mu.Lock()
	e := r.known[spec.Entry+"|"+spec.Tests[0].Name+"|"+spec.Language.String()]
	r.mu.Unlock()
	out := exercise.RunResult{Status: exercise.RunCompleted}
	if strings.Contains(spec.Code, "while True") {
		out.Status = exercise.RunTimeout
		return out, nil
	}
	for i, t := range spec.Tests {
		o := exercise.TestOutput{Name: t.Name, Status: exercise.TestReturned, Actual: json.RawMessage("null")}
		switch {
		case strings.Contains(spec.Code, "raise"):
			o.Status, o.Actual, o.Error = exercise.TestRaised, nil, "ValueError: boom"
		case e != nil && spec.Code == e.Solution():
			o.Actual = e.Tests()[i].Expected
		}
		out.Tests = append(out.Tests, o)
	}
	return out, nil
}

type fakeErr string

func (e fakeErr) Error() string { return string(e) }

const errFake = fakeErr("fake runner: sandbox unavailable")

// ExerciseOption adjusts the exercise service's settings.
type ExerciseOption func(*exercises.Config)

// NewExercises builds the exercise use cases on the fixture's database,
// with the curated catalogue synced and a FakeRunner that knows it.
func (f *Fixture) NewExercises(t testing.TB, opts ...ExerciseOption) (*exercises.Service, *FakeRunner) {
	t.Helper()
	runner := &FakeRunner{}
	cfg := exercises.DefaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := exercises.NewService(exercises.Deps{
		Exercises: memory.NewExerciseRepository(f.DB), Attempts: memory.NewAttemptRepository(f.DB),
		Assignments: memory.NewDailyRepository(f.DB), Submissions: memory.NewSubmissionRepository(f.DB),
		Awards: memory.NewAchievementRepository(f.DB), Users: f.Deps.Users, Profiles: f.Deps.Profiles,
		Tx: f.Deps.Tx, Runner: runner, Locker: memory.NewLocker(), AI: f.AI, Clock: f.Clock, IDs: ids{}, Log: Logger(),
	}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	exs, err := catalog.Curated(f.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SyncCatalog(context.Background(), exs); err != nil {
		t.Fatal(err)
	}
	runner.Know(exs...)
	return svc, runner
}

// Exercises returns the fixture's exercise service (built on first use).
func (f *Fixture) Exercises(t testing.TB) *exercises.Service {
	t.Helper()
	if f.exercises == nil {
		f.exercises, f.Runner = f.NewExercises(t)
	}
	return f.exercises
}
