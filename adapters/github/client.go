// Package github is the ports.GitHub adapter: it reads repositories, trees,
// blobs, commits and pull requests with the learner's OAuth token through
// go-github (github.com/google/go-github/v89) against the REST API at
// Options.BaseURL (api.github.com, a GitHub Enterprise Server's /api/v3, or
// a local fake).
//
// One go-github client holds the configuration and the shared http.Client;
// each call clones it with the learner's token (WithAuthToken wraps the
// shared transport, it does not build a new one), so tokens never mix and
// connections are pooled.
//
// Every failure is translated once, in classify (errors.go), into the
// port's error contract; the token never appears in an error.
package github

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	gh "github.com/google/go-github/v89/github"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

var _ ports.GitHub = (*Client)(nil)

// Defaults of Options.
const (
	DefaultBaseURL         = "https://api.github.com"
	DefaultTimeout         = 30 * time.Second
	DefaultUserAgent       = "codementor"
	DefaultMaxTreeEntries  = 50_000
	DefaultMaxTreeRequests = 300
	DefaultRecentCommits   = 10
	// maxPullFiles is where GitHub stops listing a pull request's files.
	maxPullFiles = 3000
)

// Options configures the adapter; the zero value talks to api.github.com.
type Options struct {
	// BaseURL is the REST API root (GITHUB_API_URL), used as is:
	// https://api.github.com, https://host/api/v3 for GitHub Enterprise
	// Server, or a fake's URL. A trailing slash is optional.
	BaseURL string
	// HTTPClient is shared by every call; default a client with its own
	// clone of http.DefaultTransport.
	HTTPClient *http.Client
	// Timeout bounds one HTTP request, body included (default 30 s). A
	// request that runs out of it is domain.ErrUnavailable, unlike the
	// caller's own deadline, which stays a context error.
	Timeout time.Duration
	// UserAgent is sent with every request (GitHub requires one).
	UserAgent string
	// MaxTreeEntries caps the blobs Tree returns (default 50,000); a tree
	// with more is returned cut, with Truncated set.
	MaxTreeEntries int
	// MaxTreeRequests caps the extra sub-tree requests Tree makes when
	// GitHub truncates a recursive listing (default 300); past it the
	// listing is returned with Truncated set.
	MaxTreeRequests int
	// RecentCommits is how many commits RecentlyChanged looks at (default
	// 10).
	RecentCommits int
}

// Client implements ports.GitHub; safe for concurrent use.
type Client struct {
	base *gh.Client // no token: cloned per call with the learner's
	opts Options
	now  func() time.Time
}

// New checks the options and builds the client.
func New(o Options) (*Client, error) {
	base := strings.TrimSpace(o.BaseURL)
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("github: BaseURL must be an absolute http(s) URL, not %q", o.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("github: BaseURL must not carry a query or fragment: %q", o.BaseURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/" // go-github resolves relative paths against it
	}
	base = u.String()
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.MaxTreeEntries <= 0 {
		o.MaxTreeEntries = DefaultMaxTreeEntries
	}
	if o.MaxTreeRequests <= 0 {
		o.MaxTreeRequests = DefaultMaxTreeRequests
	}
	if o.RecentCommits <= 0 {
		o.RecentCommits = DefaultRecentCommits
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	c, err := gh.NewClient(
		gh.WithHTTPClient(hc),
		gh.WithTimeout(o.Timeout),
		gh.WithUserAgent(o.UserAgent),
		gh.WithURLs(&base, nil),
	)
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	o.BaseURL = base
	return &Client{base: c, opts: o, now: time.Now}, nil
}

// Name is what readiness reports.
func (c *Client) Name() string { return "github" }

// call is one port call: the token's client and what classify needs.
type call struct {
	ctx   context.Context
	gc    *gh.Client
	token string
	op    string
	now   func() time.Time
}

func (c *Client) begin(ctx context.Context, token, op string) (*call, error) {
	if strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("github: %s: no token: %w", op, review.ErrReauthorize)
	}
	gc, err := c.base.Clone(gh.WithAuthToken(token))
	if err != nil {
		return nil, fmt.Errorf("github: %s: %s", op, redact(err.Error(), token))
	}
	return &call{ctx: ctx, gc: gc, token: token, op: op, now: c.now}, nil
}

func (k *call) fail(err error) error {
	return classify(k.ctx, k.op, k.token, err, k.now())
}

// GitHub's names: owners are letters, digits and hyphens (Enterprise
// Server also allows underscores), repositories add dots. Anything else
// cannot name a repository, and must not reach the URL.
var (
	nameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	shaRe  = regexp.MustCompile(`^[0-9a-fA-F]{4,64}$`)
)

func checkRepo(op, owner, name string) error {
	for _, s := range []string{owner, name} {
		if !nameRe.MatchString(s) || s == "." || s == ".." {
			return fmt.Errorf("github: %s: %q is not a repository name: %w", op, owner+"/"+name, domain.ErrNotFound)
		}
	}
	return nil
}

func checkSHA(op, sha string) error {
	if !shaRe.MatchString(sha) {
		return fmt.Errorf("github: %s: %q is not an object sha: %w", op, sha, domain.ErrNotFound)
	}
	return nil
}

// User reads the token's owner; the scopes come from X-OAuth-Scopes
// (classic OAuth and personal tokens; fine-grained ones send none).
func (c *Client) User(ctx context.Context, token string) (ports.GitHubUser, error) {
	k, err := c.begin(ctx, token, "user")
	if err != nil {
		return ports.GitHubUser{}, err
	}
	u, resp, err := k.gc.Users.Get(ctx, "")
	if err != nil {
		return ports.GitHubUser{}, k.fail(err)
	}
	return ports.GitHubUser{ID: u.GetID(), Login: u.GetLogin(), Scopes: parseScopes(resp.Header)}, nil
}

// parseScopes splits X-OAuth-Scopes ("repo, read:user").
func parseScopes(h http.Header) []string {
	scopes := []string{}
	for _, v := range h.Values("X-OAuth-Scopes") {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				scopes = append(scopes, s)
			}
		}
	}
	return scopes
}

