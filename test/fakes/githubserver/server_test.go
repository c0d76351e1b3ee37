package githubserver_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/test/fakes/githubserver"
)

const tok = "gho_FakeServerTestToken000000000000000"

func get(t *testing.T, url, token, accept string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}

func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), string(body))
	return m
}

func newServer(t *testing.T, opts ...githubserver.Option) *githubserver.Server {
	t.Helper()
	s := githubserver.New(opts...)
	t.Cleanup(s.Close)
	s.AddToken(tok, "octocat", 1, "repo", "read:user")
	return s
}

func TestUserAndHeaders(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	status, h, body := get(t, s.URL()+"user", tok, "")
	require.Equal(t, 200, status)
	u := decode(t, body)
	assert.Equal(t, "octocat", u["login"])
	assert.EqualValues(t, 1, u["id"])
	assert.Equal(t, "repo, read:user", h.Get("X-OAuth-Scopes"))
	assert.Equal(t, "5000", h.Get("X-RateLimit-Limit"))
	assert.Equal(t, "4999", h.Get("X-RateLimit-Remaining"))
	assert.Equal(t, "1", h.Get("X-RateLimit-Used"))
	assert.Equal(t, "core", h.Get("X-RateLimit-Resource"))
	reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Add(time.Hour).Unix(), reset, 5)

	status, _, body = get(t, s.URL()+"user", "", "")
	assert.Equal(t, 401, status)
	assert.Equal(t, "Requires authentication", decode(t, body)["message"])

	s.RevokeToken(tok)
	status, _, body = get(t, s.URL()+"user", tok, "")
	assert.Equal(t, 401, status)
	assert.Equal(t, "Bad credentials", decode(t, body)["message"])
	assert.NotEmpty(t, decode(t, body)["documentation_url"])
}

func TestRepositoryWireFormat(t *testing.T) {
	t.Parallel()
	s := newServer(t, githubserver.WithTreeLimit(3))
	files := map[string]string{"README.md": "hi\n", "src/a.py": "a = 1\n", "src/b.py": "b = 2\n", "big.txt": strings.Repeat("x", 1<<20+1)}
	first := s.AddRepo(githubserver.Repo{Owner: "octocat", Name: "hello", Language: "Python", Files: files})
	s.AddRepo(githubserver.Repo{Owner: "octocat", Name: "empty"})
	base := s.URL() + "repos/octocat/hello/"

	status, _, body := get(t, s.URL()+"repos/octocat/hello", tok, "")
	require.Equal(t, 200, status)
	r := decode(t, body)
	assert.Equal(t, "octocat/hello", r["full_name"])
	assert.Equal(t, "main", r["default_branch"])
	assert.Equal(t, "public", r["visibility"])
	assert.Equal(t, "octocat", r["owner"].(map[string]any)["login"])

	// The sha media type, and its ETag.
	status, h, body := get(t, base+"commits/main", tok, "application/vnd.github.sha")
	require.Equal(t, 200, status)
	assert.Equal(t, first, string(body))
	status, _, _ = get(t, base+"commits/main", tok, "application/vnd.github.v3.sha", "If-None-Match", h.Get("ETag"))
	assert.Equal(t, 304, status)
	status, _, body = get(t, base+"commits/nope", tok, "")
	assert.Equal(t, 422, status)
	assert.Equal(t, "No commit found for SHA: nope", decode(t, body)["message"])
	status, _, body = get(t, s.URL()+"repos/octocat/empty/commits/main", tok, "")
	assert.Equal(t, 409, status)
	assert.Equal(t, "Git Repository is empty.", decode(t, body)["message"])

	// The root commit lists every file as added.
	status, _, body = get(t, base+"commits/"+first, tok, "")
	require.Equal(t, 200, status)
	c := decode(t, body)
	assert.Len(t, c["files"], 4)
	assert.Empty(t, c["parents"])

	// A recursive tree past the limit is truncated.
	status, _, body = get(t, base+"git/trees/"+first+"?recursive=1", tok, "")
	require.Equal(t, 200, status)
	tr := decode(t, body)
	assert.Equal(t, true, tr["truncated"])
	assert.Len(t, tr["tree"], 3)
	status, _, body = get(t, base+"git/trees/main", tok, "")
	require.Equal(t, 200, status)
	tr = decode(t, body)
	assert.Equal(t, false, tr["truncated"])
	assert.Len(t, tr["tree"], 3) // README.md, big.txt, src

	// Blobs: base64 wrapped at 60 columns, or raw.
	sha := s.FileSHA("octocat", "hello", "main", "big.txt")
	assert.Equal(t, githubserver.BlobSHA([]byte(files["big.txt"])), sha)
	status, _, body = get(t, base+"git/blobs/"+sha, tok, "")
	require.Equal(t, 200, status)
	b := decode(t, body)
	content := b["content"].(string)
	assert.Equal(t, "base64", b["encoding"])
	assert.Equal(t, 60, strings.Index(content, "\n"))
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(content, "\n", ""))
	require.NoError(t, err)
	assert.Equal(t, files["big.txt"], string(raw))
	status, h, body = get(t, base+"git/blobs/"+sha, tok, "application/vnd.github.raw+json")
	require.Equal(t, 200, status)
	assert.Equal(t, strconv.Itoa(len(files["big.txt"])), h.Get("Content-Length"))
	assert.Equal(t, files["big.txt"], string(body))

	// Contents: a file, a large file without content, a directory.
	status, _, body = get(t, base+"contents/src/a.py?ref=main", tok, "")
	require.Equal(t, 200, status)
	f := decode(t, body)
	raw, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(f["content"].(string), "\n", ""))
	require.NoError(t, err)
	assert.Equal(t, "a = 1\n", string(raw))
	status, _, body = get(t, base+"contents/big.txt", tok, "")
	require.Equal(t, 200, status)
	assert.Equal(t, "none", decode(t, body)["encoding"])
	status, _, body = get(t, base+"contents/src", tok, "")
	require.Equal(t, 200, status)
	var dir []map[string]any
	require.NoError(t, json.Unmarshal(body, &dir))
	require.Len(t, dir, 2)
	assert.Equal(t, "file", dir[0]["type"])
	assert.Equal(t, "src/a.py", dir[0]["path"])

	assert.Equal(t, []string{sha, s.FileSHA("octocat", "hello", "main", "src/a.py")}, s.BlobsServed())
	assert.Equal(t, []string{"big.txt", "src/a.py"}, s.ServedPaths("octocat", "hello", "main"))
	st := s.Stats()
	assert.Equal(t, 3, st.BlobsServed)
	assert.Equal(t, 2, st.BlobReads[sha])
}

