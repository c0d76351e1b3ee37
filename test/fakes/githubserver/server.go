// Package githubserver runs a fake GitHub REST API (v3, API version
// 2022-11-28) on httptest, for the GitHub adapter's tests and end-to-end
// tests of code reviews. It speaks GitHub's JSON shapes (field names as in
// GitHub's documentation), media types, headers, pagination and errors:
//
//	GET /user                                    the token's user; X-OAuth-Scopes
//	GET /repos/{o}/{r}                           a repository
//	GET /repos/{o}/{r}/commits?sha=&path=&per_page=&page=
//	                                             history from a ref, Link pagination
//	GET /repos/{o}/{r}/commits/{ref}             a commit with its files (paginated,
//	                                             300 a page, 3,000 at most) and patches;
//	                                             Accept application/vnd.github.sha (or
//	                                             .v3.sha) answers the bare sha, and
//	                                             If-None-Match "sha" a 304
//	GET /repos/{o}/{r}/branches/{branch}         a branch
//	GET /repos/{o}/{r}/git/trees/{sha}[?recursive=1]
//	                                             a tree (by tree, commit sha or ref);
//	                                             "truncated" past WithTreeLimit entries
//	GET /repos/{o}/{r}/git/blobs/{sha}           base64 JSON, or raw bytes with Accept
//	                                             application/vnd.github.raw(+json) / .v3.raw
//	GET /repos/{o}/{r}/contents/{path}?ref=      a file (base64; "encoding": "none" over
//	                                             1 MB) or a directory listing; raw media type
//	GET /repos/{o}/{r}/pulls/{n}                 a pull request (head and base live)
//	GET /repos/{o}/{r}/pulls/{n}/files           its files with patches, Link pagination
//	                                             (per_page up to 100, 3,000 files at most)
//
// Everything can live under /api/v3 as on GitHub Enterprise Server
// (WithEnterprisePath); URL() always ends with a slash.
//
// Authentication is "Authorization: Bearer <token>" (or "token <token>").
// Tokens are added with AddToken; an unknown or revoked one answers 401
// {"message": "Bad credentials"}. Without a token, public repositories
// are readable (and /user is 401 "Requires authentication"). A token made
// with scopes is a classic OAuth token: responses carry X-OAuth-Scopes and
// X-Accepted-OAuth-Scopes, and private repositories need the "repo" scope.
// A token made without scopes behaves like a fine-grained token (no scope
// headers, no scope rule). A private repository is visible to its owner and
// collaborators only; everybody else gets 404, as GitHub hides it.
//
// Repositories are git-like: AddRepo's files make the first commit of the
// default branch, Push / Commit / SetFiles add commits (parents, changed
// files, real git object shas: sha1 of "blob <len>\x00<content>", trees and
// commits hashed the way git does), CreateBranch and CreateTag add refs,
// DeleteRepo makes everything 404. A repository without files is empty:
// its commits and trees answer 409 "Git Repository is empty.". An unknown
// ref answers 422 "No commit found for SHA: ...". AddSyntheticRepo builds a
// large repository whose contents are generated on demand (see
// synthetic.go).
//
// Every response carries x-ratelimit-limit/remaining/reset/used/resource
// (5,000 requests an hour per token, 60 without one, WithRateLimit); once
// spent, GitHub's 403 "API rate limit exceeded". Failures can be injected:
// RateLimitFor (primary), SecondaryRateLimit, FailNext (5xx), Inject (any
// status, headers and body, optionally only under a path), Delay. Every
// request is logged (Requests), counted (Stats), and the blobs whose
// content was sent are recorded (BlobsServed, ServedPaths), so a test can
// prove that a skipped file was never downloaded. Safe for concurrent use.
//
// Not modelled: writes, merges and renames (a rename is a removal and an
// addition), symlink targets in contents, the 7 MB tree limit, ETags other
// than the sha media type's.
package githubserver

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// DefaultTreeLimit is how many entries a tree listing holds before
	// GitHub truncates it.
	DefaultTreeLimit = 100_000
	// DefaultRateLimit is the requests an hour a token may make.
	DefaultRateLimit = 5000
	// anonymousRateLimit is GitHub's limit without a token.
	anonymousRateLimit = 60
	apiVersion         = "2022-11-28"
	docsRoot           = "https://docs.github.com/rest"
	// SecondaryRateLimitDocs is the documentation_url of GitHub's
	// secondary rate limit answers (clients recognise them by it).
	SecondaryRateLimitDocs = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	primaryRateLimitDocs   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#primary-rate-limit"
)

