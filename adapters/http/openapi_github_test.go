package http_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	githubadapter "github.com/codementor/codementor/adapters/github"
	httpadapter "github.com/codementor/codementor/adapters/http"
	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/application/health"
	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
	"github.com/codementor/codementor/test/fakes/githubserver"
)

// reviewModel is a scripted model for code reviews: it answers the queued
// texts in order (an empty review when none is queued) and keeps every
// prompt it was sent.
type reviewModel struct {
	mu      sync.Mutex
	answers []string
	prompts []string
}

var _ ports.LLM = (*reviewModel)(nil)

const emptyReviewAnswer = `{"summary":"Nothing to add.","strengths":[],"findings":[],"practice_topics":[]}`

func (m *reviewModel) queue(answers ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answers = append(m.answers, answers...)
}

func (m *reviewModel) sent() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.prompts, "\n")
}

func (m *reviewModel) Configured() bool { return true }

func (m *reviewModel) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prompts = append(m.prompts, req.System)
	for _, msg := range req.Messages {
		m.prompts = append(m.prompts, msg.Content)
	}
	text := emptyReviewAnswer
	if len(m.answers) > 0 {
		text, m.answers = m.answers[0], m.answers[1:]
	}
	return llm.Response{Text: text, Provider: "doc", Model: "doc-1", FinishReason: llm.FinishStop,
		Usage: llm.Usage{PromptTokens: 100, CompletionTokens: 50}}, nil
}

func (m *reviewModel) Stream(context.Context, llm.Request) (ports.Stream, error) {
	return nil, &llm.Error{Kind: llm.ErrUnavailable, Provider: "doc", Msg: "reviews do not stream"}
}

// connectProvider is GitHub's OAuth as the connect flow sees it: code
// "grace" is the GitHub user grace, whose token is "token-grace".
type connectProvider struct{}

func (connectProvider) Name() string { return "github" }

func (connectProvider) AuthCodeURL(state, _ string, scopes []string) string {
	q := url.Values{"state": {state}, "code_challenge": {"challenge"}, "code_challenge_method": {"S256"},
		"scope": {strings.Join(scopes, " ")}}
	return "https://github.example/login/oauth/authorize?" + q.Encode()
}

func (connectProvider) Exchange(_ context.Context, code, _ string) (ports.OAuthIdentity, error) {
	return ports.OAuthIdentity{Provider: "github", Subject: "gh-" + code, Email: code + "@users.noreply.github.com",
		EmailVerified: true, Login: code, Name: code, AccessToken: "token-" + code,
		Scopes: []string{"read:user", "user:email"}}, nil
}

// githubEnv is the real app with the GitHub use cases over a fake GitHub
// API, a scripted model and an in-memory job queue the test drains.
type githubEnv struct {
	f     docFlow
	fx    *accounttest.Fixture
	gh    *githubserver.Server
	svc   *reviews.Service
	jobs  *memory.JobQueue
	model *reviewModel
}

func newGitHubEnv(t *testing.T, perDay int) githubEnv {
	t.Helper()
	model := &reviewModel{}
	fx := accounttest.New(t, accounttest.WithLLM(model),
		accounttest.WithProviders(map[string]ports.OAuthProvider{"github": connectProvider{}}))
	gh := githubserver.New()
	t.Cleanup(gh.Close)
	client, err := githubadapter.New(githubadapter.Options{BaseURL: gh.URL()})
	require.NoError(t, err)
	exercises := fx.Exercises(t) // syncs the catalogue the suggestions come from
	svc, jobs := fx.NewReviews(t, client, func(c *reviews.Config) { c.PerDay = perDay })
	hs, err := health.NewService([]ports.Pinger{fakePinger{name: "postgres"}}, nil, 100*time.Millisecond,
		fakeClock{now: time.Now()}, "test")
	require.NoError(t, err)
	opts := defaultOptions()
	opts.CookieSecure = true
	opts.FrontendURL = "https://app.codementor.test"
	app, err := httpadapter.NewApp(opts, httpadapter.Deps{Health: hs, Accounts: fx.Service, AI: fx.AI,
		Exercises: exercises, Tutor: fx.Tutor(t), Reviews: svc, Tokens: fx.Issuer, Logger: accounttest.Logger()})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return githubEnv{f: newDocFlow(t, "http://"+ln.Addr().String()), fx: fx, gh: gh, svc: svc, jobs: jobs, model: model}
}

