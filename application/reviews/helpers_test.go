package reviews_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/catalog"
	githubadapter "github.com/codementor/codementor/adapters/github"
	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
	"github.com/codementor/codementor/test/fakes/githubserver"
)

var ctx = context.Background()

var seq atomic.Int64

// ---- the scripted LLM ----

// scriptedLLM is the shared scripted model (answers Complete from a
// queue, then from Func; records every request).
type scriptedLLM = accounttest.ScriptedLLM

// requestText is everything a request tells the model.
func requestText(r llm.Request) string { return accounttest.RequestText(r) }

// userPrompt is a review request's one user message.
func userPrompt(t *testing.T, r llm.Request) string {
	t.Helper()
	require.Len(t, r.Messages, 1)
	require.Equal(t, llm.RoleUser, r.Messages[0].Role)
	return r.Messages[0].Content
}

// ---- answers ----

type wireFinding struct {
	Path       string `json:"path"`
	StartLine  int    `json:"start_line"`
	EndLine    int    `json:"end_line"`
	Severity   string `json:"severity"`
	Category   string `json:"category"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion"`
}

type wireAnswer struct {
	Summary        string        `json:"summary"`
	Strengths      []string      `json:"strengths"`
	Findings       []wireFinding `json:"findings"`
	PracticeTopics []string      `json:"practice_topics"`
}

func (a wireAnswer) JSON() string {
	if a.Strengths == nil {
		a.Strengths = []string{}
	}
	if a.Findings == nil {
		a.Findings = []wireFinding{}
	}
	if a.PracticeTopics == nil {
		a.PracticeTopics = []string{}
	}
	b, err := json.Marshal(a)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// plainAnswer is a valid answer with no finding.
func plainAnswer() string {
	return wireAnswer{Summary: "Tidy code.", Strengths: []string{"Clear names."}, PracticeTopics: []string{"basics"}}.JSON()
}

// ---- prompt blocks ----

// blocks splits a chunk prompt into its file blocks (path -> the block's
// lines, framing excluded) and the text outside every block. The nonce is
// read from the header, so a line merely looking like a block's end
// inside a file does not end it.
func blocks(t *testing.T, prompt string) (files map[string]string, outside string) {
	t.Helper()
	const marker = "<<<FILE "
	i := strings.Index(prompt, "\""+marker)
	require.GreaterOrEqual(t, i, 0, "the header names the block marker")
	nonce := strings.Fields(prompt[i+1+len(marker):])[0]
	require.NotEmpty(t, nonce)
	open := "<<<FILE " + nonce + " path="
	end := "<<<END FILE " + nonce + ">>>"
	files = map[string]string{}
	var out strings.Builder
	var cur *strings.Builder
	curPath := ""
	for _, line := range strings.Split(prompt, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, open):
			rest := strings.TrimPrefix(line, "<<<FILE "+nonce+" path=")
			q := rest[:strings.Index(rest, " language=")]
			var err error
			curPath, err = unquote(q)
			require.NoError(t, err, line)
			cur = &strings.Builder{}
		case cur != nil && line == end:
			files[curPath] = cur.String()
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		default:
			out.WriteString(line + "\n")
		}
	}
	require.Nil(t, cur, "every block is closed")
	return files, out.String()
}

func unquote(q string) (string, error) {
	var s string
	err := json.Unmarshal([]byte(q), &s)
	return s, err
}

// ---- the environment ----

// oauthProvider stands for GitHub's OAuth app: connect tickets need a
// configured provider. Its authorize URL carries the scopes asked for.
type oauthProvider struct{}

func (oauthProvider) Name() string { return "github" }
func (oauthProvider) AuthCodeURL(state, _ string, scopes []string) string {
	return "https://github.test/login/oauth/authorize?state=" + url.QueryEscape(state) +
		"&scope=" + url.QueryEscape(strings.Join(scopes, " "))
}
func (oauthProvider) Exchange(context.Context, string, string) (ports.OAuthIdentity, error) {
	return ports.OAuthIdentity{}, errors.New("not used")
}

// hookedGitHub runs a hook before ResolveRef: tests change the world
// between a job's start and its run.
type hookedGitHub struct {
	ports.GitHub
	mu            sync.Mutex
	beforeResolve func()
}

func (h *hookedGitHub) set(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.beforeResolve = fn
}

func (h *hookedGitHub) ResolveRef(ctx context.Context, token, owner, name, ref string) (string, error) {
	h.mu.Lock()
	fn := h.beforeResolve
	h.mu.Unlock()
	if fn != nil {
		fn()
	}
	return h.GitHub.ResolveRef(ctx, token, owner, name, ref)
}

// env is the reviews service over a fake GitHub API (through the real
// adapter), a scripted model, and in-memory storage.
type env struct {
	f    *accounttest.Fixture
	llm  *scriptedLLM
	gh   *githubserver.Server
	svc  *reviews.Service
	jobs *memory.JobQueue
}

type envOption struct {
	offline    bool // no model configured
	noProvider bool // GitHub's OAuth app not configured
	reviews    []accounttest.ReviewsOption
	// wrap, when set, decorates the GitHub adapter the service uses.
	wrap func(ports.GitHub) ports.GitHub
}

func newEnv(t *testing.T, opts ...accounttest.ReviewsOption) *env {
	return newEnvWith(t, envOption{reviews: opts})
}