// Option configures a Server.
type Option func(*Server)

// WithEnterprisePath serves the API under /api/v3/, as GitHub Enterprise
// Server does.
func WithEnterprisePath() Option { return func(s *Server) { s.prefix = "/api/v3" } }

// WithTreeLimit sets how many entries one tree listing holds before it is
// "truncated" (default 100,000, GitHub's).
func WithTreeLimit(n int) Option { return func(s *Server) { s.treeLimit = max(n, 1) } }

// WithRateLimit sets the requests an hour each token may make (default
// 5,000).
func WithRateLimit(n int) Option { return func(s *Server) { s.rateLimit = max(n, 1) } }

// Server is the fake GitHub API.
type Server struct {
	srv       *httptest.Server
	mux       *http.ServeMux
	prefix    string
	treeLimit int
	rateLimit int
	quit      chan struct{}
	closeOnce sync.Once

	mu         sync.Mutex
	tokens     map[string]*token
	users      map[string]*user // by lower-case login
	repos      map[string]*repo // by lower-case owner/name
	nextRepoID int64
	commitSeq  int
	reqSeq     int
	failures   []*failure
	delay      time.Duration
	windows    map[string]*rateWindow
	log        []Request
	stats      Stats
	blobOrder  []string
}

type token struct {
	value   string
	user    *user
	scopes  []string
	classic bool
	revoked bool
}

type user struct {
	login string
	id    int64
	org   bool
}

type rateWindow struct {
	used  int
	reset time.Time
}

// Request is one request the server received.
type Request struct {
	Method   string
	Path     string // without the /api/v3 prefix
	RawQuery string
	Header   http.Header
	Token    string // "" without one
	Accept   string
	Status   int
	At       time.Time
}

// Stats counts what the server answered.
type Stats struct {
	Requests int
	ByPath   map[string]int // "GET /repos/o/r/git/trees/abc"
	ByStatus map[int]int
	ByToken  map[string]int // "" for anonymous requests
	// BlobsServed counts blob contents sent (blob and contents endpoints,
	// raw or base64, repeats included); BlobBytes their sizes.
	BlobsServed int
	BlobBytes   int64
	// BlobReads counts the times each blob sha's content was sent.
	BlobReads map[string]int
}

func newStats() Stats {
	return Stats{ByPath: map[string]int{}, ByStatus: map[int]int{}, ByToken: map[string]int{}, BlobReads: map[string]int{}}
}

// New starts a server; Close it when done.
func New(opts ...Option) *Server {
	s := &Server{
		treeLimit:  DefaultTreeLimit,
		rateLimit:  DefaultRateLimit,
		quit:       make(chan struct{}),
		tokens:     map[string]*token{},
		users:      map[string]*user{},
		repos:      map[string]*repo{},
		windows:    map[string]*rateWindow{},
		stats:      newStats(),
		nextRepoID: 100_000,
	}
	for _, o := range opts {
		o(s)
	}
	s.buildMux()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the API's base URL, with a trailing slash ("http://127.0.0.1:port/"
// or ".../api/v3/").
func (s *Server) URL() string { return s.srv.URL + s.prefix + "/" }

// Close stops the server, ending delayed requests first.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.quit) })
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// AddToken makes token valid for login (created with id if new). With
// scopes it is a classic OAuth token (X-OAuth-Scopes; private repositories
// need "repo"); without, a fine-grained one.
func (s *Server) AddToken(tok, login string, id int64, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(login)
	if id != 0 {
		u.id = id
	}
	s.tokens[tok] = &token{value: tok, user: u, scopes: append([]string(nil), scopes...), classic: len(scopes) > 0}
}

// RevokeToken makes token answer 401 "Bad credentials" from now on.
func (s *Server) RevokeToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tok]; ok {
		t.revoked = true
	}
}

// userLocked finds or creates a user; a new user's id derives from the
// login, so shas of commits it authors do not depend on creation order.
func (s *Server) userLocked(login string) *user {
	key := strings.ToLower(login)
	u, ok := s.users[key]
	if !ok {
		h := fnv.New32a()
		_, _ = h.Write([]byte(key))
		u = &user{login: login, id: 1_000_000 + int64(h.Sum32()%1_000_000_000)}
		s.users[key] = u
	}
	return u
}

// Failure is an answer injected instead of the real one.
type Failure struct {
	Status int
	Header http.Header
	// Message and DocumentationURL make GitHub's error body; Body, when
	// set, is sent instead, as is.
	Message          string
	DocumentationURL string
	Body             string
	// Path limits the failure to requests whose path (without /api/v3)
	// starts with it, e.g. "/repos/o/r/git/blobs/"; "" matches all.
	Path string
}