func TestCommitsPaginationAndPatches(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.AddRepo(githubserver.Repo{Owner: "octocat", Name: "hist", Files: map[string]string{"a.txt": "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"}})
	var shas []string
	for i := range 5 {
		shas = append(shas, s.Commit("octocat", "hist", "main", map[string]string{"n.txt": strconv.Itoa(i)}, "commit "+strconv.Itoa(i)))
	}
	last := s.Commit("octocat", "hist", "main", map[string]string{"a.txt": "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10"}, "edit")
	base := s.URL() + "repos/octocat/hist/"

	status, h, body := get(t, base+"commits?per_page=2&page=2", tok, "")
	require.Equal(t, 200, status)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list, 2)
	assert.Equal(t, shas[3], list[0]["sha"])
	assert.Equal(t, shas[2], list[1]["sha"])
	link := h.Get("Link")
	assert.Contains(t, link, `page=3&per_page=2>; rel="next"`)
	assert.Contains(t, link, `page=4&per_page=2>; rel="last"`)
	assert.Contains(t, link, `page=1&per_page=2>; rel="prev"`)
	assert.True(t, strings.HasPrefix(link, "<"+s.URL()+"repos/octocat/hist/commits?"), link)

	status, _, body = get(t, base+"commits?path=a.txt", tok, "")
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal(body, &list))
	assert.Len(t, list, 2, "the edit and the first commit")

	status, _, body = get(t, base+"commits/"+last, tok, "")
	require.Equal(t, 200, status)
	c := decode(t, body)
	file := c["files"].([]any)[0].(map[string]any)
	assert.Equal(t, "modified", file["status"])
	assert.Equal(t, "@@ -2,9 +2,9 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n-10\n+10\n\\ No newline at end of file", file["patch"])
	assert.EqualValues(t, 2, file["additions"])
	assert.EqualValues(t, 2, file["deletions"])
	assert.Equal(t, map[string]any{"total": 4.0, "additions": 2.0, "deletions": 2.0}, c["stats"])
}

