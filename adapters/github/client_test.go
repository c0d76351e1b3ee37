package github_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/github"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/fakes/githubserver"
)

const (
	tok      = "gho_LearnerToken0123456789abcdefghij" // octocat: repo, read:user
	otherTok = "gho_SomeoneElse0123456789abcdefghijk" // hubot: repo
	thinTok  = "gho_ReadUserOnly0123456789abcdefghij" // octocat: read:user only
)

func setup(t *testing.T, o github.Options, opts ...githubserver.Option) (*githubserver.Server, *github.Client) {
	t.Helper()
	srv := githubserver.New(opts...)
	t.Cleanup(srv.Close)
	srv.AddToken(tok, "octocat", 1, "repo", "read:user")
	srv.AddToken(otherTok, "hubot", 2, "repo")
	srv.AddToken(thinTok, "octocat", 1, "read:user")
	o.BaseURL = srv.URL()
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	c, err := github.New(o)
	require.NoError(t, err)
	return srv, c
}

var sample = map[string]string{
	"README.md":          "# Hello\n",
	"main.py":            "print('hello')\n",
	"pkg/util.py":        "def add(a, b):\n    return a + b\n",
	"pkg/sub/deep.py":    "X = 1\n",
	"scripts/run.sh":     "#!/bin/sh\necho run\n",
	"link-to-readme":     "README.md",
	"web/app.js":         "console.log(1)\n",
	"web/styles/app.css": "body{}\n",
}

func addSample(srv *githubserver.Server) string {
	return srv.AddRepo(githubserver.Repo{
		Owner: "octocat", Name: "hello", Language: "Python", Files: sample,
		Modes: map[string]string{"scripts/run.sh": "100755", "link-to-readme": "120000"},
	})
}

// noLeak checks an error says nothing of the tokens.
func noLeak(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	for _, s := range []string{tok, otherTok, thinTok} {
		assert.NotContains(t, err.Error(), s)
	}
}

func TestNewChecksTheBaseURL(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"ftp://example.com", "example.com/api", "/api/v3", "https://", "https://h/api?x=1"} {
		_, err := github.New(github.Options{BaseURL: bad})
		assert.Error(t, err, bad)
	}
	c, err := github.New(github.Options{})
	require.NoError(t, err)
	assert.Equal(t, "github", c.Name())
}