type failure struct {
	Failure
	left         int       // < 0: until ClearFailures
	primaryReset time.Time // a primary rate limit until then
}

// Inject answers the next n matching requests with f (n < 0: every one,
// until ClearFailures).
func (s *Server) Inject(f Failure, n int) {
	if n == 0 {
		return
	}
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{Failure: f, left: n})
}

// FailNext answers the next n requests with status and GitHub's error body
// (500 "Server Error", 502 "Bad Gateway", ...).
func (s *Server) FailNext(status, n int) {
	s.Inject(Failure{Status: status, Message: http.StatusText(status)}, n)
}

// RateLimitFor spends the primary rate limit: the next n requests answer
// 403 "API rate limit exceeded for user ID N." with x-ratelimit-remaining:
// 0 and x-ratelimit-reset now+d (rounded up to the second).
func (s *Server) RateLimitFor(d time.Duration, n int) {
	if n == 0 {
		return
	}
	reset := time.Now().Add(d)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{Failure: Failure{Status: http.StatusForbidden}, left: n, primaryReset: reset})
}

// SecondaryRateLimit makes the next n requests hit a secondary rate limit:
// 403 with GitHub's message and documentation_url, and retry-after in
// seconds (rounded up; none when retryAfter is 0). The primary limit's
// headers stay as they are, remaining above 0, as on GitHub. (GitHub also
// answers 429 at times: Inject a Failure with Status 429 and
// SecondaryRateLimitDocs for that.)
func (s *Server) SecondaryRateLimit(retryAfter time.Duration, n int) {
	h := http.Header{}
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(retryAfter.Seconds())), 10))
	}
	s.Inject(Failure{
		Status: http.StatusForbidden, Header: h,
		Message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
			"If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.",
		DocumentationURL: SecondaryRateLimitDocs,
	}, n)
}

// ClearFailures drops every injected failure and the delay.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = nil
	s.delay = 0
}

// Delay holds every request d before answering (0 ends it); a client that
// goes away ends the wait.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Requests are the requests seen so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	copy(out, s.log)
	return out
}

// Stats is a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.stats
	c.ByPath, c.ByStatus, c.ByToken, c.BlobReads = cloneMap(s.stats.ByPath), cloneMap(s.stats.ByStatus),
		cloneMap(s.stats.ByToken), cloneMap(s.stats.BlobReads)
	return c
}

// Count is how many requests had a path starting with prefix (without
// /api/v3), e.g. "/repos/o/r/git/trees/".
func (s *Server) Count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// BlobsServed are the distinct blob shas whose content was sent, in the
// order first sent.
func (s *Server) BlobsServed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.blobOrder...)
}

// ResetStats forgets the request log and the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log, s.stats, s.blobOrder = nil, newStats(), nil
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// statusWriter remembers the status sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// reqCtx is what a handler knows of its request.
type reqCtx struct {
	tok  *token // nil: anonymous
	base string // the API's base URL as the client used it, with a slash
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	path := r.URL.Path
	if s.prefix != "" {
		if !strings.HasPrefix(path, s.prefix+"/") {
			s.record(r, path, "", sw, func() { writeError(sw, http.StatusNotFound, "Not Found", docsRoot) })
			return
		}
		path = strings.TrimPrefix(path, s.prefix)
	}
	raw := bearer(r.Header.Get("Authorization"))

	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.record(r, path, raw, sw, func() {})
			return
		case <-s.quit:
			t.Stop()
			s.record(r, path, raw, sw, func() { writeError(sw, http.StatusServiceUnavailable, "Service Unavailable", docsRoot) })
			return
		}
	}

	s.record(r, path, raw, sw, func() {
		s.mu.Lock()
		tok, known := s.tokens[raw]
		if !known || tok.revoked {
			tok = nil
		}
		var f *failure
		if raw == "" || tok != nil { // bad credentials answer 401 first
			f = s.takeFailureLocked(path)
		}
		s.reqSeq++
		sw.Header().Set("X-GitHub-Request-Id", fmt.Sprintf("F4KE:%04X:%06X:%06X", s.reqSeq%0xFFFF, s.reqSeq, s.reqSeq*7))
		spent := s.rateHeadersLocked(sw.Header(), r, tok, f)
		s.mu.Unlock()

		h := sw.Header()
		h.Set("X-GitHub-Api-Version-Selected", apiVersion)
		h.Set("X-GitHub-Media-Type", "github.v3; format=json")
		if tok != nil && tok.classic {
			h.Set("X-OAuth-Scopes", strings.Join(tok.scopes, ", "))
			h.Set("X-Accepted-OAuth-Scopes", acceptedScopes(path))
		}
		switch {
		case raw != "" && tok == nil:
			writeError(sw, http.StatusUnauthorized, "Bad credentials", docsRoot)
		case f != nil && !f.primaryReset.IsZero(), spent:
			id := int64(0)
			if tok != nil {
				id = tok.user.id
			}
			msg := fmt.Sprintf("API rate limit exceeded for user ID %d.", id)
			if tok == nil {
				msg = "API rate limit exceeded for " + remoteIP(r) + ". (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
			}
			writeError(sw, http.StatusForbidden, msg, primaryRateLimitDocs)
		case f != nil:
			for k, v := range f.Header {
				h[k] = append([]string(nil), v...)
			}
			if f.Body != "" {
				if h.Get("Content-Type") == "" {
					h.Set("Content-Type", "application/json; charset=utf-8")
				}
				sw.WriteHeader(f.Status)
				_, _ = sw.Write([]byte(f.Body))
				return
			}
			msg := f.Message
			if msg == "" {
				msg = http.StatusText(f.Status)
			}
			doc := f.DocumentationURL
			if doc == "" {
				doc = docsRoot
			}
			writeError(sw, f.Status, msg, doc)
		default:
			s.route(sw, r, path, reqCtx{tok: tok, base: "http://" + r.Host + s.prefix + "/"})
		}
	})
}

