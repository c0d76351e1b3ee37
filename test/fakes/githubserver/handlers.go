package githubserver

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

type ctxKey struct{}

func (s *Server) route(w http.ResponseWriter, r *http.Request, p string, rc reqCtx) {
	r2 := r.WithContext(context.WithValue(r.Context(), ctxKey{}, rc))
	u := *r.URL
	u.Path, u.RawPath = p, ""
	r2.URL = &u
	s.mux.ServeHTTP(w, r2)
}

func (s *Server) buildMux() {
	m := http.NewServeMux()
	m.HandleFunc("GET /user", s.getUser)
	m.HandleFunc("GET /repos/{owner}/{repo}", s.getRepo)
	m.HandleFunc("GET /repos/{owner}/{repo}/commits", s.listCommits)
	m.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref...}", s.getCommit)
	m.HandleFunc("GET /repos/{owner}/{repo}/branches/{branch...}", s.getBranch)
	m.HandleFunc("GET /repos/{owner}/{repo}/git/trees/{sha...}", s.getTree)
	m.HandleFunc("GET /repos/{owner}/{repo}/git/blobs/{sha}", s.getBlob)
	m.HandleFunc("GET /repos/{owner}/{repo}/contents", s.getContents)
	m.HandleFunc("GET /repos/{owner}/{repo}/contents/{path...}", s.getContents)
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}", s.getPull)
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/files", s.listPullFiles)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot)
	})
	s.mux = m
}

func rcOf(r *http.Request) reqCtx { return r.Context().Value(ctxKey{}).(reqCtx) }

// ---- JSON shapes (GitHub's field names) ----

type userJSON struct {
	Login      string `json:"login"`
	ID         int64  `json:"id"`
	NodeID     string `json:"node_id"`
	AvatarURL  string `json:"avatar_url"`
	GravatarID string `json:"gravatar_id"`
	URL        string `json:"url"`
	HTMLURL    string `json:"html_url"`
	ReposURL   string `json:"repos_url"`
	Type       string `json:"type"`
	SiteAdmin  bool   `json:"site_admin"`
}

type authUserJSON struct {
	userJSON
	Name                    *string `json:"name"`
	Company                 *string `json:"company"`
	Blog                    string  `json:"blog"`
	Location                *string `json:"location"`
	Email                   *string `json:"email"`
	Bio                     *string `json:"bio"`
	PublicRepos             int     `json:"public_repos"`
	Followers               int     `json:"followers"`
	Following               int     `json:"following"`
	CreatedAt               string  `json:"created_at"`
	UpdatedAt               string  `json:"updated_at"`
	TotalPrivateRepos       int     `json:"total_private_repos"`
	OwnedPrivateRepos       int     `json:"owned_private_repos"`
	TwoFactorAuthentication bool    `json:"two_factor_authentication"`
}

type permissionsJSON struct {
	Admin    bool `json:"admin"`
	Maintain bool `json:"maintain"`
	Push     bool `json:"push"`
	Triage   bool `json:"triage"`
	Pull     bool `json:"pull"`
}

type repoJSON struct {
	ID              int64            `json:"id"`
	NodeID          string           `json:"node_id"`
	Name            string           `json:"name"`
	FullName        string           `json:"full_name"`
	Private         bool             `json:"private"`
	Owner           userJSON         `json:"owner"`
	HTMLURL         string           `json:"html_url"`
	Description     *string          `json:"description"`
	Fork            bool             `json:"fork"`
	URL             string           `json:"url"`
	CloneURL        string           `json:"clone_url"`
	CreatedAt       string           `json:"created_at"`
	UpdatedAt       string           `json:"updated_at"`
	PushedAt        string           `json:"pushed_at"`
	Size            int64            `json:"size"`
	StargazersCount int              `json:"stargazers_count"`
	WatchersCount   int              `json:"watchers_count"`
	Language        *string          `json:"language"`
	ForksCount      int              `json:"forks_count"`
	Archived        bool             `json:"archived"`
	Disabled        bool             `json:"disabled"`
	OpenIssuesCount int              `json:"open_issues_count"`
	Visibility      string           `json:"visibility"`
	DefaultBranch   string           `json:"default_branch"`
	Permissions     *permissionsJSON `json:"permissions,omitempty"`
}

type gitActorJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

type shaURLJSON struct {
	SHA string `json:"sha"`
	URL string `json:"url"`
}

type verificationJSON struct {
	Verified   bool    `json:"verified"`
	Reason     string  `json:"reason"`
	Signature  *string `json:"signature"`
	Payload    *string `json:"payload"`
	VerifiedAt *string `json:"verified_at"`
}

type commitDetailJSON struct {
	Author       gitActorJSON     `json:"author"`
	Committer    gitActorJSON     `json:"committer"`
	Message      string           `json:"message"`
	Tree         shaURLJSON       `json:"tree"`
	URL          string           `json:"url"`
	CommentCount int              `json:"comment_count"`
	Verification verificationJSON `json:"verification"`
}

type parentJSON struct {
	SHA     string `json:"sha"`
	URL     string `json:"url"`
	HTMLURL string `json:"html_url"`
}

type statsJSON struct {
	Total     int `json:"total"`
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
}

type fileJSON struct {
	SHA              *string `json:"sha"`
	Filename         string  `json:"filename"`
	Status           string  `json:"status"`
	Additions        int     `json:"additions"`
	Deletions        int     `json:"deletions"`
	Changes          int     `json:"changes"`
	BlobURL          string  `json:"blob_url"`
	RawURL           string  `json:"raw_url"`
	ContentsURL      string  `json:"contents_url"`
	Patch            *string `json:"patch,omitempty"`
	PreviousFilename *string `json:"previous_filename,omitempty"`
}

type commitJSON struct {
	SHA         string           `json:"sha"`
	NodeID      string           `json:"node_id"`
	Commit      commitDetailJSON `json:"commit"`
	URL         string           `json:"url"`
	HTMLURL     string           `json:"html_url"`
	CommentsURL string           `json:"comments_url"`
	Author      *userJSON        `json:"author"`
	Committer   *userJSON        `json:"committer"`
	Parents     []parentJSON     `json:"parents"`
	Stats       *statsJSON       `json:"stats,omitempty"`
	Files       *[]fileJSON      `json:"files,omitempty"`
}

type linksJSON struct {
	Self string  `json:"self"`
	Git  *string `json:"git,omitempty"`
	HTML string  `json:"html"`
}

type branchJSON struct {
	Name          string     `json:"name"`
	Commit        commitJSON `json:"commit"`
	Links         linksJSON  `json:"_links"`
	Protected     bool       `json:"protected"`
	Protection    any        `json:"protection"`
	ProtectionURL string     `json:"protection_url"`
}

type treeEntryJSON struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Type string `json:"type"`
	SHA  string `json:"sha"`
	Size *int64 `json:"size,omitempty"`
	URL  string `json:"url"`
}

type treeJSON struct {
	SHA       string          `json:"sha"`
	URL       string          `json:"url"`
	Tree      []treeEntryJSON `json:"tree"`
	Truncated bool            `json:"truncated"`
}

type contentJSON struct {
	Type        string    `json:"type"`
	Encoding    string    `json:"encoding,omitempty"`
	Size        int64     `json:"size"`
	Name        string    `json:"name"`
	Path        string    `json:"path"`
	Content     *string   `json:"content,omitempty"`
	SHA         string    `json:"sha"`
	URL         string    `json:"url"`
	GitURL      string    `json:"git_url"`
	HTMLURL     string    `json:"html_url"`
	DownloadURL *string   `json:"download_url"`
	Links       linksJSON `json:"_links"`
}

type pullBranchJSON struct {
	Label string   `json:"label"`
	Ref   string   `json:"ref"`
	SHA   string   `json:"sha"`
	User  userJSON `json:"user"`
	Repo  repoJSON `json:"repo"`
}

