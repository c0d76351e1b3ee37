package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/test/fakes/githubserver"
	"github.com/codementor/codementor/test/fakes/oauthserver"
	"github.com/codementor/codementor/test/fakes/openaiserver"
)

// ghStack is the outside world of a code review: GitHub's OAuth pages
// (oauthserver), GitHub's REST API (githubserver) and an OpenAI-compatible
// model (openaiserver).
//
// GITHUB_API_URL serves both the sign-in (GET /user, GET /user/emails)
// and the reviews (repositories, trees, blobs, pulls), so the server gets
// one front that sends /user/emails to the OAuth fake and everything else
// to the GitHub API fake. Every access token the OAuth fake issues is
// registered with the GitHub API fake (AddToken, with the grant's scopes)
// the first time the server presents it: the learner's GitHub token from
// sign-in is the token reviews use.
type ghStack struct {
	oauth *oauthserver.GitHub
	gh    *githubserver.Server
	llm   *openaiserver.Server
	front *httptest.Server

	respond atomic.Pointer[func(openaiserver.Request) openaiserver.Reply]

	mu      sync.Mutex
	user    oauthserver.GitHubUser
	known   map[string]bool   // tokens registered with the API fake
	byLogin map[string]string // login -> the latest token registered for it
}

func newGHStack(t *testing.T) *ghStack {
	t.Helper()
	s := &ghStack{user: oauthserver.DefaultGitHubUser(), known: map[string]bool{}, byLogin: map[string]string{}}
	s.oauth = oauthserver.NewGitHub(t, oauthserver.GitHubConfig{})
	s.gh = githubserver.New()
	t.Cleanup(s.gh.Close)
	s.llm = openaiserver.New(t, openaiserver.Config{APIKey: "sk-test", Respond: func(r openaiserver.Request) openaiserver.Reply {
		return (*s.respond.Load())(r)
	}})
	s.setResponder(defaultReview)

	toGH := proxyTo(t, s.gh.URL())
	toOAuth := proxyTo(t, s.oauth.URL())
	s.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := bearerToken(r.Header.Get("Authorization")); tok != "" {
			s.register(tok)
		}
		if r.URL.Path == "/user/emails" {
			toOAuth.ServeHTTP(w, r)
			return
		}
		toGH.ServeHTTP(w, r)
	}))
	t.Cleanup(s.front.Close)
	return s
}

func proxyTo(t *testing.T, raw string) *httputil.ReverseProxy {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	require.NoError(t, err)
	p := httputil.NewSingleHostReverseProxy(u)
	return p
}

func bearerToken(h string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || (!strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token")) {
		return ""
	}
	return strings.TrimSpace(tok)
}

// register makes a token the OAuth fake issued valid on the API fake, for
// the GitHub user signed in at the time, with the scopes granted.
func (s *ghStack) register(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.known[tok] {
		return
	}
	for _, g := range s.oauth.Grants() {
		if g.AccessToken == tok {
			s.gh.AddToken(tok, s.user.Login, s.user.ID, g.Scopes...)
			s.known[tok] = true
			s.byLogin[s.user.Login] = tok
			return
		}
	}
}

// setUser changes who signs in on the OAuth fake from now on.
func (s *ghStack) setUser(u oauthserver.GitHubUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = u
	s.oauth.SetUser(u)
}

// tokenOf is the GitHub token the server holds for login.
func (s *ghStack) tokenOf(t *testing.T, login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.byLogin[login]
	require.NotEmpty(t, tok, "no GitHub token was used for %s", login)
	return tok
}

func (s *ghStack) setResponder(f func(openaiserver.Request) openaiserver.Reply) { s.respond.Store(&f) }

// env configures a server against the stack; extra overrides.
func (s *ghStack) env(extra ...string) []string {
	env := []string{
		"GITHUB_CLIENT_ID=" + s.oauth.ClientID(), "GITHUB_CLIENT_SECRET=" + s.oauth.ClientSecret(),
		"GITHUB_OAUTH_URL=" + s.oauth.URL(), "GITHUB_API_URL=" + s.front.URL, "GITHUB_TIMEOUT=5s",
		"TOKEN_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
		"FRONTEND_URL=http://app.codementor.test",
		"OPENAI_API_KEY=sk-test", "OPENAI_BASE_URL=" + s.llm.URL(), "LLM_DAILY_TOKENS=50000000",
		"REVIEW_WORKERS=2", "REVIEW_MAX_ATTEMPTS=2", "REVIEW_SHUTDOWN_GRACE=1s",
	}
	return append(env, extra...)
}

// ---- the fake model's review answers ----

// fileHeader is a file block's opening line in a chunk prompt.
var fileHeader = regexp.MustCompile(`(?m)^<<<FILE ([A-Za-z0-9]+) path=("(?:[^"\\]|\\.)*") language="[^"]*" lines=(\d+)`)

type promptFile struct {
	Path  string
	Lines int
	Nonce string
}

