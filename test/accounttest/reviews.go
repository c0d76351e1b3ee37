package accounttest

import (
	"testing"

	githubadapter "github.com/codementor/codementor/adapters/github"
	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/fakes/githubserver"
)

// ReviewsOption adjusts the reviews' settings.
type ReviewsOption func(*reviews.Config)

// NewReviews builds the GitHub use cases on the fixture's database and AI
// gateway, reading GitHub through gh, with an in-memory job queue that
// the test drains (RunReview) when it wants the background work done.
func (f *Fixture) NewReviews(t testing.TB, gh ports.GitHub, opts ...ReviewsOption) (*reviews.Service, *memory.JobQueue) {
	t.Helper()
	q := memory.NewJobQueue()
	cfg := reviews.DefaultConfig()
	cfg.ConnectURL = "http://codementor.test/api/v1/auth/oauth/github"
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := reviews.NewService(reviews.Deps{
		Links: memory.NewRepoLinks(f.DB), Reviews: memory.NewReviews(f.DB), Queue: q, Tx: f.Deps.Tx, GitHub: gh,
		Identities: f.Deps.Identities, Box: f.Deps.Box, Profiles: f.Deps.Profiles,
		Exercises: memory.NewExerciseRepository(f.DB), AI: f.AI, Tokens: wordCounter{}, Connector: f.Service,
		Clock: f.Clock, IDs: ids{}, Log: Logger(),
	}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc, q
}

// Reviews returns the fixture's GitHub use cases (built on first use)
// over a fake GitHub API (GitHubFake).
func (f *Fixture) Reviews(t testing.TB) *reviews.Service {
	t.Helper()
	if f.reviews == nil {
		f.GitHubFake = githubserver.New()
		t.Cleanup(f.GitHubFake.Close)
		gh, err := githubadapter.New(githubadapter.Options{BaseURL: f.GitHubFake.URL()})
		if err != nil {
			t.Fatal(err)
		}
		f.reviews, f.Jobs = f.NewReviews(t, gh)
	}
	return f.reviews
}