func TestVisibility(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.AddToken("fine", "hubot", 2)
	s.AddToken("noscope", "octocat", 1, "read:user")
	s.AddRepo(githubserver.Repo{Owner: "octocat", Name: "private", Private: true, Files: map[string]string{"a": "b"}})
	url := s.URL() + "repos/octocat/private"
	for token, want := range map[string]int{tok: 200, "fine": 404, "noscope": 404, "": 404} {
		status, _, _ := get(t, url, token, "")
		assert.Equal(t, want, status, token)
	}
	s.SetPrivate("octocat", "private", false)
	status, _, _ := get(t, url, "", "")
	assert.Equal(t, 200, status)
	s.DeleteRepo("octocat", "private")
	status, _, _ = get(t, url, tok, "")
	assert.Equal(t, 404, status)
}

func TestFailureInjection(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.AddRepo(githubserver.Repo{Owner: "octocat", Name: "hello", Files: map[string]string{"a": "b"}})

	s.RateLimitFor(time.Minute, 1)
	status, h, body := get(t, s.URL()+"user", tok, "")
	assert.Equal(t, 403, status)
	assert.Equal(t, "0", h.Get("X-RateLimit-Remaining"))
	assert.Equal(t, "API rate limit exceeded for user ID 1.", decode(t, body)["message"])
	reset, _ := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	assert.InDelta(t, time.Now().Add(time.Minute).Unix(), reset, 2)

	s.SecondaryRateLimit(1500*time.Millisecond, 1)
	status, h, body = get(t, s.URL()+"user", tok, "")
	assert.Equal(t, 403, status)
	assert.Equal(t, "2", h.Get("Retry-After"))
	assert.Equal(t, githubserver.SecondaryRateLimitDocs, decode(t, body)["documentation_url"])
	assert.NotEqual(t, "0", h.Get("X-RateLimit-Remaining"))

	s.Inject(githubserver.Failure{Status: 502, Path: "/repos/"}, 1)
	status, _, _ = get(t, s.URL()+"user", tok, "")
	assert.Equal(t, 200, status, "other paths unaffected")
	status, _, _ = get(t, s.URL()+"repos/octocat/hello", tok, "")
	assert.Equal(t, 502, status)

	s.FailNext(503, -1)
	for range 3 {
		status, _, _ = get(t, s.URL()+"user", tok, "")
		assert.Equal(t, 503, status)
	}
	s.ClearFailures()
	status, _, _ = get(t, s.URL()+"user", tok, "")
	assert.Equal(t, 200, status)

	s2 := newServer(t, githubserver.WithRateLimit(2))
	for i, want := range []int{200, 200, 403} {
		status, h, _ = get(t, s2.URL()+"user", tok, "")
		assert.Equal(t, want, status, i)
	}
	assert.Equal(t, "0", h.Get("X-RateLimit-Remaining"))
	assert.Equal(t, map[int]int{200: 2, 403: 1}, s2.Stats().ByStatus)
}

func TestEnterprisePath(t *testing.T) {
	t.Parallel()
	s := newServer(t, githubserver.WithEnterprisePath())
	assert.True(t, strings.HasSuffix(s.URL(), "/api/v3/"))
	status, _, _ := get(t, s.URL()+"user", tok, "")
	assert.Equal(t, 200, status)
	status, _, _ = get(t, strings.TrimSuffix(s.URL(), "api/v3/")+"user", tok, "")
	assert.Equal(t, 404, status)
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/user", reqs[0].Path, "logged without the prefix")
	assert.Equal(t, 200, reqs[0].Status)
	assert.Equal(t, 404, reqs[1].Status)
}

