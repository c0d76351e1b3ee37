// Package catalog_test proves every curated exercise sound in the real
// sandbox: its reference solution passes every test and its starter code
// fails at least one (and runs: a starter that does not compile would
// greet learners with an error).
package catalog_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/catalog"
	"github.com/codementor/codementor/adapters/runner/local"
	"github.com/codementor/codementor/domain/exercise"
)

func newRunner(t *testing.T) *local.Runner {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil && os.Getenv("CODEMENTOR_REQUIRE_SANDBOX") == "" {
		t.Skip("bubblewrap is not installed (CI sets CODEMENTOR_REQUIRE_SANDBOX=1 and installs it)")
	}
	r, err := local.New(local.Config{UIDBase: 540000})
	require.NoError(t, err)
	return r
}

func TestEveryCuratedExerciseIsSoundInTheSandbox(t *testing.T) {
	t.Parallel()
	runner := newRunner(t)
	exs, err := catalog.Curated(time.Now())
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(exs), 36)
	limits := exercise.DefaultLimits()
	for _, e := range exs {
		t.Run(e.Language().String()+"/"+e.Slug(), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rr, err := runner.Run(ctx, exercise.SpecFor(e, e.Solution(), limits))
			require.NoError(t, err)
			g := exercise.Grade(e, rr)
			assert.Equal(t, exercise.Passed, g.Verdict, "reference solution: %s (%d/%d) %s %s", g.Verdict, g.Passed, g.Total, g.Message, rr.Stderr)

			rr, err = runner.Run(ctx, exercise.SpecFor(e, e.StarterCode(), limits))
			require.NoError(t, err)
			g = exercise.Grade(e, rr)
			assert.NotEqual(t, exercise.Passed, g.Verdict, "the starter code must fail at least one test")
			assert.NotEqual(t, exercise.CompileError, g.Verdict, "the starter code must compile: %s", g.Message)
			assert.Less(t, g.Passed, g.Total)
		})
	}
}