type pullJSON struct {
	URL               string         `json:"url"`
	ID                int64          `json:"id"`
	NodeID            string         `json:"node_id"`
	HTMLURL           string         `json:"html_url"`
	DiffURL           string         `json:"diff_url"`
	PatchURL          string         `json:"patch_url"`
	IssueURL          string         `json:"issue_url"`
	Number            int            `json:"number"`
	State             string         `json:"state"`
	Locked            bool           `json:"locked"`
	Title             string         `json:"title"`
	User              userJSON       `json:"user"`
	Body              *string        `json:"body"`
	CreatedAt         string         `json:"created_at"`
	UpdatedAt         string         `json:"updated_at"`
	ClosedAt          *string        `json:"closed_at"`
	MergedAt          *string        `json:"merged_at"`
	MergeCommitSHA    *string        `json:"merge_commit_sha"`
	Draft             bool           `json:"draft"`
	Head              pullBranchJSON `json:"head"`
	Base              pullBranchJSON `json:"base"`
	AuthorAssociation string         `json:"author_association"`
	Merged            bool           `json:"merged"`
	Mergeable         *bool          `json:"mergeable"`
	Comments          int            `json:"comments"`
	ReviewComments    int            `json:"review_comments"`
	Commits           int            `json:"commits"`
	Additions         int            `json:"additions"`
	Deletions         int            `json:"deletions"`
	ChangedFiles      int            `json:"changed_files"`
}

func nodeID(kind string, id any) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "0%d:%s%v", len(kind), kind, id))
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (rc reqCtx) user(u *user) userJSON {
	typ, kind := "User", "User"
	if u.org {
		typ, kind = "Organization", "Organization"
	}
	return userJSON{
		Login: u.login, ID: u.id, NodeID: nodeID(kind, u.id),
		AvatarURL: fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", u.id),
		URL:       rc.base + "users/" + u.login, HTMLURL: "https://github.com/" + u.login,
		ReposURL: rc.base + "users/" + u.login + "/repos", Type: typ,
	}
}

func (rc reqCtx) repoURL(rp *repo) string {
	return rc.base + "repos/" + rp.cfg.Owner + "/" + rp.cfg.Name
}

func htmlRepo(rp *repo) string { return "https://github.com/" + rp.cfg.Owner + "/" + rp.cfg.Name }

func (rc reqCtx) repo(rp *repo) repoJSON {
	vis := "public"
	if rp.cfg.Private {
		vis = "private"
	}
	j := repoJSON{
		ID: rp.id, NodeID: nodeID("Repository", rp.id), Name: rp.cfg.Name, FullName: rp.cfg.Owner + "/" + rp.cfg.Name,
		Private: rp.cfg.Private, Owner: rc.user(rp.owner), HTMLURL: htmlRepo(rp), Description: strPtr(rp.cfg.Description),
		URL: rc.repoURL(rp), CloneURL: htmlRepo(rp) + ".git",
		CreatedAt: ts(rp.created), UpdatedAt: ts(rp.pushed), PushedAt: ts(rp.pushed),
		Language: strPtr(rp.cfg.Language), Archived: rp.cfg.Archived, Visibility: vis, DefaultBranch: rp.cfg.DefaultBranch,
	}
	if rc.tok != nil {
		own := strings.EqualFold(rc.tok.user.login, rp.owner.login)
		collab := own
		for _, c := range rp.cfg.Collaborators {
			collab = collab || strings.EqualFold(c, rc.tok.user.login)
		}
		j.Permissions = &permissionsJSON{Admin: own, Maintain: own, Push: collab, Triage: collab, Pull: true}
	}
	return j
}