func TestSyntheticIsDeterministicAndCheap(t *testing.T) {
	// Not parallel: it measures the heap.
	s := githubserver.New()
	defer s.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	syn := s.AddSyntheticRepo("acme", "mono", 2000, 50<<20, 42)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	assert.Less(t, grown, int64(8<<20), "50 MB of files cost %d bytes of heap", grown)

	require.Len(t, syn.Files, 2000)
	var total int64
	kinds := map[githubserver.Kind]int{}
	for _, f := range syn.Files {
		total += f.Size
		kinds[f.Kind]++
	}
	assert.Equal(t, int64(50<<20), total)
	assert.Equal(t, total, syn.TotalBytes)
	for _, k := range []githubserver.Kind{githubserver.KindSource, githubserver.KindTest, githubserver.KindDoc, githubserver.KindConfig,
		githubserver.KindVendored, githubserver.KindNodeModules, githubserver.KindMinified, githubserver.KindLockfile,
		githubserver.KindImage, githubserver.KindLFSPointer, githubserver.KindLarge, githubserver.KindEnv, githubserver.KindSecret} {
		assert.Positive(t, kinds[k], k)
	}
	langs := map[string]int{}
	for _, f := range syn.Files {
		if f.Kind == githubserver.KindSource {
			langs[f.Language]++
		}
	}
	assert.Len(t, langs, 3)
	for _, p := range syn.Paths(githubserver.KindLarge) {
		f, _ := syn.File(p)
		assert.Greater(t, f.Size, int64(2<<20), p)
	}
	secrets := map[string]*regexp.Regexp{
		"github_token":      regexp.MustCompile(`^ghp_[A-Za-z0-9]{36}$`),
		"aws_access_key_id": regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`),
		"stripe_secret_key": regexp.MustCompile(`^sk_live_[A-Za-z0-9]{24}$`),
	}
	found := 0
	for _, sec := range syn.Secrets {
		if re, ok := secrets[sec.Kind]; ok {
			found++
			assert.Regexp(t, re, sec.Value)
		}
	}
	assert.Equal(t, 3, found)
	assert.Equal(t, []string{"config/settings.py"}, syn.Paths(githubserver.KindSecret))
	assert.Equal(t, []string{".env"}, syn.Paths(githubserver.KindEnv))

	// The same spec, the same repository; contents hash to their shas.
	s2 := githubserver.New()
	defer s2.Close()
	s2.AddToken(tok, "octocat", 1)
	syn2 := s2.AddSyntheticRepo("acme", "mono", 2000, 50<<20, 42)
	assert.Equal(t, syn.CommitSHA, syn2.CommitSHA)
	assert.Equal(t, syn.Secrets, syn2.Secrets)
	seen := map[githubserver.Kind]bool{}
	for _, f := range syn2.Files {
		if seen[f.Kind] || f.Size > 8<<20 {
			continue
		}
		seen[f.Kind] = true
		status, _, body := get(t, s2.URL()+"repos/acme/mono/git/blobs/"+f.SHA, tok, "application/vnd.github.raw")
		require.Equal(t, 200, status)
		assert.Len(t, body, int(f.Size), f.Path)
		assert.Equal(t, f.SHA, githubserver.BlobSHA(body), f.Path)
		switch f.Kind {
		case githubserver.KindImage:
			assert.Contains(t, string(body), "\x00", f.Path)
		case githubserver.KindMinified:
			assert.Equal(t, 1, bytes.Count(body, []byte("\n")), f.Path)
		case githubserver.KindLFSPointer:
			assert.True(t, strings.HasPrefix(string(body), "version https://git-lfs.github.com/spec/v1\noid sha256:"))
		case githubserver.KindSecret:
			for _, sec := range syn2.Secrets {
				if sec.Path == f.Path {
					assert.Contains(t, string(body), sec.Value)
				}
			}
		default:
			assert.NotContains(t, string(body), "\x00", f.Path)
			assert.True(t, bytes.HasSuffix(body, []byte("\n")), f.Path)
		}
	}
	assert.Len(t, s2.BlobsServed(), len(seen))
}

func TestMinSyntheticFiles(t *testing.T) {
	t.Parallel()
	s := githubserver.New()
	defer s.Close()
	syn := s.AddSyntheticRepo("acme", "tiny", 1, 0, 1)
	assert.Len(t, syn.Files, githubserver.MinSyntheticFiles)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.AddRepo(githubserver.Repo{Owner: "octocat", Name: "busy", Files: map[string]string{"a.txt": "a\n"}})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5 {
				s.Commit("octocat", "busy", "main", map[string]string{"f" + strconv.Itoa(i) + ".txt": strconv.Itoa(j)}, "c")
			}
		})
		wg.Go(func() {
			for range 5 {
				status, _, _ := get(t, s.URL()+"repos/octocat/busy/commits?per_page=100", tok, "")
				assert.Equal(t, 200, status)
				status, _, _ = get(t, s.URL()+"repos/octocat/busy/git/trees/main?recursive=1", tok, "")
				assert.Equal(t, 200, status)
				_ = s.Stats()
				_ = s.Requests()
			}
		})
	}
	wg.Wait()
	status, _, body := get(t, s.URL()+"repos/octocat/busy/commits?per_page=100", tok, "")
	require.Equal(t, 200, status)
	var list []any
	require.NoError(t, json.Unmarshal(body, &list))
	assert.Len(t, list, 41)
}