// learner registers and signs in someone: their bearer token and id.
func (e githubEnv) learner(t *testing.T, email string) (string, string) {
	t.Helper()
	return githubLearner(t, e.f, email)
}

func githubLearner(t *testing.T, f docFlow, email string) (string, string) {
	t.Helper()
	f.do(exchange{method: "POST", path: "/api/v1/auth/register", status: 201,
		body: jsonBody(t, map[string]string{"email": email, "password": "Tangerine-Quartz-Velvet-2049", "display_name": "Learner"})})
	res := f.do(exchange{method: "POST", path: "/api/v1/auth/login", status: 200,
		body: jsonBody(t, map[string]string{"email": email, "password": "Tangerine-Quartz-Velvet-2049"})})
	tok := decodeAs[authTokens](t, res)
	return tok.AccessToken, tok.User.ID
}

// runJobs runs every queued review job, as a River worker would.
func (e githubEnv) runJobs(t *testing.T) int {
	t.Helper()
	jobs := e.jobs.Take()
	for _, j := range jobs {
		require.NoError(t, e.svc.RunReview(context.Background(), j.ReviewID, false))
	}
	return len(jobs)
}

// connectThroughBrowser follows a connect_url as the browser does: the
// start route, GitHub (the code names the GitHub user), the callback. It
// answers the callback's redirect and the scopes GitHub was asked for.
func (e githubEnv) connectThroughBrowser(t *testing.T, connectURL, code string) (response, string) {
	t.Helper()
	u, err := url.Parse(connectURL)
	require.NoError(t, err)
	start := u.Path + "?" + u.RawQuery
	res := e.f.do(exchange{method: "GET", path: start, status: 302})
	loc, err := url.Parse(res.header.Get("Location"))
	require.NoError(t, err)
	nonce := cookieSet(t, res, "cm_oauth_nonce")
	// A ticket is single use.
	e.f.do(exchange{method: "GET", path: start, status: 400, code: "invalid_oauth_state"})
	callback := "/api/v1/auth/oauth/github/callback?code=" + code + "&state=" + url.QueryEscape(loc.Query().Get("state"))
	res = e.f.do(exchange{method: "GET", path: callback, cookies: []*http.Cookie{nonce}, status: 302})
	return res, loc.Query().Get("scope")
}

type connectionBody struct {
	Connected    bool     `json:"connected"`
	Login        *string  `json:"login"`
	Scopes       []string `json:"scopes"`
	PrivateRepos bool     `json:"private_repos"`
	Reason       *string  `json:"reason"`
	ConnectURL   *string  `json:"connect_url"`
}

type repositoryBody struct {
	ID           string  `json:"id"`
	FullName     string  `json:"full_name"`
	Visibility   string  `json:"visibility"`
	Status       string  `json:"status"`
	BrokenReason *string `json:"broken_reason"`
}

type reviewBody struct {
	ID           string  `json:"id"`
	RepositoryID string  `json:"repository_id"`
	Status       string  `json:"status"`
	Ref          *string `json:"ref"`
	PullNumber   *int    `json:"pull_number"`
	CommitSHA    *string `json:"commit_sha"`
	Summary      *string `json:"summary"`
	Findings     []struct {
		Path     string `json:"path"`
		Severity string `json:"severity"`
	} `json:"findings"`
	PracticeTopics     []string `json:"practice_topics"`
	SuggestedExercises []string `json:"suggested_exercises"`
	ReviewedFiles      []string `json:"reviewed_files"`
	SkippedFiles       []struct {
		Path   string `json:"path"`
		Reason string `json:"reason"`
	} `json:"skipped_files"`
	ReviewedCount   int `json:"reviewed_count"`
	SkippedCount    int `json:"skipped_count"`
	DroppedFindings int `json:"dropped_findings"`
	Redactions      int `json:"redactions"`
	Failure         *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"failure"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
}