func (rc reqCtx) commit(rp *repo, c *commit) commitJSON {
	actor := gitActorJSON{Name: c.name, Email: c.email, Date: ts(c.when)}
	u := rc.user(c.author)
	j := commitJSON{
		SHA: c.sha, NodeID: nodeID("Commit", fmt.Sprintf("%d:%s", rp.id, c.sha)),
		Commit: commitDetailJSON{
			Author: actor, Committer: actor, Message: c.message,
			Tree:         shaURLJSON{SHA: c.tree, URL: rc.repoURL(rp) + "/git/trees/" + c.tree},
			URL:          rc.repoURL(rp) + "/git/commits/" + c.sha,
			Verification: verificationJSON{Reason: "unsigned"},
		},
		URL: rc.repoURL(rp) + "/commits/" + c.sha, HTMLURL: htmlRepo(rp) + "/commit/" + c.sha,
		CommentsURL: rc.repoURL(rp) + "/commits/" + c.sha + "/comments",
		Author:      &u, Committer: &u, Parents: []parentJSON{},
	}
	for _, p := range c.parents {
		j.Parents = append(j.Parents, parentJSON{SHA: p, URL: rc.repoURL(rp) + "/commits/" + p, HTMLURL: htmlRepo(rp) + "/commit/" + p})
	}
	return j
}

// files renders changed files, diffing each (outside the server's lock).
func (rc reqCtx) files(rp *repo, commitSHA string, changes []change) []fileJSON {
	out := make([]fileJSON, len(changes))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, c := range changes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			d := diffBlobs(c.old, c.new)
			f := fileJSON{
				Filename: c.path, Status: c.status, Additions: d.additions, Deletions: d.deletions,
				Changes:     d.additions + d.deletions,
				BlobURL:     htmlRepo(rp) + "/blob/" + commitSHA + "/" + c.path,
				RawURL:      htmlRepo(rp) + "/raw/" + commitSHA + "/" + c.path,
				ContentsURL: rc.repoURL(rp) + "/contents/" + c.path + "?ref=" + commitSHA,
			}
			if c.new != nil {
				f.SHA = &c.new.sha
			} else if c.old != nil {
				f.SHA = &c.old.sha
			}
			if d.hasPatch {
				f.Patch = &d.patch
			}
			out[i] = f
		}()
	}
	wg.Wait()
	return out
}

// ---- helpers ----

// repoFor finds the request's repository, answering 404 when it does not
// exist or the token may not see it. Called with s.mu held.
func (s *Server) repoForLocked(w http.ResponseWriter, r *http.Request) (*repo, bool) {
	rp, ok := s.repos[repoKey(r.PathValue("owner"), r.PathValue("repo"))]
	if !ok || !rp.canRead(rcOf(r).tok) {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot+"/repos/repos#get-a-repository")
		return nil, false
	}
	return rp, true
}

func emptyRepo(w http.ResponseWriter) {
	writeError(w, http.StatusConflict, "Git Repository is empty.", docsRoot+"/commits/commits#get-a-commit")
}

func noCommit(w http.ResponseWriter, ref string) {
	writeError(w, http.StatusUnprocessableEntity, "No commit found for SHA: "+ref, docsRoot+"/commits/commits#get-a-commit")
}

// page reads per_page and page, sets the Link header and returns the
// slice bounds of the page.
func page(w http.ResponseWriter, r *http.Request, total, defPer, maxPer int) (int, int) {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = defPer
	}
	per = min(per, maxPer)
	pg, err := strconv.Atoi(q.Get("page"))
	if err != nil || pg <= 0 {
		pg = 1
	}
	last := max((total+per-1)/per, 1)
	rc := rcOf(r)
	link := func(n int, rel string) string {
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(per))
		return fmt.Sprintf("<%s%s?%s>; rel=%q", rc.base, strings.TrimPrefix(r.URL.Path, "/"), q.Encode(), rel)
	}
	var links []string
	if pg > 1 {
		links = append(links, link(pg-1, "prev"))
	}
	if pg < last {
		links = append(links, link(pg+1, "next"), link(last, "last"))
	}
	if pg > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	from := min((pg-1)*per, total)
	return from, min(from+per, total)
}

