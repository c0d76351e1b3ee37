package ports

import (
	"context"

	"github.com/codementor/codementor/domain/exercise"
)

// CodeRunner runs learner code against test calls in a sandbox, never in
// the server's process. A run the code itself ended badly (compile error,
// limit, crash) is a RunResult; an error is the runner's own failure
// (sandbox missing, remote engine down), graded as the "error" verdict.
type CodeRunner interface {
	Run(ctx context.Context, spec exercise.RunSpec) (exercise.RunResult, error)
	// Name is what readiness reports ("local", "piston").
	Name() string
}