// Repository reads one repository.
func (c *Client) Repository(ctx context.Context, token, owner, name string) (ports.GitHubRepo, error) {
	if err := checkRepo("repository", owner, name); err != nil {
		return ports.GitHubRepo{}, err
	}
	k, err := c.begin(ctx, token, "repository "+owner+"/"+name)
	if err != nil {
		return ports.GitHubRepo{}, err
	}
	return k.repository(owner, name)
}

func (k *call) repository(owner, name string) (ports.GitHubRepo, error) {
	r, _, err := k.gc.Repositories.Get(k.ctx, owner, name)
	if err != nil {
		return ports.GitHubRepo{}, k.fail(err)
	}
	return ports.GitHubRepo{
		ID:            r.GetID(),
		FullName:      r.GetFullName(),
		DefaultBranch: r.GetDefaultBranch(),
		Private:       r.GetPrivate(),
		Language:      r.GetLanguage(),
		Archived:      r.GetArchived(),
	}, nil
}

// ResolveRef turns a branch, tag or (short) sha into a commit sha with the
// commits endpoint's sha media type; "" is the default branch.
func (c *Client) ResolveRef(ctx context.Context, token, owner, name, ref string) (string, error) {
	if err := checkRepo("resolve ref", owner, name); err != nil {
		return "", err
	}
	k, err := c.begin(ctx, token, "resolve ref "+owner+"/"+name)
	if err != nil {
		return "", err
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		r, err := k.repository(owner, name)
		if err != nil {
			return "", err
		}
		if r.DefaultBranch == "" {
			return "", fmt.Errorf("github: %s: no default branch: %w", k.op, domain.ErrNotFound)
		}
		ref = r.DefaultBranch
	}
	if strings.Contains(ref, "..") || strings.ContainsAny(ref, " ~^:?*[\\") {
		// Not a valid git ref name (git check-ref-format).
		return "", fmt.Errorf("github: %s: %q is not a ref: %w", k.op, ref, domain.ErrNotFound)
	}
	sha, _, err := k.gc.Repositories.GetCommitSHA1(ctx, owner, name, ref, "")
	if err != nil {
		return "", k.fail(err)
	}
	sha = strings.TrimSpace(sha)
	if !shaRe.MatchString(sha) {
		return "", fmt.Errorf("github: %s: malformed answer: %w", k.op, domain.ErrUnavailable)
	}
	return sha, nil
}