// recorder answers every request with a user and remembers the URLs.
type recorder struct {
	mu   sync.Mutex
	urls []string
	auth []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL.String())
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	r.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"login":"octocat","id":1}`)), Request: req}, nil
}

func TestBaseURLForms(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                                "https://api.github.com/user",
		"https://api.github.com":          "https://api.github.com/user",
		"https://api.github.com/":         "https://api.github.com/user",
		"https://ghe.example.com/api/v3":  "https://ghe.example.com/api/v3/user",
		"https://ghe.example.com/api/v3/": "https://ghe.example.com/api/v3/user",
		"http://127.0.0.1:8089/":          "http://127.0.0.1:8089/user",
		"http://127.0.0.1:8089":           "http://127.0.0.1:8089/user",
	}
	for base, want := range cases {
		rec := &recorder{}
		c, err := github.New(github.Options{BaseURL: base, HTTPClient: &http.Client{Transport: rec}})
		require.NoError(t, err)
		_, err = c.User(context.Background(), tok)
		require.NoError(t, err, base)
		assert.Equal(t, []string{want}, rec.urls, base)
		assert.Equal(t, []string{"Bearer " + tok}, rec.auth)
	}
}

func TestUser(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{UserAgent: "codementor-test"})
	u, err := c.User(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, ports.GitHubUser{ID: 1, Login: "octocat", Scopes: []string{"repo", "read:user"}}, u)

	srv.AddToken("github_pat_fine", "monalisa", 7) // fine-grained: no X-OAuth-Scopes
	u, err = c.User(context.Background(), "github_pat_fine")
	require.NoError(t, err)
	assert.Equal(t, ports.GitHubUser{ID: 7, Login: "monalisa", Scopes: []string{}}, u)

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "Bearer "+tok, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, tok, reqs[0].Token)
	assert.Equal(t, "codementor-test", reqs[0].Header.Get("User-Agent"))
	assert.Equal(t, "2022-11-28", reqs[0].Header.Get("X-GitHub-Api-Version"))
	assert.Equal(t, "Bearer github_pat_fine", reqs[1].Header.Get("Authorization"))
}

func TestEmptyTokenIsReauthorize(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	_, err := c.User(context.Background(), " ")
	assert.ErrorIs(t, err, review.ErrReauthorize)
	assert.Empty(t, srv.Requests())
}

func TestTokensDoNotMix(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			token, login := tok, "octocat"
			if i%2 == 1 {
				token, login = otherTok, "hubot"
			}
			u, err := c.User(context.Background(), token)
			assert.NoError(t, err)
			assert.Equal(t, login, u.Login)
		})
	}
	wg.Wait()
	assert.Equal(t, 20, srv.Stats().ByToken[tok])
	assert.Equal(t, 20, srv.Stats().ByToken[otherTok])
}

func TestRepository(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	addSample(srv)
	srv.AddRepo(githubserver.Repo{Owner: "octocat", Name: "secret", Private: true, DefaultBranch: "trunk", Archived: true,
		Collaborators: []string{"hubot"}, Files: map[string]string{"a.go": "package a\n"}})
	srv.AddRepo(githubserver.Repo{Owner: "monalisa", Name: "diary", Private: true, Files: map[string]string{"x": "y"}})
	ctx := context.Background()

	r, err := c.Repository(ctx, tok, "OctoCat", "Hello")
	require.NoError(t, err)
	assert.Positive(t, r.ID)
	r.ID = 0
	assert.Equal(t, ports.GitHubRepo{FullName: "octocat/hello", DefaultBranch: "main", Language: "Python"}, r)

	r, err = c.Repository(ctx, tok, "octocat", "secret")
	require.NoError(t, err)
	assert.True(t, r.Private)
	assert.True(t, r.Archived)
	assert.Equal(t, "trunk", r.DefaultBranch)

	_, err = c.Repository(ctx, otherTok, "octocat", "secret") // a collaborator
	require.NoError(t, err)

	for name, call := range map[string]func() error{
		"someone else's private repository": func() error { _, err := c.Repository(ctx, tok, "monalisa", "diary"); return err },
		"a token without the repo scope":    func() error { _, err := c.Repository(ctx, thinTok, "octocat", "secret"); return err },
		"a missing repository":              func() error { _, err := c.Repository(ctx, tok, "octocat", "nope"); return err },
		"an impossible name":                func() error { _, err := c.Repository(ctx, tok, "octocat", "a/../b"); return err },
		"a path in the owner":               func() error { _, err := c.Repository(ctx, tok, "octocat?x=1", "hello"); return err },
	} {
		assert.ErrorIs(t, call(), domain.ErrNotFound, name)
	}

	srv.DeleteRepo("octocat", "hello")
	_, err = c.Repository(ctx, tok, "octocat", "hello")
	assert.ErrorIs(t, err, domain.ErrNotFound)
	noLeak(t, err)
}

func TestResolveRef(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	first := addSample(srv)
	second := srv.Commit("octocat", "hello", "main", map[string]string{"main.py": "print('v2')\n"}, "v2")
	feature := srv.Commit("octocat", "hello", "feature/login", map[string]string{"login.py": "x = 1\n"}, "login")
	srv.CreateTag("octocat", "hello", "v1.0", first)
	srv.AddRepo(githubserver.Repo{Owner: "octocat", Name: "empty"})
	ctx := context.Background()

	for ref, want := range map[string]string{
		"":                      second,
		"main":                  second,
		"refs/heads/main":       second,
		"feature/login":         feature,
		"v1.0":                  first,
		first:                   first,
		first[:7]:               first,
		strings.ToUpper(second): second,
	} {
		got, err := c.ResolveRef(ctx, tok, "octocat", "hello", ref)
		require.NoError(t, err, ref)
		assert.Equal(t, want, got, ref)
	}
	// The sha media type answers the bare sha.
	var accepts []string
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "/commits/") {
			accepts = append(accepts, r.Accept)
		}
	}
	assert.Contains(t, accepts, "application/vnd.github.v3.sha")

	for _, ref := range []string{"nope", "deadbeef", "a..b", "bad ref"} {
		_, err := c.ResolveRef(ctx, tok, "octocat", "hello", ref)
		assert.ErrorIs(t, err, domain.ErrNotFound, ref)
	}
	_, err := c.ResolveRef(ctx, tok, "octocat", "empty", "")
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = c.ResolveRef(ctx, tok, "octocat", "missing", "")
	assert.ErrorIs(t, err, domain.ErrNotFound)
}

func blobsOf(files map[string]string) []string {
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

func paths(tr ports.GitHubTree) []string {
	var out []string
	for _, e := range tr.Entries {
		out = append(out, e.Path)
	}
	return out
}

func TestTree(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	sha := addSample(srv)
	tr, err := c.Tree(context.Background(), tok, "octocat", "hello", sha)
	require.NoError(t, err)
	assert.Equal(t, sha, tr.CommitSHA)
	assert.False(t, tr.Truncated)
	assert.Equal(t, blobsOf(sample), paths(tr), "blobs only, in path order")
	byPath := map[string]ports.GitHubTreeEntry{}
	for _, e := range tr.Entries {
		byPath[e.Path] = e
	}
	assert.Equal(t, "100755", byPath["scripts/run.sh"].Mode)
	assert.Equal(t, "120000", byPath["link-to-readme"].Mode)
	assert.Equal(t, "100644", byPath["pkg/util.py"].Mode)
	assert.Equal(t, int64(len(sample["pkg/util.py"])), byPath["pkg/util.py"].Size)
	// Git's own blob sha: sha1("blob 8\x00# Hello\n").
	assert.Equal(t, "fec56017dc1b1ac87ad6e54e3cb3a20bb8dcc5ab", gitBlobSHA("# Hello\n"))
	assert.Equal(t, gitBlobSHA("# Hello\n"), byPath["README.md"].SHA)
	assert.Equal(t, 1, srv.Count("/repos/octocat/hello/git/trees/"), "one recursive request")

	_, err = c.Tree(context.Background(), tok, "octocat", "hello", strings.Repeat("a", 40))
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = c.Tree(context.Background(), tok, "octocat", "hello", "main; rm")
	assert.ErrorIs(t, err, domain.ErrNotFound)
}

// bigTree has more than 12 entries below each directory but at most 12
// in any one directory: with WithTreeLimit(12) every recursive listing is
// truncated, every level is not.
func bigTree() map[string]string {
	files := map[string]string{"top.txt": "top\n"}
	for d := range 4 {
		for f := range 6 {
			files[fmt.Sprintf("dir%d/file%d.py", d, f)] = fmt.Sprintf("x = %d\n", d*10+f)
		}
		for s := range 4 {
			for f := range 5 {
				files[fmt.Sprintf("dir%d/huge/s%d/f%d.txt", d, s, f)] = fmt.Sprintf("%d-%d-%d\n", d, s, f)
			}
		}
	}
	return files
}

func TestTreeTruncatedFallsBack(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{}, githubserver.WithTreeLimit(12))
	files := bigTree()
	sha := srv.AddRepo(githubserver.Repo{Owner: "octocat", Name: "big", Files: files})
	tr, err := c.Tree(context.Background(), tok, "octocat", "big", sha)
	require.NoError(t, err)
	assert.False(t, tr.Truncated, "listed completely")
	assert.Equal(t, blobsOf(files), paths(tr))
	for _, e := range tr.Entries {
		assert.Equal(t, gitBlobSHA(files[e.Path]), e.SHA, e.Path)
	}
	assert.Greater(t, srv.Count("/repos/octocat/big/git/trees/"), 2)
}

func TestTreeBounds(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{MaxTreeEntries: 5})
	sha := addSample(srv)
	tr, err := c.Tree(context.Background(), tok, "octocat", "hello", sha)
	require.NoError(t, err)
	assert.True(t, tr.Truncated)
	assert.Equal(t, blobsOf(sample)[:5], paths(tr))

	// A directory too large for one listing even on its own.
	srv3, c3 := setup(t, github.Options{}, githubserver.WithTreeLimit(12))
	flat := manyFiles(20)
	sha = srv3.AddRepo(githubserver.Repo{Owner: "octocat", Name: "flat", Files: flat})
	tr, err = c3.Tree(context.Background(), tok, "octocat", "flat", sha)
	require.NoError(t, err)
	assert.True(t, tr.Truncated)
	assert.Len(t, tr.Entries, 12)

	srv2, c2 := setup(t, github.Options{MaxTreeRequests: 2}, githubserver.WithTreeLimit(12))
	sha = srv2.AddRepo(githubserver.Repo{Owner: "octocat", Name: "big", Files: bigTree()})
	tr, err = c2.Tree(context.Background(), tok, "octocat", "big", sha)
	require.NoError(t, err)
	assert.True(t, tr.Truncated, "sub-tree requests ran out")
	assert.NotEmpty(t, tr.Entries)
	assert.LessOrEqual(t, srv2.Count("/repos/octocat/big/git/trees/"), 4)
}

func TestBlob(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	commit := addSample(srv)
	ctx := context.Background()
	sha := srv.FileSHA("octocat", "hello", commit, "pkg/util.py")
	data, err := c.Blob(ctx, tok, "octocat", "hello", sha, 1024)
	require.NoError(t, err)
	assert.Equal(t, sample["pkg/util.py"], string(data))
	data, err = c.Blob(ctx, tok, "octocat", "hello", sha, int64(len(sample["pkg/util.py"])))
	require.NoError(t, err, "exactly maxBytes is fine")
	assert.Len(t, data, len(sample["pkg/util.py"]))

	_, err = c.Blob(ctx, tok, "octocat", "hello", sha, 10)
	assert.ErrorIs(t, err, domain.ErrTooLarge)
	_, err = c.Blob(ctx, tok, "octocat", "hello", strings.Repeat("b", 40), 10)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = c.Blob(ctx, tok, "octocat", "hello", "../../user", 10)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	assert.Equal(t, []string{sha}, srv.BlobsServed())
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "/git/blobs/") {
			assert.Contains(t, r.Accept, "raw")
		}
	}
}

func TestBlobTooLargeIsNotRead(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	syn := srv.AddSyntheticRepo("octocat", "mono", 100, 30<<20, 7)
	largest := syn.Files[0]
	for _, f := range syn.Files {
		if f.Size > largest.Size {
			largest = f
		}
	}
	require.Greater(t, largest.Size, int64(4<<20))
	start := time.Now()
	_, err := c.Blob(context.Background(), tok, "octocat", "mono", largest.SHA, 64<<10)
	assert.ErrorIs(t, err, domain.ErrTooLarge)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestRecentlyChanged(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	srv.AddRepo(githubserver.Repo{Owner: "octocat", Name: "hist", Files: map[string]string{"README.md": "r\n", "a.py": "a\n"}})
	srv.Commit("octocat", "hist", "main", map[string]string{"a.py": "a2\n", "b.py": "b\n"}, "c1")
	c2 := srv.Commit("octocat", "hist", "main", map[string]string{"c.py": "c\n", "b.py": "b2\n"}, "c2")
	c3 := srv.Push("octocat", "hist", githubserver.Change{Files: map[string]string{"d.py": "d\n"}, Delete: []string{"a.py"}, Message: "c3"})
	ctx := context.Background()

	got, err := c.RecentlyChanged(ctx, tok, "octocat", "hist", c3, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"d.py", "b.py", "c.py", "README.md"}, got, "newest first, once each, no removed file")

	got, err = c.RecentlyChanged(ctx, tok, "octocat", "hist", c3, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"d.py", "b.py"}, got)

	got, err = c.RecentlyChanged(ctx, tok, "octocat", "hist", c2, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"b.py", "c.py", "a.py", "README.md"}, got)

	got, err = c.RecentlyChanged(ctx, tok, "octocat", "hist", "", 0)
	require.NoError(t, err)
	assert.Empty(t, got)

	_, err = c.RecentlyChanged(ctx, tok, "octocat", "hist", strings.Repeat("c", 40), 10)
	assert.ErrorIs(t, err, domain.ErrNotFound)
}

func TestRecentlyChangedLooksAtRecentCommitsOnly(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{RecentCommits: 2})
	srv.AddRepo(githubserver.Repo{Owner: "octocat", Name: "hist", Files: map[string]string{"old.py": "o\n"}})
	srv.Commit("octocat", "hist", "main", map[string]string{"one.py": "1\n"}, "1")
	head := srv.Commit("octocat", "hist", "main", map[string]string{"two.py": "2\n"}, "2")
	got, err := c.RecentlyChanged(context.Background(), tok, "octocat", "hist", head, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"two.py", "one.py"}, got)
}

func TestPull(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	addSample(srv)
	head := srv.Push("octocat", "hello", githubserver.Change{
		Branch: "feature/greet", Message: "greet",
		Files: map[string]string{
			"main.py":    "print('hello')\nprint('bye')\n",
			"greet.py":   "def greet(name):\n    return f'hi {name}'\n",
			"assets.bin": "\x89PNG\x00\x01\x02",
		},
		Delete: []string{"web/app.js"},
	})
	n := srv.AddPull("octocat", "hello", githubserver.Pull{Title: "Greet people", Head: "feature/greet"})
	ctx := context.Background()

	p, err := c.Pull(ctx, tok, "octocat", "hello", n)
	require.NoError(t, err)
	assert.Equal(t, ports.GitHubPull{Number: n, Title: "Greet people", HeadSHA: head, BaseRef: "main", State: "open"}, p)

	files, err := c.PullFiles(ctx, tok, "octocat", "hello", n)
	require.NoError(t, err)
	byPath := map[string]ports.GitHubChangedFile{}
	for _, f := range files {
		byPath[f.Path] = f
	}
	require.Len(t, files, 4)
	assert.Equal(t, ports.GitHubChangedFile{Path: "main.py", Status: "modified", SHA: gitBlobSHA("print('hello')\nprint('bye')\n"),
		Additions: 1, Deletions: 0, Patch: "@@ -1 +1,2 @@\n print('hello')\n+print('bye')"}, byPath["main.py"])
	assert.Equal(t, "added", byPath["greet.py"].Status)
	assert.Equal(t, 2, byPath["greet.py"].Additions)
	assert.Equal(t, "@@ -0,0 +1,2 @@\n+def greet(name):\n+    return f'hi {name}'", byPath["greet.py"].Patch)
	assert.Equal(t, ports.GitHubChangedFile{Path: "web/app.js", Status: "removed", Deletions: 1, Patch: "@@ -1 +0,0 @@\n-console.log(1)"}, byPath["web/app.js"])
	assert.Empty(t, byPath["assets.bin"].Patch, "binary: no patch")

	// Pushing to the head branch moves the pull request.
	head2 := srv.Commit("octocat", "hello", "feature/greet", map[string]string{"more.py": "m\n"}, "more")
	p, err = c.Pull(ctx, tok, "octocat", "hello", n)
	require.NoError(t, err)
	assert.Equal(t, head2, p.HeadSHA)

	_, err = c.Pull(ctx, tok, "octocat", "hello", 999)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = c.PullFiles(ctx, tok, "octocat", "hello", 0)
	assert.ErrorIs(t, err, domain.ErrNotFound)
}

func manyFiles(n int) map[string]string {
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("gen/f%04d.txt", i)] = fmt.Sprintf("line %d\n", i)
	}
	return files
}

func TestPullFilesPaginates(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	srv.AddRepo(githubserver.Repo{Owner: "octocat", Name: "many", Files: map[string]string{"a": "a\n"}})
	srv.Commit("octocat", "many", "wide", manyFiles(250), "wide")
	n := srv.AddPull("octocat", "many", githubserver.Pull{Title: "wide", Head: "wide"})
	files, err := c.PullFiles(context.Background(), tok, "octocat", "many", n)
	require.NoError(t, err)
	require.Len(t, files, 250)
	assert.Equal(t, "gen/f0000.txt", files[0].Path)
	assert.Equal(t, "gen/f0249.txt", files[249].Path)
	assert.Equal(t, "@@ -0,0 +1 @@\n+line 249", files[249].Patch)
	assert.Equal(t, 3, srv.Count("/repos/octocat/many/pulls/1/files"))
}

func TestPullFilesStopsAtGitHubsCap(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	srv.AddRepo(githubserver.Repo{Owner: "octocat", Name: "huge", Files: map[string]string{"a": "a\n"}})
	srv.Commit("octocat", "huge", "wide", manyFiles(3050), "wide")
	n := srv.AddPull("octocat", "huge", githubserver.Pull{Title: "huge", Head: "wide"})
	files, err := c.PullFiles(context.Background(), tok, "octocat", "huge", n)
	require.NoError(t, err)
	assert.Len(t, files, 3000)
	assert.Equal(t, 30, srv.Count("/repos/octocat/huge/pulls/1/files"))
}

func TestEnterprisePath(t *testing.T) {
	t.Parallel()
	srv := githubserver.New(githubserver.WithEnterprisePath())
	t.Cleanup(srv.Close)
	srv.AddToken(tok, "octocat", 1, "repo")
	sha := addSample(srv)
	require.True(t, strings.HasSuffix(srv.URL(), "/api/v3/"))
	c, err := github.New(github.Options{BaseURL: strings.TrimSuffix(srv.URL(), "/")})
	require.NoError(t, err)
	ctx := context.Background()

	u, err := c.User(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, "octocat", u.Login)
	got, err := c.ResolveRef(ctx, tok, "octocat", "hello", "")
	require.NoError(t, err)
	assert.Equal(t, sha, got)
	tr, err := c.Tree(ctx, tok, "octocat", "hello", sha)
	require.NoError(t, err)
	assert.Len(t, tr.Entries, len(sample))
	data, err := c.Blob(ctx, tok, "octocat", "hello", tr.Entries[0].SHA, 100)
	require.NoError(t, err)
	assert.Equal(t, sample[tr.Entries[0].Path], string(data))
	for _, r := range srv.Requests() {
		assert.Equal(t, http.StatusOK, r.Status, r.Path)
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	addSample(srv)
	ctx := context.Background()

	srv.RateLimitFor(90*time.Second, 1)
	_, err := c.User(ctx, tok)
	var rl *review.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.WithinDuration(t, time.Now().Add(90*time.Second), rl.RetryAt, 2*time.Second)
	noLeak(t, err)

	srv.SecondaryRateLimit(30*time.Second, 1)
	_, err = c.Repository(ctx, tok, "octocat", "hello")
	require.ErrorAs(t, err, &rl)
	assert.WithinDuration(t, time.Now().Add(30*time.Second), rl.RetryAt, 2*time.Second)
	noLeak(t, err)

	srv.SecondaryRateLimit(0, 1) // no retry-after: wait a minute
	_, err = c.Repository(ctx, tok, "octocat", "hello")
	require.ErrorAs(t, err, &rl)
	assert.WithinDuration(t, time.Now().Add(time.Minute), rl.RetryAt, 2*time.Second)

	srv.Inject(githubserver.Failure{Status: http.StatusTooManyRequests}, 1)
	_, err = c.Repository(ctx, tok, "octocat", "hello")
	require.ErrorAs(t, err, &rl)
	assert.WithinDuration(t, time.Now().Add(time.Minute), rl.RetryAt, 2*time.Second)

	// Past the failures, calls work again.
	_, err = c.Repository(ctx, tok, "octocat", "hello")
	require.NoError(t, err)
}

func TestSpentRateLimitMidTree(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{}, githubserver.WithTreeLimit(12), githubserver.WithRateLimit(3))
	sha := srv.AddRepo(githubserver.Repo{Owner: "octocat", Name: "big", Files: bigTree()})
	_, err := c.Tree(context.Background(), tok, "octocat", "big", sha)
	var rl *review.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.WithinDuration(t, time.Now().Add(time.Hour), rl.RetryAt, 5*time.Second)
}

func TestFailures(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{Timeout: 200 * time.Millisecond})
	sha := addSample(srv)
	ctx := context.Background()

	srv.RevokeToken(otherTok)
	_, err := c.User(ctx, otherTok)
	assert.ErrorIs(t, err, review.ErrReauthorize)
	noLeak(t, err)

	srv.FailNext(http.StatusBadGateway, 1)
	_, err = c.Tree(ctx, tok, "octocat", "hello", sha)
	assert.ErrorIs(t, err, domain.ErrUnavailable)
	noLeak(t, err)

	srv.FailNext(http.StatusInternalServerError, 1)
	_, err = c.PullFiles(ctx, tok, "octocat", "hello", 1)
	assert.ErrorIs(t, err, domain.ErrUnavailable)

	srv.Inject(githubserver.Failure{Status: http.StatusUnavailableForLegalReasons, Message: "Repository access blocked"}, 1)
	_, err = c.Repository(ctx, tok, "octocat", "hello")
	assert.ErrorIs(t, err, domain.ErrNotFound)

	srv.Inject(githubserver.Failure{Status: http.StatusForbidden, Message: "Resource not accessible by integration"}, 2)
	_, err = c.Repository(ctx, tok, "octocat", "hello") // has "repo": no access, hidden
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = c.Repository(ctx, thinTok, "octocat", "hello") // lacks "repo": a scope problem
	assert.ErrorIs(t, err, review.ErrReauthorize)

	srv.Inject(githubserver.Failure{Status: http.StatusOK, Body: "<html>not json</html>"}, 1)
	_, err = c.Repository(ctx, tok, "octocat", "hello")
	assert.ErrorIs(t, err, domain.ErrUnavailable)

	srv.Delay(time.Second)
	_, err = c.User(ctx, tok)
	assert.ErrorIs(t, err, domain.ErrUnavailable, "our own timeout")
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	noLeak(t, err)

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = c.User(short, tok)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the caller's deadline stays a context error")
	assert.NotErrorIs(t, err, domain.ErrUnavailable)

	canceled, cancel2 := context.WithCancel(ctx)
	cancel2()
	_, err = c.Blob(canceled, tok, "octocat", "hello", strings.Repeat("a", 40), 10)
	assert.ErrorIs(t, err, context.Canceled)
	srv.Delay(0)
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := githubserver.New()
	url := srv.URL()
	srv.Close()
	c, err := github.New(github.Options{BaseURL: url, Timeout: time.Second})
	require.NoError(t, err)
	_, err = c.User(context.Background(), tok)
	assert.ErrorIs(t, err, domain.ErrUnavailable)
	noLeak(t, err)
}

func TestSyntheticRepository(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{})
	// The fake's own tests take the 50 MB one; 10 MB keeps this one quick
	// under -race.
	syn := srv.AddSyntheticRepo("octocat", "mono", 2000, 10<<20, 42)
	ctx := context.Background()

	sha, err := c.ResolveRef(ctx, tok, "octocat", "mono", "")
	require.NoError(t, err)
	assert.Equal(t, syn.CommitSHA, sha)
	tr, err := c.Tree(ctx, tok, "octocat", "mono", sha)
	require.NoError(t, err)
	require.Len(t, tr.Entries, 2000)
	var total int64
	for _, e := range tr.Entries {
		f, ok := syn.File(e.Path)
		require.True(t, ok, e.Path)
		assert.Equal(t, f.SHA, e.SHA)
		total += e.Size
	}
	assert.Equal(t, int64(10<<20), total)

	// Read what a review would pick: a few sources and the settings module.
	var picked []string
	for _, f := range syn.Files {
		if f.Kind == githubserver.KindSource && len(picked) < 5 {
			picked = append(picked, f.Path)
		}
	}
	picked = append(picked, syn.Paths(githubserver.KindSecret)...)
	sort.Strings(picked)
	for _, p := range picked {
		f, _ := syn.File(p)
		data, err := c.Blob(ctx, tok, "octocat", "mono", f.SHA, 1<<20)
		require.NoError(t, err, p)
		assert.Len(t, data, int(f.Size))
		assert.Equal(t, f.SHA, gitBlobSHA(string(data)), "real git shas")
	}
	assert.Equal(t, picked, srv.ServedPaths("octocat", "mono", sha), "nothing else was downloaded")
	settings, _ := syn.File("config/settings.py")
	data, err := c.Blob(ctx, tok, "octocat", "mono", settings.SHA, 1<<20)
	require.NoError(t, err)
	for _, s := range syn.Secrets {
		if s.Path == "config/settings.py" {
			assert.Contains(t, string(data), s.Value)
		}
	}

	recent, err := c.RecentlyChanged(ctx, tok, "octocat", "mono", sha, 20)
	require.NoError(t, err)
	assert.Len(t, recent, 20, "the import commit's first files")
}

func TestErrorsNeverCarryTheToken(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, github.Options{Timeout: 100 * time.Millisecond})
	addSample(srv)
	ctx := context.Background()
	calls := []func() error{
		func() error { _, err := c.User(ctx, tok); return err },
		func() error { _, err := c.Repository(ctx, tok, "octocat", "hello"); return err },
		func() error { _, err := c.ResolveRef(ctx, tok, "octocat", "hello", "main"); return err },
		func() error { _, err := c.Tree(ctx, tok, "octocat", "hello", strings.Repeat("a", 40)); return err },
		func() error { _, err := c.Blob(ctx, tok, "octocat", "hello", strings.Repeat("a", 40), 1); return err },
		func() error { _, err := c.RecentlyChanged(ctx, tok, "octocat", "hello", "", 5); return err },
		func() error { _, err := c.Pull(ctx, tok, "octocat", "hello", 1); return err },
		func() error { _, err := c.PullFiles(ctx, tok, "octocat", "hello", 1); return err },
	}
	inject := []func(){
		func() { srv.RateLimitFor(time.Minute, 1) },
		func() { srv.SecondaryRateLimit(time.Minute, 1) },
		func() { srv.FailNext(500, 1) },
		func() { srv.Inject(githubserver.Failure{Status: 404}, 1) },
		func() { srv.Inject(githubserver.Failure{Status: 401, Message: "Bad credentials"}, 1) },
		func() { srv.Inject(githubserver.Failure{Status: 403}, 1) },
	}
	for _, call := range calls {
		for _, in := range inject {
			in()
			err := call()
			noLeak(t, err)
			srv.ClearFailures()
		}
	}
}

// gitBlobSHA is `git hash-object` of content.
func gitBlobSHA(content string) string {
	return githubserver.BlobSHA([]byte(content))
}