func newEnvWith(t *testing.T, o envOption) *env {
	t.Helper()
	l := &scriptedLLM{}
	var fo []accounttest.Option
	if !o.offline {
		fo = append(fo, accounttest.WithLLM(l))
	}
	if !o.noProvider {
		fo = append(fo, accounttest.WithProviders(map[string]ports.OAuthProvider{"github": oauthProvider{}}))
	}
	f := accounttest.New(t, fo...)
	gh := githubserver.New()
	t.Cleanup(gh.Close)
	client, err := githubadapter.New(githubadapter.Options{BaseURL: gh.URL()})
	require.NoError(t, err)
	var port ports.GitHub = client
	if o.wrap != nil {
		port = o.wrap(client)
	}
	svc, jobs := f.NewReviews(t, port, o.reviews...)
	return &env{f: f, llm: l, gh: gh, svc: svc, jobs: jobs}
}

// register creates a learner and answers their id.
func (e *env) register(t *testing.T) string { return e.f.NewLearner(t) }

// learner is a registered learner with a GitHub connection.
type learner struct {
	ID    string
	Login string
	Token string
}

// learner registers a learner whose GitHub account (a fresh login) is
// connected with a token valid in the fake, made with scopes (none: a
// fine-grained token).
func (e *env) learner(t *testing.T, scopes ...string) learner {
	t.Helper()
	id := e.register(t)
	n := seq.Add(1)
	l := learner{ID: id, Login: fmt.Sprintf("octo%d", n), Token: fmt.Sprintf("gho_test%dtoken", n)}
	e.connect(t, l, scopes...)
	return l
}

// connect registers l's token in the fake and stores it sealed on the
// learner's GitHub identity.
func (e *env) connect(t *testing.T, l learner, scopes ...string) {
	t.Helper()
	e.gh.AddToken(l.Token, l.Login, 0, scopes...)
	sealed, err := e.f.Deps.Box.Seal([]byte(l.Token))
	require.NoError(t, err)
	now := e.f.Clock.Now()
	require.NoError(t, e.f.Deps.Identities.Upsert(ctx, identity.LinkedIdentity{UserID: l.ID, Provider: "github",
		Subject: "gh-" + l.Login, Login: l.Login, AccessTokenSealed: sealed, Scopes: scopes, CreatedAt: now, UpdatedAt: now}))
}

// githubIdentity is the learner's stored GitHub identity.
func (e *env) githubIdentity(t *testing.T, userID string) identity.LinkedIdentity {
	t.Helper()
	ls, err := e.f.Deps.Identities.ListForUser(ctx, userID)
	require.NoError(t, err)
	for _, l := range ls {
		if l.Provider == "github" {
			return l
		}
	}
	t.Fatalf("no github identity for %s", userID)
	return identity.LinkedIdentity{}
}

// repo adds a public Python repository owned by owner with files on main.
func (e *env) repo(owner, name string, files map[string]string) string {
	return e.gh.AddRepo(githubserver.Repo{Owner: owner, Name: name, Language: "Python", Files: files})
}

// link links owner/name for the learner.
func (e *env) link(t *testing.T, userID, fullName string) review.RepoLink {
	t.Helper()
	l, err := e.svc.Link(ctx, reviews.LinkInput{UserID: userID, FullName: fullName})
	require.NoError(t, err)
	return l
}

// request asks for a review and requires a new one.
func (e *env) request(t *testing.T, userID, linkID, ref string, pull int) review.Review {
	t.Helper()
	r, created, err := e.svc.RequestReview(ctx, reviews.RequestInput{UserID: userID, LinkID: linkID, Ref: ref, PullNumber: pull})
	require.NoError(t, err)
	require.True(t, created)
	return r
}

// runJobs takes the pending jobs and runs each once.
func (e *env) runJobs(t *testing.T, final bool) []error {
	t.Helper()
	var errs []error
	for _, j := range e.jobs.Take() {
		errs = append(errs, e.svc.RunReview(ctx, j.ReviewID, final))
	}
	return errs
}

// runOne runs the only pending job.
func (e *env) runOne(t *testing.T, final bool) error {
	t.Helper()
	jobs := e.jobs.Take()
	require.Len(t, jobs, 1)
	return e.svc.RunReview(ctx, jobs[0].ReviewID, final)
}

// get loads a review.
func (e *env) get(t *testing.T, r review.Review) review.Review {
	t.Helper()
	got, err := e.svc.GetReview(ctx, r.OwnerID, r.LinkID, r.ID)
	require.NoError(t, err)
	return got
}

// memoryLinks is the fixture's link repository, for what no use case does.
func memoryLinks(e *env) *memory.RepoLinkRepository { return memory.NewRepoLinks(e.f.DB) }

// withCatalogue syncs the curated exercises into the fixture's database.
func (e *env) withCatalogue(t *testing.T) {
	t.Helper()
	exs, err := catalog.Curated(e.f.Clock.Now())
	require.NoError(t, err)
	_, err = memory.NewExerciseRepository(e.f.DB).SyncCatalog(ctx, exs)
	require.NoError(t, err)
}

// ---- errors ----

func publicCode(err error) string {
	var pe *domain.PublicError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func validationFields(t *testing.T, err error) []string {
	t.Helper()
	var verr *domain.ValidationError
	require.ErrorAs(t, err, &verr)
	out := make([]string, 0, len(verr.Issues))
	for _, i := range verr.Issues {
		out = append(out, i.Field)
	}
	return out
}

func skippedAs(res review.Result) map[string]review.SkipReason {
	out := map[string]review.SkipReason{}
	for _, s := range res.Skipped {
		out[s.Path] = s.Reason
	}
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
