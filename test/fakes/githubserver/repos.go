package githubserver

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Repo describes a repository to add.
type Repo struct {
	Owner string
	Name  string
	// ID defaults to a fresh one.
	ID            int64
	Private       bool
	DefaultBranch string // default "main"
	Language      string
	Description   string
	Archived      bool
	// OwnerIsOrg makes the owner an organisation ("type": "Organization").
	OwnerIsOrg bool
	// Collaborators (logins) may read a private repository besides its
	// owner.
	Collaborators []string
	// Files (path -> content) make the first commit of the default
	// branch; none leaves the repository empty.
	Files map[string]string
	// Modes sets a file's mode: "100755" (executable), "120000" (a
	// symlink whose content is its target); default "100644".
	Modes map[string]string
	// Message of the first commit; default "Initial commit".
	Message string
}

type repo struct {
	cfg      Repo
	id       int64
	owner    *user
	objs     objects
	branches map[string]string // name -> commit sha
	tags     map[string]string
	pulls    map[int]*pull
	nextPull int
	created  time.Time
	pushed   time.Time
}

type pull struct {
	cfg     Pull
	id      int64
	created time.Time
}

// Pull describes a pull request to add.
type Pull struct {
	// Number defaults to the next free one.
	Number int
	Title  string
	Body   string
	// Base is the branch merged into (default: the default branch); Head
	// the branch (or tag, or sha) with the changes. Both are read when
	// the pull request is, so pushing to Head updates it.
	Base  string
	Head  string
	State string // open (default) | closed
	Draft bool
	// Author is the opener's login; default the repository's owner.
	Author string
}

var epoch = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

func repoKey(owner, name string) string { return strings.ToLower(owner + "/" + name) }

// AddRepo adds (or replaces) a repository; it returns the first commit's
// sha ("" for an empty repository).
func (s *Server) AddRepo(r Repo) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.newRepoLocked(r)
	if len(r.Files) == 0 {
		return ""
	}
	return s.pushLocked(rp, Change{Branch: rp.cfg.DefaultBranch, Files: r.Files, Modes: r.Modes, Message: r.Message, Replace: true})
}

func (s *Server) newRepoLocked(r Repo) *repo {
	if r.Owner == "" || r.Name == "" {
		panic("githubserver: a repository needs an owner and a name")
	}
	if r.DefaultBranch == "" {
		r.DefaultBranch = "main"
	}
	if r.Message == "" {
		r.Message = "Initial commit"
	}
	id := r.ID
	if id == 0 {
		s.nextRepoID++
		id = s.nextRepoID
	}
	owner := s.userLocked(r.Owner)
	owner.org = owner.org || r.OwnerIsOrg
	rp := &repo{
		cfg: r, id: id, owner: owner, objs: newObjects(),
		branches: map[string]string{}, tags: map[string]string{}, pulls: map[int]*pull{},
		created: epoch.Add(-24 * time.Hour), pushed: epoch,
	}
	s.repos[repoKey(r.Owner, r.Name)] = rp
	return rp
}

// mustRepoLocked finds a repository or panics: the fake's API is for test
// setup, where an unknown repository is a bug in the test.
func (s *Server) mustRepoLocked(owner, name string) *repo {
	rp, ok := s.repos[repoKey(owner, name)]
	if !ok {
		panic(fmt.Sprintf("githubserver: no repository %s/%s", owner, name))
	}
	return rp
}

// DeleteRepo removes a repository: everything about it answers 404.
func (s *Server) DeleteRepo(owner, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.repos, repoKey(owner, name))
}

// SetPrivate changes a repository's visibility.
func (s *Server) SetPrivate(owner, name string, private bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepoLocked(owner, name).cfg.Private = private
}

// Change is a commit to push.
type Change struct {
	// Branch defaults to the default branch; a new branch starts from the
	// default branch's head.
	Branch  string
	Message string            // default "Update files"
	Files   map[string]string // path -> new content
	Modes   map[string]string // path -> mode, see Repo.Modes
	Delete  []string          // paths to remove
	// Replace makes the commit's tree exactly Files (minus Delete) instead
	// of changes on top of the parent's.
	Replace bool
	// Author is a login; default the repository's owner.
	Author string
}

// Push adds a commit to a branch and returns its sha.
func (s *Server) Push(owner, name string, c Change) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushLocked(s.mustRepoLocked(owner, name), c)
}