// Tree lists the blobs of commitSHA's tree. One recursive request answers
// most repositories; when GitHub truncates it (over 100,000 entries or
// 7 MB), the tree is walked again level by level: each sub-tree is asked
// for recursively, and only a sub-tree that is itself truncated is opened
// one level further. Truncated reports a listing that is still incomplete
// (over MaxTreeEntries or MaxTreeRequests, or a single directory GitHub
// cannot list whole).
func (c *Client) Tree(ctx context.Context, token, owner, name, commitSHA string) (ports.GitHubTree, error) {
	if err := checkRepo("tree", owner, name); err != nil {
		return ports.GitHubTree{}, err
	}
	if err := checkSHA("tree", commitSHA); err != nil {
		return ports.GitHubTree{}, err
	}
	k, err := c.begin(ctx, token, "tree "+owner+"/"+name+"@"+commitSHA)
	if err != nil {
		return ports.GitHubTree{}, err
	}
	w := &treeWalk{call: k, owner: owner, name: name, maxEntries: c.opts.MaxTreeEntries, requests: c.opts.MaxTreeRequests}
	t, err := getTree(ctx, k.gc, owner, name, commitSHA, true)
	if err != nil {
		return ports.GitHubTree{}, k.fail(err)
	}
	if !t.Truncated {
		w.addBlobs("", t.Entries)
	} else {
		root, err := getTree(ctx, k.gc, owner, name, commitSHA, false)
		if err != nil {
			return ports.GitHubTree{}, k.fail(err)
		}
		if err := w.level("", root); err != nil {
			return ports.GitHubTree{}, err
		}
	}
	return ports.GitHubTree{CommitSHA: commitSHA, Entries: w.entries, Truncated: w.incomplete}, nil
}

type treeWalk struct {
	*call
	owner, name string
	maxEntries  int
	requests    int // sub-tree requests left
	entries     []ports.GitHubTreeEntry
	incomplete  bool
}

// addBlobs keeps the blobs of a listing (trees and submodule commits are
// left out), up to maxEntries.
func (w *treeWalk) addBlobs(prefix string, entries []treeEntry) {
	for _, e := range entries {
		if e.Type != "blob" {
			continue
		}
		if len(w.entries) >= w.maxEntries {
			w.incomplete = true
			return
		}
		w.entries = append(w.entries, ports.GitHubTreeEntry{Path: prefix + e.Path, SHA: e.SHA, Size: e.Size, Mode: e.Mode})
	}
}