// ---- handlers ----

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	rc := rcOf(r)
	if rc.tok == nil {
		writeError(w, http.StatusUnauthorized, "Requires authentication", docsRoot+"/users/users#get-the-authenticated-user")
		return
	}
	s.mu.Lock()
	u := authUserJSON{userJSON: rc.user(rc.tok.user), CreatedAt: ts(epoch.Add(-365 * 24 * time.Hour)), UpdatedAt: ts(epoch)}
	for _, rp := range s.repos {
		if rp.owner == rc.tok.user {
			if rp.cfg.Private {
				u.TotalPrivateRepos++
				u.OwnedPrivateRepos++
			} else {
				u.PublicRepos++
			}
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rp, ok := s.repoForLocked(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	j := rcOf(r).repo(rp)
	var size int64
	if sha, ok := rp.branches[rp.cfg.DefaultBranch]; ok {
		for _, f := range rp.objs.flatten(rp.objs.commits[sha].tree) {
			size += f.blob.size
		}
	}
	j.Size = size / 1024 // GitHub reports kilobytes
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, j)
}

func wantsSHA(accept string) bool {
	return strings.Contains(accept, "vnd.github.sha") || strings.Contains(accept, "vnd.github.v3.sha")
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request) {
	rc := rcOf(r)
	ref := r.PathValue("ref")
	s.mu.Lock()
	rp, ok := s.repoForLocked(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	if rp.empty() {
		s.mu.Unlock()
		emptyRepo(w)
		return
	}
	sha, ok := rp.resolve(ref)
	if !ok {
		s.mu.Unlock()
		noCommit(w, ref)
		return
	}
	c := rp.objs.commits[sha]
	accept := r.Header.Get("Accept")
	if wantsSHA(accept) {
		s.mu.Unlock()
		w.Header().Set("ETag", `"`+sha+`"`)
		if inm := r.Header.Get("If-None-Match"); inm == `"`+sha+`"` || inm == `W/"`+sha+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		mt := "application/vnd.github.sha"
		if strings.Contains(accept, "v3.sha") {
			mt = "application/vnd.github.v3.sha"
		}
		w.Header().Set("Content-Type", mt+"; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(sha)))
		_, _ = io.WriteString(w, sha)
		return
	}
	j := rc.commit(rp, c)
	changes := rp.objs.diffTrees(rp.parentTree(c), c.tree)
	s.mu.Unlock()

	if len(changes) > 3000 {
		changes = changes[:3000]
	}
	from, to := page(w, r, len(changes), 300, 300)
	files := rc.files(rp, c.sha, changes[from:to])
	j.Files = &files
	c.statsOnce.Do(func() {
		for _, ch := range changes {
			add, del := diffStats(ch.old, ch.new)
			c.additions += add
			c.deletions += del
		}
	})
	j.Stats = &statsJSON{Total: c.additions + c.deletions, Additions: c.additions, Deletions: c.deletions}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) listCommits(w http.ResponseWriter, r *http.Request) {
	rc := rcOf(r)
	q := r.URL.Query()
	s.mu.Lock()
	rp, ok := s.repoForLocked(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	if rp.empty() {
		s.mu.Unlock()
		emptyRepo(w)
		return
	}
	ref := q.Get("sha")
	sha, ok := rp.resolve(ref)
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Not Found", docsRoot+"/commits/commits#list-commits")
		return
	}
	hist := rp.history(sha)
	if p := cleanPath(q.Get("path")); p != "" {
		kept := hist[:0:0]
		for _, c := range hist {
			now, _ := rp.objs.lookup(c.tree, p)
			before, _ := rp.objs.lookup(rp.parentTree(c), p)
			if now.sha != before.sha {
				kept = append(kept, c)
			}
		}
		hist = kept
	}
	from, to := page(w, r, len(hist), 30, 100)
	list := make([]commitJSON, 0, to-from)
	for _, c := range hist[from:to] {
		list = append(list, rc.commit(rp, c))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) getBranch(w http.ResponseWriter, r *http.Request) {
	rc := rcOf(r)
	name := r.PathValue("branch")
	s.mu.Lock()
	rp, ok := s.repoForLocked(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	sha, ok := rp.branches[name]
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Branch not found", docsRoot+"/branches/branches#get-a-branch")
		return
	}
	j := branchJSON{
		Name: name, Commit: rc.commit(rp, rp.objs.commits[sha]),
		Links:         linksJSON{Self: rc.repoURL(rp) + "/branches/" + name, HTML: htmlRepo(rp) + "/tree/" + name},
		Protection:    map[string]any{"enabled": false, "required_status_checks": map[string]any{"enforcement_level": "off", "contexts": []string{}, "checks": []string{}}},
		ProtectionURL: rc.repoURL(rp) + "/branches/" + name + "/protection",
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) getTree(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("sha")
	_, recursive := r.URL.Query()["recursive"]
	recursive = recursive && r.URL.Query().Get("recursive") != ""
	s.mu.Lock()
	j, status := s.treeLocked(w, r, ref, recursive)
	s.mu.Unlock()
	if status != 0 {
		writeJSON(w, status, j)
	}
}

// treeLocked builds a tree listing; status 0 means an error was written.
func (s *Server) treeLocked(w http.ResponseWriter, r *http.Request, ref string, recursive bool) (treeJSON, int) {
	rc := rcOf(r)
	rp, ok := s.repoForLocked(w, r)
	if !ok {
		return treeJSON{}, 0
	}
	if rp.empty() {
		emptyRepo(w)
		return treeJSON{}, 0
	}
	t := rp.objs.trees[strings.ToLower(ref)]
	if t == nil {
		if sha, ok := rp.resolve(ref); ok {
			t = rp.objs.trees[rp.objs.commits[sha].tree]
		}
	}
	if t == nil {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot+"/git/trees#get-a-tree")
		return treeJSON{}, 0
	}
	j := treeJSON{SHA: t.sha, URL: rc.repoURL(rp) + "/git/trees/" + t.sha, Tree: []treeEntryJSON{}}
	var walk func(t *tree, prefix string) bool
	walk = func(t *tree, prefix string) bool {
		for _, e := range t.entries {
			if len(j.Tree) >= s.treeLimit {
				j.Truncated = true
				return false
			}
			te := treeEntryJSON{Path: prefix + e.name, Mode: e.mode, Type: e.typ, SHA: e.sha}
			if e.typ == "blob" {
				size := e.size
				te.Size = &size
				te.URL = rc.repoURL(rp) + "/git/blobs/" + e.sha
			} else {
				te.URL = rc.repoURL(rp) + "/git/trees/" + e.sha
			}
			j.Tree = append(j.Tree, te)
			if recursive && e.typ == "tree" {
				if !walk(rp.objs.trees[e.sha], prefix+e.name+"/") {
					return false
				}
			}
		}
		return true
	}
	walk(t, "")
	return j, http.StatusOK
}

func wantsRaw(accept string) bool { return strings.Contains(accept, ".raw") }

func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) {
	rc := rcOf(r)
	sha := strings.ToLower(r.PathValue("sha"))
	s.mu.Lock()
	rp, ok := s.repoForLocked(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	b := rp.objs.blobs[sha]
	url := rc.repoURL(rp) + "/git/blobs/" + sha
	s.mu.Unlock()
	if b == nil {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot+"/git/blobs#get-a-blob")
		return
	}
	s.recordBlob(b.sha, b.size)
	if wantsRaw(r.Header.Get("Accept")) {
		s.writeRaw(w, b)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	fmt.Fprintf(bw, `{"sha":%q,"node_id":%q,"size":%d,"url":%q,"content":"`, b.sha, nodeID("Blob", b.sha), b.size, url)
	lw := &lineWrapper{w: bw}
	enc := base64.NewEncoder(base64.StdEncoding, lw)
	_ = b.writeTo(enc)
	_ = enc.Close()
	lw.finish()
	_, _ = io.WriteString(bw, `","encoding":"base64"}`)
	_ = bw.Flush()
}

func (s *Server) writeRaw(w http.ResponseWriter, b *blob) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(b.size, 10))
	w.WriteHeader(http.StatusOK)
	_ = b.writeTo(w)
}

// lineWrapper writes base64 as GitHub does, a JSON-escaped newline after
// every 60 characters and at the end.
type lineWrapper struct {
	w   io.Writer
	col int
}

func (l *lineWrapper) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		chunk := min(60-l.col, len(p))
		if _, err := l.w.Write(p[:chunk]); err != nil {
			return n, err
		}
		n += chunk
		l.col += chunk
		p = p[chunk:]
		if l.col == 60 {
			if _, err := io.WriteString(l.w, `\n`); err != nil {
				return n, err
			}
			l.col = 0
		}
	}
	return n, nil
}