// Commit adds (or changes) files on branch in a new commit and returns
// its sha.
func (s *Server) Commit(owner, name, branch string, files map[string]string, message string) string {
	return s.Push(owner, name, Change{Branch: branch, Files: files, Message: message})
}

// SetFiles makes branch's tree exactly files, in a new commit.
func (s *Server) SetFiles(owner, name, branch string, files map[string]string) string {
	return s.Push(owner, name, Change{Branch: branch, Files: files, Replace: true, Message: "Set files"})
}

func (s *Server) pushLocked(rp *repo, c Change) string {
	if c.Branch == "" {
		c.Branch = rp.cfg.DefaultBranch
	}
	if c.Message == "" {
		c.Message = "Update files"
	}
	var parents []string
	parentSHA, ok := rp.branches[c.Branch]
	if !ok {
		parentSHA = rp.branches[rp.cfg.DefaultBranch]
	}
	files := map[string]fileRef{}
	if parentSHA != "" {
		parents = []string{parentSHA}
		if !c.Replace {
			files = rp.objs.flatten(rp.objs.commits[parentSHA].tree)
		}
	}
	for p, content := range c.Files {
		p = cleanPath(p)
		mode := modeFile
		if m, ok := c.Modes[p]; ok {
			mode = m
		} else if old, ok := files[p]; ok {
			mode = old.mode
		}
		files[p] = fileRef{mode: mode, blob: newLiteralBlob(content)}
	}
	for _, p := range c.Delete {
		delete(files, cleanPath(p))
	}
	return s.commitLocked(rp, c.Branch, files, parents, c.Message, c.Author)
}

func (s *Server) commitLocked(rp *repo, branch string, files map[string]fileRef, parents []string, message, author string) string {
	u := rp.owner
	if author != "" {
		u = s.userLocked(author)
	}
	s.commitSeq++
	when := epoch.Add(time.Duration(s.commitSeq) * time.Minute)
	cm := &commit{
		tree: rp.objs.writeTree(files), parents: parents, message: message, author: u,
		name: u.login, email: fmt.Sprintf("%d+%s@users.noreply.github.com", u.id, u.login), when: when,
	}
	sha := rp.objs.writeCommit(cm)
	rp.branches[branch] = sha
	rp.pushed = when
	return sha
}

func cleanPath(p string) string { return strings.Trim(p, "/") }

// CreateBranch points a new (or existing) branch at ref.
func (s *Server) CreateBranch(owner, name, branch, ref string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepoLocked(owner, name)
	sha, ok := rp.resolve(ref)
	if !ok {
		panic(fmt.Sprintf("githubserver: %s/%s has no ref %q", owner, name, ref))
	}
	rp.branches[branch] = sha
	return sha
}

// CreateTag adds a lightweight tag at ref.
func (s *Server) CreateTag(owner, name, tag, ref string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepoLocked(owner, name)
	sha, ok := rp.resolve(ref)
	if !ok {
		panic(fmt.Sprintf("githubserver: %s/%s has no ref %q", owner, name, ref))
	}
	rp.tags[tag] = sha
	return sha
}

// Head is a branch's commit sha ("" if there is none).
func (s *Server) Head(owner, name, branch string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustRepoLocked(owner, name).branches[branch]
}

// FileSHA is the blob sha of path at ref ("" if there is no such file).
func (s *Server) FileSHA(owner, name, ref, path string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepoLocked(owner, name)
	sha, ok := rp.resolve(ref)
	if !ok {
		return ""
	}
	e, ok := rp.objs.lookup(rp.objs.commits[sha].tree, cleanPath(path))
	if !ok || e.typ != "blob" {
		return ""
	}
	return e.sha
}

// ServedPaths are the paths at ref whose blob content was sent, in path
// order (a blob shared by several paths counts for each).
func (s *Server) ServedPaths(owner, name, ref string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepoLocked(owner, name)
	sha, ok := rp.resolve(ref)
	if !ok {
		return nil
	}
	var out []string
	files := rp.objs.flatten(rp.objs.commits[sha].tree)
	for _, p := range sortedKeys(files) {
		if s.stats.BlobReads[files[p].blob.sha] > 0 {
			out = append(out, p)
		}
	}
	return out
}