// promptFiles lists the file blocks of a chunk prompt.
func promptFiles(prompt string) []promptFile {
	var out []promptFile
	for _, m := range fileHeader.FindAllStringSubmatch(prompt, -1) {
		p, err := strconv.Unquote(m[2])
		if err != nil {
			continue
		}
		n, _ := strconv.Atoi(m[3])
		out = append(out, promptFile{Path: p, Lines: n, Nonce: m[1]})
	}
	return out
}

// message is the content of the last message of role in a model request.
func message(r openaiserver.Request, role string) string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == role {
			return r.Messages[i].Content
		}
	}
	return ""
}

type wireFinding struct {
	Path       string `json:"path"`
	StartLine  int    `json:"start_line"`
	EndLine    int    `json:"end_line"`
	Severity   string `json:"severity"`
	Category   string `json:"category"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion"`
}

// answerJSON is a model's review answer in the schema's shape.
func answerJSON(summary string, findings []wireFinding, topics ...string) string {
	if findings == nil {
		findings = []wireFinding{}
	}
	if topics == nil {
		topics = []string{}
	}
	b, err := json.Marshal(map[string]any{"summary": summary, "strengths": []string{"Small, focused functions."},
		"findings": findings, "practice_topics": topics})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// defaultReview answers any chunk with one finding on the first line of
// its first file.
func defaultReview(r openaiserver.Request) openaiserver.Reply {
	files := promptFiles(message(r, "user"))
	var fs []wireFinding
	if len(files) > 0 && files[0].Lines > 0 {
		fs = append(fs, wireFinding{Path: files[0].Path, StartLine: 1, EndLine: 1, Severity: "minor", Category: "readability",
			Message: "The loop variable's name says little about what it holds.", Suggestion: "Name it after what it counts."})
	}
	return openaiserver.Reply{Text: answerJSON(fmt.Sprintf("Reviewed %d files: tidy code overall.", len(files)), fs, "loops", "basics")}
}

// ---- the learner's side ----

// githubSignIn signs a new browser in with GitHub and returns its access
// token.
func githubSignIn(t *testing.T, c *api) string {
	t.Helper()
	r := c.do("GET", "/api/v1/auth/oauth/github", nil, "")
	require.Equal(t, http.StatusFound, r.status, r.raw)
	q := oauthserver.Callback(t, r.header.Get("Location"))
	r = c.do("GET", "/api/v1/auth/oauth/github/callback?"+q.Encode(), nil, "")
	require.Equal(t, http.StatusFound, r.status, r.raw)
	require.Contains(t, r.header.Get("Location"), "status=success", r.header.Get("Location"))
	r = c.do("POST", "/api/v1/auth/refresh", nil, "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	return r.body["access_token"].(string)
}

// followConnect runs the browser's part of connecting GitHub: the
// connect_url GET /github/connect gave, the consent at the fake, the
// callback.
func followConnect(t *testing.T, c *api, connectURL string) {
	t.Helper()
	require.True(t, strings.HasPrefix(connectURL, c.base+"/api/v1/auth/oauth/github?connect="), connectURL)
	r := c.do("GET", strings.TrimPrefix(connectURL, c.base), nil, "") // a navigation: no bearer token
	require.Equal(t, http.StatusFound, r.status, r.raw)
	q := oauthserver.Callback(t, r.header.Get("Location"))
	r = c.do("GET", "/api/v1/auth/oauth/github/callback?"+q.Encode(), nil, "")
	require.Equal(t, http.StatusFound, r.status, r.raw)
	require.Contains(t, r.header.Get("Location"), "status=success", r.header.Get("Location"))
}

func linkRepo(t *testing.T, c *api, tok string, body map[string]any) map[string]any {
	t.Helper()
	r := c.do("POST", "/api/v1/github/repositories", body, tok)
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	return r.body
}

func requestReview(t *testing.T, c *api, tok, linkID string, body map[string]any) map[string]any {
	t.Helper()
	r := c.do("POST", "/api/v1/github/repositories/"+linkID+"/review", body, tok)
	require.Equal(t, http.StatusAccepted, r.status, r.raw)
	require.Equal(t, "/api/v1/github/repositories/"+linkID+"/reviews/"+r.body["id"].(string), r.header.Get("Location"))
	return r.body
}

// waitReview polls a review until it ends (completed or failed).
func waitReview(t *testing.T, c *api, tok, linkID, reviewID string, within time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(within)
	var last reply
	for time.Now().Before(deadline) {
		last = c.do("GET", "/api/v1/github/repositories/"+linkID+"/reviews/"+reviewID, nil, tok)
		require.Equal(t, http.StatusOK, last.status, last.raw)
		if s := last.body["status"]; s == "completed" || s == "failed" {
			return last.body
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.FailNow(t, "the review did not end", "within %s; last: %s", within, last.raw)
	return nil
}

// skipped maps a review's skipped files to their reasons.
func skipped(rv map[string]any) map[string]string {
	out := map[string]string{}
	list, _ := rv["skipped_files"].([]any)
	for _, s := range list {
		m := s.(map[string]any)
		out[m["path"].(string)] = m["reason"].(string)
	}
	return out
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}

// envValue is the value a process environment gives key (the last one
// wins, as in os/exec).
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// peakRSS reads a process's peak resident set size (VmHWM) in bytes.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