func (l *lineWrapper) finish() {
	if l.col > 0 {
		_, _ = io.WriteString(l.w, `\n`)
	}
}

func (s *Server) getContents(w http.ResponseWriter, r *http.Request) {
	rc := rcOf(r)
	p := cleanPath(r.PathValue("path"))
	s.mu.Lock()
	rp, ok := s.repoForLocked(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	if rp.empty() {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "This repository is empty.", docsRoot+"/repos/contents#get-repository-content")
		return
	}
	ref := r.URL.Query().Get("ref")
	sha, ok := rp.resolve(ref)
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "No commit found for the ref "+ref, docsRoot+"/repos/contents#get-repository-content")
		return
	}
	if ref == "" {
		ref = rp.cfg.DefaultBranch
	}
	e, ok := rp.objs.lookup(rp.objs.commits[sha].tree, p)
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Not Found", docsRoot+"/repos/contents#get-repository-content")
		return
	}
	item := func(e treeEntry, p string) contentJSON {
		typ := "file"
		switch {
		case e.typ == "tree":
			typ = "dir"
		case e.mode == modeSymlink:
			typ = "symlink"
		}
		self := rc.repoURL(rp) + "/contents/" + p + "?ref=" + url.QueryEscape(ref)
		git := rc.repoURL(rp) + "/git/" + e.typ + "s/" + e.sha
		html := htmlRepo(rp) + "/" + map[bool]string{true: "tree", false: "blob"}[e.typ == "tree"] + "/" + ref + "/" + p
		c := contentJSON{
			Type: typ, Size: e.size, Name: path.Base(p), Path: p, SHA: e.sha, URL: self, GitURL: git, HTMLURL: html,
			Links: linksJSON{Self: self, Git: &git, HTML: html},
		}
		if e.typ != "tree" {
			c.DownloadURL = strPtr("https://raw.githubusercontent.com/" + rp.cfg.Owner + "/" + rp.cfg.Name + "/" + ref + "/" + p)
		}
		return c
	}
	if e.typ == "tree" {
		list := []contentJSON{}
		for _, child := range rp.objs.trees[e.sha].entries {
			list = append(list, item(child, strings.TrimPrefix(p+"/"+child.name, "/")))
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, list)
		return
	}
	b := rp.objs.blobs[e.sha]
	c := item(e, p)
	s.mu.Unlock()
	if wantsRaw(r.Header.Get("Accept")) {
		s.recordBlob(b.sha, b.size)
		s.writeRaw(w, b)
		return
	}
	c.Encoding = "base64"
	content := ""
	if b.size > maxPatchBytes {
		// Between 1 and 100 MB GitHub sends no content.
		c.Encoding = "none"
	} else {
		s.recordBlob(b.sha, b.size)
		var sb strings.Builder
		lw := &lineWrapper{w: &sb}
		enc := base64.NewEncoder(base64.StdEncoding, lw)
		_ = b.writeTo(enc)
		_ = enc.Close()
		lw.finish()
		content = strings.ReplaceAll(sb.String(), `\n`, "\n")
	}
	c.Content = &content
	writeJSON(w, http.StatusOK, c)
}