// level adds one non-recursive listing, descending into its sub-trees in
// order, so the result keeps git's (and GitHub's recursive) path order.
func (w *treeWalk) level(prefix string, t listing) error {
	if t.Truncated {
		w.incomplete = true
	}
	for i, e := range t.Entries {
		if len(w.entries) >= w.maxEntries {
			w.incomplete = true
			return nil
		}
		switch e.Type {
		case "blob":
			w.addBlobs(prefix, t.Entries[i:i+1])
		case "tree":
			if err := w.subtree(prefix+e.Path+"/", e.SHA); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *treeWalk) subtree(prefix, sha string) error {
	if w.requests <= 0 {
		w.incomplete = true
		return nil
	}
	w.requests--
	t, err := getTree(w.ctx, w.gc, w.owner, w.name, sha, true)
	if err != nil {
		return w.fail(err)
	}
	if !t.Truncated {
		w.addBlobs(prefix, t.Entries)
		return nil
	}
	if w.requests <= 0 {
		w.incomplete = true
		return nil
	}
	w.requests--
	t, err = getTree(w.ctx, w.gc, w.owner, w.name, sha, false)
	if err != nil {
		return w.fail(err)
	}
	return w.level(prefix, t)
}

// Blob reads a blob's raw bytes. A body longer than maxBytes is refused
// (domain.ErrTooLarge) from its Content-Length, or after maxBytes+1 bytes
// when GitHub sends none; maxBytes below zero counts as zero.
func (c *Client) Blob(ctx context.Context, token, owner, name, sha string, maxBytes int64) ([]byte, error) {
	if err := checkRepo("blob", owner, name); err != nil {
		return nil, err
	}
	if err := checkSHA("blob", sha); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, token, "blob "+owner+"/"+name+"@"+sha)
	if err != nil {
		return nil, err
	}
	maxBytes = max(maxBytes, 0)
	req, err := k.gc.NewRequest(ctx, http.MethodGet, fmt.Sprintf("repos/%s/%s/git/blobs/%s", owner, name, sha), nil)
	if err != nil {
		return nil, k.fail(err)
	}
	req.Header.Set("Accept", "application/vnd.github.raw+json")
	resp, err := k.gc.BareDo(req)
	if err != nil {
		return nil, k.fail(err)
	}
	defer resp.Body.Close()
	tooLarge := func(size string) error {
		return fmt.Errorf("github: %s: %s bytes, more than %d: %w", k.op, size, maxBytes, domain.ErrTooLarge)
	}
	if resp.ContentLength > maxBytes {
		return nil, tooLarge(fmt.Sprint(resp.ContentLength))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, k.fail(fmt.Errorf("read blob: %w", err))
	}
	if int64(len(data)) > maxBytes {
		return nil, tooLarge("over " + fmt.Sprint(maxBytes))
	}
	return data, nil
}

// RecentlyChanged lists the files changed by the last RecentCommits
// commits up to commitSHA ("" = the default branch), most recent first,
// each path once. Merge commits are skipped (their diff repeats the
// merged commits'), and so are files removed or renamed away by a later
// commit (nothing left to read at commitSHA).
func (c *Client) RecentlyChanged(ctx context.Context, token, owner, name, commitSHA string, limit int) ([]string, error) {
	if err := checkRepo("recently changed", owner, name); err != nil {
		return nil, err
	}
	if commitSHA != "" {
		if err := checkSHA("recently changed", commitSHA); err != nil {
			return nil, err
		}
	}
	paths := []string{}
	if limit <= 0 {
		return paths, nil
	}
	k, err := c.begin(ctx, token, "recently changed "+owner+"/"+name+"@"+commitSHA)
	if err != nil {
		return nil, err
	}
	commits, _, err := k.gc.Repositories.ListCommits(ctx, owner, name, &gh.CommitsListOptions{
		SHA: commitSHA, ListOptions: gh.ListOptions{PerPage: c.opts.RecentCommits},
	})
	if err != nil {
		return nil, k.fail(err)
	}
	seen := map[string]bool{}
	for _, rc := range commits {
		if len(rc.Parents) > 1 {
			continue
		}
		full, _, err := k.gc.Repositories.GetCommit(ctx, owner, name, rc.GetSHA(), &gh.ListOptions{PerPage: 100})
		if err != nil {
			return nil, k.fail(err)
		}
		for _, f := range full.Files {
			p := f.GetFilename()
			if prev := f.GetPreviousFilename(); prev != "" {
				seen[prev] = true // renamed away: gone at commitSHA
			}
			if f.GetStatus() == "removed" {
				seen[p] = true // older changes to it do not count either
				continue
			}
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			paths = append(paths, p)
			if len(paths) >= limit {
				return paths, nil
			}
		}
	}
	return paths, nil
}

// Pull reads a pull request.
func (c *Client) Pull(ctx context.Context, token, owner, name string, number int) (ports.GitHubPull, error) {
	if err := checkRepo("pull", owner, name); err != nil {
		return ports.GitHubPull{}, err
	}
	if number <= 0 {
		return ports.GitHubPull{}, fmt.Errorf("github: pull %d: %w", number, domain.ErrNotFound)
	}
	k, err := c.begin(ctx, token, fmt.Sprintf("pull %s/%s#%d", owner, name, number))
	if err != nil {
		return ports.GitHubPull{}, err
	}
	p, _, err := k.gc.PullRequests.Get(ctx, owner, name, number)
	if err != nil {
		return ports.GitHubPull{}, k.fail(err)
	}
	return ports.GitHubPull{
		Number:  p.GetNumber(),
		Title:   p.GetTitle(),
		HeadSHA: p.GetHead().GetSHA(),
		BaseRef: p.GetBase().GetRef(),
		State:   p.GetState(),
	}, nil
}

// PullFiles lists every page of a pull request's files (100 a page, at
// most GitHub's 3,000).
func (c *Client) PullFiles(ctx context.Context, token, owner, name string, number int) ([]ports.GitHubChangedFile, error) {
	if err := checkRepo("pull files", owner, name); err != nil {
		return nil, err
	}
	if number <= 0 {
		return nil, fmt.Errorf("github: pull files %d: %w", number, domain.ErrNotFound)
	}
	k, err := c.begin(ctx, token, fmt.Sprintf("pull files %s/%s#%d", owner, name, number))
	if err != nil {
		return nil, err
	}
	files := []ports.GitHubChangedFile{}
	opts := &gh.ListOptions{PerPage: 100, Page: 1}
	for page := 0; page < maxPullFiles/100+1; page++ {
		list, resp, err := k.gc.PullRequests.ListFiles(ctx, owner, name, number, opts)
		if err != nil {
			return nil, k.fail(err)
		}
		for _, f := range list {
			cf := ports.GitHubChangedFile{
				Path:      f.GetFilename(),
				Status:    f.GetStatus(),
				SHA:       f.GetSHA(),
				Additions: f.GetAdditions(),
				Deletions: f.GetDeletions(),
				Patch:     f.GetPatch(),
			}
			if cf.Status == "removed" {
				cf.SHA = ""
			}
			files = append(files, cf)
			if len(files) >= maxPullFiles {
				return files, nil
			}
		}
		if resp.NextPage == 0 || len(list) == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return files, nil
}