// record runs answer and logs the request with its status.
func (s *Server) record(r *http.Request, path, tok string, sw *statusWriter, answer func()) {
	answer()
	s.mu.Lock()
	defer s.mu.Unlock()
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	s.log = append(s.log, Request{
		Method: r.Method, Path: path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(),
		Token: tok, Accept: r.Header.Get("Accept"), Status: status, At: time.Now(),
	})
	s.stats.Requests++
	s.stats.ByPath[r.Method+" "+path]++
	s.stats.ByStatus[status]++
	s.stats.ByToken[tok]++
}

func bearer(h string) string {
	h = strings.TrimSpace(h)
	for _, p := range []string{"Bearer ", "bearer ", "token ", "Token "} {
		if strings.HasPrefix(h, p) {
			return strings.TrimSpace(h[len(p):])
		}
	}
	return ""
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// takeFailureLocked pops the first injected failure matching path.
func (s *Server) takeFailureLocked(path string) *failure {
	for i, f := range s.failures {
		if f.Path != "" && !strings.HasPrefix(path, f.Path) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.failures = append(s.failures[:i:i], s.failures[i+1:]...)
			}
		}
		return f
	}
	return nil
}

// rateHeadersLocked counts the request against its token's hour and sets
// the x-ratelimit headers; true when the hour's requests are spent.
func (s *Server) rateHeadersLocked(h http.Header, r *http.Request, tok *token, f *failure) bool {
	key, limit := "ip:"+remoteIP(r), anonymousRateLimit
	if tok != nil {
		key, limit = "token:"+tok.value, s.rateLimit
	}
	now := time.Now()
	win, ok := s.windows[key]
	if !ok || now.After(win.reset) {
		win = &rateWindow{reset: now.Add(time.Hour)}
		s.windows[key] = win
	}
	spent := win.used >= limit
	if !spent {
		win.used++
	}
	remaining, reset := limit-win.used, win.reset
	if f != nil && !f.primaryReset.IsZero() {
		remaining, reset = 0, f.primaryReset
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(reset), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(min(limit-max(remaining, 0), limit)))
	h.Set("X-RateLimit-Resource", "core")
	return spent
}

func ceilUnix(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

// acceptedScopes is X-Accepted-OAuth-Scopes for a path.
func acceptedScopes(path string) string {
	switch {
	case strings.HasPrefix(path, "/repos/"):
		return "repo"
	case path == "/user":
		return ""
	}
	return ""
}

type apiError struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Status           string `json:"status"`
}

func writeError(w http.ResponseWriter, status int, msg, doc string) {
	writeJSON(w, status, apiError{Message: msg, DocumentationURL: doc, Status: strconv.Itoa(status)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// recordBlob notes a blob's content being sent.
func (s *Server) recordBlob(sha string, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stats.BlobReads[sha] == 0 {
		s.blobOrder = append(s.blobOrder, sha)
	}
	s.stats.BlobReads[sha]++
	s.stats.BlobsServed++
	s.stats.BlobBytes += size
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