// pullState reads a pull request's live heads and changed files. Called
// with s.mu held.
func (rc reqCtx) pullLocked(rp *repo, p *pull) (pullJSON, []change, string) {
	headSHA, _ := rp.resolve(p.cfg.Head)
	baseSHA, _ := rp.resolve(p.cfg.Base)
	mb := rp.mergeBase(baseSHA, headSHA)
	var changes []change
	commits := 0
	if head := rp.objs.commits[headSHA]; head != nil {
		mbTree := ""
		if c := rp.objs.commits[mb]; c != nil {
			mbTree = c.tree
		}
		changes = rp.objs.diffTrees(mbTree, head.tree)
		for _, c := range rp.history(headSHA) {
			if c.sha == mb {
				break
			}
			commits++
		}
	}
	author := rc.user(rp.owner)
	j := pullJSON{
		URL: rc.repoURL(rp) + "/pulls/" + strconv.Itoa(p.cfg.Number), ID: p.id, NodeID: nodeID("PullRequest", p.id),
		HTMLURL:  htmlRepo(rp) + "/pull/" + strconv.Itoa(p.cfg.Number),
		DiffURL:  htmlRepo(rp) + "/pull/" + strconv.Itoa(p.cfg.Number) + ".diff",
		PatchURL: htmlRepo(rp) + "/pull/" + strconv.Itoa(p.cfg.Number) + ".patch",
		IssueURL: rc.repoURL(rp) + "/issues/" + strconv.Itoa(p.cfg.Number),
		Number:   p.cfg.Number, State: p.cfg.State, Title: p.cfg.Title, User: author, Body: strPtr(p.cfg.Body),
		CreatedAt: ts(p.created), UpdatedAt: ts(p.created), Draft: p.cfg.Draft,
		Head:              pullBranchJSON{Label: rp.cfg.Owner + ":" + p.cfg.Head, Ref: p.cfg.Head, SHA: headSHA, User: rc.user(rp.owner), Repo: rc.repo(rp)},
		Base:              pullBranchJSON{Label: rp.cfg.Owner + ":" + p.cfg.Base, Ref: p.cfg.Base, SHA: baseSHA, User: rc.user(rp.owner), Repo: rc.repo(rp)},
		AuthorAssociation: "OWNER", Commits: commits, ChangedFiles: len(changes),
	}
	if p.cfg.State == "closed" {
		j.ClosedAt = strPtr(ts(p.created.Add(time.Hour)))
	}
	return j, changes, headSHA
}

func (s *Server) pullFor(w http.ResponseWriter, r *http.Request) (*repo, *pull, bool) {
	rp, ok := s.repoForLocked(w, r)
	if !ok {
		return nil, nil, false
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	p, found := rp.pulls[n]
	if err != nil || !found {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot+"/pulls/pulls#get-a-pull-request")
		return nil, nil, false
	}
	return rp, p, true
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request) {
	rc := rcOf(r)
	s.mu.Lock()
	rp, p, ok := s.pullFor(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	j, changes, _ := rc.pullLocked(rp, p)
	s.mu.Unlock()
	for _, c := range changes {
		add, del := diffStats(c.old, c.new)
		j.Additions += add
		j.Deletions += del
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) listPullFiles(w http.ResponseWriter, r *http.Request) {
	rc := rcOf(r)
	s.mu.Lock()
	rp, p, ok := s.pullFor(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	_, changes, head := rc.pullLocked(rp, p)
	s.mu.Unlock()
	if len(changes) > 3000 {
		changes = changes[:3000] // GitHub lists 3,000 files at most
	}
	from, to := page(w, r, len(changes), 30, 100)
	writeJSON(w, http.StatusOK, rc.files(rp, head, changes[from:to]))
}