// AddPull adds a pull request and returns its number.
func (s *Server) AddPull(owner, name string, p Pull) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepoLocked(owner, name)
	if p.Base == "" {
		p.Base = rp.cfg.DefaultBranch
	}
	if p.State == "" {
		p.State = "open"
	}
	if p.Author == "" {
		p.Author = rp.owner.login
	}
	s.userLocked(p.Author)
	for _, ref := range []string{p.Base, p.Head} {
		if _, ok := rp.resolve(ref); !ok {
			panic(fmt.Sprintf("githubserver: %s/%s has no ref %q", owner, name, ref))
		}
	}
	if p.Number == 0 {
		p.Number = rp.nextPull + 1
	}
	rp.nextPull = max(rp.nextPull, p.Number)
	rp.pulls[p.Number] = &pull{cfg: p, id: rp.id*10_000 + int64(p.Number), created: epoch.Add(time.Duration(s.commitSeq+1) * time.Minute)}
	return p.Number
}

// SetPullState opens or closes a pull request.
func (s *Server) SetPullState(owner, name string, number int, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.mustRepoLocked(owner, name).pulls[number]; ok {
		p.cfg.State = state
	}
}

var hexRe = regexp.MustCompile(`^[0-9a-fA-F]{4,40}$`)

// resolve turns a branch, tag, full or short sha (or refs/heads/...,
// refs/tags/...) into a commit sha.
func (rp *repo) resolve(ref string) (string, bool) {
	if ref == "" {
		ref = rp.cfg.DefaultBranch
	}
	for _, p := range []string{"refs/heads/", "heads/"} {
		if b, ok := strings.CutPrefix(ref, p); ok {
			sha, ok := rp.branches[b]
			return sha, ok
		}
	}
	for _, p := range []string{"refs/tags/", "tags/"} {
		if t, ok := strings.CutPrefix(ref, p); ok {
			sha, ok := rp.tags[t]
			return sha, ok
		}
	}
	if sha, ok := rp.branches[ref]; ok {
		return sha, true
	}
	if sha, ok := rp.tags[ref]; ok {
		return sha, true
	}
	if !hexRe.MatchString(ref) {
		return "", false
	}
	ref = strings.ToLower(ref)
	if _, ok := rp.objs.commits[ref]; ok {
		return ref, true
	}
	found := ""
	for sha := range rp.objs.commits {
		if strings.HasPrefix(sha, ref) {
			if found != "" {
				return "", false // ambiguous
			}
			found = sha
		}
	}
	return found, found != ""
}

func (rp *repo) empty() bool { return len(rp.objs.commits) == 0 }

// canRead says whether tok (nil: anonymous) may see the repository.
func (rp *repo) canRead(tok *token) bool {
	if !rp.cfg.Private {
		return true
	}
	if tok == nil {
		return false
	}
	if tok.classic && !hasScope(tok.scopes, "repo") {
		return false
	}
	if strings.EqualFold(tok.user.login, rp.owner.login) {
		return true
	}
	for _, c := range rp.cfg.Collaborators {
		if strings.EqualFold(c, tok.user.login) {
			return true
		}
	}
	return false
}

func hasScope(scopes []string, want string) bool {
	for _, s := range scopes {
		if s == want {
			return true
		}
	}
	return false
}

// history lists commits reachable from sha, newest first.
func (rp *repo) history(sha string) []*commit {
	var out []*commit
	seen := map[string]bool{}
	frontier := []*commit{}
	if c := rp.objs.commits[sha]; c != nil {
		frontier = append(frontier, c)
		seen[sha] = true
	}
	for len(frontier) > 0 {
		best := 0
		for i, c := range frontier {
			if c.when.After(frontier[best].when) {
				best = i
			}
		}
		c := frontier[best]
		frontier = append(frontier[:best], frontier[best+1:]...)
		out = append(out, c)
		for _, p := range c.parents {
			if pc := rp.objs.commits[p]; pc != nil && !seen[p] {
				seen[p] = true
				frontier = append(frontier, pc)
			}
		}
	}
	return out
}

// mergeBase is the newest common ancestor of two commits.
func (rp *repo) mergeBase(a, b string) string {
	ancestors := map[string]bool{}
	for _, c := range rp.history(a) {
		ancestors[c.sha] = true
	}
	for _, c := range rp.history(b) {
		if ancestors[c.sha] {
			return c.sha
		}
	}
	return ""
}

// parentTree is a commit's first parent's tree ("" for a root commit).
func (rp *repo) parentTree(c *commit) string {
	if len(c.parents) == 0 {
		return ""
	}
	if p := rp.objs.commits[c.parents[0]]; p != nil {
		return p.tree
	}
	return ""
}