func str(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestGitHubResponsesMatchTheDocument drives every GitHub route through the
// real app (the review use cases over a fake GitHub API, a scripted model,
// jobs run by the test) and validates each request and answer against the
// document: connecting through the connect ticket, linking, listing and
// unlinking repositories, reviews queued, deduplicated, completed (of a
// branch and of a pull request) and failed, the daily limit, and each
// route's error envelopes.
func TestGitHubResponsesMatchTheDocument(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t, 3)
	f := e.f
	ctx := context.Background()
	const unknown = "0193a0a0-0000-7000-8000-000000000000"
	secret := "ghp_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"

	e.gh.AddToken("token-grace", "grace", 0, "read:user", "user:email")
	e.gh.AddRepo(githubserver.Repo{Owner: "grace", Name: "kata", Language: "Python", Files: map[string]string{
		"kata/total.py":     "def total(xs):\n    t = 0\n    for x in xs:\n        t = t + x\n    return t\n",
		"kata/settings.py":  "GITHUB_TOKEN = \"" + secret + "\"\nDEBUG = True\n",
		".env":              "API_KEY=abc\n",
		"vendor/six.py":     "x = 1\n",
		"package-lock.json": "{}\n",
		"logo.png":          "\x89PNG\r\n\x1a\n\x00\x00\x00",
	}})
	e.gh.Commit("grace", "kata", "feature", map[string]string{
		"kata/mean.py": "def mean(xs):\n    return sum(xs) / len(xs)\n"}, "Add mean")
	pull := e.gh.AddPull("grace", "kata", githubserver.Pull{Title: "Add mean", Head: "feature"})
	e.gh.AddRepo(githubserver.Repo{Owner: "grace", Name: "notes", Files: map[string]string{"notes.md": "# Notes\n"}})
	e.gh.AddRepo(githubserver.Repo{Owner: "grace", Name: "diary", Private: true, Files: map[string]string{"a.py": "a = 1\n"}})

	grace, _ := e.learner(t, "grace@example.com")

	// Connecting: not connected, then through the connect ticket.
	res := f.do(exchange{method: "GET", path: "/api/v1/github/connect", bearer: grace, status: 200})
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
	conn := decodeAs[connectionBody](t, res)
	assert.False(t, conn.Connected)
	assert.Equal(t, "not_connected", str(conn.Reason))
	require.NotNil(t, conn.ConnectURL)
	assert.True(t, strings.HasPrefix(*conn.ConnectURL, "http://codementor.test/api/v1/auth/oauth/github?connect="), *conn.ConnectURL)
	res, scope := e.connectThroughBrowser(t, *conn.ConnectURL, "grace")
	assertFrontendRedirect(t, res, "success", "")
	assert.Equal(t, "read:user user:email", scope, "public repositories need no repo scope")
	res = f.do(exchange{method: "GET", path: "/api/v1/github/connect", bearer: grace, status: 200})
	conn = decodeAs[connectionBody](t, res)
	assert.True(t, conn.Connected)
	assert.Equal(t, "grace", str(conn.Login))
	assert.False(t, conn.PrivateRepos)
	assert.Nil(t, conn.Reason)
	assert.Nil(t, conn.ConnectURL)
	// Private repositories need the repo scope: a connect_url asks for it.
	res = f.do(exchange{method: "GET", path: "/api/v1/github/connect?private=true", bearer: grace, status: 200})
	conn = decodeAs[connectionBody](t, res)
	assert.True(t, conn.Connected)
	assert.Nil(t, conn.Reason)
	require.NotNil(t, conn.ConnectURL)
	u, err := url.Parse(*conn.ConnectURL)
	require.NoError(t, err)
	res = f.do(exchange{method: "GET", path: u.Path + "?" + u.RawQuery, status: 302})
	assert.Contains(t, res.header.Get("Location"), "repo")
	f.do(exchange{method: "GET", path: "/api/v1/auth/oauth/github?connect=no-such-ticket", status: 400, code: "invalid_oauth_state"})
	f.do(exchange{method: "GET", path: "/api/v1/github/connect?private=maybe", bearer: grace, status: 400,
		code: "validation_failed", docRefuses: true})
	f.do(exchange{method: "GET", path: "/api/v1/github/connect", status: 401, code: "unauthorized", docRefuses: true})
	e.gh.FailNext(http.StatusBadGateway, 1)
	f.do(exchange{method: "GET", path: "/api/v1/github/connect", bearer: grace, status: 503, code: "github_unavailable"})
	e.gh.RateLimitFor(time.Hour, 1)
	f.do(exchange{method: "GET", path: "/api/v1/github/connect", bearer: grace, status: 429, code: "rate_limited"})

	// Linking.
	res = f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 201,
		body: `{"full_name":"grace/kata"}`})
	kata := decodeAs[repositoryBody](t, res)
	assert.Equal(t, "grace/kata", kata.FullName)
	assert.Equal(t, "active", kata.Status)
	res = f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 201,
		body: `{"url":"https://github.com/grace/notes.git"}`})
	notes := decodeAs[repositoryBody](t, res)
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 409, code: "already_linked",
		body: `{"url":"https://github.com/grace/kata/tree/main"}`})
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 404, code: "repository_not_found",
		body: `{"full_name":"grace/nothing-here"}`})
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 404, code: "repository_not_found",
		body: `{"full_name":"grace/diary"}`}) // private, and no repo scope
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 400, code: "validation_failed",
		docRefuses: true, body: `{}`})
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 400, code: "validation_failed",
		docRefuses: true, body: `{"full_name":"grace/kata","url":"https://github.com/grace/kata"}`})
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 400, code: "validation_failed",
		docRefuses: true, body: `{"full_name":"grace/kata","branch":"main"}`})
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 400, code: "validation_failed",
		body: `{"full_name":"not a repository"}`})
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", status: 401, code: "unauthorized", docRefuses: true,
		body: `{"full_name":"grace/kata"}`})
	e.gh.FailNext(http.StatusBadGateway, 1)
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 503, code: "github_unavailable",
		body: `{"full_name":"grace/other"}`})
	e.gh.RateLimitFor(time.Hour, 1)
	res = f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: grace, status: 429, code: "rate_limited",
		body: `{"full_name":"grace/other"}`})
	assert.NotEmpty(t, res.header.Get("Retry-After"))

	// Listing, with paging.
	res = f.do(exchange{method: "GET", path: "/api/v1/github/repositories", bearer: grace, status: 200})
	repos := decodeAs[struct {
		Items      []repositoryBody `json:"items"`
		NextCursor *string          `json:"next_cursor"`
	}](t, res)
	require.Len(t, repos.Items, 2)
	assert.Equal(t, notes.ID, repos.Items[0].ID, "newest first")
	assert.Nil(t, repos.NextCursor)
	res = f.do(exchange{method: "GET", path: "/api/v1/github/repositories?limit=1", bearer: grace, status: 200})
	next, _ := decodeAs[map[string]any](t, res)["next_cursor"].(string)
	require.NotEmpty(t, next)
	f.do(exchange{method: "GET", path: "/api/v1/github/repositories?limit=1&cursor=" + url.QueryEscape(next), bearer: grace, status: 200})
	f.do(exchange{method: "GET", path: "/api/v1/github/repositories?cursor=garbage", bearer: grace, status: 400, code: "validation_failed"})
	f.do(exchange{method: "GET", path: "/api/v1/github/repositories?limit=0", bearer: grace, status: 400, code: "validation_failed", docRefuses: true})
	f.do(exchange{method: "GET", path: "/api/v1/github/repositories", status: 401, code: "unauthorized", docRefuses: true})

	// A review of the default branch: queued, the identical request
	// answered by the same review, then run.
	reviewPath := "/api/v1/github/repositories/" + kata.ID + "/review"
	res = f.do(exchange{method: "POST", path: reviewPath, bearer: grace, status: 202})
	first := decodeAs[reviewBody](t, res)
	assert.Equal(t, "queued", first.Status)
	assert.Nil(t, first.Ref)
	assert.Nil(t, first.Summary)
	assert.Nil(t, first.Failure)
	assert.Equal(t, "/api/v1/github/repositories/"+kata.ID+"/reviews/"+first.ID, res.header.Get("Location"))
	res = f.do(exchange{method: "POST", path: reviewPath, bearer: grace, status: 202, body: `{"ref":null}`})
	assert.Equal(t, first.ID, decodeAs[reviewBody](t, res).ID, "an identical pending request answers the same review")
	e.model.queue(`{"summary":"A tidy start; the loop can be simpler.","strengths":["Clear names"],
		"findings":[
		 {"path":"kata/total.py","start_line":3,"end_line":4,"severity":"minor","category":"readability",
		  "message":"This loop re-implements sum().","suggestion":"Return sum(xs)."},
		 {"path":"kata/elsewhere.py","start_line":1,"end_line":1,"severity":"major","category":"bug",
		  "message":"A file that was never sent.","suggestion":"None."}],
		"practice_topics":["loops","error-handling"]}`)
	require.Equal(t, 1, e.runJobs(t), "one job for the two requests")
	assert.NotContains(t, e.model.sent(), secret, "secrets are redacted before anything reaches the model")
	res = f.do(exchange{method: "GET", path: "/api/v1/github/repositories/" + kata.ID + "/reviews/" + first.ID, bearer: grace, status: 200})
	done := decodeAs[reviewBody](t, res)
	assert.Equal(t, "completed", done.Status)
	assert.Equal(t, e.gh.Head("grace", "kata", "main"), str(done.CommitSHA))
	assert.NotEmpty(t, str(done.Summary))
	require.Len(t, done.Findings, 1)
	assert.Equal(t, "kata/total.py", done.Findings[0].Path)
	assert.Equal(t, 1, done.DroppedFindings)
	assert.GreaterOrEqual(t, done.Redactions, 1)
	assert.ElementsMatch(t, []string{"loops", "error-handling"}, done.PracticeTopics)
	assert.NotEmpty(t, done.SuggestedExercises)
	assert.ElementsMatch(t, []string{"kata/total.py", "kata/settings.py"}, done.ReviewedFiles)
	reasons := map[string]string{}
	for _, s := range done.SkippedFiles {
		reasons[s.Path] = s.Reason
	}
	assert.Equal(t, map[string]string{".env": "secret_file", "vendor/six.py": "vendored", "package-lock.json": "lock_file",
		"logo.png": "binary"}, reasons)
	assert.Equal(t, len(done.ReviewedFiles), done.ReviewedCount)
	assert.Equal(t, len(done.SkippedFiles), done.SkippedCount)
	assert.NotNil(t, done.StartedAt)
	assert.NotNil(t, done.CompletedAt)
	for _, id := range done.SuggestedExercises {
		f.do(exchange{method: "GET", path: "/api/v1/exercises/" + id, bearer: grace, status: 200})
	}

	// A review of a ref that does not exist fails with a reason.
	res = f.do(exchange{method: "POST", path: reviewPath, bearer: grace, status: 202, body: `{"ref":"no-such-branch"}`})
	missing := decodeAs[reviewBody](t, res)
	assert.Equal(t, "no-such-branch", str(missing.Ref))
	e.runJobs(t)
	res = f.do(exchange{method: "GET", path: "/api/v1/github/repositories/" + kata.ID + "/reviews/" + missing.ID, bearer: grace, status: 200})
	failed := decodeAs[reviewBody](t, res)
	assert.Equal(t, "failed", failed.Status)
	require.NotNil(t, failed.Failure)
	assert.Equal(t, reviews.FailRefNotFound, failed.Failure.Code)
	assert.Nil(t, failed.Summary)
	assert.NotNil(t, failed.CompletedAt)

	// A pull request's review. At the day's limit, even the identical
	// pending request is refused: the limit is checked first.
	res = f.do(exchange{method: "POST", path: reviewPath, bearer: grace, status: 202, body: jsonBody(t, map[string]int{"pull_number": pull})})
	pr := decodeAs[reviewBody](t, res)
	require.NotNil(t, pr.PullNumber)
	assert.Equal(t, pull, *pr.PullNumber)
	assert.Nil(t, pr.Ref)
	res = f.do(exchange{method: "POST", path: reviewPath, bearer: grace, status: 429, code: "rate_limited",
		body: jsonBody(t, map[string]int{"pull_number": pull})})
	assert.NotEmpty(t, res.header.Get("Retry-After"))
	e.model.queue(`{"summary":"mean() fails on an empty list.","strengths":[],"findings":[
		{"path":"kata/mean.py","start_line":2,"end_line":2,"severity":"major","category":"bug",
		 "message":"Dividing by len(xs) fails when xs is empty.","suggestion":"Handle the empty list first."}],
		"practice_topics":["error-handling"]}`)
	e.runJobs(t)
	res = f.do(exchange{method: "GET", path: "/api/v1/github/repositories/" + kata.ID + "/reviews/" + pr.ID, bearer: grace, status: 200})
	prDone := decodeAs[reviewBody](t, res)
	assert.Equal(t, "completed", prDone.Status)
	assert.Equal(t, []string{"kata/mean.py"}, prDone.ReviewedFiles)
	assert.Equal(t, e.gh.Head("grace", "kata", "feature"), str(prDone.CommitSHA))
	f.do(exchange{method: "POST", path: reviewPath, bearer: grace, status: 429, code: "rate_limited", body: `{"ref":"feature"}`})

	// The review route's refusals.
	for _, body := range []string{`{"ref":"a..b"}`, jsonBody(t, map[string]any{"ref": "main", "pull_number": pull})} {
		f.do(exchange{method: "POST", path: reviewPath, bearer: grace, status: 400, code: "validation_failed", body: body})
	}
	for _, body := range []string{`{"pull_number":0}`, `{"sha":"abc"}`, `{"ref":"` + strings.Repeat("r", 251) + `"}`} {
		f.do(exchange{method: "POST", path: reviewPath, bearer: grace, status: 400, code: "validation_failed", docRefuses: true, body: body})
	}
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories/" + unknown + "/review", bearer: grace, status: 404, code: "not_found"})
	f.do(exchange{method: "POST", path: reviewPath, status: 401, code: "unauthorized", docRefuses: true})

	// The list: summaries without file lists, newest first, with paging.
	listPath := "/api/v1/github/repositories/" + kata.ID + "/reviews"
	res = f.do(exchange{method: "GET", path: listPath, bearer: grace, status: 200})
	list := decodeAs[struct {
		Items []map[string]any `json:"items"`
	}](t, res)
	require.Len(t, list.Items, 3)
	assert.Equal(t, pr.ID, list.Items[0]["id"])
	for _, item := range list.Items {
		assert.NotContains(t, item, "reviewed_files")
		assert.NotContains(t, item, "skipped_files")
	}
	res = f.do(exchange{method: "GET", path: listPath + "?limit=2", bearer: grace, status: 200})
	next, _ = decodeAs[map[string]any](t, res)["next_cursor"].(string)
	require.NotEmpty(t, next)
	res = f.do(exchange{method: "GET", path: listPath + "?limit=2&cursor=" + url.QueryEscape(next), bearer: grace, status: 200})
	assert.Nil(t, decodeAs[map[string]any](t, res)["next_cursor"])
	f.do(exchange{method: "GET", path: "/api/v1/github/repositories/" + notes.ID + "/reviews", bearer: grace, status: 200})
	f.do(exchange{method: "GET", path: listPath + "?cursor=garbage", bearer: grace, status: 400, code: "validation_failed"})
	f.do(exchange{method: "GET", path: listPath + "?limit=101", bearer: grace, status: 400, code: "validation_failed", docRefuses: true})
	f.do(exchange{method: "GET", path: "/api/v1/github/repositories/" + unknown + "/reviews", bearer: grace, status: 404, code: "not_found"})
	f.do(exchange{method: "GET", path: listPath, status: 401, code: "unauthorized", docRefuses: true})
	f.do(exchange{method: "GET", path: listPath + "/" + unknown, bearer: grace, status: 404, code: "not_found"})
	f.do(exchange{method: "GET", path: "/api/v1/github/repositories/" + notes.ID + "/reviews/" + first.ID, bearer: grace,
		status: 404, code: "not_found"})
	f.do(exchange{method: "GET", path: listPath + "/" + first.ID, status: 401, code: "unauthorized", docRefuses: true})

	// Another learner, connected directly (a sealed token), whose
	// repository disappears from GitHub: the review fails and the link
	// breaks.
	ada, adaID := e.learner(t, "ada@example.com")
	sealed, err := e.fx.Deps.Box.Seal([]byte("token-ada"))
	require.NoError(t, err)
	now := e.fx.Clock.Now()
	require.NoError(t, e.fx.Deps.Identities.Upsert(ctx, identity.LinkedIdentity{UserID: adaID, Provider: "github",
		Subject: "gh-ada", Login: "ada", AccessTokenSealed: sealed, Scopes: []string{"read:user", "user:email", "repo"},
		CreatedAt: now, UpdatedAt: now}))
	e.gh.AddToken("token-ada", "ada", 0, "read:user", "user:email", "repo")
	e.gh.AddRepo(githubserver.Repo{Owner: "ada", Name: "scratch", Private: true, Files: map[string]string{"main.go": "package main\n"}})
	e.gh.AddRepo(githubserver.Repo{Owner: "ada", Name: "lab", Files: map[string]string{"lab.js": "let x = 1\n"}})
	res = f.do(exchange{method: "GET", path: "/api/v1/github/connect?private=1", bearer: ada, status: 200})
	conn = decodeAs[connectionBody](t, res)
	assert.True(t, conn.PrivateRepos)
	assert.Nil(t, conn.ConnectURL)
	res = f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: ada, status: 201, body: `{"full_name":"ada/scratch"}`})
	scratch := decodeAs[repositoryBody](t, res)
	assert.Equal(t, "private", scratch.Visibility)
	res = f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: ada, status: 201, body: `{"full_name":"ada/lab"}`})
	lab := decodeAs[repositoryBody](t, res)
	res = f.do(exchange{method: "POST", path: "/api/v1/github/repositories/" + scratch.ID + "/review", bearer: ada, status: 202, body: `{}`})
	gone := decodeAs[reviewBody](t, res)
	e.gh.DeleteRepo("ada", "scratch")
	e.runJobs(t)
	res = f.do(exchange{method: "GET", path: "/api/v1/github/repositories/" + scratch.ID + "/reviews/" + gone.ID, bearer: ada, status: 200})
	goneDone := decodeAs[reviewBody](t, res)
	assert.Equal(t, "failed", goneDone.Status)
	require.NotNil(t, goneDone.Failure)
	assert.Equal(t, reviews.FailRepoGone, goneDone.Failure.Code)
	res = f.do(exchange{method: "GET", path: "/api/v1/github/repositories", bearer: ada, status: 200})
	for _, r := range decodeAs[struct {
		Items []repositoryBody `json:"items"`
	}](t, res).Items {
		if r.ID == scratch.ID {
			assert.Equal(t, "broken", r.Status)
			assert.NotNil(t, r.BrokenReason)
		}
	}
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories/" + scratch.ID + "/review", bearer: ada, status: 409,
		code: "repository_unavailable"})

	// Nobody sees another learner's repositories or reviews.
	for _, ex := range []exchange{
		{method: "GET", path: "/api/v1/github/repositories/" + scratch.ID + "/reviews"},
		{method: "GET", path: "/api/v1/github/repositories/" + scratch.ID + "/reviews/" + gone.ID},
		{method: "POST", path: "/api/v1/github/repositories/" + scratch.ID + "/review"},
		{method: "DELETE", path: "/api/v1/github/repositories/" + scratch.ID},
	} {
		ex.bearer, ex.status, ex.code = grace, 404, "not_found"
		f.do(ex)
	}

	// A token GitHub no longer accepts is forgotten: connect again.
	e.gh.RevokeToken("token-ada")
	res = f.do(exchange{method: "GET", path: "/api/v1/github/connect", bearer: ada, status: 200})
	conn = decodeAs[connectionBody](t, res)
	assert.False(t, conn.Connected)
	assert.Equal(t, "reauthorization_required", str(conn.Reason))
	assert.NotNil(t, conn.ConnectURL)
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: ada, status: 409,
		code: "github_reauthorization_required", body: `{"full_name":"ada/lab"}`})
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories/" + lab.ID + "/review", bearer: ada, status: 409,
		code: "github_reauthorization_required"})

	// Someone who never connected GitHub; their GitHub account turns out
	// to be connected to another CodeMentor account already.
	eve, _ := e.learner(t, "eve@example.com")
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories", bearer: eve, status: 409, code: "github_not_connected",
		body: `{"full_name":"grace/kata"}`})
	res = f.do(exchange{method: "GET", path: "/api/v1/github/connect", bearer: eve, status: 200})
	conn = decodeAs[connectionBody](t, res)
	assert.Equal(t, "not_connected", str(conn.Reason))
	require.NotNil(t, conn.ConnectURL)
	res, _ = e.connectThroughBrowser(t, *conn.ConnectURL, "grace")
	assertFrontendRedirect(t, res, "error", "github_linked_elsewhere")

	// Unlinking deletes the repository's reviews; the day's requests still count.
	f.do(exchange{method: "DELETE", path: "/api/v1/github/repositories/" + kata.ID, bearer: grace, status: 204})
	f.do(exchange{method: "DELETE", path: "/api/v1/github/repositories/" + kata.ID, bearer: grace, status: 404, code: "not_found"})
	f.do(exchange{method: "GET", path: listPath, bearer: grace, status: 404, code: "not_found"})
	f.do(exchange{method: "GET", path: listPath + "/" + first.ID, bearer: grace, status: 404, code: "not_found"})
	f.do(exchange{method: "DELETE", path: "/api/v1/github/repositories/" + notes.ID, status: 401, code: "unauthorized", docRefuses: true})
	f.do(exchange{method: "POST", path: "/api/v1/github/repositories/" + notes.ID + "/review", bearer: grace, status: 429,
		code: "rate_limited"})
	res = f.do(exchange{method: "GET", path: "/api/v1/github/repositories", bearer: grace, status: 200})
	assert.Len(t, decodeAs[map[string][]any](t, res)["items"], 1)

	// A server without a GitHub OAuth app cannot connect anyone.
	plain := newTestApp(t)
	pf := newDocFlow(t, plain.base)
	someone, _ := githubLearner(t, pf, "lin@example.com")
	res = pf.do(exchange{method: "GET", path: "/api/v1/github/connect", bearer: someone, status: 200})
	conn = decodeAs[connectionBody](t, res)
	assert.False(t, conn.Connected)
	assert.Equal(t, "github_not_configured", str(conn.Reason))
	assert.Nil(t, conn.ConnectURL)
}
